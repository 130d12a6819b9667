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

#[test]
fn include_vars_hash_behaviour_merge_merges_into_the_variables_the_host_has() {
    let dir = tempdir();
    let out = play(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: all
  gather_facts: false
  vars:
    config: {key0: 0, key1: 0, key2: {a: 21}}
  tasks:
    - include_vars:
        file: more.yml
        hash_behaviour: merge
    - assert:
        that:
          - config.key0 == 0
          - config.key1 == 1
          - "config.key2 == {'a': 21, 'b': 22}"
          - "fresh == {'x': 1}"
    - include_vars:
        file: more.yml
        hash_behaviour: replace
    - assert:
        that:
          - config.key0 is undefined
          - "config.key2 == {'b': 22}"
"#,
            ),
            (
                "more.yml",
                "config:\n  key1: 1\n  key2: {b: 22}\nfresh: {x: 1}\n",
            ),
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("h1", "failed"), 0, "{}", out.show());
}

/// A role with a spec for `main` and one for `other`, as ansible-core 2.19 validates them.
const SPEC_ROLE: &[(&str, &str)] = &[
    (
        "roles/r/meta/argument_specs.yml",
        r#"argument_specs:
  main:
    short_description: The r role
    options:
      port: {type: int, required: true}
      mode: {type: str, choices: [a, b], default: a}
      opts:
        type: dict
        options:
          size: {type: int, required: true}
  other:
    options:
      z: {type: str, required: true}
"#,
    ),
    (
        "roles/r/tasks/main.yml",
        "- debug: msg=\"ran {{ port }}\"\n",
    ),
    ("roles/r/tasks/other.yml", "- debug: msg=other\n"),
];

fn with_spec_role(site: &str) -> Vec<(&str, &str)> {
    let mut files = vec![("site.yml", site)];
    files.extend_from_slice(SPEC_ROLE);
    files
}

#[test]
fn role_argument_specs_validate_the_roles_arguments_before_it_runs() {
    let dir = tempdir();
    let site = r#"- hosts: all
  gather_facts: false
  tasks:
    - include_role: {name: r}
      vars: {port: "8080"}
    - include_role: {name: r, rolespec_validate: false}
      vars: {port: unchecked}
    - block:
        - include_role: {name: r}
          vars: {port: eighty, mode: c, opts: {}}
      rescue:
        - debug: msg="{{ ansible_failed_result.msg }}"
    - block:
        - include_role: {name: r, tasks_from: other}
      rescue:
        - debug: msg="{{ ansible_failed_result.argument_errors }}"
"#;
    let out = play(dir.path(), &with_spec_role(site), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    let banner = "r : Validating arguments against arg spec 'main' - The r role";
    assert_eq!(
        out.task_banners().iter().filter(|b| *b == banner).count(),
        2,
        "{}",
        out.show()
    );
    assert_eq!(said(&out, "ran 8080"), 1, "{}", out.show());
    assert_eq!(said(&out, "ran unchecked"), 1, "{}", out.show());
    assert!(
        out.stdout.contains(
            "\"msg\": \"Validation of arguments failed:\\nargument 'port' is of type str and we were unable to convert to int: \\\"'eighty'\\\" cannot be converted to an int\\nvalue of mode must be one of: a, b, got: c\\nmissing required arguments: size found in opts\""
        ),
        "{}",
        out.show()
    );
    assert!(
        out.stdout
            .contains("\"msg\": [\n        \"missing required arguments: z\"\n    ]"),
        "{}",
        out.show()
    );
    assert_eq!(said(&out, "other"), 0, "{}", out.show());
}

#[test]
fn role_parameters_unknown_to_the_spec_fail_the_role_and_the_check_runs_under_any_tag() {
    let dir = tempdir();
    let site = "- hosts: all\n  gather_facts: false\n  roles:\n    - role: r\n      vars: {port: 1}\n      bogus: 3\n      tags: [web]\n";
    let out = play(dir.path(), &with_spec_role(site), &["--tags", "nothing"]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(
        out.stdout.contains(
            "Validation of arguments failed:\\nbogus. Supported parameters include: mode, opts, port."
        ),
        "{}",
        out.show()
    );
}

#[test]
fn include_vars_dir_in_a_role_is_read_from_the_roles_vars_and_extension_less_files_can_be_wanted() {
    let dir = tempdir();
    let out = play(
        dir.path(),
        &[
            (
                "site.yml",
                "- hosts: all\n  gather_facts: false\n  roles: [r]\n",
            ),
            (
                "roles/r/tasks/main.yml",
                "- include_vars:\n    dir: all\n- include_vars:\n    dir: vars/more\n- include_vars:\n    dir: bare\n    extensions: ['', yml]\n- assert:\n    that: [from_all == 1, from_more == 2, from_bare == 3]\n- include_vars: >\n    more/b.yml\n- include_vars:\n    dir: bare\n  register: refused\n  ignore_errors: true\n- assert:\n    that: \"'a valid extension' in refused.message\"\n- include_vars:\n    file: \"{{ lookup('first_found', ['nope.yml'], errors='ignore') }}\"\n  register: nothing\n  ignore_errors: true\n- assert:\n    that: \"'Could not find file' in nothing.message\"\n",
            ),
            ("roles/r/vars/bare/no_extension", "from_bare: 3\n"),
            ("roles/r/vars/all/a.yml", "from_all: 1\n"),
            ("roles/r/vars/more/b.yml", "from_more: 2\n"),
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
}
