//! `environment:` (and the other keywords around commands) on real hosts: what a `shell` and a
//! `command` see, inside `become`, and never in the target's `ps`.

mod common;

use common::{Outcome, run, tempdir, write};
use std::path::PathBuf;

fn fleet() -> PathBuf {
    common::fleet_dir("DROVER_FLEET_DIR", "the real fleet")
}

fn ssh(host: &str, command: &str) -> String {
    common::fleet_ssh(&fleet(), host, command)
}

fn play(text: &str) -> Outcome {
    let dir = tempdir();
    let play = dir.path().join("env.yml");
    write(&play, text);
    let inventory = fleet().join("inventory.ini").display().to_string();
    run(&["play", &play.display().to_string(), "-i", &inventory])
}

const ENVIRONMENT: &str = r#"- hosts: host03
  gather_facts: false
  environment:
    GREETING: "hello {{ inventory_hostname }}"
  tasks:
    - shell: echo "$GREETING/$FOO"
      environment:
        FOO: "it's \"$quoted\" and spaced"
      register: sh
    - command: env
      register: env
    - name: Inside become, past sudo's environment reset
      command: env
      become: true
      become_user: nobody
      register: env_nobody
    - name: The target's process table never shows a value
      shell: ps -eo args > /tmp/envkw-ps.txt; grep -c "$TOKEN" /tmp/envkw-ps.txt || true
      environment:
        TOKEN: envkw-s3cr3t
      no_log: true
      register: ps
    - assert:
        that:
          - sh.stdout == "hello host03/it's \"$quoted\" and spaced"
          - "'GREETING=hello host03' in env.stdout_lines"
          - "'GREETING=hello host03' in env_nobody.stdout_lines"
          - "'USER=nobody' in env_nobody.stdout_lines or 'LOGNAME=nobody' in env_nobody.stdout_lines"
          - ps.stdout == "0"
"#;

#[test]
fn shell_and_command_see_the_environment_inside_become_and_ps_never_does() {
    let out = play(ENVIRONMENT);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("host03", "failed"), 0, "{}", out.show());
    assert_eq!(ssh("host03", "grep -c envkw-s3cr3t /tmp/envkw-ps.txt"), "0");
}
