//! Play control flow over the local connection, modelled on ansible-core's `serial`,
//! `any_errors_fatal`, `run_once`, `delegate_to`, `meta_tasks` and `handlers` (force) integration
//! targets; every expected recap was taken from ansible-playbook 2.19 on the same playbook.

mod common;

use common::{Outcome, play_with, run_in, tempdir, write};
use std::path::Path;

const SIX_HOSTS: &str = "[web]\nh1\nh2\nh3\nh4\nh5\nh6\n[all:vars]\nansible_connection=local\n";

fn play(dir: &Path, text: &str, extra: &[&str]) -> Outcome {
    play_with(dir, SIX_HOSTS, text, extra)
}

/// `ok` counts per host, in host order.
fn oks(out: &Outcome, hosts: &[&str]) -> Vec<u32> {
    hosts.iter().map(|h| out.count(h, "ok")).collect()
}

fn banners(out: &Outcome, prefix: &str) -> usize {
    out.stdout.lines().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn serial_runs_the_play_batch_by_batch_with_the_batch_variables() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: web
  gather_facts: false
  serial: [1, "30%", "100%"]
  tasks:
    - debug:
        msg: "batch={{ ansible_play_batch | join(',') }} all={{ ansible_play_hosts_all | length }} limit={{ ansible_limit | default('none') }}"
    - command: "true"
      notify: seen
  handlers:
    - name: seen
      debug: msg="handler in {{ ansible_play_batch | join(',') }}"
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    // 30% of 6 hosts is 1 (rounded down), then the rest: batches of 1, 1 and 4.
    assert_eq!(banners(&out, "PLAY [web]"), 3, "{}", out.show());
    for batch in ["h1", "h2", "h3,h4,h5,h6"] {
        assert!(
            out.stdout
                .contains(&format!("batch={batch} all=6 limit=none")),
            "{batch}\n{}",
            out.show()
        );
        assert!(
            out.stdout.contains(&format!("handler in {batch}")),
            "handlers run per batch: {batch}\n{}",
            out.show()
        );
    }
    // Handlers run at the end of each batch, before the next batch starts.
    let first_handler = out.stdout.find("handler in h1").unwrap_or(usize::MAX);
    let second_batch = out.stdout.find("batch=h2 ").unwrap_or(0);
    assert!(first_handler < second_batch, "{}", out.show());
    assert_eq!(oks(&out, &["h1", "h4"]), [3, 3], "{}", out.show());
}

#[test]
fn order_sorts_the_hosts_into_batches() {
    let root = tempdir();
    let out = play(
        root.path(),
        "- hosts: web\n  gather_facts: false\n  serial: 1\n  order: reverse_sorted\n  tasks:\n    - debug: msg=hi\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let hosts: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ok: ["))
        .filter_map(|l| l.split(']').next())
        .collect();
    assert_eq!(
        hosts,
        ["h6", "h5", "h4", "h3", "h2", "h1"],
        "{}",
        out.show()
    );
}

