//! Behaviour that once differed from ansible-playbook (issue 13), run over the local connection:
//! each test states what ansible-playbook 2.19 does (recorded from it) and checks drover does the
//! same; where ansible-playbook is on PATH the same playbook also runs with it and the two outputs
//! are compared line by line (banners, host statuses, `msg` values, recap, exit code). Without it
//! the comparison is skipped, loudly.
//!
//! - a notification that no handler answers stops the run (exit 1, no recap), also from roles,
//!   `listen` topics, templated names and handlers included with `include_tasks`;
//! - every handler listening to a notified topic runs, in handler-list order;
//! - `set_stats` values are shown only with `show_custom_stats`;
//! - a looped `include_tasks`/`include_role` gives its tasks `index_var`, `ansible_loop`, …;
//! - `to_datetime`/`now()` make datetimes that subtract, compare and print as Python's do.

mod common;

use common::{Outcome, drover, tree, write};
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

/// drover on `playbook` in `dir`, on localhost over the local connection, with `env` set.
fn ours(dir: &Path, playbook: &str, env: &[(&str, &str)]) -> Outcome {
    let mut cmd = drover();
    cmd.current_dir(dir)
        .args(["play", "-i", "localhost,", "-c", "local", playbook])
        .envs(env.iter().copied());
    Outcome::from(cmd.output().unwrap_or_else(|e| panic!("drover: {e}")))
}

