//! Ansible's magic variables as ansible-core 2.19 shows them for the same inventory and command
//! line (`ansible-playbook -i inv/hosts.ini play.yml -t all,t1 --skip-tags t9 -f 7`), and
//! `omit` anywhere in a module's arguments.

mod common;

use common::{run_in, tempdir, write};

#[test]
fn magic_variables_equal_ansible_cores() {
    let root = tempdir();
    let dir = root.path();
    write(&dir.join("inv/hosts.ini"), "h1 ansible_connection=local\n");
    write(
        &dir.join("play.yml"),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - debug:
        msg: "{{ inventory_dir }}|{{ inventory_file }}|{{ ansible_run_tags | sort }}|{{ ansible_skip_tags }}|{{ ansible_forks }}|{{ playbook_dir }}|{{ ansible_version.full is version('2.19', '>=') }}|{{ ansible_version.major }}|{{ hostvars.h1.inventory_file }}|{{ hostvars.h1.ansible_facts }}"
      tags: [t1]
"#,
    );
    let out = run_in(
        dir,
        &[
            "play",
            "play.yml",
            "-i",
            "inv/hosts.ini",
            "-t",
            "all,t1",
            "--skip-tags",
            "t9",
            "-f",
            "7",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let real = dir.canonicalize().unwrap_or_else(|e| panic!("{e}"));
    let shown = out.stdout.replace(&real.display().to_string(), "DIR");
    let shown = shown.replace(&dir.display().to_string(), "DIR");
    assert!(
        shown.contains(
            "\"msg\": \"DIR/inv|DIR/inv/hosts.ini|['all', 't1']|['t9']|7|DIR|True|2|DIR/inv/hosts.ini|{}\""
        ),
        "{}",
        out.show()
    );
}

#[test]
fn omit_drops_an_argument_at_any_depth() {
    let root = tempdir();
    let dir = root.path();
    write(&dir.join("hosts.ini"), "h1 ansible_connection=local\n");
    write(
        &dir.join("play.yml"),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - debug:
        msg:
          a: "{{ omit }}"
          b: [1, "{{ omit }}", {c: "{{ nothing | default(omit) }}", d: 2}]
"#,
    );
    let out = run_in(
        dir,
        &["play", "play.yml", "-i", "hosts.ini", "--output", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.show()));
    // What ansible-core prints for the same task: {"b": [1, {"d": 2}]}.
    assert_eq!(
        doc["plays"][0]["tasks"][0]["hosts"]["h1"]["msg"],
        serde_json::json!({"b": [1, {"d": 2}]}),
        "{}",
        out.show()
    );
}
