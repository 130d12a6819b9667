//! The proof against ansible-core itself: adapted copies of ansible-core's own integration targets
//! (`tests/data/ansible_targets/`, see its README) run with ansible-playbook and with drover on the
//! same two fleet hosts with Python (`DROVER_PYFLEET_DIR`, started by scripts/test), and the runs
//! must agree host by host: every task's status per host (ok/changed/skipping/failed/ignored), what
//! `debug` showed (registered values, as JSON, key order aside) and the recap. Fails — never skips
//! — without ansible-playbook or the fleet.

mod common;

use common::{drover, fleet_dir, repo};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// What a run showed, in an order both tools share: per task, its sorted host lines, debug bodies
/// and the recap.
fn normalized(output: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut task: Vec<String> = Vec::new();
    let mut body: Option<String> = None;
    let flush = |task: &mut Vec<String>, out: &mut Vec<String>| {
        task.sort();
        out.append(task);
    };
    for line in output.lines() {
        if let Some(text) = &mut body {
            text.push_str(line);
            text.push('\n');
            if line.starts_with('}') {
                let shown = canonical_body(text);
                if !shown.is_empty() {
                    task.push(shown);
                }
                body = None;
            }
            continue;
        }
        if let Some(name) = line.strip_prefix("TASK [") {
            flush(&mut task, &mut out);
            out.push(format!("TASK {}", name.split(']').next().unwrap_or("")));
            continue;
        }
        if let Some((status, host)) = host_line(line) {
            task.push(format!("  {host} {status}"));
            if matches!(status, "ok" | "changed") && line.ends_with("=> {") {
                body = Some("{\n".to_string());
            }
            continue;
        }
        if line.starts_with("...ignoring") {
            task.push("  ignoring".into());
            continue;
        }
        if let Some((host, counts)) = recap_line(line) {
            flush(&mut task, &mut out);
            out.push(format!("RECAP {host} {counts}"));
        }
    }
    flush(&mut task, &mut out);
    out
}

/// `ok: [host01] …` → (`ok`, `host01`).
fn host_line(line: &str) -> Option<(&str, &str)> {
    let (status, rest) = line.split_once(": [")?;
    let host = rest.split(']').next()?;
    [
        "ok", "changed", "skipping", "fatal", "failed", "included", "rescued",
    ]
    .contains(&status)
    .then_some((status, host))
}

fn recap_line(line: &str) -> Option<(&str, String)> {
    let (host, counts) = line.split_once(" : ")?;
    let host = host.trim();
    (host.starts_with("host") && counts.contains("ok=")).then(|| {
        (
            host,
            counts.split_whitespace().collect::<Vec<_>>().join(" "),
        )
    })
}

/// A `debug`/result body as canonical JSON (sorted keys). ansible-playbook shows `assert`'s
/// `"All assertions passed"` body where drover shows none: that body is dropped.
fn canonical_body(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) if map.get("msg") == Some(&Value::from("All assertions passed")) => {
            String::new()
        }
        Ok(value) => format!("    {}", sorted(&value)),
        Err(_) => format!("    (unparsed) {}", text.trim()),
    }
}

fn sorted(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .iter()
                .map(|k| format!("{k:?}: {}", sorted(&map[*k])))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(sorted).collect::<Vec<_>>().join(", ")
            )
        }
        other => other.to_string(),
    }
}

fn ansible_playbook(fleet: &Path, targets: &Path, play: &Path) -> String {
    let out = Command::new("ansible-playbook")
        .arg("-i")
        .arg(fleet.join("inventory.ini"))
        .args(["-e", "ansible_python_interpreter=/usr/bin/python3"])
        .arg(play)
        .env("ANSIBLE_ROLES_PATH", targets)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0")
        .env("ANSIBLE_STDOUT_CALLBACK", "default")
        .output()
        .unwrap_or_else(|e| panic!("ansible-playbook (ansible-core is needed here): {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn drover_play(fleet: &Path, targets: &Path, play: &Path) -> String {
    let out = drover()
        .arg("play")
        .arg("-i")
        .arg(fleet.join("inventory.ini"))
        .arg(play)
        .env("ANSIBLE_ROLES_PATH", targets)
        .output()
        .unwrap_or_else(|e| panic!("drover: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ansible_core_integration_targets_give_the_same_results_under_both_tools() {
    let fleet = fleet_dir(
        "DROVER_PYFLEET_DIR",
        "fleet hosts with Python for ansible-playbook",
    );
    let targets = repo().join("tests/data/ansible_targets");
    let mut names: Vec<String> = std::fs::read_dir(&targets)
        .unwrap_or_else(|e| panic!("{}: {e}", targets.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().join("play.yml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 8, "targets: {names:?}");
    let mut differences = Vec::new();
    for name in &names {
        let play = targets.join(name).join("play.yml");
        let theirs = normalized(&ansible_playbook(&fleet, &targets, &play));
        let ours = normalized(&drover_play(&fleet, &targets, &play));
        assert!(
            theirs.iter().any(|l| l.starts_with("RECAP")),
            "{name}: ansible-playbook did not run:\n{}",
            theirs.join("\n")
        );
        if theirs != ours {
            let first = theirs
                .iter()
                .zip(&ours)
                .position(|(a, b)| a != b)
                .unwrap_or(theirs.len().min(ours.len()));
            let from = first.saturating_sub(3);
            differences.push(format!(
                "{name}: first difference at line {first}\n  ansible-playbook:\n    {}\n  drover:\n    {}",
                theirs[from..theirs.len().min(first + 6)].join("\n    "),
                ours[from..ours.len().min(first + 6)].join("\n    ")
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}

#[test]
fn the_normalized_view_keeps_statuses_bodies_and_recaps() {
    let run = "TASK [r : show] ***\nok: [host02] => {\n    \"b\": 1,\n    \"a\": [1]\n}\nok: [host01] => {\n    \"a\": [1],\n    \"b\": 1\n}\n\nTASK [r : check] ***\nok: [host01] => {\n    \"changed\": false,\n    \"msg\": \"All assertions passed\"\n}\nfatal: [host02]: FAILED! => {}\n...ignoring\n\nPLAY RECAP ***\nhost01                     : ok=2    changed=0    failed=0\n";
    assert_eq!(
        normalized(run),
        [
            "TASK r : show",
            "    {\"a\": [1], \"b\": 1}",
            "    {\"a\": [1], \"b\": 1}",
            "  host01 ok",
            "  host02 ok",
            "TASK r : check",
            "  host01 ok",
            "  host02 fatal",
            "  ignoring",
            "RECAP host01 ok=2 changed=0 failed=0",
        ]
    );
}
