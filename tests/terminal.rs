//! What a person (or a CI job) sees of a run off a terminal: compact output for big inventories,
//! `--profile`, colour switches, load errors drawn with their source line and a caret, and load
//! errors inside `--output json`. (The live progress on a terminal: tests/pty.rs.)

mod common;

use common::{Outcome, drover, run_in, tempdir, write};
use std::path::Path;

/// `count` local hosts `h01`… and a playbook `p.yml` with `tasks` (YAML, indented 4).
fn setup(dir: &Path, count: usize, tasks: &str) {
    let hosts: String = (1..=count)
        .map(|i| format!("h{i:02} ansible_connection=local\n"))
        .collect();
    write(&dir.join("hosts.ini"), &hosts);
    write(
        &dir.join("p.yml"),
        &format!("- hosts: all\n  gather_facts: false\n  tasks:\n{tasks}"),
    );
}

fn play(dir: &Path, extra: &[&str]) -> Outcome {
    let mut args = vec!["play", "p.yml", "-i", "hosts.ini"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

const FAIL_ON_H25: &str = "    - name: greet\n      debug: msg=hi\n    - name: fail one\n      fail: msg=no\n      when: inventory_hostname == 'h25'\n";

#[test]
fn compact_makes_a_task_one_line_and_failures_stand_out() {
    let root = tempdir();
    setup(root.path(), 25, FAIL_ON_H25);
    let out = play(root.path(), &["--compact"]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(!out.stdout.contains("ok: [h01]"), "{}", out.show());
    assert!(
        out.stdout
            .contains("TASK [greet] ok=25 changed=0 failed=0 unreachable=0 skipped=0 (25 hosts,"),
        "{}",
        out.show()
    );
    assert!(
        out.stdout.contains(
            "TASK [fail one] ok=0 changed=0 failed=1 unreachable=0 skipped=24 (25 hosts,"
        ),
        "{}",
        out.show()
    );
    assert!(
        out.stdout.contains("fatal: [h25]: FAILED!"),
        "{}",
        out.show()
    );
    assert!(
        out.stdout.contains("h[01-24]                  : ok=1 "),
        "{}",
        out.show()
    );
    assert!(out.stdout.lines().count() < 20, "{}", out.show());
}

#[test]
fn off_a_terminal_verbose_or_no_compact_every_host_has_its_line_and_compact_forces_it() {
    let root = tempdir();
    setup(root.path(), 25, FAIL_ON_H25);
    for extra in [&[][..], &["-v"][..], &["--compact", "--no-compact"][..]] {
        let out = play(root.path(), extra);
        assert!(out.stdout.contains("ok: [h01]"), "{}", out.show());
        assert!(out.stdout.contains("TASK [greet] ****"), "{}", out.show());
    }
    let small = tempdir();
    setup(small.path(), 2, "    - name: greet\n      debug: msg=hi\n");
    assert!(play(small.path(), &[]).stdout.contains("ok: [h01]"));
    let out = play(small.path(), &["--compact"]);
    assert!(
        out.stdout.contains("TASK [greet] ok=2 changed=0"),
        "{}",
        out.show()
    );
}

#[test]
fn profile_lists_the_slowest_task_first_on_the_terminal_and_in_json() {
    let root = tempdir();
    setup(
        root.path(),
        2,
        "    - name: quick\n      debug: msg=hi\n    - name: slow\n      command: sleep 0.3\n",
    );
    let out = play(root.path(), &["--profile"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let tail = out
        .stdout
        .split("PROFILE: slowest tasks")
        .nth(1)
        .unwrap_or("");
    let first = tail.lines().nth(1).unwrap_or("");
    assert!(first.starts_with("slow (p.yml:"), "{}", out.show());
    assert!(
        out.stdout.contains("PROFILE: slowest hosts"),
        "{}",
        out.show()
    );

    let out = play(root.path(), &["--profile", "--output", "json"]);
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", out.show()));
    let tasks = doc["profile"]["tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(tasks.len(), 2, "{}", out.stdout);
    assert_eq!(tasks[0]["name"], "slow", "{}", out.stdout);
    assert!(tasks[0]["duration"].as_f64().unwrap_or(0.0) >= 0.3);
    assert_eq!(doc["profile"]["hosts"].as_array().map(Vec::len), Some(2));
    let plain = play(root.path(), &["--output", "json"]);
    assert!(plain.stdout.contains("\"stats\"") && !plain.stdout.contains("\"profile\""));
}

#[test]
fn colour_is_asked_for_or_refused_whatever_the_terminal() {
    let root = tempdir();
    let file = root.path().join("f.txt");
    setup(
        root.path(),
        1,
        &format!("    - copy: content='new\\n' dest={}\n", file.display()),
    );
    let run = |env: &[(&str, &str)], extra: &[&str]| {
        std::fs::write(&file, "old\n").unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = drover();
        cmd.current_dir(root.path())
            .env_remove("NO_COLOR")
            .args(["play", "p.yml", "-i", "hosts.ini", "--diff"])
            .args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let red_removed = "\u{1b}[31m-old\u{1b}[0m";
    let green_added = "\u{1b}[32m+new\u{1b}[0m";
    let always = run(&[], &["--color", "always"]);
    assert!(
        always.contains(red_removed) && always.contains(green_added),
        "{always:?}"
    );
    let forced = run(&[("CLICOLOR_FORCE", "1")], &[]);
    assert!(forced.contains(green_added), "{forced:?}");
    for plain in [
        run(&[], &[]),
        run(&[("CLICOLOR_FORCE", "1")], &["--color", "never"]),
        run(&[("NO_COLOR", "1")], &["--colour", "auto"]),
    ] {
        assert!(!plain.contains('\u{1b}'), "{plain:?}");
        assert!(plain.contains("\n-old\n+new\n"), "{plain:?}");
    }
}

#[test]
fn a_load_error_shows_its_line_with_a_caret_at_file_line_column() {
    let root = tempdir();
    setup(root.path(), 1, "    - debug: msg=hi\n  vars: {a: [1, 2}\n");
    let out = play(root.path(), &[]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr.contains(
            "ERROR! p.yml:5: mismatched bracket '[' closed by '}' at line 5, column 13\n --> p.yml:5:13\n  |\n5 |   vars: {a: [1, 2}\n  |             ^\n"
        ),
        "{}",
        out.show()
    );
}

#[test]
fn inventory_and_task_errors_point_at_their_line() {
    let root = tempdir();
    setup(
        root.path(),
        1,
        "    - debug: msg=hi\n    - copy: content=x\n",
    );
    let out = play(root.path(), &[]);
    assert!(
        out.stderr
            .contains(" --> p.yml:5:13\n  |\n5 |     - copy: content=x\n  |             ^\n"),
        "{}",
        out.show()
    );
    write(&root.path().join("hosts.ini"), "h01\n[web\n");
    let out = play(root.path(), &[]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr
            .contains(" --> hosts.ini:2:1\n  |\n2 | [web\n  | ^\n"),
        "{}",
        out.show()
    );
}

#[test]
fn json_output_carries_load_errors_as_json() {
    let root = tempdir();
    setup(
        root.path(),
        1,
        "    - debug: msg=hi\n    - copy: content=x\n",
    );
    let out = play(root.path(), &["--output", "json"]);
    assert_eq!(out.code, 4, "{}", out.show());
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", out.show()));
    let error = &doc["errors"][0];
    assert_eq!(error["file"], "p.yml", "{doc}");
    assert_eq!(error["line"], 5, "{doc}");
    assert_eq!(error["column"], 13, "{doc}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("missing required arguments: dest")),
        "{doc}"
    );
    assert_eq!(doc["plays"], serde_json::json!([]));
    write(&root.path().join("hosts.ini"), "[web\n");
    let out = play(root.path(), &["--output", "json"]);
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", out.show()));
    assert_eq!(doc["errors"][0]["file"], "hosts.ini", "{doc}");
}

#[test]
fn prompts_nobody_can_answer_are_errors_naming_what_to_use_instead() {
    let root = tempdir();
    setup(root.path(), 1, "    - debug: msg=hi\n");
    let out = play(root.path(), &["-K"]);
    assert_eq!(out.code, 5, "{}", out.show());
    assert!(
        out.stderr
            .contains("-K/--ask-become-pass: no terminal to ask on")
            && out.stderr.contains("ansible_become_password"),
        "{}",
        out.show()
    );
    let out = play(root.path(), &["--ask-vault-pass"]);
    assert_eq!(out.code, 5, "{}", out.show());
    assert!(
        out.stderr.contains("--vault-password-file"),
        "{}",
        out.show()
    );
}
