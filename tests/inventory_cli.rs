//! `drover inventory` against ansible-inventory: the recorded output of ansible-core for
//! `tests/inventory/types.ini` (every kind of INI value), compared as text; and, when
//! `ansible-inventory` is on PATH, the same comparison live on that file and the repository's
//! inventories. Then load errors a user can hit: resource bombs, cycles, unknown groups.

mod common;

use common::{repo, run, tempdir, write};
use std::process::Command;

const FIXTURE: &str = "tests/inventory/types.ini";

fn recorded(name: &str) -> String {
    let path = repo().join("tests/inventory").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `text` without trailing newlines: ansible-inventory's files were written with or without one.
fn trimmed(text: &str) -> &str {
    text.trim_end_matches('\n')
}

#[test]
fn list_equals_ansible_inventory_recorded_output() {
    let out = run(&["inventory", "-i", FIXTURE, "--list"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let expected = recorded("types.list.json");
    assert_eq!(trimmed(&out.stdout), trimmed(&expected), "{}", out.show());
}

#[test]
fn list_types_values_as_ansible_does() {
    let out = run(&["inventory", "-i", FIXTURE, "--list"]);
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.show()));
    let web02 = &doc["_meta"]["hostvars"]["web02"];
    assert_eq!(
        web02["http_port"],
        serde_json::json!(8080),
        "[web:vars] ints"
    );
    assert_eq!(web02["enabled"], serde_json::json!(true));
    assert_eq!(web02["word"], serde_json::json!("yes"));
    assert_eq!(web02["mode"], serde_json::json!("0644"));
    assert_eq!(web02["dictv"]["b"], serde_json::json!([true, null]));
    let web01 = &doc["_meta"]["hostvars"]["web01"];
    assert_eq!(web01["hex"], serde_json::json!(31), "host-line ints");
    assert_eq!(web01["lst"], serde_json::json!([1, "a", 2.0]));
}

#[test]
fn graph_equals_ansible_inventory_recorded_output() {
    let out = run(&["inventory", "-i", FIXTURE, "--graph"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        trimmed(&out.stdout),
        trimmed(&recorded("types.graph")),
        "{}",
        out.show()
    );
}

#[test]
fn graph_shows_an_empty_ungrouped_and_refuses_an_unknown_group() {
    let root = tempdir();
    let inv = root.path().join("hosts.ini");
    write(&inv, "[web]\nw1\n");
    let inv = inv.display().to_string();
    let out = run(&["inventory", "-i", &inv, "--graph"]);
    assert_eq!(
        out.stdout,
        "@all:\n  |--@ungrouped:\n  |--@web:\n  |  |--w1\n",
        "{}",
        out.show()
    );
    let out = run(&["inventory", "-i", &inv, "--graph", "nope"]);
    assert_eq!(out.code, 5, "{}", out.show());
    assert!(out.stderr.contains("valid group name"), "{}", out.show());
}

/// Live: what the installed ansible-core prints, on the fixture and the repository's inventories.
#[test]
fn list_and_graph_equal_live_ansible_inventory_when_installed() {
    let ansible_works = Command::new("ansible-inventory")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ansible_works {
        eprintln!("ansible-inventory not on PATH: compared with the recorded output only");
        return;
    }
    for source in [FIXTURE, "inventories/fleet", "inventories/local.ini"] {
        for mode in ["--list", "--graph"] {
            let ours = run(&["inventory", "-i", source, mode]);
            let theirs = Command::new("ansible-inventory")
                .current_dir(repo())
                .args(["-i", source, mode])
                .output()
                .unwrap_or_else(|e| panic!("ansible-inventory: {e}"));
            let theirs = String::from_utf8_lossy(&theirs.stdout);
            assert_eq!(
                trimmed(&ours.stdout),
                trimmed(&theirs),
                "{source} {mode}\n{}",
                ours.show()
            );
        }
    }
}

#[test]
fn range_bombs_are_errors_naming_file_and_line() {
    let root = tempdir();
    for (name, text, line) in [
        ("one.ini", "[web]\nok1\nh[0:999999999]\n", 3),
        ("two.ini", "h[0:9999]-[0:9999]\n", 1),
        (
            "three.yml",
            "all:\n  children:\n    web:\n      hosts:\n        h[0:9999]-[0:9999]:\n",
            5,
        ),
    ] {
        let inv = root.path().join(name);
        write(&inv, text);
        let inv = inv.display().to_string();
        let out = run(&["inventory", "-i", &inv, "--list"]);
        assert_eq!(out.code, 4, "{}", out.show());
        assert!(
            out.stderr.contains(&format!("{name}:{line}:"))
                && out.stderr.contains("limit of 1000000 hosts"),
            "{}",
            out.show()
        );
    }
}

#[test]
fn load_errors_name_the_place() {
    let root = tempdir();
    for (name, text, expected) in [
        (
            "cycle.ini",
            "[a:children]\nb\n[b:children]\nc\n[c:children]\na\n",
            "group cycle: ",
        ),
        (
            "undeclared.ini",
            "[a:children]\nnowhere\n",
            "undeclared.ini:2: section [a:children] includes undefined group \"nowhere\"",
        ),
        (
            "vars.ini",
            "[ghost:vars]\nx=1\n",
            "vars.ini:1: section [ghost:vars] is not valid for undefined group \"ghost\"",
        ),
        (
            "quote.ini",
            "[web]\nw1 a='open\n",
            "quote.ini:2: cannot parse host definition",
        ),
        (
            "section.ini",
            "[web server]\n",
            "section.ini:1: invalid section entry",
        ),
        (
            "kind.ini",
            "[web:hosts2]\n",
            "kind.ini:1: section [web:hosts2] has unknown type",
        ),
        (
            "yamlkey.yml",
            "all:\n  children:\n    web:\n      host:\n        w1:\n",
            "yamlkey.yml:4: unknown field `host`",
        ),
    ] {
        let inv = root.path().join(name);
        write(&inv, text);
        let inv = inv.display().to_string();
        let out = run(&["inventory", "-i", &inv, "--list"]);
        assert_eq!(out.code, 4, "{}", out.show());
        assert!(out.stderr.contains(expected), "{expected}\n{}", out.show());
    }
}
