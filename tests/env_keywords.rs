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
        out.stdout
            .contains("port: `abc` is not a valid port number"),
        "{}",
        out.show()
    );
}

const PROMPTS: &str = r#"- hosts: localhost
  gather_facts: false
  vars:
    who: play
  vars_prompt:
    - name: who
      prompt: Who are you
      private: false
    - name: colour
      prompt: Colour
      default: blue
  tasks:
    - debug: msg="hello {{ who }} in {{ colour }}"
"#;

#[test]
fn vars_prompt_without_a_terminal_takes_extra_vars_or_the_default_else_names_the_option() {
    let root = tempdir();
    let out = play(root.path(), PROMPTS, &[]);
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr.contains("p.yml:6")
            && out.stderr.contains("no terminal")
            && out.stderr.contains("-e who=…"),
        "{}",
        out.show()
    );
    let out = play(root.path(), PROMPTS, &["-e", "who=extra"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("hello extra in blue"), "{}", out.show());
}

/// A private tmux server (its own socket) answering the prompts on a real terminal.
#[test]
fn vars_prompt_asks_on_a_terminal_hiding_private_answers() {
    let root = tempdir();
    write(&root.path().join("p.yml"), PROMPTS);
    let socket = format!("drover-envkw-{}", std::process::id());
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("tmux (needed for this test): {e}"))
    };
    let drover = env!("CARGO_BIN_EXE_drover");
    let line = format!("{drover} play p.yml -i localhost, -c local; echo EXIT=$?; sleep 60");
    let dir = root.path().display().to_string();
    tmux(&[
        "new-session",
        "-d",
        "-x",
        "150",
        "-y",
        "40",
        "-c",
        &dir,
        &line,
    ]);
    let screen =
        || String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-J"]).stdout).into_owned();
    let wait_for = |what: &str| {
        let start = std::time::Instant::now();
        loop {
            let text = screen();
            if text.contains(what) {
                return text;
            }
            if start.elapsed() > std::time::Duration::from_secs(20) {
                tmux(&["kill-server"]);
                panic!("`{what}` never appeared:\n{text}");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    wait_for("Who are you: ");
    tmux(&["send-keys", "alice", "Enter"]);
    wait_for("Colour [blue]: ");
    tmux(&["send-keys", "green-secret", "Enter"]);
    let text = wait_for("EXIT=");
    tmux(&["kill-server"]);
    assert!(text.contains("Who are you: alice"), "{text}");
    assert!(text.contains("hello alice in green-secret"), "{text}");
    assert_eq!(
        text.matches("green-secret").count(),
        1,
        "a private answer is not echoed:\n{text}"
    );
    assert!(text.contains("EXIT=0"), "{text}");
}

#[test]
fn async_with_polling_waits_up_to_its_limit_with_ansibles_result() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: localhost
  gather_facts: false
  tasks:
    - shell: sleep 1; echo done
      async: 10
      poll: 1
      register: quick
    - debug: msg="{{ quick.stdout }} rc={{ quick.rc }}"
    - shell: sleep 5
      async: "{{ 1 + 1 }}"
      poll: 1
      register: slow
      ignore_errors: true
    - debug: msg="{{ slow.msg }} finished={{ slow.finished }}"
"#,
        &[],
    );
    // As ansible-playbook 2.19: ok=4 changed=1 ignored=1.
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("localhost", "ignored"), 1, "{}", out.show());
    for expected in [
        r#""msg": "done rc=0""#,
        r#""msg": "Timeout exceeded finished=True""#,
    ] {
        assert!(out.stdout.contains(expected), "{expected}\n{}", out.show());
    }
}

#[test]
fn import_tasks_and_include_apply_pass_their_environment_on() {
    let root = tempdir();
    write(
        &root.path().join("t.yml"),
        "- shell: echo \"in=$IMPORTED\"\n  register: r\n- debug: var=r.stdout\n",
    );
    let out = play(
        root.path(),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - import_tasks: t.yml\n      environment:\n        IMPORTED: imp\n    - include_tasks:\n        file: t.yml\n        apply:\n          environment:\n            IMPORTED: app\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    for expected in [r#""r.stdout": "in=imp""#, r#""r.stdout": "in=app""#] {
        assert!(out.stdout.contains(expected), "{expected}\n{}", out.show());
    }
}
