//! The runner as a user meets it, over the local connection: `no_log` and `register`, and what an
//! interrupted run (Ctrl-C, SIGTERM) prints and leaves behind.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

fn local_inventory(dir: &Path) -> String {
    let inv = dir.join("hosts.ini");
    write(&inv, "localhost ansible_connection=local\n");
    inv.display().to_string()
}

fn play(dir: &Path, playbook: &str, extra: &[&str]) -> Outcome {
    let inv = local_inventory(dir);
    let path = dir.join("play.yml");
    write(&path, playbook);
    let path = path.display().to_string();
    let mut args = vec!["play", path.as_str(), "-i", inv.as_str()];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

const UNDEFINED_NO_LOG: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: secret
      command: echo topsecret-{{ 6 * 7 }}
      no_log: "{{ undefined_thing }}"
      register: r
      ignore_errors: true
    - name: after
      command: echo still-runs
"#;

#[test]
fn undefined_no_log_fails_closed_and_hides_the_output() {
    let root = tempdir();
    for extra in [&["-vvv"][..], &["--output", "json"][..]] {
        let out = play(root.path(), UNDEFINED_NO_LOG, extra);
        assert!(!out.stdout.contains("topsecret"), "{}", out.show());
        assert!(!out.stderr.contains("topsecret"), "{}", out.show());
        assert_eq!(out.code, 0, "ignored failure: {}", out.show());
        if extra[0] == "-vvv" {
            assert!(
                out.stdout.contains("'no_log: true' was specified"),
                "{}",
                out.show()
            );
            assert_eq!(out.count("localhost", "ignored"), 1, "{}", out.show());
        } else {
            let doc: serde_json::Value =
                serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.show()));
            let secret = &doc["plays"][0]["tasks"][0]["hosts"]["localhost"];
            assert_eq!(secret["status"], "failed", "{doc}");
            assert!(secret.get("censored").is_some(), "{doc}");
        }
    }
}

#[test]
fn undefined_no_log_never_runs_the_task() {
    let root = tempdir();
    let marker = root.path().join("ran");
    let playbook = format!(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: touch {}\n      no_log: \"{{{{ nope }}}}\"\n",
        marker.display()
    );
    let out = play(root.path(), &playbook, &[]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(!marker.exists(), "the task ran: {}", out.show());
    assert_eq!(out.count("localhost", "failed"), 1, "{}", out.show());
}

#[test]
fn register_on_a_no_log_task_keeps_the_real_result() {
    let root = tempdir();
    let playbook = r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: hidden
      command: echo hidden-value
      no_log: true
      register: reg
    - name: shown
      debug:
        msg: "rc={{ reg.rc }} out={{ reg.stdout }}"
"#;
    let out = play(root.path(), playbook, &["-v"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout.contains("rc=0 out=hidden-value"),
        "{}",
        out.show()
    );
    let hidden_task = out.stdout.split("TASK [shown]").next().unwrap_or_default();
    assert!(!hidden_task.contains("hidden-value"), "{}", out.show());
}

/// A play whose second task starts a long command on two local hosts; `started-HOST` appears
/// once it runs, `done-HOST` only if it is never stopped. A `stubborn` one ignores SIGTERM.
fn slow_play(dir: &Path, stubborn: bool) -> (String, String) {
    let inv = dir.join("hosts.ini");
    write(
        &inv,
        "one ansible_connection=local\ntwo ansible_connection=local\n",
    );
    let d = dir.display();
    let (trap, secs) = if stubborn {
        ("trap '' TERM; ", 5)
    } else {
        ("", 30)
    };
    let playbook = format!(
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: quick
      command: echo quick
    - name: slow
      shell: {trap}touch {d}/started-{{{{ inventory_hostname }}}}; sleep {secs} & sleep {secs}; echo done > {d}/done-{{{{ inventory_hostname }}}}
    - name: never
      shell: touch {d}/never-{{{{ inventory_hostname }}}}
"#
    );
    let path = dir.join("play.yml");
    write(&path, &playbook);
    (path.display().to_string(), inv.display().to_string())
}

/// Starts drover, sends `signals` once the slow task runs everywhere (several: to commands that
/// ignore SIGTERM, so the first one cannot end the run quickly) and returns what it printed.
fn interrupted(dir: &Path, extra: &[&str], signals: &[&str]) -> Outcome {
    let stubborn = signals.len() > 1;
    let (playbook, inv) = slow_play(dir, stubborn);
    let bin = assert_cmd::cargo::cargo_bin("drover");
    let mut child = std::process::Command::new(bin)
        .args(["play", &playbook, "-i", &inv])
        .args(extra)
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start drover: {e}"));
    let stderr = child
        .stderr
        .take()
        .unwrap_or_else(|| panic!("stderr is piped"));
    let (lines, said) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            all.push_str(&line);
            all.push('\n');
            let _ = lines.send(line);
        }
        all
    });
    let started = |h: &str| dir.join(format!("started-{h}")).exists();
    for _ in 0..600 {
        if started("one") && started("two") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        started("one") && started("two"),
        "the slow task never started"
    );
    for (n, signal) in signals.iter().enumerate() {
        if n > 0 {
            // Signals sent back to back may merge into one: wait until drover saw the first.
            let seen = said.iter().any(|line| line.contains("stopping"));
            assert!(seen, "drover never said it was stopping");
        }
        let sent = std::process::Command::new("kill")
            .args([*signal, &child.id().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("kill: {e}"));
        assert!(sent.success(), "kill {signal}");
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait for drover: {e}"));
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: reader.join().unwrap_or_default(),
    }
}

