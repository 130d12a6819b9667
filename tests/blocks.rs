//! Blocks, failures and strategies over the local connection, each modelled on a run of
//! ansible-core's `blocks`, `any_errors_fatal` and `loops` targets; the expected statuses, recaps
//! and exit codes were taken from ansible-playbook 2.19 on the same playbook.

mod common;

use common::{Outcome, play_with, tempdir, write};
use std::path::Path;

const TWO_HOSTS: &str = "host1\nhost2\n[all:vars]\nansible_connection=local\n";

fn play(dir: &Path, text: &str, extra: &[&str]) -> Outcome {
    play_with(dir, TWO_HOSTS, text, extra)
}

#[test]
fn a_blocks_notify_is_inherited_by_its_tasks() {
    // blocks/inherit_notify.yml
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: host1
  gather_facts: false
  tasks:
    - notify: hello
      block:
        - debug: msg=trigger
          changed_when: true
        - debug: msg=own
          changed_when: true
          notify: other
  handlers:
    - name: hello
      set_fact: hello=world
    - name: other
      debug: msg=other-ran
  post_tasks:
    - assert:
        that: hello == 'world'
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout.contains("RUNNING HANDLER [hello]"),
        "{}",
        out.show()
    );
    assert!(out.stdout.contains("other-ran"), "{}", out.show());
}

#[test]
fn clear_host_errors_in_an_always_lets_the_failed_host_go_on() {
    // blocks/72725.yml: host1's failure is held back by the outer `always`, where the errors are
    // cleared; host1 goes on (its assert is skipped), the run exits 0, the recap keeps failed=1.
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: host1,host2
  gather_facts: no
  tasks:
    - block:
        - block:
          - fail:
            when: inventory_hostname == 'host1'
          - set_fact:
               only_host2_fact: yes
        - fail:
          when: only_host2_fact is not defined
      always:
        - block:
          - meta: clear_host_errors
    - assert:
        that:
          - only_host2_fact is defined
      when:
        - inventory_hostname == 'host2'
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("host1", "failed"), 1, "{}", out.show());
    assert_eq!(out.count("host1", "skipped"), 1, "{}", out.show());
    assert_eq!(out.count("host2", "ok"), 2, "{}", out.show());
}

#[test]
fn a_host_failing_in_a_rescue_leaves_ansible_play_hosts_at_once() {
    // blocks/78612.yml: host1's failure inside a block of the `rescue` ends it there.
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - block:
        - fail:
          when: inventory_hostname == 'host1'
      rescue:
        - block:
          - fail:
            when: inventory_hostname == 'host1'
    - assert:
        that:
          - "'host1' not in ansible_play_hosts"
          - "'host1' not in ansible_play_batch"
"#,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(out.count("host2", "failed"), 0, "{}", out.show());
    assert_eq!(out.count("host2", "ok"), 1, "{}", out.show());
    assert_eq!(out.count("host1", "rescued"), 1, "{}", out.show());
}

#[test]
fn a_failure_an_always_holds_leaves_ansible_play_hosts_before_the_always_runs() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - block:
        - fail:
          when: inventory_hostname == 'host1'
      always:
        - debug: msg="hosts={{ ansible_play_hosts | join(',') }}"
"#,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(
        out.stdout.matches("hosts=host2\"").count(),
        2,
        "both hosts see host1 gone\n{}",
        out.show()
    );
}

#[test]
fn a_host_any_errors_fatal_sends_to_rescue_is_not_failed_in_the_exit_code() {
    // any_errors_fatal/80981.yml
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: host1,host2
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - block:
        - fail:
          when: inventory_hostname == "host1"
        - debug:
            msg: SHOULD NOT HAPPEN
      rescue:
        - debug:
            msg: rescued
    - debug:
        msg: recovered
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(!out.stdout.contains("SHOULD NOT HAPPEN"), "{}", out.show());
    for host in ["host1", "host2"] {
        assert_eq!(out.count(host, "ok"), 2, "{host}\n{}", out.show());
        assert_eq!(out.count(host, "failed"), 0, "{host}\n{}", out.show());
    }
}

