//! `set_stats` over the local connection, modelled on ansible-core's `set_stats` integration
//! target: run-wide values aggregated across hosts and tasks, per-host ones apart, `aggregate:
//! false` replacing; shown after the recap as ansible-playbook 2.19 shows them, and in the JSON
//! output as its json callback has them — both only with `show_custom_stats` (ansible.cfg) or
//! ANSIBLE_SHOW_CUSTOM_STATS, as in ansible-core.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

const PLAY: &str = r#"- hosts: web
  gather_facts: false
  tasks:
    - set_stats:
        data: {x: 1, h: "{{ inventory_hostname }}"}
    - set_stats:
        data: {y: 2}
        per_host: true
    - set_stats:
        data: {last: "{{ inventory_hostname }}"}
        aggregate: false
    - set_stats:
        data: {skipped: 1}
      when: false
"#;

/// The play, with `show_custom_stats = true` in the ansible.cfg of its directory when `show`.
fn play(dir: &Path, show: bool, extra: &[&str]) -> Outcome {
    if show {
        write(
            &dir.join("ansible.cfg"),
            "[defaults]\nshow_custom_stats = true\n",
        );
    }
    write(
        &dir.join("hosts.ini"),
        "[web]\nw1\nw2\n[all:vars]\nansible_connection=local\n",
    );
    write(&dir.join("p.yml"), PLAY);
    let mut args = vec!["play", "p.yml", "-i", "hosts.ini"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

#[test]
fn custom_stats_follow_the_recap_as_ansible_shows_them() {
    let root = tempdir();
    let out = play(root.path(), true, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    let tail: Vec<&str> = out
        .stdout
        .split("CUSTOM STATS:")
        .nth(1)
        .unwrap_or_else(|| panic!("no custom stats\n{}", out.show()))
        .lines()
        .skip(1)
        .collect();
    assert_eq!(
        tail,
        [
            "\tw1: { \"y\": 2}",
            "\tw2: { \"y\": 2}",
            "",
            "\tRUN: { \"h\": \"w1w2\", \"last\": \"w2\", \"x\": 2}",
            "",
        ],
        "{}",
        out.show()
    );
    assert!(out.stdout.find("PLAY RECAP") < out.stdout.find("CUSTOM STATS"));
}

#[test]
fn custom_stats_are_in_the_json_output() {
    let root = tempdir();
    let out = play(root.path(), true, &["--output", "json"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(
        doc["custom_stats"],
        serde_json::json!({"w1": {"y": 2}, "w2": {"y": 2}})
    );
    assert_eq!(
        doc["global_custom_stats"],
        serde_json::json!({"x": 2, "h": "w1w2", "last": "w2"})
    );
}

/// ansible-playbook 2.19 without `show_custom_stats`: no CUSTOM STATS block; its json callback
/// still has both keys, empty.
#[test]
fn custom_stats_stay_hidden_unless_show_custom_stats_is_on() {
    let root = tempdir();
    let out = play(root.path(), false, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("PLAY RECAP"), "{}", out.show());
    assert!(!out.stdout.contains("CUSTOM STATS"), "{}", out.show());
    let out = play(root.path(), false, &["--output", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(doc["custom_stats"], serde_json::json!({}), "{}", out.show());
    assert_eq!(doc["global_custom_stats"], serde_json::json!({}));
    // The environment variable turns them on as the ansible.cfg key does.
    let shown = common::drover()
        .current_dir(root.path())
        .env("ANSIBLE_SHOW_CUSTOM_STATS", "yes")
        .args(["play", "p.yml", "-i", "hosts.ini"])
        .output()
        .expect("drover");
    let stdout = String::from_utf8_lossy(&shown.stdout);
    assert!(stdout.contains("CUSTOM STATS:"), "{stdout}");
}

#[test]
fn set_stats_arguments_are_checked_at_load_time() {
    let root = tempdir();
    write(&root.path().join("hosts.ini"), "[web]\nw1\n");
    write(
        &root.path().join("p.yml"),
        "- hosts: web\n  gather_facts: false\n  tasks:\n    - set_stats:\n        data: {a: 1}\n        perhost: true\n",
    );
    let out = run_in(root.path(), &["play", "p.yml", "-i", "hosts.ini"]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr.contains("p.yml:") && out.stderr.contains("perhost"),
        "{}",
        out.show()
    );
}
