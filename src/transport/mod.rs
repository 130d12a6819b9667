//! How commands reach a host: one SSH connection per host for the whole run (russh), each command a
//! session channel on it; or the local machine (`ansible_connection=local`). The transport knows
//! nothing of tasks: it runs a command line, feeds it stdin, and returns what it printed and its
//! exit status.
//!
//! - [`ssh_config`] turns inventory connection variables plus `~/.ssh/config` into a
//!   [`ConnectionSpec`] (inventory wins, as it does with Ansible, which passes them to `ssh -o`).
//! - [`known_hosts`] decides whether a server's host key is trusted (pure, file-based, no network).
//! - `ssh` and `local` run the commands.
//! - [`pool`] bounds the connections open and starting at once across hosts ([`limits`] raises
//!   the open-file limit they count against).

pub mod known_hosts;
pub mod limits;
mod local;
pub mod pool;
mod ssh;
pub mod ssh_config;

pub use known_hosts::{HostKeyChecking, KnownHostsDecision, check_host_key};
pub use local::LocalConnection;
pub use ssh::{CHANNELS_PER_HOST, STOP_GRACE, SshConnection};
pub use ssh_config::ConnectionVars;

use crate::report::trace;
use std::path::PathBuf;
use std::time::Duration;

/// What a command printed and returned.
///
/// `rc` is the command's exit status; a command killed by a signal reports `128 + signal` as a
/// shell would; `-1` means the remote side closed the channel without saying how the command ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub rc: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Why a host could not be reached or a command could not run there. Each message says what
/// happened and what a person can do about it.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// DNS failure, connection refused, no route, timeout, or an SSH handshake that failed.
    #[error("Failed to connect to the host via ssh: {address}:{port}: {reason}")]
    Unreachable {
        address: String,
        port: u16,
        reason: String,
    },
    /// The server presented a key that differs from the one recorded for it.
    #[error(
        "host key verification failed for {host}: its {key} does not match the one recorded at \
         {file}:{line}. The host may have been reinstalled — or someone may be intercepting the \
         connection. If the change is expected, remove the old entry with \
         `ssh-keygen -f '{file}' -R '{pattern}'` and connect again (with --host-key-checking \
         accept-new to record the new key); to skip host key checking altogether use \
         --host-key-checking off or ANSIBLE_HOST_KEY_CHECKING=False"
    )]
    HostKeyMismatch {
        host: String,
        /// How the host is written in known_hosts: `host`, or `[host]:port` for another port.
        pattern: String,
        /// The server's key as `ssh-ed25519 key (SHA256:…)`.
        key: String,
        file: String,
        line: usize,
    },
    /// The server's key is marked `@revoked` in a known_hosts file.
    #[error(
        "host key verification failed for {host}: its {key} is marked @revoked at {file}:{line}; \
         drover will not connect with it"
    )]
    HostKeyRevoked {
        host: String,
        key: String,
        file: String,
        line: usize,
    },
    /// Strict checking, and no key is recorded for the host.
    #[error(
        "host key verification failed: {pattern} has no {key} recorded in {files}{other}. \
         Check the key and add it (`ssh-keyscan -p {port} {host} >> {target}`), or use \
         --host-key-checking accept-new to trust and record new hosts on first use \
         (ANSIBLE_HOST_KEY_CHECKING=False turns checking off)",
        pattern = known_hosts::host_pattern(host, *port),
        files = if files.is_empty() { "no known_hosts file".to_string() } else { files.join(", ") },
        target = files.first().map_or("~/.ssh/known_hosts", String::as_str),
    )]
    HostKeyUnknown {
        host: String,
        port: u16,
        /// The server's key as `ssh-ed25519 key (SHA256:…)`.
        key: String,
        /// The user known_hosts files searched (the first is where accept-new would record it).
        files: Vec<String>,
        /// Keys of other types recorded for the host, if any, as a clause of the message.
        other: String,
    },
    /// A known_hosts file that cannot be read, or (accept-new) the new key could not be recorded:
    /// the key cannot be checked, so it is not trusted.
    #[error(
        "host key verification failed for {host}: {problem}. drover does not trust a host key it \
         cannot check or record: fix the file (or point UserKnownHostsFile elsewhere in \
         ansible_ssh_common_args), or use --host-key-checking off to skip checking"
    )]
    KnownHostsUnusable { host: String, problem: String },
    /// No key was accepted; `tried` names each key (or agent key) offered and why others were not.
    #[error(
        "authentication failed for {user}@{host} (tried: {}). Check ansible_user, \
         ansible_ssh_private_key_file, and that the public key is in the user's ~/.ssh/authorized_keys",
        tried.join("; ")
    )]
    AuthFailed {
        user: String,
        host: String,
        tried: Vec<String>,
    },
    /// A `~/.ssh/config` setting drover cannot honour (ProxyJump, ProxyCommand): refusing beats
    /// silently connecting some other way.
    #[error(
        "~/.ssh/config sets {0} for this host, which drover does not support yet: remove it for \
         this host, or make the host reachable directly"
    )]
    Unsupported(String),
    /// The connection went away while in use (the host rebooted, the network dropped, sshd was
    /// restarted, or keepalives went unanswered).
    #[error("the SSH connection to {host} was lost: {reason}")]
    Disconnected { host: String, reason: String },
    /// The server refused a new channel on an open connection.
    #[error("{host} refused to open a session channel: {reason}")]
    ChannelRefused { host: String, reason: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Everything needed to reach one host.
#[derive(Debug, Clone)]
pub struct ConnectionSpec {
    /// The inventory name, for messages.
    pub name: String,
    /// Where to connect: `ansible_host`, `~/.ssh/config` HostName, or the inventory name.
    pub address: String,
    pub port: u16,
    /// `None`: `$USER`, else `root`.
    pub user: Option<String>,
    /// Keys to offer first, in order (`ansible_ssh_private_key_file`, then `IdentityFile`s).
    pub identity_files: Vec<PathBuf>,
    pub host_key_checking: HostKeyChecking,
    /// User known_hosts files; new hosts are recorded in the first. `/etc/ssh/ssh_known_hosts` is
    /// read as well, as OpenSSH does.
    pub known_hosts: Vec<PathBuf>,
    /// Applies to TCP connect, SSH handshake and authentication together.
    pub connect_timeout: Duration,
    /// Liveness of an open connection (`ServerAliveInterval`): after this long without a word
    /// from the server, ask it; `None` never asks (OpenSSH's `ServerAliveInterval 0`).
    pub keepalive_interval: Option<Duration>,
    /// Unanswered keepalives before the connection is given up (`ServerAliveCountMax`).
    pub keepalive_max: usize,
    /// `ansible_password` / `ansible_ssh_pass`: offered after the keys, to the server only.
    pub password: Option<Secret>,
    /// `ansible_connection=local`: run commands on this machine.
    pub local: bool,
    /// `~/.ssh/config` settings for this host that drover cannot honour (ProxyJump): connecting
    /// fails with their names rather than silently going another way.
    pub unsupported: Vec<String>,
}

impl ConnectionSpec {
    /// A spec with OpenSSH's defaults: port 22, strict host key checking, `~/.ssh/known_hosts`,
    /// a 10 s connect timeout, no user (so `$USER`); and drover's keepalive (15 s × 3), since a run
    /// must not hang on a host that went silent.
    pub fn new(name: &str, address: &str) -> ConnectionSpec {
        ConnectionSpec {
            name: name.to_string(),
            address: address.to_string(),
            port: 22,
            user: None,
            identity_files: Vec::new(),
            host_key_checking: HostKeyChecking::Strict,
            known_hosts: default_known_hosts(),
            connect_timeout: Duration::from_secs(10),
            keepalive_interval: Some(DEFAULT_KEEPALIVE_INTERVAL),
            keepalive_max: DEFAULT_KEEPALIVE_MAX,
            password: None,
            local: false,
            unsupported: Vec::new(),
        }
    }

    /// Inventory connection variables resolved against the user's `~/.ssh/config` (read once per
    /// process; warnings about it are printed once to stderr).
    pub fn from_vars(name: &str, vars: &ConnectionVars) -> ConnectionSpec {
        ssh_config::resolve(name, vars, ssh_config::user_config())
    }
}

/// Keepalive unless `ServerAliveInterval` says otherwise: a silent host is given up after
/// 4 × 15 s (the timer fires, then 3 unanswered keepalives, as OpenSSH counts).
pub const DEFAULT_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);
pub const DEFAULT_KEEPALIVE_MAX: usize = 3;