#[test]
fn a_host_any_errors_fatal_sent_to_rescue_sits_out_the_next_play() {
    // As ansible-playbook: the host stays in the failed list, so the next play does not run it
    // and the run's result is a failure.
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: host1,host2
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - block:
        - fail:
          when: inventory_hostname == "host1"
      rescue:
        - debug: msg=rescued
- hosts: host1,host2
  gather_facts: false
  tasks:
    - debug: msg=second
"#,
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(out.count("host1", "ok"), 2, "{}", out.show());
    assert_eq!(out.count("host2", "ok"), 1, "{}", out.show());
    assert_eq!(out.count("host2", "failed"), 0, "{}", out.show());
}

const TEMPLATED_STRATEGY: &str = r#"- hosts: host1
  gather_facts: false
  strategy: "{{ test_strategy | default('linear') }}"
  tasks:
    - add_host:
        name: added
        ansible_connection: local
    - debug: msg=after
"#;

#[test]
fn a_templated_strategy_is_rendered_with_the_extra_vars() {
    // blocks/main.yml runs with `-e test_strategy=free|host_pinned`. `add_host` tells the
    // strategies apart: the free ones refuse it as ansible-core does (exit 1, no recap).
    let root = tempdir();
    let linear = play(root.path(), TEMPLATED_STRATEGY, &[]);
    assert_eq!(linear.code, 0, "{}", linear.show());
    assert_eq!(linear.count("host1", "ok"), 2, "{}", linear.show());
    for free in ["free", "host_pinned"] {
        let var = format!("test_strategy={free}");
        let out = play(root.path(), TEMPLATED_STRATEGY, &["-e", &var]);
        assert_eq!(out.code, 1, "{free}\n{}", out.show());
        assert!(
            out.stderr
                .contains("The 'add_host' module bypasses the host loop"),
            "{free}\n{}",
            out.show()
        );
        assert!(!out.stdout.contains("PLAY RECAP"), "{free}\n{}", out.show());
    }
    let bad = play(
        root.path(),
        TEMPLATED_STRATEGY,
        &["-e", "test_strategy=nope"],
    );
    assert_eq!(bad.code, 1, "{}", bad.show());
    assert!(
        bad.show().contains("Invalid play strategy specified: nope"),
        "{}",
        bad.show()
    );
}

#[test]
fn a_skipped_delegated_task_does_not_name_the_delegate() {
    // loops: a skipped task's line names the host alone; a run one names the delegate.
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: host1
  gather_facts: false
  tasks:
    - debug: msg=loop
      when: false
      delegate_to: localhost
      loop: "{{ fake_var }}"
    - debug: msg=item
      when: item == 2
      delegate_to: localhost
      loop: [1, 2]
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("skipping: [host1]\n"), "{}", out.show());
    assert!(
        out.stdout.contains("skipping: [host1] => (item=1)"),
        "{}",
        out.show()
    );
    assert!(
        out.stdout.contains("ok: [host1 -> localhost] => (item=2)"),
        "{}",
        out.show()
    );
}

#[test]
fn a_templated_loop_var_names_the_variable_of_included_tasks() {
    // loops/templated_loop_var_tasks.yml
    let root = tempdir();
    write(
        &root.path().join("inc.yml"),
        "- assert:\n    that: templated_loop_var_name == 'value'\n",
    );
    let out = play(
        root.path(),
        r#"- hosts: host1
  gather_facts: false
  tasks:
    - include_tasks: inc.yml
      loop: [value]
      loop_control:
        loop_var: "{{ loop_var_name }}"
      vars:
        loop_var_name: templated_loop_var_name
    - debug: msg="{{ named }}"
      loop: [direct]
      loop_control:
        loop_var: "{{ 'named' }}"
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("\"msg\": \"direct\""), "{}", out.show());
}
