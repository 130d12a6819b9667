//! Roles over the local connection: `roles:` (names and mappings with params, `when`, `tags`,
//! `vars`), `import_role` (`tasks_from`, `vars_from`), `meta/main.yml` dependencies, once-per-play
//! dedup, role handlers, variable precedence and the role's `files/`/`templates/`. Modelled on
//! ansible-core's `roles` and `var_precedence` targets; every expected line below was printed by
//! ansible-playbook 2.19 on the same files.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

fn files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        write(&dir.join(path), text);
    }
}

fn play(dir: &Path, extra: &[&str]) -> Outcome {
    write(
        &dir.join("hosts.ini"),
        "localhost ansible_connection=local inv_over_default=inventory play_over_inv=inventory\n",
    );
    let mut args = vec!["play", "site.yml", "-i", "hosts.ini"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// The `"msg"` lines of the output, in order.
fn messages(out: &Outcome) -> Vec<String> {
    out.stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"msg\": \""))
        .map(|l| l.trim_end_matches('"').to_string())
        .collect()
}

#[test]
fn role_variables_take_ansibles_places_among_the_others() {
    let root = tempdir();
    files(
        root.path(),
        &[
            (
                "roles/r/defaults/main.yml",
                "inv_over_default: default\nonly_default: default\nplay_over_inv: default\nown_default_over_dep: r-default\n",
            ),
            (
                "roles/dep/defaults/main.yml",
                "own_default_over_dep: dep-default\ndep_default: dep-default\n",
            ),
            (
                "roles/dep/vars/main.yml",
                "dep_var: dep-vars\nrolevars_over_play: dep-vars\n",
            ),
            (
                "roles/dep/tasks/main.yml",
                "- debug:\n    msg: \"DEP {{ own_default_over_dep }} {{ dep_default }} param={{ param_over_setfact | default('u') }} rp={{ rp | default('u') }}\"\n",
            ),
            ("roles/r/meta/main.yml", "dependencies: [dep]\n"),
            (
                "roles/r/vars/main.yml",
                "rolevars_over_play: rolevars\ntask_over_rolevars: rolevars\n",
            ),
            (
                "roles/r/tasks/main.yml",
                r#"- set_fact:
    param_over_setfact: setfact
    setfact_over_task: setfact
- debug:
    msg: "R {{ inv_over_default }} {{ only_default }} {{ play_over_inv }} {{ own_default_over_dep }} {{ dep_default }} {{ dep_var }} {{ rolevars_over_play }} {{ task_over_rolevars }} {{ param_over_setfact }} {{ setfact_over_task }} {{ extra_over_param }} {{ kw_over_rolevars }} {{ role_name }} {{ role_path | basename }}"
  vars:
    task_over_rolevars: task
    setfact_over_task: task
"#,
            ),
            (
                "site.yml",
                r#"- hosts: localhost
  gather_facts: false
  vars:
    play_over_inv: play
    rolevars_over_play: play
  roles:
    - role: r
      param_over_setfact: param
      extra_over_param: param
      rp: rp
      vars:
        kw_over_rolevars: keyword
  tasks:
    - debug:
        msg: "PLAY {{ only_default }} {{ dep_default }} {{ rolevars_over_play }} {{ dep_var }} {{ param_over_setfact }} {{ rp | default('u') }} {{ kw_over_rolevars | default('u') }}"
"#,
            ),
        ],
    );
    let out = play(root.path(), &["-e", "extra_over_param=extra"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        messages(&out),
        [
            "DEP dep-default dep-default param=param rp=rp",
            "R inventory default play r-default dep-default dep-vars rolevars task param setfact extra keyword r r",
            // The play's roles give every task their defaults and `vars/` (not params or `vars:`).
            "PLAY default dep-default rolevars dep-vars setfact u u",
        ],
        "{}",
        out.show()
    );
}

fn dedup_roles(dir: &Path) {
    files(
        dir,
        &[
            (
                "roles/a/tasks/main.yml",
                "- debug: msg=\"A x={{ x | default('none') }}\"\n- command: /bin/true\n  notify: topic\n- debug: msg=\"A-tagged\"\n  tags: inner\n",
            ),
            (
                "roles/a/handlers/main.yml",
                "- name: a handler\n  debug: msg=\"A-HANDLER\"\n  listen: topic\n- name: by name\n  debug: msg=BY-NAME\n",
            ),
            (
                "roles/b/meta/main.yml",
                "dependencies:\n  - a\n  - role: a\n    x: 1\n",
            ),
            (
                "roles/b/tasks/main.yml",
                "- debug: msg=\"B ran\"\n- command: /bin/true\n  notify: \"a : by name\"\n",
            ),
            ("roles/c/meta/main.yml", "allow_duplicates: true\n"),
            (
                "roles/c/tasks/main.yml",
                "- debug: msg=\"C ran\"\n- import_role:\n    name: imp\n    tasks_from: other\n    vars_from: extra\n",
            ),
            ("roles/imp/tasks/main.yml", "- debug: msg=\"IMP main\"\n"),
            (
                "roles/imp/tasks/other.yml",
                "- debug: msg=\"IMP other {{ imp_var }} parents={{ ansible_parent_role_names | default('undef') }}\"\n",
            ),
            ("roles/imp/vars/extra.yml", "imp_var: from-extra\n"),
            (
                "site.yml",
                "- hosts: localhost\n  gather_facts: false\n  roles:\n    - a\n    - b\n    - role: a\n      when: false\n    - c\n    - c\n    - role: b\n      tags: [btag]\n",
            ),
        ],
    );
}

#[test]
fn a_role_runs_once_per_play_unless_params_keywords_or_meta_say_otherwise() {
    let root = tempdir();
    dedup_roles(root.path());
    let out = play(root.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        messages(&out),
        [
            "A x=none",
            "A-tagged",
            "A x=1",
            "A-tagged",
            "B ran",
            "C ran",
            "IMP other from-extra parents=['c']",
            "C ran",
            "IMP other from-extra parents=['c']",
            "B ran",
            "A-HANDLER",
            "BY-NAME",
        ],
        "{}",
        out.show()
    );
    assert!(out.stdout.contains("TASK [a : debug]"), "{}", out.show());
    assert!(
        out.stdout.contains("RUNNING HANDLER [a : a handler]"),
        "{}",
        out.show()
    );
    // `- role: a` with `when: false` is another role (its keywords differ): it runs, skipped.
    assert_eq!(out.count("localhost", "skipped"), 3, "{}", out.show());
    assert_eq!(out.count("localhost", "ok"), 16, "{}", out.show());
}

#[test]
fn a_role_left_out_by_tags_has_not_run_so_its_next_appearance_runs() {
    let root = tempdir();
    dedup_roles(root.path());
    let out = play(root.path(), &["--tags", "btag"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        messages(&out),
        [
            "A x=none",
            "A-tagged",
            "A x=1",
            "A-tagged",
            "B ran",
            "A-HANDLER",
            "BY-NAME"
        ],
        "{}",
        out.show()
    );
    let out = play(root.path(), &["--tags", "inner"]);
    assert_eq!(messages(&out), ["A-tagged", "A-tagged"], "{}", out.show());
}

#[test]
fn roles_run_after_pre_tasks_and_their_handlers_and_find_their_files() {
    let root = tempdir();
    let dest = root.path().join("out.txt");
    files(
        root.path(),
        &[
            ("roles/web/defaults/main.yml", "http_port: 80\n"),
            ("roles/web/files/motd", "from the role's files\n"),
            ("files/motd", "from the playbook's files\n"),
            (
                "roles/web/templates/site.j2",
                "{% include 'part.j2' %} port {{ http_port }} in {{ role_name }}\n",
            ),
            ("roles/web/templates/part.j2", "part"),
            (
                "roles/web/tasks/main.yml",
                "- template: src=site.j2 dest={{ dest }}\n- debug: msg=\"{{ lookup('file', 'motd') }}\"\n",
            ),
            (
                "site.yml",
                "- hosts: localhost\n  gather_facts: false\n  pre_tasks:\n    - debug: msg=pre\n      changed_when: true\n      notify: h\n  roles:\n    - role: web\n      http_port: 8080\n  tasks:\n    - debug: msg=\"task {{ http_port }} {{ lookup('file', 'motd') }}\"\n  handlers:\n    - name: h\n      debug: msg=handler\n",
            ),
        ],
    );
    let dest_arg = format!("dest={}", dest.display());
    let out = play(root.path(), &["-e", &dest_arg]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        messages(&out),
        [
            "handler",
            "from the role's files",
            "task 80 from the playbook's files"
        ],
        "{}",
        out.show()
    );
    let written = std::fs::read_to_string(&dest).unwrap_or_default();
    assert_eq!(written, "part port 8080 in web\n");
}

#[test]
fn what_roles_cannot_do_yet_is_refused_with_its_place() {
    let root = tempdir();
    files(
        root.path(),
        &[
            ("roles/web/tasks/main.yml", "- include_role: name=other\n"),
            (
                "roles/spec/meta/argument_specs.yml",
                "argument_specs:\n  main: [not, a, mapping]\n",
            ),
            (
                "site.yml",
                "- hosts: localhost\n  roles:\n    - web\n    - role: web\n      debugger: never\n    - spec\n    - missing\n  tasks:\n    - import_role: name=web\n      loop: [1]\n",
            ),
        ],
    );
    let out = play(root.path(), &[]);
    assert_eq!(out.code, 4, "{}", out.show());
    for expected in [
        "roles/web/tasks/main.yml:1: the role 'other' was not found in",
        "site.yml:4: not supported yet: role keyword `debugger`",
        "argument_specs.yml:1: the argument spec of entry point 'main' must be a mapping",
        "site.yml:7: the role 'missing' was not found in",
        "site.yml:10: You cannot use loops on 'import_role' statements",
    ] {
        assert!(out.stderr.contains(expected), "{expected}\n{}", out.show());
    }
}
