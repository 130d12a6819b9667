//! What a task's outcome keywords leave in its registered result, over the local connection,
//! modelled on ansible-core's `changed_when`, `failed_when` and `conditionals` integration targets
//! (2.19): a failed result carries `exception`, a failure `failed_when` suppressed keeps it as
//! `failed_when_suppressed_exception`, and a `changed_when`/`failed_when` that cannot be evaluated
//! fails the task but keeps the module's result, the error in `<keyword>_when_result`.

mod common;

use common::{Outcome, play_with, tempdir};

const LOCAL: &str = "testhost ansible_connection=local\n";

fn play(playbook: &str) -> Outcome {
    let dir = tempdir();
    play_with(dir.path(), LOCAL, playbook, &[])
}

fn assert_all_pass(out: &Outcome) {
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("testhost", "failed"), 0, "{}", out.show());
}

#[test]
fn a_failed_result_registers_an_exception_that_is_never_shown() {
    let out = play(
        r#"- hosts: testhost
  gather_facts: false
  tasks:
    - shell: exit 1
      ignore_errors: true
      register: failed_shell
    - shell: exit 0
      register: good_shell
    - debug: {msg: hi}
      failed_when: true
      ignore_errors: true
      register: failed_debug
    - assert:
        that:
          - failed_shell.exception is defined
          - failed_shell.failed_when_suppressed_exception is undefined
          - good_shell.exception is undefined
          - failed_debug.exception is defined
          - failed_debug.failed_when_result
"#,
    );
    assert_all_pass(&out);
    assert!(!out.stdout.contains("exception"), "{}", out.show());
}

#[test]
fn a_failure_failed_when_suppresses_is_kept_apart() {
    let out = play(
        r#"- hosts: testhost
  gather_facts: false
  tasks:
    - shell: exit 1
      failed_when: false
      register: result
    - assert:
        that:
          - not result.failed
          - not result.failed_when_result
          - result.exception is undefined
          - result.failed_when_suppressed_exception is defined
    - shell: exit 0
      failed_when: false
      register: result
    - assert:
        that:
          - result.failed_when_suppressed_exception is undefined
"#,
    );
    assert_all_pass(&out);
}

#[test]
fn a_condition_that_cannot_be_evaluated_keeps_the_module_result() {
    let out = play(
        r#"- hosts: testhost
  gather_facts: false
  tasks:
    - command: echo foo
      changed_when: boomboomboom
      register: bad_changed
      ignore_errors: true
    - command: echo foo
      failed_when: boomboomboom
      register: bad_failed
      ignore_errors: true
    - assert:
        that:
          - bad_changed is failed
          - bad_changed.stdout == 'foo'
          - bad_changed.changed_when_result is contains('boomboomboom')
          - bad_changed.changed_when_result is contains('Error while evaluating conditional')
          - bad_changed.failed_when_result is undefined
          - bad_failed is failed
          - bad_failed.stdout == 'foo'
          - bad_failed.failed_when_result is contains('boomboomboom')
"#,
    );
    assert_all_pass(&out);
    assert_eq!(out.count("testhost", "ignored"), 2, "{}", out.show());
}

#[test]
fn debug_of_ansible_facts_sets_no_fact() {
    let out = play(
        r#"- hosts: testhost
  gather_facts: false
  tasks:
    - set_fact:
        ansible_facts:
          nonfact: 1
    - debug: var=ansible_facts
    - assert:
        that:
          - nonfact is not defined
"#,
    );
    assert_all_pass(&out);
}

#[test]
fn play_keywords_reach_the_tasks_of_the_play() {
    let out = play(
        r#"- hosts: testhost
  gather_facts: false
  check_mode: true
  ignore_errors: true
  tasks:
    - command: "true"
      register: checked
    - fail: {msg: ignored by the play}
    - command: "true"
      check_mode: false
      register: ran
    - assert:
        that:
          - checked is skipped
          - ran is not skipped
"#,
    );
    assert_all_pass(&out);
    assert_eq!(out.count("testhost", "ignored"), 1, "{}", out.show());
}