#[test]
fn max_fail_percentage_stops_the_playbook() {
    let root = tempdir();
    let text = |pct: u32| {
        format!(
            "- hosts: web\n  gather_facts: false\n  serial: 2\n  max_fail_percentage: {pct}\n  tasks:\n    \
             - fail: msg=boom\n      when: inventory_hostname == 'h1'\n    - debug: msg=after\n\
             - hosts: web\n  gather_facts: false\n  tasks:\n    - debug: msg=play2\n"
        )
    };
    // One of two hosts is 50%: more than 49 stops everything, as in ansible-playbook.
    let out = play(root.path(), &text(49), &[]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(out.stdout.contains("NO MORE HOSTS LEFT"), "{}", out.show());
    assert!(!out.stdout.contains("play2"), "{}", out.show());
    assert!(
        !out.stdout.contains("[h3]"),
        "no second batch\n{}",
        out.show()
    );
    assert_eq!(out.count("h1", "failed"), 1);
    assert_eq!(out.count("h2", "ok"), 0, "h2's later tasks never ran");
    // 50% is not more than 50: every batch runs, then the next play without h1.
    let out = play(root.path(), &text(50), &[]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(oks(&out, &["h1", "h2", "h6"]), [0, 2, 2], "{}", out.show());
}

#[test]
fn any_errors_fatal_stops_every_host_and_the_playbook() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: h1,h2,h3
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - fail: msg=boom
      when: inventory_hostname == 'h2'
    - debug: msg=never
- hosts: h1,h2,h3
  gather_facts: false
  tasks:
    - debug: msg=play2
"#,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(!out.stdout.contains("never"), "{}", out.show());
    assert!(!out.stdout.contains("play2"), "{}", out.show());
    assert!(out.stdout.contains("NO MORE HOSTS LEFT"), "{}", out.show());
    assert_eq!(out.total("failed"), 1, "only h2's own failure counts");
}

#[test]
fn any_errors_fatal_in_a_block_sends_every_host_to_rescue() {
    // ansible-playbook 2.19: every host rescues and goes on in this play; the ones failed by
    // any_errors_fatal are left out of later plays, and the run fails.
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: h1,h2,h3
  gather_facts: false
  tasks:
    - block:
        - fail: msg=boom
          when: inventory_hostname == 'h2'
          any_errors_fatal: true
        - debug: msg=in-block
      rescue:
        - debug: msg=rescued
    - debug: msg=after
- hosts: h1,h2,h3
  gather_facts: false
  tasks:
    - debug: msg=play2
"#,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(!out.stdout.contains("in-block"), "{}", out.show());
    assert_eq!(oks(&out, &["h1", "h2", "h3"]), [2, 3, 2], "{}", out.show());
    assert_eq!(out.count("h2", "rescued"), 1);
}

#[test]
fn run_once_runs_on_the_first_host_and_registers_on_all() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: h1,h2,h3
  gather_facts: false
  tasks:
    - command: echo from-{{ inventory_hostname }}
      register: once
      run_once: true
    - debug: msg="{{ inventory_hostname }} saw {{ once.stdout }}"
    - block:
        - command: /bin/false
          run_once: true
      rescue:
        - debug: msg=rescued
    - debug: msg=still-here
"#,
        &[],
    );
    assert_eq!(out.code, 2, "h2 and h3 failed with it\n{}", out.show());
    for host in ["h1", "h2", "h3"] {
        assert!(
            out.stdout.contains(&format!("{host} saw from-h1")),
            "{}",
            out.show()
        );
    }
    assert_eq!(
        out.stdout.matches("changed: [").count(),
        1,
        "{}",
        out.show()
    );
    // A failed run_once task fails every host; only the first one's rescue runs (as Ansible's).
    assert_eq!(out.count("h1", "rescued"), 1, "{}", out.show());
    assert_eq!(oks(&out, &["h1", "h2", "h3"]), [4, 1, 1], "{}", out.show());
    assert_eq!(
        out.stdout.matches("still-here").count(),
        1,
        "{}",
        out.show()
    );
}

#[test]
fn delegate_to_localhost_and_local_action_run_on_the_controller() {
    let root = tempdir();
    let dir = root.path().display().to_string();
    let text = format!(
        r#"- hosts: h1,h2
  gather_facts: false
  tasks:
    - copy:
        content: "{{{{ inventory_hostname }}}}"
        dest: "{dir}/from-{{{{ inventory_hostname }}}}"
      delegate_to: localhost
    - local_action: command cat {dir}/from-{{{{ inventory_hostname }}}}
      register: back
    - debug: msg="read {{{{ back.stdout }}}}"
    - set_fact:
        given: "{{{{ inventory_hostname }}}}"
      delegate_to: h3
      delegate_facts: true
      run_once: true
    - debug: msg="h1 has {{{{ given | default('nothing') }}}}"
      run_once: true
- hosts: h3
  gather_facts: false
  tasks:
    - debug: msg="h3 has {{{{ given | default('nothing') }}}}"
"#
    );
    let out = play(root.path(), &text, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    for host in ["h1", "h2"] {
        assert!(
            out.stdout
                .contains(&format!("changed: [{host} -> localhost]")),
            "{}",
            out.show()
        );
        assert!(
            out.stdout.contains(&format!("read {host}")),
            "{}",
            out.show()
        );
        let written = std::fs::read_to_string(root.path().join(format!("from-{host}")));
        assert_eq!(written.ok().as_deref(), Some(host));
    }
    assert!(out.stdout.contains("ok: [h1 -> h3]"), "{}", out.show());
    assert!(out.stdout.contains("h1 has nothing"), "{}", out.show());
    assert!(out.stdout.contains("h3 has h1"), "{}", out.show());
}

#[test]
fn meta_tasks_flush_end_host_end_batch_and_end_play() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: h1,h2,h3
  gather_facts: false
  tasks:
    - command: "true"
      notify: hh
    - meta: flush_handlers
    - debug: msg=after-flush
    - meta: end_host
      when: inventory_hostname == 'h2'
    - meta: noop
    - debug: msg="still {{ inventory_hostname }}"
    - meta: end_play
    - debug: msg=never
  handlers:
    - name: hh
      debug: msg=handler
- hosts: h4,h5,h6
  gather_facts: false
  serial: 1
  tasks:
    - debug: msg="batch {{ inventory_hostname }}"
    - meta: end_batch
      when: inventory_hostname == 'h5'
    - debug: msg="end of {{ inventory_hostname }}"
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let handler = out.stdout.find("\"handler\"").unwrap_or(usize::MAX);
    let after = out.stdout.find("after-flush").unwrap_or(0);
    assert!(
        handler < after,
        "flush_handlers runs them now\n{}",
        out.show()
    );
    assert!(out.stdout.contains("still h1") && out.stdout.contains("still h3"));
    assert!(!out.stdout.contains("still h2"), "{}", out.show());
    assert!(!out.stdout.contains("never"), "{}", out.show());
    assert!(out.stdout.contains("end of h4") && out.stdout.contains("end of h6"));
    assert!(!out.stdout.contains("end of h5"), "{}", out.show());
    // Recap as ansible-playbook's: meta tasks are not counted.
    assert_eq!(oks(&out, &["h1", "h2", "h3"]), [4, 3, 4], "{}", out.show());
}

