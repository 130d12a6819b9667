//! `strategy:` as a play keyword: `linear` (Ansible's default) runs; `free`, `host_pinned` and
//! `debug` are refused as not supported yet, and an unknown strategy is an error, each at its
//! file:line before any host is touched.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

fn play(dir: &Path, strategy: &str) -> Outcome {
    write(
        &dir.join("hosts.ini"),
        "[web]\nw1\nw2\n[all:vars]\nansible_connection=local\n",
    );
    let text = format!(
        "- hosts: web\n  gather_facts: false\n  strategy: {strategy}\n  tasks:\n    - debug: msg=hi\n"
    );
    write(&dir.join("p.yml"), &text);
    run_in(dir, &["play", "p.yml", "-i", "hosts.ini"])
}

#[test]
fn linear_is_the_strategy_drover_runs() {
    for strategy in ["linear", "ansible.builtin.linear"] {
        let root = tempdir();
        let out = play(root.path(), strategy);
        assert_eq!(out.code, 0, "{}", out.show());
        assert_eq!(out.count("w2", "ok"), 1, "{}", out.show());
    }
}

#[test]
fn other_ansible_strategies_are_refused_where_written() {
    for strategy in ["free", "host_pinned", "debug"] {
        let root = tempdir();
        let out = play(root.path(), strategy);
        assert_eq!(out.code, 4, "{}", out.show());
        assert!(out.stderr.contains("p.yml:3"), "{}", out.show());
        assert!(out.stderr.contains("not supported yet"), "{}", out.show());
        assert!(
            out.stderr.contains(&format!("strategy: {strategy}")),
            "{}",
            out.show()
        );
        assert!(!out.stdout.contains("TASK ["), "{}", out.show());
    }
}

#[test]
fn an_unknown_strategy_is_an_error_at_its_line() {
    let root = tempdir();
    let out = play(root.path(), "fastest");
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(out.stderr.contains("p.yml:3"), "{}", out.show());
    assert!(
        out.stderr
            .contains("Invalid play strategy specified: fastest"),
        "{}",
        out.show()
    );
}