/// A password: shown as `********` by `Debug`, so a spec can be logged without leaking it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The clear text, for the one place that sends it (SSH password authentication).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(********)")
    }
}

/// `~/.ssh/known_hosts`, OpenSSH's default `UserKnownHostsFile`.
pub fn default_known_hosts() -> Vec<PathBuf> {
    std::env::home_dir()
        .map(|h| vec![h.join(".ssh").join("known_hosts")])
        .unwrap_or_default()
}

/// An open way to run commands on a host.
pub enum Connection {
    Ssh(ssh::SshConnection),
    Local(local::LocalConnection),
}

impl Connection {
    /// Connects (TCP, SSH handshake, host key check, authentication — all within
    /// `spec.connect_timeout`), or returns a local connection for `spec.local`.
    pub async fn connect(spec: &ConnectionSpec) -> Result<Connection, TransportError> {
        if spec.local {
            trace::line(trace::COMMANDS, &spec.name, || {
                "ESTABLISH LOCAL CONNECTION FOR USER: (the controller's)".into()
            });
            return Ok(Connection::Local(local::LocalConnection));
        }
        trace::line(trace::COMMANDS, &spec.name, || {
            format!(
                "ESTABLISH SSH CONNECTION FOR USER: {} ({}:{})",
                spec.user.as_deref().unwrap_or("(local user name)"),
                spec.address,
                spec.port
            )
        });
        if !spec.unsupported.is_empty() {
            return Err(TransportError::Unsupported(spec.unsupported.join(", ")));
        }
        ssh::SshConnection::connect(spec).await.map(Connection::Ssh)
    }

