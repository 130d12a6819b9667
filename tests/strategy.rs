//! `strategy:` as a play keyword: `linear` (Ansible's default), `free` and `host_pinned` run
//! (tests/fleet_strategy.rs shows how on real hosts); `debug` is refused as not supported yet, and
//! an unknown strategy is an error, each at its file:line before any host is touched. `--step` asks before each task on a terminal (in tmux
//! here) and is an error without one.

mod common;

use common::screen::Screen;
use common::{Outcome, run_in, tempdir, write};
use std::path::Path;
use std::time::Duration;

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
fn free_and_host_pinned_run() {
    for strategy in ["free", "ansible.builtin.free", "host_pinned"] {
        let root = tempdir();
        let out = play(root.path(), strategy);
        assert_eq!(out.code, 0, "{}", out.show());
        assert_eq!(out.count("w1", "ok"), 1, "{}", out.show());
        assert_eq!(out.count("w2", "ok"), 1, "{}", out.show());
    }
}

#[test]
fn the_debug_strategy_is_refused_where_written() {
    let root = tempdir();
    let out = play(root.path(), "debug");
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(out.stderr.contains("p.yml:3"), "{}", out.show());
    assert!(out.stderr.contains("not supported yet"), "{}", out.show());
    assert!(out.stderr.contains("strategy: debug"), "{}", out.show());
    assert!(!out.stdout.contains("TASK ["), "{}", out.show());
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

/// Waits until the screen shows `what`.
fn shown(screen: &Screen, what: &str) -> String {
    screen.wait_for(what, Duration::from_secs(30), |t| t.contains(what))
}

#[test]
fn step_asks_before_each_task_on_a_terminal() {
    let root = tempdir();
    write(
        &root.path().join("hosts.ini"),
        "[web]\nw1\n[all:vars]\nansible_connection=local\n",
    );
    write(
        &root.path().join("p.yml"),
        "- hosts: web\n  gather_facts: false\n  tasks:\n    - {name: one, debug: {msg: ran-one}}\n    - {name: two, debug: {msg: ran-two}}\n    - {name: three, debug: {msg: ran-three}}\n    - {name: four, debug: {msg: ran-four}}\n",
    );
    let drover = std::path::PathBuf::from(env!("CARGO_BIN_EXE_drover"));
    let screen = Screen::start(
        "step",
        root.path(),
        &format!(
            "NO_COLOR=1 {} play p.yml -i hosts.ini --step",
            drover.display()
        ),
    );
    shown(&screen, "Perform task: TASK: one (N)o/(y)es/(c)ontinue:");
    screen.type_line("y");
    shown(&screen, "Perform task: TASK: two (N)o/(y)es/(c)ontinue:");
    screen.type_line("n");
    shown(&screen, "Perform task: TASK: three (N)o/(y)es/(c)ontinue:");
    screen.type_line("c");
    let text = shown(&screen, "EXIT=");
    assert!(text.contains("EXIT=0"), "{text}");
    assert!(
        text.contains("ran-one") && !text.contains("ran-two"),
        "{text}"
    );
    assert!(
        text.contains("ran-three") && text.contains("ran-four"),
        "{text}"
    );
    assert!(
        !text.contains("TASK: four (N)o"),
        "continue stops asking:\n{text}"
    );
    assert!(text.contains("ok=3"), "{text}");
}

#[test]
fn step_without_a_terminal_is_an_error_naming_the_flag() {
    let root = tempdir();
    write(
        &root.path().join("hosts.ini"),
        "[web]\nw1\n[all:vars]\nansible_connection=local\n",
    );
    write(
        &root.path().join("p.yml"),
        "- hosts: web\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n",
    );
    let out = run_in(root.path(), &["play", "p.yml", "-i", "hosts.ini", "--step"]);
    assert_eq!(out.code, 5, "{}", out.show());
    assert!(out.stderr.contains("--step"), "{}", out.show());
    assert!(!out.stdout.contains("TASK ["), "{}", out.show());
}
