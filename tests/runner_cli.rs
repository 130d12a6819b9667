//! The runner as a user meets it, over the local connection: `no_log` and `register`, and what an
//! interrupted run (Ctrl-C, SIGTERM) prints and leaves behind.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

fn local_inventory(dir: &Path) -> String {
    let inv = dir.join("hosts.ini");
    write(&inv, "localhost ansible_connection=local\n");
    inv.display().to_string()
}

fn play(dir: &Path, playbook: &str, extra: &[&str]) -> Outcome {
    let inv = local_inventory(dir);
    let path = dir.join("play.yml");
    write(&path, playbook);
    let path = path.display().to_string();
    let mut args = vec!["play", path.as_str(), "-i", inv.as_str()];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

const UNDEFINED_NO_LOG: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: secret
      command: echo topsecret-{{ 6 * 7 }}
      no_log: "{{ undefined_thing }}"
      register: r
      ignore_errors: true
    - name: after
      command: echo still-runs
"#;

#[test]
fn undefined_no_log_fails_closed_and_hides_the_output() {
    let root = tempdir();
    for extra in [&["-vvv"][..], &["--output", "json"][..]] {
        let out = play(root.path(), UNDEFINED_NO_LOG, extra);
        assert!(!out.stdout.contains("topsecret"), "{}", out.show());
        assert!(!out.stderr.contains("topsecret"), "{}", out.show());
        assert_eq!(out.code, 0, "ignored failure: {}", out.show());
        if extra[0] == "-vvv" {
            assert!(
                out.stdout.contains("'no_log: true' was specified"),
                "{}",
                out.show()
            );
            assert_eq!(out.count("localhost", "ignored"), 1, "{}", out.show());
        } else {
            let doc: serde_json::Value =
                serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.show()));
            let secret = &doc["plays"][0]["tasks"][0]["hosts"]["localhost"];
            assert_eq!(secret["status"], "failed", "{doc}");
            assert!(secret.get("censored").is_some(), "{doc}");
        }
    }
}

#[test]
fn undefined_no_log_never_runs_the_task() {
    let root = tempdir();
    let marker = root.path().join("ran");
    let playbook = format!(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: touch {}\n      no_log: \"{{{{ nope }}}}\"\n",
        marker.display()
    );
    let out = play(root.path(), &playbook, &[]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(!marker.exists(), "the task ran: {}", out.show());
    assert_eq!(out.count("localhost", "failed"), 1, "{}", out.show());
}

#[test]
fn register_on_a_no_log_task_keeps_the_real_result() {
    let root = tempdir();
    let playbook = r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: hidden
      command: echo hidden-value
      no_log: true
      register: reg
    - name: shown
      debug:
        msg: "rc={{ reg.rc }} out={{ reg.stdout }}"
"#;
    let out = play(root.path(), playbook, &["-v"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout.contains("rc=0 out=hidden-value"),
        "{}",
        out.show()
    );
    let hidden_task = out.stdout.split("TASK [shown]").next().unwrap_or_default();
    assert!(!hidden_task.contains("hidden-value"), "{}", out.show());
}
