//! `docs/compatibility-table.md` is what the registries generate, and what it says holds: a
//! supported entry runs, a refused one is refused.
//!
//! After a deliberate change: `DROVER_BLESS=1 cargo test --test compatibility` rewrites it.

mod common;

use common::{drover, repo};

const TABLE: &str = "docs/compatibility-table.md";

#[test]
fn the_checked_in_table_is_current() {
    let fresh = drover::compat::table();
    let path = repo().join(TABLE);
    if std::env::var_os("DROVER_BLESS").is_some_and(|v| v == "1") {
        common::write(&path, &fresh);
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "{TABLE} is out of date: run `DROVER_BLESS=1 cargo test --test compatibility` and commit it"
    );
}

#[test]
fn compatibility_md_links_the_table() {
    let prose = std::fs::read_to_string(repo().join("docs/compatibility.md")).unwrap_or_default();
    assert!(prose.contains("(compatibility-table.md)"), "no link");
}

/// The status the table gives `name` in its section `title`.
fn status<'a>(table: &'a str, title: &str, name: &str) -> Option<&'a str> {
    let section = table.split(&format!("\n## {title}\n")).nth(1)?;
    let section = section.split("\n## ").next()?;
    section
        .lines()
        .find(|l| {
            let cell = l.split('|').nth(1).unwrap_or_default();
            cell.split('`').any(|word| word == name)
        })
        .and_then(|l| l.rsplit('|').nth(1))
        .map(str::trim)
}

#[test]
fn the_table_knows_what_the_registries_hold() {
    let table = drover::compat::table();
    for (title, name, expected) in [
        ("Play keywords", "roles", "supported"),
        ("Play keywords", "strategy", "supported"),
        ("Play keywords", "module_defaults", "not supported yet"),
        ("Block keywords", "rescue", "supported"),
        ("Task keywords", "module_defaults", "not supported yet"),
        ("Modules and actions", "copy", "supported"),
        ("Modules and actions", "ansible.posix.sysctl", "supported"),
        ("Modules and actions", "include_tasks", "supported"),
        (
            "Modules and actions",
            "ansible.builtin.import_role",
            "supported",
        ),
        ("Modules and actions", "reboot", "supported"),
        ("Filters", "combine", "supported"),
        ("Tests", "version", "supported"),
        ("Lookups", "first_found", "supported"),
        ("`with_*` loops", "with_subelements", "supported"),
    ] {
        assert_eq!(
            status(&table, title, name),
            Some(expected),
            "{title}: {name}"
        );
    }
}

/// Runs `expr` in a play on localhost: whether drover accepted it.
fn templates(tmp: &std::path::Path, expr: &str) -> bool {
    let play = format!(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - debug:\n        msg: \"{{{{ {expr} }}}}\"\n"
    );
    let path = tmp.join("play.yml");
    common::write(&path, &play);
    let out = drover()
        .args(["play", "-i", "localhost,", "-c", "local"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    // "is not supported yet" (a gap) or "is not supported:" (a refusal, e.g. Windows paths).
    !text.contains("is not supported") && !text.contains("No filter named")
}

/// Every filter and test the table calls refused is refused when a template uses it, and every
/// one it calls supported is known to drover (whatever the arguments make of it).
#[test]
fn each_plugin_is_what_the_table_says() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut wrong = Vec::new();
    for (name, supported) in drover::template::catalog::filters() {
        if templates(tmp.path(), &format!("'x' | {name}")) != supported {
            wrong.push(format!("filter {name}: table says supported={supported}"));
        }
    }
    for (name, supported) in drover::template::catalog::tests() {
        if templates(tmp.path(), &format!("'x' is {name}")) != supported {
            wrong.push(format!("test {name}: table says supported={supported}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