/// Whether anything the stopped command would have done later shows up within a while.
fn wrote_after_stop(dir: &Path, prefix: &str) -> bool {
    std::thread::sleep(std::time::Duration::from_millis(500));
    ["one", "two"]
        .iter()
        .any(|h| dir.join(format!("{prefix}-{h}")).exists())
}

#[test]
fn ctrl_c_stops_running_commands_prints_the_recap_and_exits_130() {
    let root = tempdir();
    let out = interrupted(root.path(), &[], &["-INT"]);
    assert_eq!(out.code, 130, "{}", out.show());
    for host in ["one", "two"] {
        assert_eq!(out.count(host, "interrupted"), 1, "{}", out.show());
        assert_eq!(out.count(host, "ok"), 1, "{}", out.show());
    }
    assert!(
        out.stdout.contains("fatal: [one]: INTERRUPTED!"),
        "{}",
        out.show()
    );
    assert!(!out.stdout.contains("TASK [never]"), "{}", out.show());
    assert!(
        out.stderr.contains("User interrupted execution (SIGINT)"),
        "{}",
        out.show()
    );
    assert!(
        !wrote_after_stop(root.path(), "never"),
        "a new task started"
    );
    assert!(
        !wrote_after_stop(root.path(), "done"),
        "the command went on"
    );
}

#[test]
fn sigterm_with_json_output_prints_the_document_and_exits_143() {
    let root = tempdir();
    let out = interrupted(root.path(), &["--output", "json"], &["-TERM"]);
    assert_eq!(out.code, 143, "{}", out.show());
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.show()));
    assert_eq!(doc["interrupted"], "SIGTERM", "{doc}");
    for host in ["one", "two"] {
        assert_eq!(doc["stats"][host]["interrupted"], 1, "{doc}");
        assert_eq!(
            doc["plays"][0]["tasks"][1]["hosts"][host]["status"], "interrupted",
            "{doc}"
        );
    }
    assert_eq!(doc["plays"][0]["tasks"].as_array().map(Vec::len), Some(2));
    assert!(
        !wrote_after_stop(root.path(), "done"),
        "the command went on"
    );
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let root = tempdir();
    let out = interrupted(root.path(), &[], &["-INT", "-INT"]);
    assert_eq!(out.code, 130, "{}", out.show());
    assert!(
        !out.stdout.contains("PLAY RECAP"),
        "it waited for the stubborn commands: {}",
        out.show()
    );
}

#[test]
fn an_interrupted_loop_says_so() {
    let root = tempdir();
    let inv = local_inventory(root.path());
    let d = root.path().display();
    let playbook = format!(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: looping\n      shell: touch {d}/started-{{{{ item }}}}; sleep 30\n      loop: [a, b]\n"
    );
    let path = root.path().join("loop.yml");
    write(&path, &playbook);
    let bin = assert_cmd::cargo::cargo_bin("drover");
    let child = std::process::Command::new(bin)
        .args(["play", &path.display().to_string(), "-i", &inv])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start drover: {e}"));
    for _ in 0..600 {
        if root.path().join("started-a").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait for drover: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(
        stdout.contains("fatal: [localhost]: INTERRUPTED! =>"),
        "{stdout}"
    );
    assert!(
        !root.path().join("started-b").exists(),
        "the next item started"
    );
}