/// ansible-playbook on the same, or `None` (said on stderr) when it is not installed.
fn theirs(dir: &Path, playbook: &str, env: &[(&str, &str)]) -> Option<Outcome> {
    let out = Command::new("ansible-playbook")
        .current_dir(dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .env_remove("ANSIBLE_SHOW_CUSTOM_STATS")
        .env_remove("ANSIBLE_ERROR_ON_MISSING_HANDLER")
        .args(["-i", "localhost,", "-c", "local", playbook])
        .envs(env.iter().copied())
        .output();
    match out {
        Ok(out) => Some(Outcome::from(out)),
        Err(e) => {
            eprintln!(
                "SKIPPED the side-by-side comparison: ansible-playbook is not runnable ({e})"
            );
            None
        }
    }
}

/// The lines both tools print alike: banners, host statuses (up to the host), `included:`
/// lines, `msg` values, custom stats and the recap (blanks squeezed).
fn shown(stdout: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let l = line.trim();
        if l.starts_with("TASK [") || l.starts_with("RUNNING HANDLER [") {
            lines.push(l.split(']').next().unwrap_or(l).to_string() + "]");
        } else if let Some(status) = ["ok: [", "changed: [", "skipping: [", "fatal: ["]
            .iter()
            .find(|s| l.starts_with(**s))
        {
            let host = l[status.len()..].split(']').next().unwrap_or("");
            lines.push(format!("{status}{host}]"));
        } else if l.starts_with("CUSTOM STATS:") {
            lines.push("CUSTOM STATS:".into());
        } else if l.starts_with("included: ")
            || l.starts_with("\"msg\"")
            || l.starts_with("RUN:")
            || (l.starts_with("localhost") && l.contains(": {"))
        {
            lines.push(l.to_string());
        } else if l.starts_with("localhost") && l.contains("ok=") {
            lines.push(l.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    lines
}

/// Runs `playbook` with both tools (when ansible-playbook is there) and compares what they show
/// and their exit codes; drover's outcome either way.
fn side_by_side(dir: &Path, playbook: &str, env: &[(&str, &str)]) -> Outcome {
    let ours = ours(dir, playbook, env);
    if let Some(theirs) = theirs(dir, playbook, env) {
        assert_eq!(
            (shown(&ours.stdout), ours.code),
            (shown(&theirs.stdout), theirs.code),
            "drover\n{}\nansible-playbook\n{}",
            ours.show(),
            theirs.show()
        );
    }
    ours
}

/// [`side_by_side`] of `playbook` alone (as `p.yml` in a fresh directory); the directory too, for
/// a second run.
fn side_by_side_of(playbook: &str, env: &[(&str, &str)]) -> (TempDir, Outcome) {
    let dir = tree(&[("p.yml", playbook)]);
    let out = side_by_side(dir.path(), "p.yml", env);
    (dir, out)
}

/// [`side_by_side`] of `p.yml` among `files`, which must have run through (exit 0).
fn succeeds_side_by_side(files: &[(&str, &str)]) -> Outcome {
    let dir = tree(files);
    let out = side_by_side(dir.path(), "p.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    out
}

/// The `msg` values a run printed, in order.
fn msgs(out: &Outcome) -> Vec<String> {
    out.stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"msg\": "))
        .map(String::from)
        .collect()
}

const MISSING: &str = "The requested handler 'nosuch' was not found in either the main handlers list nor in the listening handlers list";

#[test]
fn notifying_a_handler_that_does_not_exist_stops_the_run_when_the_task_changes() {
    let playbook = r#"- hosts: localhost
  gather_facts: false
  tasks:
    - name: unchanged, so nothing is notified
      debug: msg=first
      notify: nosuch
    - name: changed
      set_fact: x=1
      changed_when: true
      notify: nosuch
    - debug: msg=after
  handlers:
    - name: real
      debug: msg=real
"#;
    // ansible-playbook 2.19: the banner of the notifying task, no result line, no recap,
    // "[ERROR]: The requested handler 'nosuch' was not found …", exit 1.
    let (_dir, out) = side_by_side_of(playbook, &[]);
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(out.stderr.contains(MISSING), "{}", out.show());
    assert!(!out.stdout.contains("PLAY RECAP"), "{}", out.show());
    assert!(!out.stdout.contains("after"), "{}", out.show());
    assert!(!out.stdout.contains("changed: ["), "{}", out.show());
    assert_eq!(msgs(&out), ["\"first\""], "{}", out.show());
}

#[test]
fn error_on_missing_handler_false_only_warns() {
    let playbook = "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - set_fact: x=1\n      changed_when: true\n      notify: nosuch\n    - debug: msg=after\n";
    let env = [("ANSIBLE_ERROR_ON_MISSING_HANDLER", "false")];
    let (root, out) = side_by_side_of(playbook, &env);
    assert_eq!(out.code, 0, "{}", out.show());
    // A `[WARNING]:` line (drover's reporter prints warnings in the output, Ansible on stderr).
    assert!(out.show().contains(MISSING), "{}", out.show());
    assert_eq!(msgs(&out), ["\"after\""], "{}", out.show());
    // The same from ansible.cfg.
    write(
        &root.path().join("ansible.cfg"),
        "[defaults]\nerror_on_missing_handler = False\n",
    );
    let out = ours(root.path(), "p.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.show());
}

/// Role handlers by name and `ROLE : name`, `listen` topics, a templated `notify`, a templated
/// handler name, per-item notifications of a loop: all answered, each handler runs once.
#[test]
fn handlers_are_found_by_role_name_topic_and_templated_names() {
    let files = [
        (
            "roles/r/handlers/main.yml",
            "- name: role handler\n  debug: msg=rolehandler\n- name: role listener\n  debug: msg=rolelisten\n  listen: topic\n",
        ),
        (
            "roles/r/tasks/main.yml",
            "- set_fact: x=1\n  changed_when: true\n  notify: role handler\n",
        ),
        (
            "p.yml",
            r#"- hosts: localhost
  gather_facts: false
  vars:
    hname: real
  roles: [r]
  tasks:
    - set_fact: x=2
      changed_when: true
      notify: [role handler, "r : role handler", topic, "{{ hname }}", "templated real"]
    - set_fact: x=3
      changed_when: true
      notify: "r : topic"
    - set_fact: x=4
      changed_when: true
      loop: [a, b]
      notify: "per {{ item }}"
  handlers:
    - name: real
      debug: msg=real
    - name: "templated {{ hname }}"
      debug: msg=templated
    - name: per a
      debug: msg=pera
    - name: per b
      debug: msg=perb
"#,
        ),
    ];
    let out = succeeds_side_by_side(&files);
    assert_eq!(
        msgs(&out),
        [
            "\"rolehandler\"",
            "\"rolelisten\"",
            "\"real\"",
            "\"templated\"",
            "\"pera\"",
            "\"perb\""
        ],
        "{}",
        out.show()
    );
    assert!(
        out.stdout.contains("RUNNING HANDLER [templated real]"),
        "{}",
        out.show()
    );
}

/// A handler included with `include_tasks` whose task notifies a templated name no handler has.
#[test]
fn a_missing_handler_notified_from_an_included_handler_stops_the_run() {
    let files = [
        (
            "inc.yml",
            "- set_fact: y=1\n  changed_when: true\n  notify: \"{{ missing_name }}\"\n",
        ),
        (
            "p.yml",
            r#"- hosts: localhost
  gather_facts: false
  vars:
    missing_name: ghost
  tasks:
    - set_fact: x=1
      changed_when: true
      notify: included
    - debug: msg=after
  handlers:
    - name: included
      include_tasks: inc.yml
"#,
        ),
    ];
    let dir = tree(&files);
    let out = side_by_side(dir.path(), "p.yml", &[]);
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr
            .contains("The requested handler 'ghost' was not found"),
        "{}",
        out.show()
    );
    assert!(!out.stdout.contains("PLAY RECAP"), "{}", out.show());
}

#[test]
fn custom_stats_are_shown_only_with_show_custom_stats() {
    let playbook = "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - set_stats:\n        data: {x: 1}\n    - set_stats:\n        data: {y: 2}\n        per_host: true\n";
    let (root, hidden) = side_by_side_of(playbook, &[]);
    assert_eq!(hidden.code, 0, "{}", hidden.show());
    assert!(!hidden.stdout.contains("CUSTOM STATS"), "{}", hidden.show());
    let shown_stats = side_by_side(root.path(), "p.yml", &[("ANSIBLE_SHOW_CUSTOM_STATS", "1")]);
    assert!(
        shown_stats.stdout.contains("CUSTOM STATS")
            && shown_stats.stdout.contains("\tlocalhost: { \"y\": 2}")
            && shown_stats.stdout.contains("\tRUN: { \"x\": 1}"),
        "{}",
        shown_stats.show()
    );
}

/// Nested looped includes with their own `loop_var`/`index_var` (ansible-core's include_import
/// target does the same), `label`, `extended`; and a looped `include_role`.
#[test]
fn looped_includes_give_their_tasks_the_loop_variables() {
    let files = [
        (
            "inner.yml",
            r#"- debug: msg="{{ outer_item }} i={{ idx }} {{ ansible_loop_var }} {{ ansible_index_var }} {{ ansible_loop.index }}/{{ ansible_loop.length }}"
- include_tasks: leaf.yml
  loop: [x, y]
  loop_control:
    loop_var: inner_item
    index_var: j
"#,
        ),
        (
            "leaf.yml",
            "- debug: msg=\"{{ outer_item }}/{{ inner_item }} {{ idx }}/{{ j }} {{ ansible_loop_var }}\"\n",
        ),
        (
            "roles/r/tasks/main.yml",
            "- debug: msg=\"role {{ it }} {{ k }} {{ ansible_loop.first }}\"\n",
        ),
        (
            "p.yml",
            r#"- hosts: localhost
  gather_facts: false
  tasks:
    - include_tasks: inner.yml
      loop: [a, b]
      loop_control:
        loop_var: outer_item
        index_var: idx
        label: "L{{ outer_item }}"
        extended: true
    - include_role:
        name: r
      loop: [p, q]
      loop_control:
        loop_var: it
        index_var: k
        extended: true
"#,
        ),
    ];
    let out = succeeds_side_by_side(&files);
    assert_eq!(
        msgs(&out),
        [
            "\"a i=0 outer_item idx 1/2\"",
            "\"a/x 0/0 inner_item\"",
            "\"a/y 0/1 inner_item\"",
            "\"b i=1 outer_item idx 2/2\"",
            "\"b/x 1/0 inner_item\"",
            "\"b/y 1/1 inner_item\"",
            "\"role p 0 True\"",
            "\"role q 1 False\"",
        ],
        "{}",
        out.show()
    );
    assert!(
        out.stdout.contains("inner.yml for localhost => (item=La)"),
        "{}",
        out.show()
    );
}

/// Date arithmetic as roles write it; every value as ansible-playbook 2.19 printed it.
#[test]
fn to_datetime_and_now_subtract_and_compare_as_python_does() {
    let playbook = r#"- hosts: localhost
  gather_facts: false
  vars:
    day1: "2026-01-01"
  tasks:
    - debug: msg="{{ (("2026-01-02" | to_datetime('%Y-%m-%d')) - (day1 | to_datetime('%Y-%m-%d'))).days }}"
    - debug: msg="{{ (("2026-03-02 10:00:30" | to_datetime) - ("2026-01-01 08:00:00" | to_datetime)).total_seconds() }}"
    - debug: msg="{{ (("2026-03-02 10:00:30" | to_datetime) - ("2026-01-01 08:00:00" | to_datetime)).seconds }}"
    - debug: msg="{{ ((day1 | to_datetime('%Y-%m-%d')) - ("2026-01-02 12:00:00" | to_datetime)).days }}"
    - debug: msg="took {{ (day1 | to_datetime('%Y-%m-%d')) - ("2026-01-02 12:00:00" | to_datetime) }}"
    - debug: msg="{{ (day1 | to_datetime('%Y-%m-%d')) < ("2026-01-02" | to_datetime('%Y-%m-%d')) }}"
    - debug: msg="{{ '2026-01-02' | to_datetime('%Y-%m-%d') }}"
    - debug: msg="x {{ '2026-01-02' | to_datetime('%Y-%m-%d') }}"
    - debug: msg="{{ (now() - ('2020-01-01' | to_datetime('%Y-%m-%d'))).days > 100 }}"
    - debug: msg="{{ now() | type_debug }}"
    - debug: msg="{{ ('2026-01-02 03:04:05' | to_datetime).strftime('%d/%m/%Y %H') }}"
    - debug: msg="{{ 10 - 3 }} {{ 2.5 - 1 }} {{ now().year - 2000 > 25 }}"
    - name: bad date
      debug: msg="{{ 'bad' | to_datetime('%Y-%m-%d') }}"
      ignore_errors: true
    - name: a timedelta is not a value to keep
      debug: msg="{{ (day1 | to_datetime('%Y-%m-%d')) - ("2026-01-02 12:00:00" | to_datetime) }}"
      ignore_errors: true
    - name: as a condition
      debug: msg=old
      when: (now() - ('2020-01-01' | to_datetime('%Y-%m-%d'))).days > 30
"#;
    let (_dir, out) = side_by_side_of(playbook, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        msgs(&out)[..12],
        [
            "1",
            "5191230.0",
            "7230",
            "-2",
            "\"took -2 days, 12:00:00\"",
            "true",
            "\"2026-01-02T00:00:00\"",
            "\"x 2026-01-02 00:00:00\"",
            "true",
            "\"datetime\"",
            "\"02/01/2026 03\"",
            "\"7 1.5 True\"",
        ],
        "{}",
        out.show()
    );
    assert!(
        out.stdout
            .contains("time data 'bad' does not match format '%Y-%m-%d'"),
        "{}",
        out.show()
    );
    assert!(
        out.stdout
            .contains("Type 'timedelta' is unsupported for variable storage"),
        "{}",
        out.show()
    );
    assert_eq!(msgs(&out).last().map(String::as_str), Some("\"old\""));
    assert_eq!(out.count("localhost", "ignored"), 2, "{}", out.show());
}

/// Every handler a notification reaches runs, in handler-list order: each one listening to the
/// topic (unnamed ones too; listeners sharing a name once), and the first handler of that name.
#[test]
fn every_handler_listening_to_a_notified_topic_runs_in_list_order() {
    let playbook = r#"- hosts: localhost
  gather_facts: false
  tasks:
    - set_fact: x=1
      changed_when: true
      notify: [news, twice]
  handlers:
    - name: early listener
      debug: msg=early
      listen: news
    - name: twice
      debug: msg=twice-first
    - name: late listener
      debug: msg=late
      listen: [other, news]
    - name: twice
      debug: msg=twice-second
    - name: news
      debug: msg=by-name
    - debug: msg=anonymous-1
      listen: news
    - name: shared
      debug: msg=shared-1
      listen: news
    - name: shared
      debug: msg=shared-2
      listen: news
    - debug: msg=anonymous-2
      listen: news
    - name: deaf
      debug: msg=deaf
      listen: other
"#;
    // Recorded from ansible-playbook 2.19.
    let (_dir, out) = side_by_side_of(playbook, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        msgs(&out),
        [
            "\"early\"",
            "\"twice-first\"",
            "\"late\"",
            "\"by-name\"",
            "\"anonymous-1\"",
            "\"shared-1\"",
            "\"anonymous-2\""
        ],
        "{}",
        out.show()
    );
}

/// A collection's role (`ns.col.r`) hears `r : topic` and `ns.col.r : topic` alike.
#[test]
fn a_collection_roles_listener_answers_to_its_short_role_name() {
    let files = [
        (
            "collections/ansible_collections/ns/col/roles/r/handlers/main.yml",
            "- name: heard\n  debug: msg=heard\n  listen: topic\n",
        ),
        (
            "collections/ansible_collections/ns/col/roles/r/tasks/main.yml",
            "- debug: msg=role\n",
        ),
        (
            "p.yml",
            r#"- hosts: localhost
  gather_facts: false
  roles: [ns.col.r]
  tasks:
    - set_fact: x=1
      changed_when: true
      notify: "r : topic"
    - meta: flush_handlers
    - set_fact: x=2
      changed_when: true
      notify: "ns.col.r : topic"
"#,
        ),
    ];
    let out = succeeds_side_by_side(&files);
    assert_eq!(
        msgs(&out),
        ["\"role\"", "\"heard\"", "\"heard\""],
        "{}",
        out.show()
    );
}
