//! `docs/output.schema.json` says what `--output json` prints; real documents from real runs (ok,
//! changed with a diff, failures, loops, ignored errors, skips, --profile, load errors, ad-hoc) must
//! validate against it, and documents that break it must not.

mod common;

use common::{Outcome, repo, run_in, tempdir, write};
use serde_json::{Value, json};
use std::path::Path;

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("docs/output.schema.json"))
        .unwrap_or_else(|e| panic!("docs/output.schema.json: {e}"));
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("schema: {e}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("not a valid schema: {e}"))
}

fn document(out: &Outcome) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", out.show()))
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

fn local(dir: &Path) {
    write(
        &dir.join("hosts.ini"),
        "a ansible_connection=local\nb ansible_connection=local\n",
    );
}

#[test]
fn real_documents_validate() {
    let root = tempdir();
    local(root.path());
    let file = root.path().join("f.txt");
    std::fs::write(&file, "old\n").unwrap_or_else(|e| panic!("{e}"));
    write(
        &root.path().join("p.yml"),
        &format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n\
             \x20   - copy: content='new\\n' dest={}\n      when: inventory_hostname == 'a'\n\
             \x20   - command: echo {{{{ item }}}}\n      loop: [1, 2]\n\
             \x20   - command: 'false'\n      ignore_errors: true\n\
             \x20   - fail: msg=no\n      when: inventory_hostname == 'b'\n\
             \x20   - debug: msg=after\n  handlers:\n    - name: h\n      debug: msg=h\n",
            file.display()
        ),
    );
    let v = validator();
    let out = run_in(
        root.path(),
        &[
            "play",
            "p.yml",
            "-i",
            "hosts.ini",
            "--output",
            "json",
            "--diff",
            "--profile",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    let doc = document(&out);
    assert_valid(&v, &doc);
    // The run really has the shapes the schema speaks of.
    let tasks = &doc["plays"][0]["tasks"];
    assert_eq!(tasks[0]["hosts"]["a"]["status"], "changed", "{doc:#}");
    assert!(tasks[0]["hosts"]["a"]["diff"].is_array(), "{doc:#}");
    assert_eq!(tasks[0]["hosts"]["b"]["status"], "skipping", "{doc:#}");
    assert_eq!(tasks[2]["hosts"]["a"]["ignored"], true, "{doc:#}");
    assert_eq!(tasks[3]["hosts"]["b"]["status"], "failed", "{doc:#}");
    assert!(doc["profile"]["tasks"].is_array(), "{doc:#}");

    let adhoc = run_in(
        root.path(),
        &[
            "run",
            "all",
            "-i",
            "hosts.ini",
            "-a",
            "echo hi",
            "--output",
            "json",
        ],
    );
    assert_valid(&v, &document(&adhoc));

    write(
        &root.path().join("bad.yml"),
        "- hosts: all\n  tasks:\n    - copy: content=x\n",
    );
    let load = run_in(
        root.path(),
        &["play", "bad.yml", "-i", "hosts.ini", "--output", "json"],
    );
    assert_eq!(load.code, 4, "{}", load.show());
    assert_valid(&v, &document(&load));
}

#[test]
fn documents_that_break_the_schema_are_refused() {
    let v = validator();
    let good = json!({"plays": [], "stats": {"a": {"ok": 1, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 0, "ignored": 0}}, "warnings": []});
    assert_valid(&v, &good);
    let mut no_stats = good.clone();
    no_stats.as_object_mut().map(|o| o.remove("stats"));
    let mut bad_status = good.clone();
    bad_status["plays"] = json!([{"play": {"name": "p", "hosts": "all", "path": "p.yml:1"},
        "tasks": [{"task": {"name": "t", "action": "debug", "handler": false, "path": "p.yml:3"},
                   "hosts": {"a": {"status": "fine"}}}]}]);
    let mut stray = good.clone();
    stray["surprise"] = json!(1);
    for doc in [no_stats, bad_status, stray] {
        assert!(!v.is_valid(&doc), "accepted: {doc}");
    }
}
