//! `-v` … `-vvvv` on real hosts, level by level as ansible-playbook has them: `-v` results, `-vv`
//! task paths, `-vvv` each connection and every command line a step runs (`<host01> EXEC …`) with
//! what it returned, `-vvvv` the SSH detail (TCP, host key and how it was verified, authentication,
//! keepalive settings, channels). No secret ever reaches a trace line: not a `no_log` task's
//! command, not a value from a vault, not what travels on stdin (`environment:` values, the become
//! password). Fails, never skips, without the fleet.

mod common;

use common::{Outcome, fleet_dir, run_in, tempdir, write};
use std::path::Path;

const PLAY: &str = r#"- hosts: host01
  gather_facts: false
  vars_files: [secrets.yml]
  tasks:
    - name: Greet
      command: echo hi
    - name: With a secret environment
      shell: test -n "$API_TOKEN"
      environment:
        API_TOKEN: env-secret-3141
    - name: Hidden
      shell: echo nolog-secret-2718 >/dev/null
      no_log: true
    - name: Uses the vault
      shell: "test {{ vaulted }} = vault-secret-1618"
    - name: As another user
      command: id -un
      become: true
      become_user: nobody
"#;

const SECRETS: [&str; 4] = [
    "env-secret-3141",
    "nolog-secret-2718",
    "vault-secret-1618",
    "become-secret-1414",
];

/// The play at `-v` × `level`, with the vaulted vars file and a become password.
fn play_at(dir: &Path, level: usize, extra: &[&str]) -> Outcome {
    let fleet = fleet_dir("DROVER_FLEET_DIR", "the real fleet");
    write(&dir.join("pw"), "vault-pass\n");
    if !dir.join("secrets.yml").exists() {
        let vaulted = run_in(
            dir,
            &[
                "vault",
                "encrypt_string",
                "--vault-password-file",
                "pw",
                "--name",
                "vaulted",
                "vault-secret-1618",
            ],
        );
        assert_eq!(vaulted.code, 0, "{}", vaulted.show());
        write(&dir.join("secrets.yml"), &vaulted.stdout);
    }
    write(&dir.join("p.yml"), PLAY);
    let inventory = fleet.join("inventory.ini").display().to_string();
    let flag = format!("-{}", "v".repeat(level));
    let mut args = vec![
        "play",
        "p.yml",
        "-i",
        &inventory,
        "--vault-password-file",
        "pw",
        "-e",
        "ansible_become_password=become-secret-1414",
    ];
    if level > 0 {
        args.push(&flag);
    }
    args.extend_from_slice(extra);
    let out = run_in(dir, &args);
    assert_eq!(out.code, 0, "{}", out.show());
    out
}

/// The trace lines (`<host01> …`).
fn trace(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("<host01> "))
        .collect()
}

#[test]
fn each_verbosity_level_adds_what_ansible_adds() {
    let dir = tempdir();
    let v0 = play_at(dir.path(), 0, &[]);
    assert!(v0.stdout.contains("changed: [host01]\n"), "{}", v0.show());
    assert!(!v0.stdout.contains("task path:"), "{}", v0.show());
    assert!(trace(&v0.stdout).is_empty(), "{}", v0.show());

    let v1 = play_at(dir.path(), 1, &[]);
    assert!(
        v1.stdout
            .contains("changed: [host01] => {\"cmd\":[\"echo\",\"hi\"]"),
        "{}",
        v1.show()
    );
    assert!(!v1.stdout.contains("task path:"), "{}", v1.show());
    assert!(trace(&v1.stdout).is_empty(), "{}", v1.show());

    let v2 = play_at(dir.path(), 2, &[]);
    assert!(v2.stdout.contains("task path: p.yml:5\n"), "{}", v2.show());
    assert!(
        v2.stdout.starts_with(&format!(
            "\nPLAYBOOK: p.yml {}\n1 plays in p.yml\n",
            "*".repeat(63)
        )),
        "{}",
        v2.show()
    );
    assert!(!v1.stdout.contains("PLAYBOOK:"), "{}", v1.show());
    assert!(trace(&v2.stdout).is_empty(), "{}", v2.show());

    let v3 = play_at(dir.path(), 3, &[]);
    let lines = trace(&v3.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("<host01> ESTABLISH SSH CONNECTION FOR USER: root (127.0.")),
        "{}",
        v3.show()
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("<host01> EXEC as root: ") && l.contains("echo hi")),
        "{}",
        v3.show()
    );
    assert!(
        lines.contains(&"<host01> (0, stdout: \"hi\\n\", stderr: \"\")"),
        "{}",
        v3.show()
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("sudo -H -S -p '' -u nobody")),
        "the become wrapping is shown: {}",
        v3.show()
    );
    assert!(!lines.iter().any(|l| l.contains("SSH:")), "{}", v3.show());

    let v4 = play_at(dir.path(), 4, &[]);
    let lines = trace(&v4.stdout);
    let known_hosts = fleet_dir("DROVER_FLEET_DIR", "the real fleet").join("known_hosts");
    for wanted in [
        "SSH: TCP connection to 127.0.",
        "SSH: a keepalive after 15 s of silence, given up after 3 unanswered",
        "SSH: server host key ssh-ed25519 SHA256:",
        &format!("verified, it matches {}:", known_hosts.display()),
        "SSH: authentication as root: ",
        ": accepted",
        "SSH: channel ",
        " closed (exit status 0)",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(wanted)),
            "no {wanted:?} in\n{}",
            v4.show()
        );
    }
}

#[test]
fn no_secret_reaches_the_trace() {
    let dir = tempdir();
    let out = play_at(dir.path(), 4, &[]);
    let lines = trace(&out.stdout);
    assert!(lines.len() > 20, "{}", out.show());
    for secret in SECRETS {
        for line in &lines {
            assert!(!line.contains(secret), "{secret} in {line}");
        }
    }
    // Neither the stdin secrets nor the no_log one appear anywhere in the output.
    for secret in ["env-secret-3141", "nolog-secret-2718", "become-secret-1414"] {
        assert!(!out.stdout.contains(secret), "{secret}:\n{}", out.show());
        assert!(!out.stderr.contains(secret), "{secret}:\n{}", out.show());
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("EXEC as root: ") && l.contains("test ******** = ********")),
        "the vault value is masked where it would be: {}",
        out.show()
    );
    assert!(
        lines.contains(&"<host01> EXEC as root (command hidden: no_log)"),
        "{}",
        out.show()
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("(stdin: ") && l.contains("bytes, not shown)")),
        "{}",
        out.show()
    );
}

#[test]
fn under_output_json_the_trace_goes_to_stderr() {
    let dir = tempdir();
    let out = play_at(dir.path(), 3, &["--output", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document: {e}\n{}", out.show()));
    assert!(doc["plays"].is_array(), "{}", out.show());
    assert!(!trace(&out.stderr).is_empty(), "{}", out.show());
}
