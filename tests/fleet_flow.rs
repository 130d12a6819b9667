//! Control flow on real hosts: `serial` batches over the six fleet hosts with one failing host and
//! `max_fail_percentage`, `delegate_to` another fleet host (reached with ITS connection variables)
//! writing a file there, and `run_once`. Modelled on ansible-core's `serial` and `delegate_to`
//! integration targets.

mod common;

use common::{fleet, play_on, ssh};

#[test]
fn serial_batches_stop_at_max_fail_percentage() {
    let stamp = "/tmp/drover-flow-serial";
    let text = format!(
        r#"- hosts: all
  gather_facts: false
  serial: 2
  max_fail_percentage: 40
  tasks:
    - name: Remember the batch on the host
      shell: echo "{{{{ ansible_play_batch | join(',') }}}}" > {stamp}
    - name: One host of the second batch fails
      command: /bin/false
      when: inventory_hostname == 'host03'
    - name: Only reached by complete batches
      command: touch {stamp}.done
"#
    );
    for host in ["host01", "host03", "host05"] {
        ssh(host, &format!("rm -f {stamp} {stamp}.done"));
    }
    let out = play_on(&fleet(), &text, &[]);
    assert_eq!(out.code, 2, "{}", out.show());
    // Batch one ran to its end; batch two stopped (1 of 2 failed is over 40%); batch three never ran.
    assert_eq!(ssh("host01", &format!("cat {stamp}")), "host01,host02");
    assert_eq!(
        ssh("host01", &format!("ls {stamp}.done")),
        format!("{stamp}.done")
    );
    assert_eq!(ssh("host04", &format!("cat {stamp}")), "host03,host04");
    assert_eq!(ssh("host04", &format!("ls {stamp}.done 2>/dev/null")), "");
    assert_eq!(ssh("host05", &format!("cat {stamp} 2>/dev/null")), "");
    assert_eq!(out.count("host03", "failed"), 1, "{}", out.show());
    assert!(!out.recap().contains_key("host05"), "{}", out.show());
}

#[test]
fn delegate_to_another_host_and_run_once() {
    let target = "/tmp/drover-flow-delegated";
    ssh("host06", &format!("rm -rf {target}"));
    let text = format!(
        r#"- hosts: host01,host02
  gather_facts: false
  tasks:
    - name: The directory on host06, once
      file:
        path: "{target}"
        state: directory
      delegate_to: host06
      run_once: true
    - name: Each host leaves its name on host06
      copy:
        content: "{{{{ inventory_hostname }}}} via {{{{ ansible_host | default('-') }}}}"
        dest: "{target}/{{{{ inventory_hostname }}}}"
      delegate_to: host06
    - name: Where did it run
      command: cat /etc/hostname
      register: where
      delegate_to: host06
      changed_when: false
    - name: Once for the play
      command: hostname
      register: once
      run_once: true
      changed_when: false
    - assert:
        that:
          - where.stdout == "host06"
          - once.stdout == "host01"
"#
    );
    let out = play_on(&fleet(), &text, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("[host01 -> host06]"), "{}", out.show());
    let listed = ssh("host06", &format!("ls {target}"));
    assert_eq!(
        listed.split_whitespace().collect::<Vec<_>>(),
        ["host01", "host02"]
    );
    // The file was written by host06's connection, but with host01's variables.
    let content = ssh("host06", &format!("cat {target}/host01"));
    assert!(content.starts_with("host01 via "), "{content}");
    assert_eq!(ssh("host01", &format!("ls {target} 2>/dev/null")), "");
    assert_eq!(
        out.stdout.matches("TASK [Once for the play]").count(),
        1,
        "{}",
        out.show()
    );
}
