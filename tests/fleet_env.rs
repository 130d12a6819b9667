//! `environment:` (and the other keywords around commands) on real hosts: what a `shell` and a
//! `command` see, inside `become`, and never in the target's `ps`.

mod common;

use common::{Outcome, fleet, play_on, run, ssh, tempdir, write};

fn play(text: &str) -> Outcome {
    play_on(&fleet(), text, &[])
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

/// A fleet host's address, from the fleet's inventory.
fn address(fleet: &std::path::Path, host: &str) -> String {
    let inventory = std::fs::read_to_string(fleet.join("inventory.ini")).unwrap_or_default();
    inventory
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(host))
        .flat_map(str::split_whitespace)
        .find_map(|w| w.strip_prefix("ansible_host="))
        .unwrap_or_else(|| panic!("{host} is not in the fleet's inventory"))
        .to_string()
}

/// host01 has no `ansible_user`, host02 has one that cannot log in.
fn remote_inventory(dir: &std::path::Path) -> String {
    let fleet = fleet();
    let f = fleet.display();
    let inventory = dir.join("remote.ini");
    write(
        &inventory,
        &format!(
            "[a]\nhost01 ansible_host={a}\n[b]\nhost02 ansible_host={b} ansible_user=nosuch\n[all:vars]\n\
             ansible_ssh_private_key_file={f}/id_ed25519\n\
             ansible_ssh_common_args='-o UserKnownHostsFile={f}/known_hosts -o StrictHostKeyChecking=yes'\n",
            a = address(&fleet, "host01"),
            b = address(&fleet, "host02"),
        ),
    );
    inventory.display().to_string()
}

#[test]
fn remote_user_beats_dash_u_but_not_ansible_user_and_port_is_a_keyword_too() {
    let dir = tempdir();
    let inventory = remote_inventory(dir.path());
    let play = dir.path().join("remote.yml");
    write(
        &play,
        r#"- hosts: all
  gather_facts: false
  remote_user: "{{ 'ro' ~ 'ot' }}"
  tasks:
    - command: id -un
      register: who
    - assert:
        that: who.stdout == "root"
- hosts: host01
  gather_facts: false
  tasks:
    - command: id -un
      remote_user: root
    - name: Without the keyword, -u applies again
      command: id -un
      ignore_unreachable: true
    - name: Another port
      command: id -un
      remote_user: root
      port: 2222
"#,
    );
    let out = run(&[
        "play",
        &play.display().to_string(),
        "-i",
        &inventory,
        "-u",
        "nosuch2",
    ]);
    // As ansible-playbook 2.19 on the same inventory: the keyword wins over -u on host01, the
    // inventory's ansible_user over the keyword on host02.
    assert_eq!(out.code, 4, "{}", out.show());
    let counts =
        |host: &str| ["ok", "changed", "unreachable", "ignored"].map(|c| out.count(host, c));
    assert_eq!(counts("host01"), [4, 2, 1, 1], "{}", out.show());
    assert_eq!(counts("host02"), [0, 0, 1, 0], "{}", out.show());
    assert!(
        out.stdout.contains("nosuch@") && out.stdout.contains("nosuch2@"),
        "{}",
        out.show()
    );
    assert!(out.stdout.contains(":2222"), "{}", out.show());
}
