//! What drover says about itself stays true: the checked-in man pages and completion scripts
//! (`docs/man/`, `docs/completions/`) are what the current command line generates, and `--help` of
//! every subcommand matches its snapshot (`tests/snapshots/help/`).
//!
//! After a deliberate change: `DROVER_BLESS=1 cargo test --test manual` rewrites them; review the diff.

mod common;

use clap::CommandFactory;
use common::{drover, repo};
use std::path::{Path, PathBuf};

fn blessing() -> bool {
    std::env::var_os("DROVER_BLESS").is_some_and(|v| v == "1")
}

/// Files under `dir`, relative, sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                found.push(relative.to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// Every difference between the generated tree and the checked-in one, by file.
fn compare_trees(generated: &Path, checked_in: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let wanted = files_in(generated);
    for stale in files_in(checked_in).iter().filter(|f| !wanted.contains(f)) {
        problems.push(format!("{} is no longer generated", stale.display()));
    }
    for file in &wanted {
        let fresh = std::fs::read(generated.join(file)).unwrap_or_default();
        match std::fs::read(checked_in.join(file)) {
            Ok(old) if old == fresh => {}
            Ok(_) => problems.push(format!("{} is out of date", file.display())),
            Err(_) => problems.push(format!("{} is missing", file.display())),
        }
    }
    problems
}

const BLESS_HINT: &str = "run `DROVER_BLESS=1 cargo test --test manual` and commit the result";

#[test]
fn man_pages_and_completions_are_current() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    drover::manual::write_generated_docs(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
    if blessing() {
        for sub in ["man", "completions", "modules"] {
            let _ = std::fs::remove_dir_all(repo().join("docs").join(sub));
        }
        drover::manual::write_generated_docs(&repo().join("docs"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let mut problems = Vec::new();
    for sub in ["man", "completions", "modules"] {
        problems.extend(
            compare_trees(&tmp.path().join(sub), &repo().join("docs").join(sub))
                .into_iter()
                .map(|p| format!("docs/{sub}/{p}")),
        );
    }
    assert!(problems.is_empty(), "{}\n{BLESS_HINT}", problems.join("\n"));
}

#[test]
fn the_man_pages_cover_every_subcommand() {
    let pages: Vec<String> = drover::manual::man_pages()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for expected in [
        "drover.1",
        "drover-play.1",
        "drover-run.1",
        "drover-inventory.1",
        "drover-vault.1",
        "drover-completions.1",
    ] {
        assert!(pages.iter().any(|p| p == expected), "{expected}: {pages:?}");
    }
    assert!(
        pages.iter().any(|p| p.starts_with("drover-vault-")),
        "vault's own subcommands: {pages:?}"
    );
}

#[test]
fn completions_command_prints_the_checked_in_scripts() {
    for (shell, file) in [
        ("bash", "drover.bash"),
        ("zsh", "_drover"),
        ("fish", "drover.fish"),
        ("powershell", "_drover.ps1"),
    ] {
        let out = drover()
            .args(["completions", shell])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "{shell}");
        let checked_in = std::fs::read(repo().join("docs/completions").join(file));
        let same = checked_in.is_ok_and(|c| c == out.stdout);
        assert!(same, "{shell}: {BLESS_HINT}");
    }
}

#[test]
fn bash_completes_subcommands_and_flags() {
    let script = repo().join("docs/completions/drover.bash");
    // What bash's completion machinery does on `drover pl<TAB>` and `drover play --jun<TAB>`.
    let complete = |words: &str, current: usize| {
        let line = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={current}; _drover drover \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &line])
            .output()
            .unwrap_or_else(|e| panic!("bash: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(complete("drover pl", 1).trim(), "play");
    let flags = complete("drover play --jun", 2);
    assert_eq!(flags.trim(), "--junit", "{flags}");
}

/// Every subcommand path: `[]`, `["play"]`, `["vault", "encrypt"]`, …
fn subcommand_paths(command: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut path = prefix.clone();
        path.push(sub.get_name().to_string());
        subcommand_paths(sub, path, out);
    }
}

#[test]
fn help_of_every_subcommand_matches_its_snapshot() {
    let mut paths = Vec::new();
    subcommand_paths(&drover::cli::Cli::command(), Vec::new(), &mut paths);
    assert!(paths.len() >= 6, "{paths:?}");
    let dir = repo().join("tests/snapshots/help");
    let mut problems = Vec::new();
    let mut expected_files = Vec::new();
    for path in &paths {
        let out = drover()
            .args(path)
            .arg("--help")
            .env("COLUMNS", "100")
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "drover {} --help", path.join(" "));
        let name = format!(
            "{}.txt",
            ["drover".to_string()]
                .iter()
                .chain(path)
                .cloned()
                .collect::<Vec<_>>()
                .join("-")
        );
        expected_files.push(PathBuf::from(&name));
        let file = dir.join(&name);
        if blessing() {
            common::write(&file, &String::from_utf8_lossy(&out.stdout));
        }
        let snapshot = std::fs::read(&file).unwrap_or_default();
        if snapshot != out.stdout {
            problems.push(format!(
                "drover {} --help differs from {}:\n{}",
                path.join(" "),
                file.display(),
                String::from_utf8_lossy(&out.stdout)
            ));
        }
    }
    for stale in files_in(&dir)
        .iter()
        .filter(|f| !expected_files.contains(f))
    {
        if blessing() {
            let _ = std::fs::remove_file(dir.join(stale));
        } else {
            problems.push(format!("{} has no subcommand any more", stale.display()));
        }
    }
    assert!(problems.is_empty(), "{}\n{BLESS_HINT}", problems.join("\n"));
}

#[test]
fn doc_shows_what_the_parser_accepts() {
    let out = drover()
        .args(["doc", "ansible.builtin.lineinfile"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "> LINEINFILE",
        "= path\n",
        "aliases: dest, destfile, name",
        "- state\n",
        "choices: present, absent",
        "default: present",
        "type: bool",
        "EXAMPLES:",
    ] {
        assert!(text.contains(expected), "{expected:?}\n{text}");
    }
    let json = drover()
        .args(["doc", "copy", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
    assert_eq!(doc["name"], "copy");
    let dest = doc["args"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == "dest"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(dest["required"], true, "{doc}");
    assert_eq!(dest["kind"], "str", "{doc}");
}

#[test]
fn doc_of_an_unknown_module_suggests_one() {
    let out = drover()
        .args(["doc", "lineinfle"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("module lineinfle not found"), "{err}");
    assert!(err.contains("lineinfile"), "{err}");
}

#[test]
fn every_module_example_passes_the_loader() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut problems = Vec::new();
    for module in drover_modules::registry::MODULES {
        let Some(written) = drover_modules::doc::written(module.name()) else {
            problems.push(format!("{}: no documentation", module.name()));
            continue;
        };
        let tasks: String = written
            .example
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect();
        let play = format!("- hosts: all\n  gather_facts: false\n  tasks:\n{tasks}");
        let path = tmp.path().join(format!("{}.yml", module.name()));
        common::write(&path, &play);
        let out = drover()
            .args(["play", "--syntax-check", "-i", "localhost,"])
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        if !out.status.success() {
            problems.push(format!(
                "{}: {}\n{play}",
                module.name(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
