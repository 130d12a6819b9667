//! Templated tags, task names and role names, as ansible-playbook 2.19 renders them (the `tags`,
//! `roles` and `include_import` targets of ansible-core check the same): `tags:` rendered with the
//! play's variables before `--tags`/`--skip-tags` select, a task's banner named with the first
//! host's variables, a role named by a template found by its rendered name. Every expected line
//! below was printed by ansible-playbook 2.19.14 on the same files.

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
        "h1 ansible_connection=local hv=one\nh2 ansible_connection=local hv=two\n",
    );
    let mut args = vec!["play", "site.yml", "-i", "hosts.ini"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

#[test]
fn a_banner_shows_the_task_name_rendered_with_the_first_hosts_variables() {
    let root = tempdir();
    files(
        root.path(),
        &[
            (
                "site.yml",
                r#"- hosts: all
  gather_facts: false
  vars:
    pv: playvar
  roles:
    - role: r
      info: First definition
  tasks:
    - name: "plain {{ pv }} {{ hv }} {{ inventory_hostname }}"
      debug: msg=x
    - name: "when {{ hv }}"
      debug: msg=x
      when: inventory_hostname == 'h2'
    - set_fact: reg=r1
    - name: "fact {{ reg }}"
      debug: msg=x
    - name: "{{ pv | upper }} filter {{ {'a': 1} }}"
      debug: msg=x
    - name: "include {{ pv }}"
      include_tasks: inc.yml
"#,
            ),
            (
                "roles/r/tasks/main.yml",
                "- name: \"{{ info }} - {{ role_name }}: content\"\n  debug: msg=x\n",
            ),
            ("inc.yml", "- name: \"inside {{ hv }}\"\n  debug: msg=x\n"),
        ],
    );
    let out = play(root.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        [
            "r : First definition - r: content",
            "plain playvar one h1",
            "when one",
            "set_fact",
            "fact r1",
            "PLAYVAR filter {'a': 1}",
            "include playvar",
            "inside one",
        ],
        "{}",
        out.show()
    );
}