/// Under the free strategy ansible-core prints a task's banner with its first result line, so a
/// meta task that acts (`end_host`, `end_play`) shows none; one whose `when:` is false shows its
/// skip under a banner.
#[test]
fn a_meta_task_under_the_free_strategy_shows_a_banner_only_with_a_line() {
    let dir = tempdir();
    let out = play_with(
        dir.path(),
        "a ansible_connection=local\nb ansible_connection=local\n",
        r#"- hosts: all
  gather_facts: false
  strategy: free
  tasks:
    - meta: end_host
      when: inventory_hostname == 'b'
    - debug: {msg: "still here"}
- hosts: all
  gather_facts: false
  strategy: free
  tasks:
    - meta: end_play
    - debug: {msg: "never"}
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let banners = out.stdout.matches("TASK [meta]").count();
    assert_eq!(banners, 1, "{}", out.show());
    assert!(out.stdout.contains("skipping: [a]"), "{}", out.show());
    assert_eq!(out.count("a", "ok"), 1, "{}", out.show());
    assert_eq!(out.count("b", "ok"), 0, "{}", out.show());
}

/// A module that skips itself (`command` in check mode) says why in `msg`, as ansible-core's
/// modules do; `skip_reason` is only for a `when:` that does not hold.
#[test]
fn a_module_that_skips_itself_says_why_in_msg() {
    let dir = tempdir();
    let out = play_with(
        dir.path(),
        LOCAL,
        r#"- hosts: testhost
  gather_facts: false
  tasks:
    - command: echo ran
      register: command_out
    - assert:
        that:
          - command_out is skipped
          - '"check mode" in command_out["msg"]'
          - command_out.skip_reason is undefined
"#,
        &["--check"],
    );
    assert_all_pass(&out);
}

/// ansible-core's `IncludeRole.get_name`: a named `include_role` inside a role shows its name
/// without the `role : ` prefix its other tasks have (strategy_linear's test_include_file_noop).
#[test]
fn a_named_include_role_inside_a_role_shows_its_name_alone() {
    let dir = common::tree(&[
        (
            "roles/outer/tasks/main.yml",
            "- name: Call inner\n  include_role:\n    name: inner\n- debug: {msg: after}\n",
        ),
        ("roles/inner/tasks/main.yml", "- debug: {msg: inside}\n"),
    ]);
    let out = play_with(
        dir.path(),
        LOCAL,
        "- hosts: testhost\n  gather_facts: false\n  roles: [outer]\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        ["Call inner", "inner : debug", "outer : debug"],
        "{}",
        out.show()
    );
}

/// `order:` decides the order hosts run a task in, not only how batches are cut: with
/// `--forks 1` they append to a file one after the other (ansible-core's `order` target).
#[test]
fn hosts_run_a_task_in_the_order_the_play_asks_for() {
    let dir = tempdir();
    let out = play_with(
        dir.path(),
        "hostB\nhostA\nhostD\nhostC\n[all:vars]\nansible_connection=local\n",
        r#"- hosts: all
  gather_facts: false
  order: sorted
  tasks:
    - shell: "echo {{ inventory_hostname }} >> sorted.txt"
- hosts: all
  gather_facts: false
  order: reverse_inventory
  tasks:
    - shell: "echo {{ inventory_hostname }} >> reversed.txt"
"#,
        &["--forks", "1"],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let read = |name: &str| {
        std::fs::read_to_string(dir.path().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", out.show()))
    };
    assert_eq!(read("sorted.txt"), "hostA\nhostB\nhostC\nhostD\n");
    assert_eq!(read("reversed.txt"), "hostC\nhostD\nhostA\nhostB\n");
}

/// `set_stats` with data that is no mapping fails with ansible-core's exact message (its
/// set_stats target asserts it).
#[test]
fn set_stats_refuses_data_that_is_no_mapping_in_ansibles_words() {
    let out = play(
        r#"- hosts: testhost
  gather_facts: false
  tasks:
    - set_stats:
        data: [1, 2]
      ignore_errors: true
      register: r
    - set_stats:
        data:
          .bad: 1
      ignore_errors: true
      register: bad_name
    - assert:
        that:
          - r is failed
          - r.msg == "The 'data' option needs to be a dictionary/hash"
          - bad_name is failed
          - bad_name.msg is contains("Invalid variable name '.bad'")
"#,
    );
    assert_all_pass(&out);
}

/// `set_stats` reads `aggregate`/`per_host` as ansible-core's `boolean(strict=False)`: a word
/// that is not a true one is false, never an error (its set_stats target passes `aggregate: "x"`).
#[test]
fn set_stats_takes_any_word_for_its_flags() {
    let out = play(
        r#"- hosts: testhost
  gather_facts: false
  tasks:
    - set_stats:
        data: {my_string: foo}
        aggregate: "x"
      register: r
    - assert:
        that:
          - r is succeeded
          - not r.ansible_stats.aggregate
"#,
    );
    assert_all_pass(&out);
}
