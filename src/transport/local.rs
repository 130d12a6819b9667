//! `ansible_connection=local`: commands run on this machine through `/bin/sh`.

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
            .spawn()?;
        if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A command that exits without reading all its input is not an error here.
            let _ = pipe.write_all(data).await;
            drop(pipe);
        }
        let out = child.wait_with_output().await?;
        Ok(ExecOutput {
            rc: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_with_stdin_and_exit_status() {
        let out = LocalConnection
            .exec("cat; echo err >&2; exit 3", Some(b"hello"))
            .await
            .unwrap();
        assert_eq!(
            (out.rc, out.stdout.as_slice(), out.stderr.as_slice()),
            (3, &b"hello"[..], &b"err\n"[..])
        );
    }
}