#[test]
fn force_handlers_runs_handlers_on_failed_hosts() {
    let root = tempdir();
    let text = "- hosts: h1,h2\n  gather_facts: false\n  tasks:\n    - command: \"true\"\n      notify: hh\n    \
                - fail: msg=x\n      when: inventory_hostname == 'h1'\n  handlers:\n    - name: hh\n      debug: msg=handler-ran\n";
    let out = play(root.path(), text, &[]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(
        out.stdout.matches("handler-ran").count(),
        1,
        "{}",
        out.show()
    );
    let out = play(root.path(), text, &["--force-handlers"]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(
        out.stdout.matches("handler-ran").count(),
        2,
        "{}",
        out.show()
    );
    let keyword = text.replacen("  tasks:", "  force_handlers: true\n  tasks:", 1);
    let out = play(root.path(), &keyword, &[]);
    assert_eq!(
        out.stdout.matches("handler-ran").count(),
        2,
        "{}",
        out.show()
    );
}

#[test]
fn implicit_localhost_host_lists_and_empty_inventories() {
    let root = tempdir();
    write(
        &root.path().join("p.yml"),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - debug: msg=\"all={{ groups['all'] | length }} {{ group_names }}\"\n",
    );
    let out = run_in(root.path(), &["play", "p.yml", "-i", "/dev/null"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("all=0 []"), "{}", out.show());
    write(
        &root.path().join("q.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: echo on-{{ inventory_hostname }}\n      register: r\n    - debug: msg={{ r.stdout }}\n",
    );
    let out = run_in(
        root.path(),
        &["play", "q.yml", "-i", "web1,web2,", "-c", "local"],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("on-web1") && out.stdout.contains("on-web2"));
    let out = run_in(
        root.path(),
        &["play", "q.yml", "-i", "web1,", "--limit", "nosuch"],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(out.stderr.contains("no hosts to target"), "{}", out.show());
}

#[test]
fn start_at_task_skips_what_comes_before() {
    let root = tempdir();
    let out = play(
        root.path(),
        "- hosts: h1\n  gather_facts: false\n  tasks:\n    - name: one\n      debug: msg=first\n    \
         - name: two\n      debug: msg=second\n",
        &["--start-at-task", "two"],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(!out.stdout.contains("first") && out.stdout.contains("second"));
    let out = play(
        root.path(),
        "- hosts: h1\n  tasks:\n    - debug: msg=x\n",
        &["--start-at-task", "nope"],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr.contains("No matching task \"nope\""),
        "{}",
        out.show()
    );
}

#[test]
fn a_bad_meta_action_is_a_load_error() {
    let root = tempdir();
    let out = play(
        root.path(),
        "- hosts: h1\n  tasks:\n    - meta: end_everything\n",
        &[],
    );
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(out.stderr.contains("p.yml:3"), "{}", out.show());
    assert!(out.stderr.contains("invalid meta action"), "{}", out.show());
}

#[test]
fn throttle_runs_one_host_at_a_time() {
    let root = tempdir();
    let log = root.path().join("log").display().to_string();
    let text = format!(
        "- hosts: h1,h2,h3\n  gather_facts: false\n  tasks:\n    - shell: echo start >> {log}; sleep 0.3; echo end >> {log}\n      throttle: 1\n"
    );
    let out = play(root.path(), &text, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    let written = std::fs::read_to_string(root.path().join("log")).unwrap_or_default();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(
        lines,
        ["start", "end", "start", "end", "start", "end"],
        "{}",
        out.show()
    );
}

#[test]
fn ignore_unreachable_lets_the_host_go_on() {
    let root = tempdir();
    // Nothing listens there: an address of this test's own loopback net, refused at once.
    write(
        &root.path().join("ghost.ini"),
        "ghost ansible_host=127.0.84.250 ansible_user=root\n",
    );
    write(
        &root.path().join("p.yml"),
        "- hosts: ghost\n  gather_facts: false\n  tasks:\n    - command: \"true\"\n      ignore_unreachable: true\n    \
         - debug: msg=goes-on\n    - command: \"true\"\n",
    );
    let out = run_in(
        root.path(),
        &["play", "p.yml", "-i", "ghost.ini", "-T", "2"],
    );
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(out.stdout.contains("...ignoring"), "{}", out.show());
    assert!(out.stdout.contains("goes-on"), "{}", out.show());
    // As ansible-playbook 2.19 counts it.
    for (counter, n) in [("ok", 2), ("ignored", 1), ("unreachable", 1)] {
        assert_eq!(out.count("ghost", counter), n, "{counter}\n{}", out.show());
    }
}
