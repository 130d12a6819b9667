//! `vars_prompt` on a real terminal (a private tmux server): each play's questions are asked when
//! that play starts, as ansible-playbook asks them — the first play has run (its output is on the
//! screen) before the second play's question appears, and a run that stops early never asks the
//! later questions. Fails, never skips, without tmux.

mod common;

use common::{tempdir, write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Screen {
    socket: String,
}

impl Screen {
    fn start(name: &str, dir: &Path, command: &str) -> Screen {
        let socket = format!("drover-prompt-{}-{name}", std::process::id());
        let line = format!("{command}; echo EXIT=$?; sleep 600");
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", "200", "-y", "50", "-c"])
            .arg(dir)
            .arg(line)
            .status()
            .unwrap_or_else(|e| panic!("tmux (needed for the terminal tests): {e}"));
        assert!(status.success(), "tmux new-session failed");
        Screen { socket }
    }

    fn text(&self) -> String {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "capture-pane",
                "-p",
                "-J",
                "-S",
                "-1000",
            ])
            .output()
            .unwrap_or_else(|e| panic!("tmux capture-pane: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            if ready(&text) {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no {what} on screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    fn type_line(&self, text: &str) {
        for keys in [text, "Enter"] {
            let status = Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", keys])
                .status()
                .unwrap_or_else(|e| panic!("tmux send-keys: {e}"));
            assert!(status.success());
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

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
    let first = screen.wait_for("first question", |t| t.contains("First question: "));
    assert!(!first.contains("Second question"), "{first}");
    screen.type_line("alpha");
    let second = screen.wait_for("second question", |t| t.contains("Second question: "));
    let ran = second.find("one got alpha");
    let asked = second.find("Second question");
    assert!(
        ran.is_some() && ran < asked,
        "play one runs before play two asks:\n{second}"
    );
    screen.type_line("beta");
    let end = screen.wait_for("the end", |t| t.contains("EXIT="));
    assert!(end.contains("two got beta"), "{end}");
    assert!(end.contains("EXIT=0"), "{end}");
}

#[test]
fn a_run_that_stops_early_never_asks_the_later_questions() {
    let root = tempdir();
    let screen = start("stop", root.path());
    screen.wait_for("first question", |t| t.contains("First question: "));
    screen.type_line("stop");
    let end = screen.wait_for("the end", |t| t.contains("EXIT="));
    assert!(end.contains("stop here"), "{end}");
    assert!(!end.contains("Second question"), "{end}");
    assert!(end.contains("EXIT=2"), "{end}");
}
