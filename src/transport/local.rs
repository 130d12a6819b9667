//! `ansible_connection=local`: commands run on this machine through `/bin/sh -c`.

use super::{ExecOutput, TransportError};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;

pub struct LocalConnection;

impl LocalConnection {
    /// [`Connection::exec_until`](super::Connection::exec_until) for `/bin/sh -c`: the command
    /// runs in its own process group, which gets SIGTERM, then SIGKILL after
    /// [`STOP_GRACE`](super::ssh::STOP_GRACE).
    pub async fn exec_until(
        &self,
        command: &str,
        stdin: Option<&[u8]>,
        stop: impl Future<Output = ()>,
    ) -> Result<ExecOutput, TransportError> {
        let mut child = tokio::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(command)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A command abandoned by its caller (a task timeout) does not run on unseen.
            .kill_on_drop(true)
            .process_group(0)
            .spawn()?;
        let group = child.id();
        let pipe = child.stdin.take();
        // Input is written while output is read: a command that prints more than a pipe buffer
        // (64 KiB) before reading all its input would otherwise block forever.
        let feed = async move {
            if let (Some(data), Some(mut pipe)) = (stdin, pipe) {
                // A command that exits without reading all its input is not an error here.
                let _ = pipe.write_all(data).await;
                // Dropping the pipe is the EOF.
            }
        };
        let run = async { tokio::join!(feed, child.wait_with_output()).1 };
        let mut run = std::pin::pin!(run);
        let out = tokio::select! {
            out = &mut run => out,
            () = stop => {
                let mut out = None;
                for signal in ["-TERM", "-KILL"] {
                    if let Some(group) = group {
                        signal_group(signal, group).await;
                    }
                    if let Ok(done) = tokio::time::timeout(super::ssh::STOP_GRACE, &mut run).await {
                        out = Some(done);
                        break;
                    }
                }
                match out {
                    Some(out) => out,
                    None => return Ok(ExecOutput { rc: -1, ..ExecOutput::default() }),
                }
            }
        };
        let out = out?;
        Ok(ExecOutput {
            rc: exit_code(&out.status),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }
}

/// `kill -SIG -- -PGID`: the workspace forbids the unsafe code a direct `killpg` would need.
async fn signal_group(signal: &str, group: u32) {
    let _ = tokio::process::Command::new("kill")
        .args([signal, "--", &format!("-{group}")])
        .status()
        .await;
}

/// The exit status, or 128 + signal for a killed command, as a shell (and sshd) would report it.
fn exit_code(status: &std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(status) {
        return 128 + signal;
    }
    status.code().unwrap_or(-1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Connection;

    #[tokio::test]
    async fn runs_with_stdin_and_exit_status() {
        let out = Connection::Local(LocalConnection)
            .exec("cat; echo err >&2; exit 3", Some(b"hello"))
            .await
            .expect("runs");
        assert_eq!(
            (out.rc, out.stdout.as_slice(), out.stderr.as_slice()),
            (3, &b"hello"[..], &b"err\n"[..])
        );
    }

    #[tokio::test]
    async fn large_input_echoed_back_does_not_deadlock() {
        let input: Vec<u8> = (0..4 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
        let out = Connection::Local(LocalConnection)
            .exec("cat", Some(&input))
            .await
            .expect("runs");
        assert_eq!(out.rc, 0);
        assert!(out.stdout == input, "echoed back intact");
    }

    #[tokio::test]
    async fn a_stopped_command_and_its_children_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("f");
        let command = format!("sleep 30 & sleep 30; echo done > {}", marker.display());
        let stop = tokio::time::sleep(std::time::Duration::from_millis(300));
        let out = Connection::Local(LocalConnection)
            .exec_until(&command, None, stop)
            .await
            .expect("runs");
        assert_eq!(out.rc, 143, "ended by SIGTERM");
        assert!(!marker.exists(), "the command went on after it was stopped");
    }

    #[tokio::test]
    async fn a_command_that_ignores_its_input_and_a_killed_one() {
        let input = vec![b'x'; 1024 * 1024];
        let out = Connection::Local(LocalConnection)
            .exec("exit 0", Some(&input))
            .await
            .expect("runs");
        assert_eq!(out.rc, 0);
        let out = Connection::Local(LocalConnection)
            .exec("kill -9 $$", None)
            .await
            .expect("runs");
        assert_eq!(out.rc, 137);
    }
}