    /// Runs `command` with the remote user's shell (an SSH `exec` request; `/bin/sh -c` locally),
    /// streaming `stdin` to it (then EOF), and collects stdout, stderr and the exit status.
    ///
    /// Callable concurrently: over SSH each call is its own session channel on the one
    /// connection, at most [`CHANNELS_PER_HOST`] at once (the rest wait their turn).
    pub async fn exec(
        &self,
        command: &str,
        stdin: Option<&[u8]>,
    ) -> Result<ExecOutput, TransportError> {
        self.exec_until(command, stdin, std::future::pending())
            .await
    }

    /// [`exec`](Self::exec) that can be stopped (Ctrl-C): once `stop` completes, the command's
    /// whole process group on the target gets SIGTERM, then SIGKILL after [`STOP_GRACE`]; what it
    /// printed until then is returned (`rc` 143 or 137; -1 when it could not be stopped in time).
    pub async fn exec_until(
        &self,
        command: &str,
        stdin: Option<&[u8]>,
        stop: impl Future<Output = ()>,
    ) -> Result<ExecOutput, TransportError> {
        match self {
            Connection::Ssh(c) => c.exec_until(command, stdin, stop).await,
            Connection::Local(c) => c.exec_until(command, stdin, stop).await,
        }
    }

    /// Things worth telling the user that did not stop the connection (a new host key recorded,
    /// or one that could not be recorded).
    pub fn notes(&self) -> &[String] {
        match self {
            Connection::Ssh(c) => c.notes(),
            Connection::Local(_) => &[],
        }
    }

    /// Whether the connection is gone (every further `exec` would fail).
    pub fn is_closed(&self) -> bool {
        match self {
            Connection::Ssh(c) => c.is_closed(),
            Connection::Local(_) => false,
        }
    }

    /// Ends the connection politely (SSH disconnect message) and waits until it is gone.
    /// Dropping it also closes it, a moment later.
    pub async fn close(self) {
        if let Connection::Ssh(c) = self {
            c.close().await;
        }
    }
}

#[cfg(test)]
mod tests;
