//! `ansible_connection=local`: commands run on this machine through `/bin/sh -c`.

use super::{ExecOutput, TransportError};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;

pub struct LocalConnection;

impl LocalConnection {
    pub async fn exec(
        &self,
        command: &str,
        stdin: Option<&[u8]>,
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
            .spawn()?;
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
        let ((), out) = tokio::join!(feed, child.wait_with_output());
        let out = out?;
        Ok(ExecOutput {
            rc: exit_code(&out.status),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }
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

    #[tokio::test]
    async fn runs_with_stdin_and_exit_status() {
        let out = LocalConnection
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
        let out = LocalConnection
            .exec("cat", Some(&input))
            .await
            .expect("runs");
        assert_eq!(out.rc, 0);
        assert!(out.stdout == input, "echoed back intact");
    }

    #[tokio::test]
    async fn a_command_that_ignores_its_input_and_a_killed_one() {
        let input = vec![b'x'; 1024 * 1024];
        let out = LocalConnection
            .exec("exit 0", Some(&input))
            .await
            .expect("runs");
        assert_eq!(out.rc, 0);
        let out = LocalConnection
            .exec("kill -9 $$", None)
            .await
            .expect("runs");
        assert_eq!(out.rc, 137);
    }
}
