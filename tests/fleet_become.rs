//! `become` on real hosts: sudo and su to a non-root user, for module queries, file writes and
//! commands alike, keywords inherited from a block, and `-b/--become-user` on the command line.

mod common;

use common::{fleet, run, ssh, tempdir, write};

const PLAY: &str = r#"- hosts: host04
  gather_facts: false
  tasks:
    - name: Create the application user
      command: useradd --create-home --shell /bin/sh app
      args:
        creates: /home/app
    - name: As the application user
      become: true
      become_user: app
      block:
        - name: Who am I (sudo)
          command: id -un
          register: who
          changed_when: false
        - name: Write a file as app
          copy:
            content: "owned by app\n"
            dest: /home/app/owned.txt
            mode: "0600"
        - name: Who am I (su)
          command: id -un
          become_method: su
          register: who_su
          changed_when: false
    - name: Root again outside the block
      command: id -un
      register: who_root
      changed_when: false
    - assert:
        that:
          - who.stdout == "app"
          - who_su.stdout == "app"
          - who_root.stdout == "root"
"#;

#[test]
fn become_runs_queries_writes_and_commands_as_the_user() {
    let dir = tempdir();
    let play = dir.path().join("become.yml");
    write(&play, PLAY);
    let inventory = fleet().join("inventory.ini").display().to_string();
    let args = ["play", &play.display().to_string(), "-i", &inventory];
    let first = run(&args);
    assert_eq!(first.code, 0, "{}", first.show());
    assert_eq!(
        ssh("host04", "stat -c '%U %a' /home/app/owned.txt"),
        "app 600"
    );
    let second = run(&args);
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.count("host04", "changed"), 0, "{}", second.show());
}

#[test]
fn become_from_the_command_line_and_a_clear_error_for_unknown_methods() {
    let inventory = fleet().join("inventory.ini").display().to_string();
    let out = run(&[
        "run",
        "host05",
        "-i",
        &inventory,
        "-b",
        "--become-user",
        "nobody",
        "--",
        "id -un",
    ]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("host05: nobody"), "{}", out.show());

    let dir = tempdir();
    let play = dir.path().join("bad.yml");
    write(
        &play,
        "- hosts: host05\n  gather_facts: false\n  tasks:\n    - command: id\n      become: true\n      become_method: doas\n",
    );
    let out = run(&["play", &play.display().to_string(), "-i", &inventory]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(
        out.stdout
            .contains("become_method `doas` is not supported yet"),
        "{}",
        out.show()
    );
}
