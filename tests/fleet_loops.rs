//! `until`/`retries`/`delay` on a real host: a task polls for a file that another process on the
//! host creates a little later, as a deployment waits for a service to come up.

mod common;

use common::{fleet, run, ssh, tempdir, write};

const PLAY: &str = r#"- hosts: host06
  gather_facts: false
  tasks:
    - name: Start from nothing
      file: path=/tmp/drover-loops-until state=absent
    - name: Something creates the file in a while
      shell: "mkdir -p /tmp/drover-loops-until; (sleep 2; echo up > /tmp/drover-loops-until/ready) >/dev/null 2>&1 &"
    - name: Wait for the file
      command: cat /tmp/drover-loops-until/ready
      register: ready
      until: ready.rc == 0
      retries: 20
      delay: 0.5
      changed_when: false
    - name: Per item too
      command: "test -f /tmp/drover-loops-until/{{ item }}"
      loop: [ready]
      register: each
      until: each is success
      retries: 2
      delay: 0
      changed_when: false
    - assert:
        that:
          - ready.stdout == "up"
          - ready.attempts > 1
          - ready.attempts < 20
          - each.results[0].attempts == 1
"#;

#[test]
fn until_waits_for_a_file_another_process_creates() {
    let dir = tempdir();
    let play = dir.path().join("until.yml");
    write(&play, PLAY);
    let inventory = fleet().join("inventory.ini").display().to_string();
    let out = run(&["play", &play.display().to_string(), "-i", &inventory]);
    assert_eq!(out.code, 0, "{}", out.show());
    let retried = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("FAILED - RETRYING: [host06]: Wait for the file ("))
        .count();
    assert!(
        retried >= 1,
        "the file was not there at first\n{}",
        out.show()
    );
    assert!(
        out.stdout.contains("(20 retries left)"),
        "counts down from 20\n{}",
        out.show()
    );
    assert_eq!(ssh("host06", "cat /tmp/drover-loops-until/ready"), "up");
    assert_eq!(out.count("host06", "failed"), 0, "{}", out.show());
}
