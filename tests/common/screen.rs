//! A real terminal for tests: a private tmux server (its own socket), read with `capture-pane`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of one test's own, killed when dropped.
pub struct Screen {
    socket: String,
}

impl Screen {
    /// Starts `command` (a shell line) in `dir` in a 200×50 terminal; the pane stays after it exits
    /// and shows `EXIT=<code>`. `name` tells the tests of one binary apart.
    pub fn start(name: &str, dir: &Path, command: &str) -> Screen {
        let socket = format!("drover-screen-{}-{name}", std::process::id());
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

    /// What the terminal shows, with its scrollback.
    pub fn text(&self) -> String {
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

    /// Polls the screen until `ready` holds; the screen at that moment. Fails after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            if ready(&text) {
                return text;
            }
            assert!(
                start.elapsed() < timeout,
                "no {what} on screen after {timeout:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Sends keys as tmux names them (`C-c`, `Enter`, or text).
    pub fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys"])
            .args(keys)
            .status()
            .unwrap_or_else(|e| panic!("tmux send-keys: {e}"));
        assert!(status.success(), "tmux send-keys {keys:?}");
    }

    /// Types `text` and Enter.
    pub fn type_line(&self, text: &str) {
        self.keys(&[text, "Enter"]);
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// The exit code the pane shows (`EXIT=<code>`) once the command has ended.
pub fn exit_code(screen: &str) -> Option<i32> {
    screen
        .lines()
        .find_map(|l| l.trim().strip_prefix("EXIT=")?.parse().ok())
}
