//! How commands reach a host: one SSH connection per host for the whole run (russh), each command a
//! channel on it; or the local machine (`ansible_connection=local`). The transport knows nothing of
//! tasks: it runs a command line, feeds it stdin, and returns what it printed and its exit status.

mod known_hosts;
mod local;
mod ssh;
pub mod ssh_config;

pub use known_hosts::{HostKeyChecking, KnownHostsDecision, check_host_key};

use std::path::PathBuf;
use std::time::Duration;

/// What a command printed and returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub rc: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Why a host could not be reached or a command could not run there. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("Failed to connect to the host via ssh: {address}:{port}: {reason}")]
    Unreachable {
        address: String,
        port: u16,
        reason: String,
    },
    #[error(
        "host key verification failed: the key of {host} does not match {file}:{line}. It may have been \
         reinstalled — or someone is intercepting the connection. If the change is expected, remove that \
         line (ssh-keygen -R {host})"
    )]
    HostKeyMismatch {
        host: String,
        file: String,
        line: usize,
    },
    #[error(
        "host key verification failed: {host} is not in {files}. Add its key to known_hosts, or use \
         --host-key-checking accept-new to trust it on first use"
    )]
    HostKeyUnknown { host: String, files: String },
    #[error("authentication failed for {user}@{host} (tried: {tried})")]
    AuthFailed {
        user: String,
        host: String,
        tried: String,
    },
    #[error("~/.ssh/config sets {0} for this host, which drover does not support yet")]
    Unsupported(String),
    #[error("timed out after {0:?} connecting")]
    Timeout(Duration),
    #[error("the connection was lost: {0}")]
    Disconnected(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Everything needed to reach one host.
#[derive(Debug, Clone)]
pub struct ConnectionSpec {
    /// The inventory name, for messages.
    pub name: String,
    pub address: String,
    pub port: u16,
    pub user: Option<String>,
    pub identity_files: Vec<PathBuf>,
    pub host_key_checking: HostKeyChecking,
    pub known_hosts: Vec<PathBuf>,
    pub connect_timeout: Duration,
    pub local: bool,
    /// `~/.ssh/config` settings for this host that drover cannot honour (ProxyJump): connecting
    /// fails with their names rather than silently going another way.
    pub unsupported: Vec<String>,
}

/// An open way to run commands on a host.
pub enum Connection {
    Ssh(ssh::SshConnection),
    Local(local::LocalConnection),
}

impl Connection {
    pub async fn connect(spec: &ConnectionSpec) -> Result<Connection, TransportError> {
        if spec.local {
            return Ok(Connection::Local(local::LocalConnection));
        }
        if !spec.unsupported.is_empty() {
            return Err(TransportError::Unsupported(spec.unsupported.join(", ")));
        }
        ssh::SshConnection::connect(spec).await.map(Connection::Ssh)
    }

    /// Runs `command` with `/bin/sh`-compatible syntax, streaming `stdin` to it.
    pub async fn exec(
        &self,
        command: &str,
        stdin: Option<&[u8]>,
    ) -> Result<ExecOutput, TransportError> {
        match self {
            Connection::Ssh(c) => c.exec(command, stdin).await,
            Connection::Local(c) => c.exec(command, stdin).await,
        }
    }

    pub async fn close(self) {
        if let Connection::Ssh(c) = self {
            c.close().await;
        }
    }
}
