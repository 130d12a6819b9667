//! `add_host` and `group_by` over the local connection, modelled on ansible-core's `add_host` and
//! `group_by` integration targets; the expected results and recaps are ansible-playbook 2.19's on
//! the same playbook.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

const TWO_HOSTS: &str = "[web]\nw1\nw2\n[all:vars]\nansible_connection=local\n";

fn play(dir: &Path, text: &str) -> Outcome {
    write(&dir.join("hosts.ini"), TWO_HOSTS);
    write(&dir.join("p.yml"), text);
    run_in(
        dir,
        &["play", "p.yml", "-i", "hosts.ini", "--output", "json"],
    )
}

fn json(out: &Outcome) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", out.show()))
}

/// The result of task `task` (by index over the whole run) on `host`.
fn result<'a>(doc: &'a serde_json::Value, host: &str, task: &str) -> &'a serde_json::Value {
    doc["plays"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["tasks"].as_array().into_iter().flatten())
        .filter(|t| t["task"]["name"] == task)
        .find_map(|t| t["hosts"].get(host))
        .unwrap_or_else(|| panic!("no result of {task} on {host} in {doc}"))
}

#[test]
fn add_host_and_group_by_change_groups_hostvars_and_later_plays() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: web
  gather_facts: false
  tasks:
    - name: add
      add_host: name=new1 groups=dyn,extra foo=bar
    - name: group
      group_by:
        key: "os_{{ inventory_hostname }}"
        parents: osall
    - name: seen
      debug:
        msg: "{{ groups['dyn'] }} {{ groups['osall'] }} {{ group_names }} {{ hostvars['new1'].foo }}"
- hosts: dyn:osall
  gather_facts: false
  tasks:
    - name: later
      debug:
        msg: "{{ group_names | join(',') }} {{ foo | default('-') }}"
"#,
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let doc = json(&out);
    // add_host runs once, on the first host (Ansible's BYPASS_HOST_LOOP).
    assert_eq!(result(&doc, "w1", "add")["changed"], true);
    assert_eq!(
        result(&doc, "w1", "add")["add_host"],
        serde_json::json!({"host_name": "new1", "groups": ["dyn", "extra"], "host_vars": {"foo": "bar"}})
    );
    assert!(doc["stats"]["w2"]["changed"] == 1, "{}", out.show());
    assert_eq!(result(&doc, "w2", "group")["add_group"], "os_w2");
    assert_eq!(result(&doc, "w2", "group")["parent_groups"][0], "osall");
    assert_eq!(
        result(&doc, "w1", "seen")["msg"],
        "['new1'] ['w1', 'w2'] ['os_w1', 'osall', 'web'] bar"
    );
    assert_eq!(result(&doc, "new1", "later")["msg"], "dyn,extra bar");
    assert_eq!(result(&doc, "w2", "later")["msg"], "os_w2,osall,web -");
    assert_eq!(doc["stats"]["new1"]["ok"], 1, "{}", out.show());
}

#[test]
fn add_host_in_a_loop_adds_every_item_and_skips_false_conditions() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: web
  gather_facts: false
  tasks:
    - name: add
      add_host:
        hostname: "{{ item }}"
        groups: [added]
        slot: "{{ item }}-slot"
      loop: [a1, a2, a3]
      when: item != 'a2'
- hosts: added
  gather_facts: false
  tasks:
    - name: later
      debug:
        msg: "{{ slot }} {{ ansible_play_hosts_all | join(',') }}"
"#,
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let doc = json(&out);
    assert_eq!(result(&doc, "a1", "later")["msg"], "a1-slot a1,a3");
    assert!(doc["stats"].get("a2").is_none(), "{}", out.show());
}

#[test]
fn add_host_without_a_name_is_a_load_error_at_its_line() {
    let root = tempdir();
    let out = play(
        root.path(),
        "- hosts: web\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n    - add_host: groups=x\n",
    );
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(out.stderr.contains("p.yml:5"), "{}", out.show());
    assert!(out.stderr.contains("name"), "{}", out.show());
}
