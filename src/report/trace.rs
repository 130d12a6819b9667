//! What happens on the wire, for `-vvv` and `-vvvv` (Ansible's `display.vvv` lines): with `-vvv`
//! each connection opened (`<web1> ESTABLISH SSH CONNECTION FOR USER: root`) and every command
//! line a step runs on a target (`<web1> EXEC …`) with what it returned; with `-vvvv` the SSH
//! detail: TCP connect, host key and how it was verified, each authentication attempt, keepalive
//! settings, channels opened and closed.
//!
//! The transport writes these lines from many hosts at once, outside the reporter, so they go
//! straight to the output, a line at a time. They never carry a secret:
//! - what a command reads on stdin (become passwords, `environment:` values, file contents) is
//!   never shown, only its size;
//! - a `no_log` task's command lines and output are hidden ([`hidden`] marks the task's future);
//! - values decrypted from a vault are registered ([`secret`]) and masked wherever they appear.

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, RwLock};

/// Connections and command lines.
pub const COMMANDS: u8 = 3;
/// SSH-level detail.
pub const SSH: u8 = 4;

/// What replaces a secret in a line.
pub const MASK: &str = "********";

/// Shorter decrypted values are not masked: a `yes` or `80` would hide every other `yes` or
/// `80` and mean nothing as a secret.
const SHORTEST_SECRET: usize = 4;

/// How much of a command's output a `-vvv` line shows.
const OUTPUT_SHOWN: usize = 400;

static LEVEL: AtomicU8 = AtomicU8::new(0);
static SINK: Mutex<Sink> = Mutex::new(Sink::Stdout);
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

tokio::task_local! {
    static HIDDEN: bool;
}

/// Where the lines go: stdout beside Ansible-style output; stderr under `--output json`, whose
/// stdout is one JSON document; a buffer in tests.
pub enum Sink {
    Stdout,
    Stderr,
    Buffer(Vec<u8>),
}

/// Sets the verbosity and the destination, once, before anything connects.
pub fn install(verbosity: u8, sink: Sink) {
    if let Ok(mut slot) = SINK.lock() {
        *slot = sink;
    }
    LEVEL.store(verbosity, Ordering::Relaxed);
}

/// Whether lines of `level` are shown.
pub fn enabled(level: u8) -> bool {
    LEVEL.load(Ordering::Relaxed) >= level
}

/// Inside a `no_log` task: its command lines and output are not shown.
pub fn is_hidden() -> bool {
    HIDDEN.try_with(|hidden| *hidden).unwrap_or(false)
}

/// Runs `work` (a `no_log` task) with its command lines and output hidden from the trace.
pub async fn hidden<F: Future>(work: F) -> F::Output {
    HIDDEN.scope(true, work).await
}

/// Registers a decrypted value: it is masked in every later line.
pub fn secret(value: &str) {
    let value = value.trim();
    // YAML's words for booleans and null are in every vars file and hide nothing.
    let plain_word = ["true", "false", "null", "True", "False", "None", "~"].contains(&value);
    if value.chars().count() < SHORTEST_SECRET || plain_word {
        return;
    }
    if let Ok(mut secrets) = SECRETS.write()
        && !secrets.iter().any(|s| s == value)
    {
        secrets.push(value.to_string());
        // Longest first, so a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Registers what a vaulted file decrypted to: each line's value (`key: value` gives `value`,
/// unquoted) and each whole line.
pub fn secret_text(text: &str) {
    for line in text.lines() {
        let line = line.trim().trim_start_matches("- ");
        secret(line);
        if let Some((_, value)) = line.split_once(": ") {
            secret(value.trim().trim_matches(|c| c == '"' || c == '\''));
        }
    }
}

/// `text` with every registered secret masked.
pub fn redact(text: &str) -> String {
    let Ok(secrets) = SECRETS.read() else {
        return text.to_string();
    };
    let mut text = text.to_string();
    for secret in secrets.iter() {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), MASK);
        }
    }
    text
}

/// Writes `<host> text` when lines of `level` are shown (`text` is only built then).
pub fn line(level: u8, host: &str, text: impl FnOnce() -> String) {
    if !enabled(level) {
        return;
    }
    let line = format!("<{host}> {}\n", redact(&text()));
    let Ok(mut sink) = SINK.lock() else { return };
    // A line that cannot be written is dropped: tracing never stops a run.
    let _ = match &mut *sink {
        Sink::Stdout => std::io::stdout().lock().write_all(line.as_bytes()),
        Sink::Stderr => std::io::stderr().lock().write_all(line.as_bytes()),
        Sink::Buffer(buffer) => buffer.write_all(line.as_bytes()),
    };
}

/// `<web1> EXEC /bin/sh -c '…' (stdin: 120 bytes)`, or `EXEC (command hidden: no_log)`.
pub fn exec(host: &str, user: &str, command: &str, stdin: Option<&[u8]>) {
    line(COMMANDS, host, || {
        let input = stdin
            .map(|s| format!(" (stdin: {} bytes, not shown)", s.len()))
            .unwrap_or_default();
        if is_hidden() {
            format!("EXEC as {user} (command hidden: no_log){input}")
        } else {
            format!("EXEC as {user}: {command}{input}")
        }
    });
}

/// `<web1> (0, stdout: "hi\n", stderr: "")`, Ansible's `(rc, stdout, stderr)` line.
pub fn exec_result(host: &str, rc: i32, stdout: &[u8], stderr: &[u8]) {
    line(COMMANDS, host, || {
        if is_hidden() {
            return format!("({rc}, output hidden: no_log)");
        }
        format!(
            "({rc}, stdout: {}, stderr: {})",
            shown(stdout),
            shown(stderr)
        )
    });
}

/// Output as a quoted, escaped string, cut after [`OUTPUT_SHOWN`] characters.
fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut cut: String = text.chars().take(OUTPUT_SHOWN).collect();
    let more = text.chars().count().saturating_sub(OUTPUT_SHOWN);
    cut = format!("{cut:?}");
    if more > 0 {
        cut.push_str(&format!(" (+{more} characters)"));
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The process-wide state is shared by the tests of this module: one test covers it all.
    #[test]
    fn lines_follow_the_level_and_never_show_secrets() {
        install(3, Sink::Buffer(Vec::new()));
        secret("yes");
        secret_text("db_password: \"s3cr3t-pass\"\n- token-abc\nenabled: true\n");
        line(COMMANDS, "web1", || "echo s3cr3t-pass and yes, true".into());
        line(SSH, "web1", || "not at -vvv".into());
        exec("web1", "root", "cat > /tmp/x", Some(b"token-abc"));
        exec_result("web1", 0, b"hi\n", b"");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        runtime.block_on(hidden(async {
            exec("web1", "root", "echo visible-only-without-no-log", None);
            exec_result("web1", 1, b"printed-by-no-log", b"");
        }));
        let written = match std::mem::replace(
            &mut *SINK.lock().unwrap_or_else(|e| e.into_inner()),
            Sink::Stdout,
        ) {
            Sink::Buffer(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            _ => String::new(),
        };
        install(0, Sink::Stdout);
        assert_eq!(
            written,
            "<web1> echo ******** and yes, true\n\
             <web1> EXEC as root: cat > /tmp/x (stdin: 9 bytes, not shown)\n\
             <web1> (0, stdout: \"hi\\n\", stderr: \"\")\n\
             <web1> EXEC as root (command hidden: no_log)\n\
             <web1> (1, output hidden: no_log)\n"
        );
    }
}
