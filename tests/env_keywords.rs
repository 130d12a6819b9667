//! Keywords real roles use around their commands, over the local connection: `environment:` at
//! play, role, block and task level. Expected outputs were taken from ansible-playbook 2.19 on the
//! same playbook (`-c local`).

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

fn play(dir: &Path, text: &str, extra: &[&str]) -> Outcome {
    write(&dir.join("p.yml"), text);
    let mut args = vec!["play", "p.yml", "-i", "localhost,", "-c", "local"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

const LAYERS: &str = r#"- hosts: localhost
  gather_facts: true
  environment:
    PLAY: play
    BOTH: play
  roles:
    - role: r
      environment:
        ROLE: "{{ 'ro' ~ 'le' }}"
        BOTH: role
  tasks:
    - debug: msg="facts see {{ ansible_env.PLAY | default('absent') }}"
    - block:
        - shell: 'echo "P=$PLAY B=$BOTH K=$BLK O=${OM-unset} Q=$Q"'
          environment:
            BOTH: task
            OM: "{{ omit }}"
            Q: "a 'b' \"c\" $HOME `x`\nline2"
          register: r
        - debug: var=r.stdout
        - command: env
          register: e
        - debug: msg="env {{ e.stdout_lines | select('match', '^(PLAY|BLK|BOTH)=') | sort | join(' ') }}"
      environment:
        BLK: block
        BOTH: block
    - raw: echo "raw=${PLAY-unset}"
      register: r2
    - debug: var=r2.stdout
"#;

#[test]
fn environment_layers_merge_the_innermost_winning() {
    let root = tempdir();
    write(
        &root.path().join("roles/r/tasks/main.yml"),
        "- shell: 'echo \"role P=$PLAY R=$ROLE B=$BOTH\"'\n  register: r\n- debug: var=r.stdout\n",
    );
    let out = play(root.path(), LAYERS, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    for expected in [
        r#""r.stdout": "role P=play R=role B=role""#,
        r#""msg": "facts see play""#,
        r#""r.stdout": "P=play B=task K=block O=unset Q=a 'b' \"c\" $HOME `x`\nline2""#,
        r#""msg": "env BLK=block BOTH=block PLAY=play""#,
        // `raw` ignores `environment:`, as Ansible's does.
        r#""r2.stdout": "raw=unset"#,
    ] {
        assert!(out.stdout.contains(expected), "{expected}\n{}", out.show());
    }
}

#[test]
fn an_environment_that_is_not_a_mapping_fails_the_task() {
    let root = tempdir();
    let out = play(
        root.path(),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - command: 'true'\n      environment: \"{{ 'x' }}\"\n",
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(
        out.stdout
            .contains("environment must be a dictionary, received x"),
        "{}",
        out.show()
    );
}

#[test]
fn environment_values_never_reach_a_command_line() {
    // The command prints its own command line and its parent's, as the target's `ps` shows them.
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: localhost
  gather_facts: false
  tasks:
    - shell: 'for p in $$ $PPID; do tr "\0" " " < /proc/$p/cmdline; echo; done; echo "seen=$TOKEN"'
      environment:
        TOKEN: s3cr3t-token
      register: r
    - debug: msg="{{ r.stdout_lines }}"
"#,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("seen=s3cr3t-token"), "{}", out.show());
    let cmdlines: Vec<&str> = out.stdout.lines().filter(|l| l.contains("sh")).collect();
    assert!(cmdlines.len() >= 2, "{}", out.show());
    for cmdline in cmdlines {
        assert!(!cmdline.contains("s3cr3t"), "{cmdline}\n{}", out.show());
    }
}

#[test]
fn remote_user_and_port_are_accepted_and_a_bad_port_fails_the_task() {
    let root = tempdir();
    let out = play(
        root.path(),
        "- hosts: localhost\n  gather_facts: false\n  remote_user: \"{{ 'some' ~ 'one' }}\"\n  tasks:\n    - command: 'true'\n    - command: 'true'\n      port: \"{{ 'abc' }}\"\n",
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(out.count("localhost", "ok"), 1, "{}", out.show());
    assert!(
        out.stdout.contains("port: `abc` is not a valid port number"),
        "{}",
        out.show()
    );
}
