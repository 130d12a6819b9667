//! Includes on real hosts: two hosts include different task files chosen by a host variable, in
//! Ansible's lockstep order, with `include_vars` and a looped nested include; the second run
//! changes nothing.

mod common;

use common::{Outcome, fleet, run, ssh, tempdir, write};
use std::path::Path;

const SITE: &str = r#"- hosts: host01:host02
  gather_facts: false
  tasks:
    - name: Start clean
      file:
        path: /tmp/drover-includes
        state: absent
      when: clean | default(false) | bool
    - name: The directory
      file:
        path: /tmp/drover-includes
        state: directory
    - name: Per-kind settings
      include_vars: "{{ kind }}.yml"
    - name: Per-kind tasks
      include_tasks: "tasks/{{ kind }}.yml"
    - name: Everyone
      copy:
        content: "{{ kind }} {{ port }}\n"
        dest: /tmp/drover-includes/everyone
"#;

const WEB: &str = r#"- name: web only
  copy:
    content: "web on {{ port }}\n"
    dest: /tmp/drover-includes/web
- name: web second
  command: cat /tmp/drover-includes/web
  changed_when: false
"#;

const DB: &str = r#"- name: db only
  copy:
    content: "db on {{ port }}\n"
    dest: /tmp/drover-includes/db
- include_tasks: schema.yml
  loop: [users, orders]
  loop_control:
    loop_var: table
"#;

const SCHEMA: &str = r#"- name: a table
  copy:
    content: "{{ table }}\n"
    dest: "/tmp/drover-includes/{{ table }}.table"
"#;

fn setup(dir: &Path) {
    write(&dir.join("site.yml"), SITE);
    write(&dir.join("host_vars/host01.yml"), "kind: web\n");
    write(&dir.join("host_vars/host02.yml"), "kind: db\n");
    write(&dir.join("vars/web.yml"), "port: 8080\n");
    write(&dir.join("vars/db.yml"), "port: 5432\n");
    write(&dir.join("tasks/web.yml"), WEB);
    write(&dir.join("tasks/db.yml"), DB);
    write(&dir.join("tasks/schema.yml"), SCHEMA);
}

fn play(dir: &Path, extra: &[&str]) -> Outcome {
    let site = dir.join("site.yml").display().to_string();
    let inventory = fleet().join("inventory.ini").display().to_string();
    let mut args = vec!["play", site.as_str(), "-i", inventory.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn two_hosts_include_different_files_by_a_host_variable() {
    let dir = tempdir();
    setup(dir.path());
    let first = play(dir.path(), &["-e", "clean=true"]);
    assert_eq!(first.code, 0, "{}", first.show());
    // Each file's tasks run together, web's (included first) before db's, then the next task.
    assert_eq!(
        first.task_banners(),
        [
            "Start clean",
            "The directory",
            "Per-kind settings",
            "Per-kind tasks",
            "web only",
            "web second",
            "db only",
            "include_tasks",
            "a table",
            "a table",
            "Everyone",
        ],
        "{}",
        first.show()
    );
    assert!(
        first.stdout.contains("tasks/web.yml for host01\n")
            && first.stdout.contains("tasks/db.yml for host02\n")
            && first
                .stdout
                .contains("schema.yml for host02 => (item=users)"),
        "{}",
        first.show()
    );
    assert_eq!(ssh("host01", "cat /tmp/drover-includes/web"), "web on 8080");
    assert_eq!(
        ssh("host01", "ls /tmp/drover-includes | sort | tr '\\n' ' '"),
        "everyone web"
    );
    assert_eq!(
        ssh("host02", "cat /tmp/drover-includes/everyone"),
        "db 5432"
    );
    assert_eq!(
        ssh("host02", "ls /tmp/drover-includes | sort | tr '\\n' ' '"),
        "db everyone orders.table users.table"
    );

    let second = play(dir.path(), &[]);
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.total("changed"), 0, "{}", second.show());
    // ok: directory, include_vars, include, web only, web second, everyone (+1 skipped clean).
    assert_eq!(second.count("host01", "ok"), 6, "{}", second.show());
    // ok: directory, include_vars, include, db only, include ×2 (users, orders), 2 tables, everyone.
    assert_eq!(second.count("host02", "ok"), 9, "{}", second.show());
}
