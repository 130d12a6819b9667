//! Roles, includes and variables as ansible-core's own targets (roles_arg_spec, includes,
//! var_inheritance, …) exercise them: each test pins one behaviour drover had wrong, with what
//! ansible-core 2.19 does.

mod common;

use common::{play_with, tree};

const LOCAL: &str = "localhost ansible_connection=local\n";

/// ansible-core's `IncludeRole.get_name`: a named `include_role` inside a role shows its own name,
/// not `role : name`; an unnamed one `include_role : ROLE`.
#[test]
fn an_include_role_inside_a_role_is_shown_by_its_own_name() {
    let dir = tree(&[
        (
            "roles/outer/tasks/main.yml",
            "- name: Outer includes {{ what }}\n  include_role:\n    name: inner\n- include_role:\n    name: inner\n- name: plain\n  debug: msg=x\n",
        ),
        ("roles/inner/tasks/main.yml", "- debug: msg=inner\n"),
    ]);
    let out = play_with(
        dir.path(),
        LOCAL,
        "- hosts: localhost\n  gather_facts: false\n  vars:\n    what: inner\n  roles: [outer]\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        [
            "Outer includes inner",
            "inner : debug",
            "include_role : inner",
            "inner : debug",
            "outer : plain"
        ],
        "{}",
        out.show()
    );
}

/// ansible-core's import_tasks target: `notify` on an `import_tasks` is inherited by its tasks.
#[test]
fn notify_on_an_import_reaches_the_imported_tasks() {
    let dir = tree(&[(
        "tasks/change.yml",
        "- debug: msg=changing\n  changed_when: true\n",
    )]);
    let out = play_with(
        dir.path(),
        LOCAL,
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - import_tasks: tasks/change.yml\n      notify: hello\n  handlers:\n    - name: hello\n      set_fact: hello=world\n  post_tasks:\n    - assert:\n        that: hello == 'world'\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout.contains("RUNNING HANDLER [hello]"),
        "{}",
        out.show()
    );
}

/// include_import_tasks_nested: an import's file name may be a template of what loading knows
/// (here `role_path`, a role's vars and the play's vars).
#[test]
fn a_templated_import_is_rendered_with_the_variables_known_at_load_time() {
    let dir = tree(&[
        (
            "roles/r/tasks/main.yml",
            "- import_tasks: \"{{ role_path }}/extra/{{ which }}.yml\"\n",
        ),
        ("roles/r/vars/main.yml", "which: \"{{ prefix }}two\"\n"),
        ("roles/r/extra/two.yml", "- debug: msg=from-two\n"),
    ]);
    let out = play_with(
        dir.path(),
        LOCAL,
        "- hosts: localhost\n  gather_facts: false\n  vars:\n    prefix: ''\n  roles: [r]\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("from-two"), "{}", out.show());
    let unknown = play_with(
        dir.path(),
        LOCAL,
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - set_fact: late=x\n    - import_tasks: \"{{ late }}.yml\"\n",
        &[],
    );
    assert_eq!(unknown.code, 4, "{}", unknown.show());
    assert!(unknown.stderr.contains("p.yml:5"), "{}", unknown.show());
}

/// include_when_parent_is_dynamic: a dynamically included file is read only when the include
/// runs: a broken file behind an include that is never reached does not stop the playbook.
#[test]
fn a_broken_file_behind_an_include_that_never_runs_is_no_load_error() {
    let dir = tree(&[
        (
            "tasks.yml",
            "- fail:\n    msg: stop here\n- include_tasks: broken.yml\n",
        ),
        ("broken.yml", "not a list of tasks\n"),
    ]);
    let out = play_with(
        dir.path(),
        LOCAL,
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - include_tasks: tasks.yml\n",
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(out.stdout.contains("stop here"), "{}", out.show());
    // What drover does not support is still refused before any host is touched.
    std::fs::write(
        dir.path().join("broken.yml"),
        "- debug: msg=x\n  with_nosuchlookup: [1]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let gap = play_with(
        dir.path(),
        LOCAL,
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - include_tasks: tasks.yml\n",
        &[],
    );
    assert_eq!(gap.code, 4, "{}", gap.show());
}

/// Ansible skips become when the task would become the user it already runs as
/// (import-role-tasks and include_import_tasks_nested run `become: true` as root, without sudo).
#[test]
fn becoming_the_user_a_connection_already_runs_as_runs_no_become_program() {
    let dir = tree(&[]);
    let out = play_with(
        dir.path(),
        LOCAL,
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - command: id -un\n      register: me\n    - command: id -un\n      become: true\n      become_user: \"{{ me.stdout }}\"\n      become_exe: /nonexistent/sudo\n      register: again\n    - assert:\n        that: again.stdout == me.stdout\n    - command: id -un\n      become: true\n      become_user: someone-else\n      become_exe: /nonexistent/sudo\n",
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(out.count("localhost", "failed"), 1, "{}", out.show());
    assert!(out.stdout.contains("/nonexistent/sudo"), "{}", out.show());
}
