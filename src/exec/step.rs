//! `--step`: before each task (meta tasks aside, as in Ansible), ask on the terminal
//! `Perform task: TASK: NAME (N)o/(y)es/(c)ontinue:` — `y` runs it, `c` runs it and every later
//! task without asking, anything else (the default, No) passes over it on every host of the round.

use super::Run;
use super::iterator::{Cursor, Outcome};
use crate::playbook::Task;
use indexmap::IndexMap;
use std::io::{BufRead, Write};

/// What an answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Continue,
}

/// Ansible's reading of the answer (`y`/`yes`, `c`/`continue`, else no).
pub fn answer(line: &str) -> Answer {
    match line.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Answer::Yes,
        "c" | "continue" => Answer::Continue,
        _ => Answer::No,
    }
}

/// The question, as ansible-playbook asks it.
pub fn question(task: &Task) -> String {
    format!(
        "Perform task: TASK: {} (N)o/(y)es/(c)ontinue: ",
        task.display_name()
    )
}

/// Moves the round's hosts past a task the user passed over: no result, nothing counted.
pub fn pass_over(hosts: &[String], cursors: &mut IndexMap<String, Cursor<Task>>) {
    for name in hosts {
        if let Some(cursor) = cursors.get_mut(name) {
            cursor.peek();
            cursor.advance(Outcome::Done);
        }
    }
}

impl Run<'_> {
    /// Whether `task` runs: always without `--step`, else as the user answers.
    pub(super) async fn take_step(&mut self, task: &Task) -> bool {
        if !self.step {
            return true;
        }
        let asked = question(task);
        let read = tokio::task::spawn_blocking(move || {
            let mut out = std::io::stdout();
            let _ = write!(out, "{asked}");
            let _ = out.flush();
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map(|_| line)
        })
        .await;
        // End of input or a broken terminal: nobody can answer, so the task does not run.
        let line = match read {
            Ok(Ok(line)) => line,
            _ => String::new(),
        };
        match answer(&line) {
            Answer::Yes => true,
            Answer::Continue => {
                self.step = false;
                true
            }
            Answer::No => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_as_ansible_reads_them() {
        assert_eq!(answer("y\n"), Answer::Yes);
        assert_eq!(answer("YES"), Answer::Yes);
        assert_eq!(answer("c"), Answer::Continue);
        assert_eq!(answer("continue\n"), Answer::Continue);
        assert_eq!(answer("\n"), Answer::No);
        assert_eq!(answer("nope"), Answer::No);
    }
}
