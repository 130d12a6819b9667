//! `vars_prompt` on a real terminal (a private tmux server): each play's questions are asked when
//! that play starts, as ansible-playbook asks them — the first play has run (its output is on the
//! screen) before the second play's question appears, and a run that stops early never asks the
//! later questions. Fails, never skips, without tmux.

mod common;

use common::screen::Screen;
use common::{tempdir, write};
use std::path::Path;
use std::time::Duration;

/// How long a question or the end may take to appear.
const WAIT: Duration = Duration::from_secs(30);

const PLAYS: &str = "\
- name: one
  hosts: localhost
  gather_facts: false
  vars_prompt:
    - name: first
      prompt: First question
      private: false
  tasks:
    - debug:
        msg: \"one got {{ first }}\"
    - fail:
        msg: stop here
      when: first == 'stop'
- name: two
  hosts: localhost
  gather_facts: false
  vars_prompt:
    - name: second
      prompt: Second question
      private: false
  tasks:
    - debug:
        msg: \"two got {{ second }}\"
";

fn start(name: &str, dir: &Path) -> Screen {
    write(&dir.join("play.yml"), PLAYS);
    let line = format!(
        "env -u CI NO_COLOR=1 {} play -i localhost, -c local play.yml",
        env!("CARGO_BIN_EXE_drover")
    );
    Screen::start(name, dir, &line)
}

#[test]
fn each_play_asks_its_questions_when_it_starts() {
    let root = tempdir();
    let screen = start("order", root.path());
    let first = screen.wait_for("first question", WAIT, |t| t.contains("First question: "));
    assert!(!first.contains("Second question"), "{first}");
    screen.type_line("alpha");
    let second = screen.wait_for("second question", WAIT, |t| t.contains("Second question: "));
    let ran = second.find("one got alpha");
    let asked = second.find("Second question");
    assert!(
        ran.is_some() && ran < asked,
        "play one runs before play two asks:\n{second}"
    );
    screen.type_line("beta");
    let end = screen.wait_for("the end", WAIT, |t| t.contains("EXIT="));
    assert!(end.contains("two got beta"), "{end}");
    assert!(end.contains("EXIT=0"), "{end}");
}

#[test]
fn a_run_that_stops_early_never_asks_the_later_questions() {
    let root = tempdir();
    let screen = start("stop", root.path());
    screen.wait_for("first question", WAIT, |t| t.contains("First question: "));
    screen.type_line("stop");
    let end = screen.wait_for("the end", WAIT, |t| t.contains("EXIT="));
    assert!(end.contains("stop here"), "{end}");
    assert!(!end.contains("Second question"), "{end}");
    assert!(end.contains("EXIT=2"), "{end}");
}
