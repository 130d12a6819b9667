//! The Ansible language beyond flat task lists, over the local connection: blocks with
//! `rescue`/`always` and keyword inheritance, and tag selection (`--tags`, `--skip-tags`,
//! `--list-tags`, `always`, `never`). Modelled on ansible-core's `blocks` and `tags` integration
//! targets.

mod common;

use common::{Outcome, play_with, tempdir};
use std::path::Path;

fn play(dir: &Path, text: &str, extra: &[&str]) -> Outcome {
    play_with(dir, "localhost ansible_connection=local\n", text, extra)
}

#[test]
fn rescue_handles_a_failure_and_always_runs() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - name: Guarded
      block:
        - name: Break
          command: /bin/false
        - name: Never reached
          debug: msg=unreachable-task
      rescue:
        - name: Explain
          debug:
            msg: "rescued {{ ansible_failed_task.name }} rc={{ ansible_failed_result.rc }}"
      always:
        - name: Clean up
          debug: msg=always-ran
    - name: After the block
      debug: msg=play-goes-on
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("rescued Break rc=1"), "{}", out.show());
    assert!(out.stdout.contains("always-ran"), "{}", out.show());
    assert!(out.stdout.contains("play-goes-on"), "{}", out.show());
    assert!(!out.stdout.contains("unreachable-task"), "{}", out.show());
    assert_eq!(out.count("localhost", "failed"), 0, "{}", out.show());
    assert_eq!(out.count("localhost", "rescued"), 1, "{}", out.show());
}

#[test]
fn failure_without_rescue_runs_always_then_fails_the_host() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - block:
        - command: /bin/false
      always:
        - debug: msg=always-ran
    - debug: msg=after
"#,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(out.stdout.contains("always-ran"), "{}", out.show());
    assert!(!out.stdout.contains("\"msg\": \"after\""), "{}", out.show());
    assert_eq!(out.count("localhost", "failed"), 1, "{}", out.show());
}

#[test]
fn a_failing_rescue_fails_the_host_after_always() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - block:
        - command: /bin/false
      rescue:
        - fail: msg=rescue-broke
      always:
        - debug: msg=always-ran
"#,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(out.stdout.contains("rescue-broke"), "{}", out.show());
    assert!(out.stdout.contains("always-ran"), "{}", out.show());
}

#[test]
fn block_keywords_reach_every_task_inside() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - when: run_it | default(false)
      block:
        - debug: msg=skipped-one
        - debug: msg=skipped-two
    - vars:
        greeting: hello
      block:
        - debug:
            msg: "{{ greeting }} from the block"
        - block:
            - debug:
                msg: "{{ greeting }} {{ inner }}"
          vars:
            inner: nested
    - ignore_errors: true
      block:
        - command: /bin/false
    - debug: msg=still-here
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("localhost", "skipped"), 2, "{}", out.show());
    assert!(
        out.stdout.contains("hello from the block"),
        "{}",
        out.show()
    );
    assert!(out.stdout.contains("hello nested"), "{}", out.show());
    assert!(out.stdout.contains("still-here"), "{}", out.show());
    assert_eq!(out.count("localhost", "ignored"), 1, "{}", out.show());
}

#[test]
fn block_errors_name_their_place() {
    let root = tempdir();
    let out = play(
        root.path(),
        "- hosts: all\n  tasks:\n    - block:\n        - debug: msg=a\n      loop: [1]\n    - rescue:\n        - debug: msg=b\n",
        &["--syntax-check"],
    );
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr.contains("p.yml:5") && out.stderr.contains("loop"),
        "{}",
        out.show()
    );
    assert!(
        out.stderr.contains("p.yml:6") && out.stderr.contains("only valid next to `block:`"),
        "{}",
        out.show()
    );
}

const TAGGED: &str = r#"- hosts: all
  gather_facts: false
  tags: [site]
  tasks:
    - debug: msg=web-task
      tags: web
    - debug: msg=db-task
      tags: [db]
    - debug: msg=always-task
      tags: always
    - debug: msg=never-task
      tags: [never, debug]
    - block:
        - debug: msg=block-web-task
      tags: web
"#;

fn ran(out: &Outcome) -> Vec<&str> {
    [
        "web-task",
        "db-task",
        "always-task",
        "never-task",
        "block-web-task",
    ]
    .into_iter()
    .filter(|m| out.stdout.contains(&format!("\"msg\": \"{m}\"")))
    .collect()
}

#[test]
fn tags_select_tasks_as_ansible_does() {
    let root = tempdir();
    let all = play(root.path(), TAGGED, &[]);
    assert_eq!(all.code, 0, "{}", all.show());
    assert_eq!(
        ran(&all),
        ["web-task", "db-task", "always-task", "block-web-task"]
    );
    let web = play(root.path(), TAGGED, &["--tags", "web"]);
    assert_eq!(ran(&web), ["web-task", "always-task", "block-web-task"]);
    let skip = play(root.path(), TAGGED, &["--skip-tags", "web,db"]);
    assert_eq!(ran(&skip), ["always-task"]);
    let debug = play(root.path(), TAGGED, &["-t", "debug"]);
    assert_eq!(ran(&debug), ["always-task", "never-task"]);
    // Play tags reach every task, `never` ones too: a selected tag wins over `never` (as
    // ansible-core 2.19 runs it).
    let site = play(root.path(), TAGGED, &["--tags", "site"]);
    assert_eq!(
        ran(&site),
        [
            "web-task",
            "db-task",
            "always-task",
            "never-task",
            "block-web-task"
        ]
    );
}

#[test]
fn list_tags_and_tasks_show_what_would_run() {
    let root = tempdir();
    let tags = play(root.path(), TAGGED, &["--list-tags"]);
    assert_eq!(tags.code, 0, "{}", tags.show());
    // ansible-playbook 2.19 prints exactly these lines for this playbook.
    assert!(
        tags.stdout.contains("play #1 (all): all\tTAGS: [site]")
            && tags
                .stdout
                .contains("TASK TAGS: [always, db, debug, never, site, web]"),
        "{}",
        tags.show()
    );
    let tasks = play(root.path(), TAGGED, &["--list-tasks", "--tags", "db"]);
    assert!(
        tasks
            .stdout
            .contains("      debug\tTAGS: [db, site]\n      debug\tTAGS: [always, site]\n"),
        "{}",
        tasks.show()
    );
}
