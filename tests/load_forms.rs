//! Ways of writing playbooks and roles that Ansible content uses and drover once refused at load
//! time: the old-style `action:` keyword, `delegate_to` in an include's `apply`, role dependencies
//! named by a relative path, `include_vars`' `hash_behaviour`, role `argument_specs`. Each runs
//! over the local connection; the expected results are what ansible-playbook 2.19 gives.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

const HOSTS: &str = "h1 ansible_connection=local\nh2 ansible_connection=local\n";

fn play(dir: &Path, files: &[(&str, &str)], extra: &[&str]) -> Outcome {
    write(&dir.join("hosts.ini"), HOSTS);
    for (name, text) in files {
        write(&dir.join(name), text);
    }
    let mut args = vec!["play", "site.yml", "-i", "hosts.ini", "--limit", "h1"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// Which hosts printed `"msg": "<msg>"` (debug output).
fn said(out: &Outcome, msg: &str) -> usize {
    let wanted = format!("\"msg\": \"{msg}\"");
    out.stdout.lines().filter(|l| l.trim() == wanted).count()
}

#[test]
fn the_action_keyword_names_the_module_as_a_line_or_a_mapping_includes_too() {
    let dir = tempdir();
    let out = play(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: all
  gather_facts: false
  tasks:
    - name: line
      action: debug msg=from-line
    - name: mapping
      action:
        module: debug
        msg: from-mapping
    - name: module with text and more arguments
      action:
        module: set_fact one=1
        two: 2
    - assert:
        that: [one == '1', two == 2]
    - name: include by action
      action: include_tasks inc.yml
    - name: import by action
      action: import_tasks inc.yml
    - name: local
      local_action:
        module: command echo local
      register: local
    - assert:
        that: [local.stdout == 'local']
"#,
            ),
            ("inc.yml", "- debug: msg=included\n"),
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(said(&out, "from-line"), 1, "{}", out.show());
    assert_eq!(said(&out, "from-mapping"), 1, "{}", out.show());
    assert_eq!(said(&out, "included"), 2, "{}", out.show());
    assert!(
        out.stdout.contains("TASK [include by action]"),
        "{}",
        out.show()
    );
}

#[test]
fn an_action_that_names_no_module_is_refused_with_its_place() {
    let dir = tempdir();
    let out = play(
        dir.path(),
        &[(
            "site.yml",
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - action: [debug]\n    - action: debug\n      copy: src=a dest=b\n",
        )],
        &[],
    );
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr
            .contains("site.yml:4: unexpected parameter type in action: list"),
        "{}",
        out.show()
    );
    assert!(
        out.stderr.contains("conflicting action statements"),
        "{}",
        out.show()
    );
}

#[test]
fn delegate_to_in_an_include_apply_delegates_the_included_tasks() {
    let dir = tempdir();
    let out = play(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: h1
  gather_facts: false
  tasks:
    - include_tasks:
        file: inc.yml
        apply:
          delegate_to: h2
          run_once: true
    - include_role:
        name: r
        apply:
          delegate_to: h2
"#,
            ),
            ("inc.yml", "- command: echo {{ inventory_hostname }}\n"),
            ("roles/r/tasks/main.yml", "- command: echo role\n"),
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let delegated = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("changed: [h1 -> h2]"))
        .count();
    assert_eq!(delegated, 2, "{}", out.show());
}

#[test]
fn a_role_named_by_a_relative_path_is_searched_where_roles_are_and_keeps_its_written_name() {
    let dir = tempdir();
    let shows_name = "- debug: msg=\"{{ role_name }}\"\n";
    let out = play(
        dir.path(),
        &[
            (
                "site.yml",
                "- hosts: all\n  gather_facts: false\n  roles:\n    - top\n    - other/db\n",
            ),
            (
                "roles/top/meta/main.yml",
                "dependencies:\n  - role: nested/dep\n",
            ),
            ("roles/top/tasks/main.yml", shows_name),
            ("roles/nested/dep/tasks/main.yml", shows_name),
            ("other/db/tasks/main.yml", shows_name),
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        ["nested/dep : debug", "top : debug", "other/db : debug"],
        "{}",
        out.show()
    );
    assert_eq!(said(&out, "nested/dep"), 1, "{}", out.show());
    assert_eq!(said(&out, "other/db"), 1, "{}", out.show());
}
