//! Handlers as ansible-playbook 2.19 runs them, modelled on ansible-core's `handlers` integration
//! target (test_handlers.yml, test_skip_flush.yml, test_handlers_meta.yml, 46447.yml,
//! test_role_handlers_including_tasks.yml, 58841.yml): per-host meta banners, skipped meta tasks,
//! meta tasks as handlers and in handler files, `any_errors_fatal` in handlers, a role handler's
//! includes and templated names of included roles' handlers. Every expected banner, line and
//! recap here is ansible-playbook's on the same playbook (local connection).

mod common;

use common::{Outcome, play_with, tempdir, write};
use std::path::Path;

const HOSTS: &str = "[web]\nw1\nw2\nw3\n[all:vars]\nansible_connection=local\n";

fn play(dir: &Path, playbook: &str, args: &[&str]) -> Outcome {
    play_with(dir, HOSTS, playbook, args)
}

/// Banners and host lines in order (the `=> {…}` detail left out).
fn lines(out: &Outcome) -> Vec<String> {
    out.stdout
        .lines()
        .filter(|l| {
            [
                "TASK [",
                "RUNNING HANDLER [",
                "ok: ",
                "changed: ",
                "skipping: ",
                "fatal: ",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .map(|l| {
            let l = l.split(" =>").next().unwrap_or(l);
            l.trim_end_matches(['*', ' ']).to_string()
        })
        .collect()
}

fn recap(out: &Outcome, host: &str) -> [u32; 4] {
    ["ok", "changed", "failed", "skipped"].map(|c| out.count(host, c))
}

#[test]
fn a_per_host_meta_task_is_announced_for_each_host_and_a_false_when_shows_a_skip() {
    let dir = tempdir();
    let out = play(
        dir.path(),
        r#"- hosts: web
  gather_facts: false
  tasks:
    - command: "true"
      notify: h
      when: inventory_hostname == 'w1'
    - meta: flush_handlers
      when: inventory_hostname != 'w2'
    - debug: msg=after
    - command: "true"
      notify: h
    - meta: flush_handlers
      when: false
    - meta: noop
      when: false
  handlers:
    - name: h
      debug: msg=handled
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let mut expected = vec![
        "TASK [command]",
        "skipping: [w2]",
        "skipping: [w3]",
        "changed: [w1]",
        "TASK [meta]",
        "TASK [meta]",
        "skipping: [w2]",
        "TASK [meta]",
        "RUNNING HANDLER [h]",
        "ok: [w1]",
        "TASK [debug]",
        "ok: [w1]",
        "ok: [w2]",
        "ok: [w3]",
        "TASK [command]",
        "changed: [w1]",
        "changed: [w2]",
        "changed: [w3]",
        "TASK [meta]",
        "skipping: [w1]",
        "TASK [meta]",
        "skipping: [w2]",
        "TASK [meta]",
        "skipping: [w3]",
        // `noop` takes no `when:`: it runs (ansible-core warns), once per host.
        "TASK [meta]",
        "TASK [meta]",
        "TASK [meta]",
        "RUNNING HANDLER [h]",
        "ok: [w1]",
        "ok: [w2]",
        "ok: [w3]",
    ];
    let mut seen = lines(&out);
    assert_eq!(seen.len(), expected.len(), "{}", out.show());
    // Results of one task (or one handler) arrive in any order.
    for results in [1..4, 11..14, 15..18, 28..31] {
        expected[results.clone()].sort();
        seen[results].sort();
    }
    assert_eq!(seen, expected, "{}", out.show());
    assert!(
        out.stdout
            .contains("[WARNING]: noop task does not support when conditional"),
        "{}",
        out.show()
    );
    // Skipped meta tasks are shown, never counted.
    assert_eq!(recap(&out, "w1"), [5, 2, 0, 0], "{}", out.show());
    assert_eq!(recap(&out, "w2"), [3, 1, 0, 1], "{}", out.show());
    assert_eq!(recap(&out, "w3"), [3, 1, 0, 1], "{}", out.show());
}

#[test]
fn a_skipped_flush_leaves_the_notifications_pending() {
    let dir = tempdir();
    let out = play(
        dir.path(),
        r#"- hosts: w1
  gather_facts: false
  tasks:
    - command: "true"
      notify: h
    - meta: flush_handlers
      when: false
    - fail:
  handlers:
    - name: h
      debug:
        msg: handler ran
"#,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(
        lines(&out),
        [
            "TASK [command]",
            "changed: [w1]",
            "TASK [meta]",
            "skipping: [w1]",
            "TASK [fail]",
            "fatal: [w1]: FAILED!",
        ],
        "{}",
        out.show()
    );
    assert_eq!(recap(&out, "w1"), [1, 1, 1, 0], "{}", out.show());
}

#[test]
fn a_meta_noop_handler_runs_as_nothing() {
    let dir = tempdir();
    let out = play(
        dir.path(),
        r#"- hosts: w1
  gather_facts: false
  tasks:
    - command: "true"
      notify: noop_handler
  handlers:
    - name: noop_handler
      meta: noop
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        lines(&out),
        [
            "TASK [command]",
            "changed: [w1]",
            "RUNNING HANDLER [noop_handler]"
        ],
        "{}",
        out.show()
    );
    assert_eq!(recap(&out, "w1"), [1, 1, 0, 0], "{}", out.show());
}

#[test]
fn flush_handlers_as_a_handler_stops_the_run_with_ansibles_error() {
    let dir = tempdir();
    let out = play(
        dir.path(),
        r#"- hosts: w1
  gather_facts: false
  tasks:
    - command: "true"
      notify: handler
  handlers:
    - name: handler
      meta: flush_handlers
"#,
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr
            .contains("flush_handlers cannot be used as a handler"),
        "{}",
        out.show()
    );
    assert_eq!(
        lines(&out),
        [
            "TASK [command]",
            "changed: [w1]",
            "RUNNING HANDLER [handler]"
        ],
        "{}",
        out.show()
    );
}

#[test]
fn meta_tasks_in_an_included_handler_file_run_as_handlers() {
    let dir = tempdir();
    write(
        &dir.path().join("hfile.yml"),
        "- debug: msg=in-file\n- meta: end_host\n  when: inventory_hostname == 'w1'\n- debug: msg=still\n",
    );
    let out = play(
        dir.path(),
        r#"- hosts: web
  gather_facts: false
  tasks:
    - command: "true"
      notify: h
      when: inventory_hostname != 'w3'
    - meta: flush_handlers
    - debug: msg=after
  handlers:
    - name: h
      include_tasks: hfile.yml
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let seen = lines(&out);
    let mut tail: Vec<&str> = seen.iter().skip(8).map(String::as_str).collect();
    assert_eq!(tail.len(), 11, "{}", out.show());
    // Results of one task (or one handler) arrive in any order.
    tail[1..3].sort();
    tail[9..11].sort();
    assert_eq!(
        tail,
        [
            "RUNNING HANDLER [debug]",
            "ok: [w1]",
            "ok: [w2]",
            "RUNNING HANDLER [meta]",
            "RUNNING HANDLER [meta]",
            "skipping: [w2]",
            "RUNNING HANDLER [debug]",
            "ok: [w2]",
            "TASK [debug]",
            "ok: [w2]",
            "ok: [w3]",
        ],
        "{}",
        out.show()
    );
    assert_eq!(recap(&out, "w1"), [3, 1, 0, 0], "{}", out.show());
    assert_eq!(recap(&out, "w2"), [5, 1, 0, 0], "{}", out.show());
    assert_eq!(recap(&out, "w3"), [1, 0, 0, 1], "{}", out.show());
}

#[test]
fn a_handler_failing_under_any_errors_fatal_ends_every_host() {
    let dir = tempdir();
    let out = play(
        dir.path(),
        r#"- hosts: w1,w2
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - command: "true"
      notify: h
    - meta: flush_handlers
    - debug: msg=should-not-run
  handlers:
    - name: h
      command: "{{ (inventory_hostname == 'w1') | ternary('true', 'false') }}"
"#,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(!out.stdout.contains("should-not-run"), "{}", out.show());
    assert_eq!(recap(&out, "w1"), [2, 2, 0, 0], "{}", out.show());
    assert_eq!(recap(&out, "w2"), [1, 1, 1, 0], "{}", out.show());
}

#[test]
fn a_role_handler_includes_a_file_of_the_roles_tasks_dir() {
    let dir = tempdir();
    let role = dir.path().join("roles/r");
    write(
        &role.join("handlers/main.yml"),
        "- name: from handlers\n  include_tasks: A.yml\n- name: from tasks\n  include_tasks: B.yml\n",
    );
    write(&role.join("handlers/A.yml"), "- debug: msg=A\n");
    write(&role.join("tasks/B.yml"), "- debug: msg=B\n");
    write(&role.join("tasks/main.yml"), "- debug: msg=role\n");
    let out = play(
        dir.path(),
        r#"- hosts: w1
  gather_facts: false
  roles: [r]
  tasks:
    - debug: msg=notify
      changed_when: true
      notify: [from handlers, from tasks]
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("\"msg\": \"B\""), "{}", out.show());
    assert!(
        out.stdout.contains("r/tasks/B.yml for w1"),
        "{}",
        out.show()
    );
    assert_eq!(recap(&out, "w1"), [6, 1, 0, 0], "{}", out.show());
}

#[test]
fn included_roles_handler_names_are_templated_and_their_imported_roles_handlers_answer() {
    let dir = tempdir();
    let root = dir.path();
    write(
        &root.join("roles/named/handlers/main.yml"),
        "- name: restart {{ svc }}\n  debug: msg=\"restarting {{ svc }}\"\n- name: handler with {{ test_var }}\n  debug: msg=\"var handler\"\n",
    );
    write(&root.join("roles/named/defaults/main.yml"), "svc: web\n");
    write(
        &root.join("roles/named/tasks/main.yml"),
        "- debug: msg=notify\n  changed_when: true\n  notify: [restart web, handler with myvar]\n",
    );
    write(
        &root.join("roles/outer/tasks/main.yml"),
        "- import_role:\n    name: named\n",
    );
    let out = play(
        root,
        r#"- hosts: w1
  gather_facts: false
  tasks:
    - include_role:
        name: outer
"#,
        &["-e", "test_var=myvar"],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let handlers: Vec<String> = lines(&out)
        .into_iter()
        .filter(|l| l.starts_with("RUNNING HANDLER"))
        .collect();
    assert_eq!(
        handlers,
        [
            "RUNNING HANDLER [named : restart web]",
            "RUNNING HANDLER [named : handler with myvar]"
        ],
        "{}",
        out.show()
    );
    assert_eq!(recap(&out, "w1"), [4, 1, 0, 0], "{}", out.show());

    // Without the variable the name cannot be rendered: ansible-core's warning, then the
    // notification finds no handler.
    let out = play(
        root,
        "- hosts: w1\n  gather_facts: false\n  tasks:\n    - include_role:\n        name: outer\n",
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stdout.contains(
            "[WARNING]: Handler 'handler with {{ test_var }}' is unusable because it has no listen topics and the name could not be templated (host-specific variables are not supported in handler names). The error: 'test_var' is undefined"
        ),
        "{}",
        out.show()
    );
    assert!(
        out.stderr
            .contains("The requested handler 'handler with myvar' was not found"),
        "{}",
        out.show()
    );
}
