//! What a user sees when a template fails, in ansible-core 2.19's words (they grep them): task
//! names that do not render are shown with `<< error N - … >>` markers and the task still runs;
//! a task whose arguments or `when:` do not render fails with `Task failed: …`. Every expected
//! text below was printed by ansible-playbook 2.19.14 for the same playbook.

mod common;

use common::{play_with, tempdir};

const INVENTORY: &str = "h1 ansible_connection=local\n";

const PLAYBOOK: &str = r#"- hosts: h1
  gather_facts: false
  tasks:
    - name: "name {{ nope }} here"
      debug: msg=x
    - name: "a {{ x1 }} b {{ 'ok' }} c {{ x2 | upper }} d"
      debug: msg=x
    - name: "loop {{ item }}"
      debug: msg={{ item }}
      loop: [1]
    - name: "filter {{ 'a' | nofilter }}"
      debug: msg=x
    - name: undefined in msg
      debug:
        msg: "{{ nope }}"
      ignore_errors: true
    - name: undefined in module arg
      file:
        path: "/tmp/{{ nope }}"
        state: directory
      ignore_errors: true
    - name: undefined in when
      debug: msg=x
      when: nope == 1
      ignore_errors: true
    - name: syntax error
      debug:
        msg: "{{ 1 + }}"
      ignore_errors: true
"#;

#[test]
fn names_that_do_not_render_show_error_markers_and_the_task_runs() {
    let dir = tempdir();
    let out = play_with(dir.path(), INVENTORY, PLAYBOOK, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    let banners = out.task_banners();
    assert_eq!(
        banners[..4],
        [
            "name << error 1 - 'nope' is undefined >> here",
            "a << error 1 - 'x1' is undefined >> b ok c << error 2 - 'x2' is undefined >> d",
            "loop << error 1 - 'item' is undefined >>",
            "<< error 1 - Syntax error in template: No filter named 'nofilter'. >>",
        ],
        "{}",
        out.show()
    );
    let output = format!("{}{}", out.stdout, out.stderr);
    assert!(
        output
            .contains("[WARNING]: Encountered 2 template errors.\nerror 1 - 'x1' is undefined\nerror 2 - 'x2' is undefined\nOrigin: "),
        "{}",
        out.show()
    );
    // The tasks ran: four ok, the four failures ignored.
    assert_eq!(out.count("h1", "ok"), 8, "{}", out.show());
    assert_eq!(out.count("h1", "ignored"), 4, "{}", out.show());
}

#[test]
fn task_errors_start_with_ansibles_words() {
    let dir = tempdir();
    let out = play_with(dir.path(), INVENTORY, PLAYBOOK, &[]);
    for expected in [
        "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': 'nope' is undefined",
        "Task failed: Finalization of task args for 'ansible.builtin.file' failed: Error while resolving value for 'path': 'nope' is undefined",
        "Task failed: Error while evaluating conditional: 'nope' is undefined",
        "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': Syntax error in template: ",
    ] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with("fatal: [h1]: FAILED! => ") && l.contains(expected)),
            "{expected}\n{}",
            out.show()
        );
    }
}

/// ansible-core's `template` target, 72262.yml: an `{% include %}` inside a `{% macro %}` sees
/// what the template imported (Jinja2 renders it with the template's context).
#[test]
fn an_include_inside_a_macro_sees_the_templates_imports_and_sets() {
    let dir = tempdir();
    let templates = dir.path().join("templates");
    for (name, text) in [
        (
            "top.j2",
            "{% import 'vars.j2' as vars with context %}\n{% set local = 'L' %}\n\
             {% macro included() %}{% include 'included.j2' %}{% endmacro %}\n\
             {{ included()|indent }}\n",
        ),
        ("vars.j2", "{% set test = \"I'm test variable\" %}\n"),
        (
            "included.j2",
            "{{ vars.test }} {{ local }} {{ from_play }}\n",
        ),
    ] {
        common::write(&templates.join(name), text);
    }
    let playbook = r#"- hosts: h1
  gather_facts: false
  vars:
    from_play: P
  tasks:
    - debug:
        msg: "{{ lookup('template', 'top.j2') | trim }}"
"#;
    let out = play_with(dir.path(), INVENTORY, playbook, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout.contains("\"msg\": \"I'm test variable L P\""),
        "{}",
        out.show()
    );
}

/// ansible-core's `lookup_first_found` target: a lookup option that is an undefined value (a
/// variable whose template reads an undefined name) fails the task naming that name; a loop term
/// that divides by zero fails in Python's words.
#[test]
fn lookup_options_and_loop_terms_fail_in_ansibles_words() {
    let dir = tempdir();
    let playbook = r#"- hosts: h1
  gather_facts: false
  tasks:
    - debug:
        msg: "{{ lookup('first_found', files=resolve_to_undefined) }}"
      vars:
        resolve_to_undefined: "{{ sorry_not_defined }}"
      ignore_errors: true
    - debug:
      with_first_found:
        - "{{ 1 / 0 }}"
      ignore_errors: true
    - name: undefined terms are no candidates
      debug:
        msg: "found {{ item | basename }}"
      with_first_found:
        - "{{ missing_var }}foo1"
        - files: ["{{ missing_var }}foo1", bar1]
"#;
    common::write(&dir.path().join("bar1"), "");
    let out = play_with(dir.path(), INVENTORY, playbook, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    for expected in [
        "\"msg\": \"found bar1\"",
        "Error while resolving value for 'msg': 'sorry_not_defined' is undefined",
        "Error rendering template: division by zero",
    ] {
        assert!(out.stdout.contains(expected), "{expected}\n{}", out.show());
    }
}

/// ansible-core's `lookup_first_found` target (roles/a): a role's task from an included
/// `tasks/subdir/main.yml` finds a relative file beside its own file (its search path ends with
/// that file's directory, as `Task.get_search_path` has it).
#[test]
fn a_role_task_finds_a_file_beside_its_own_included_file() {
    let dir = tempdir();
    for (name, text) in [
        (
            "roles/a/tasks/main.yml",
            "- include_tasks: subdir/main.yml\n",
        ),
        (
            "roles/a/tasks/subdir/main.yml",
            "- debug:\n    msg: \"{{ lookup('first_found', [{'files': ['relative']}]) }}\"\n",
        ),
        ("roles/a/tasks/subdir/relative", ""),
    ] {
        common::write(&dir.path().join(name), text);
    }
    let playbook = "- hosts: h1\n  gather_facts: false\n  roles: [a]\n";
    let out = play_with(dir.path(), INVENTORY, playbook, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout.contains("roles/a/tasks/subdir/relative\""),
        "{}",
        out.show()
    );
}
