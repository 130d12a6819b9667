//! SSH with russh: one connection per host for the whole run, a session channel per command, at most
//! [`CHANNELS_PER_HOST`] channels at once.
//!
//! Liveness: a keepalive after `ServerAliveInterval` (default 15 s) without a word from the server,
//! and the connection is dropped when the next one is due after `ServerAliveCountMax` (default 3)
//! unanswered ones, as OpenSSH counts: so a host that vanishes without a TCP reset turns every
//! pending and later `exec` into [`TransportError::Disconnected`] within (count + 1) × interval
//! instead of hanging the run. A connection closed by the server (reboot, sshd restart) is noticed
//! at once.

mod auth;
mod host_key;

use super::known_hosts::{
    self, GLOBAL_KNOWN_HOSTS, HostKeyChecking, KnownHostsDecision, fingerprint, host_pattern,
};
use super::{ConnectionSpec, ExecOutput, TransportError};
use crate::report::trace::{self, SSH};
use auth::authenticate;
use host_key::{Client, host_key_error, host_key_preference, how_verified};
use russh::client::{self, Handle};
use russh::{ChannelMsg, Disconnect, Preferred, Sig};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// Channels open at once on one connection: below OpenSSH's default `MaxSessions` of 10, so a busy
/// host never refuses a channel (further `exec` calls wait for a free one).
pub const CHANNELS_PER_HOST: usize = 8;

/// How long a stopped command gets to end after SIGTERM (then SIGKILL, then it is abandoned).
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// An authenticated SSH connection to one host.
pub struct SshConnection {
    handle: Handle<Client>,
    channels: Semaphore,
    /// `name (address:port)`, for messages.
    host: String,
    notes: Vec<String>,
    /// A stop (Ctrl-C) was already sent to this connection's sessions.
    stop_started: AtomicBool,
}

/// What a command queued behind others returns when the run is stopped before it starts.
fn not_started() -> ExecOutput {
    ExecOutput {
        rc: -1,
        stdout: Vec::new(),
        stderr: b"not started: the run was stopped".to_vec(),
    }
}

/// Where keys and extra known_hosts files come from besides the spec. Tests replace these so the
/// machine's own agent and `~/.ssh` do not leak into them.
#[derive(Debug, Clone)]
pub(crate) struct Sources {
    /// Whether to ask the agent at `SSH_AUTH_SOCK`.
    pub agent: bool,
    /// Tried after the agent if they exist: `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`.
    pub default_keys: Vec<PathBuf>,
    /// Read-only known_hosts files: `/etc/ssh/ssh_known_hosts`.
    pub global_known_hosts: Vec<PathBuf>,
}

impl Sources {
    fn from_environment() -> Sources {
        let default_keys = std::env::home_dir()
            .map(|home| {
                ["id_ed25519", "id_ecdsa", "id_rsa"]
                    .iter()
                    .map(|n| home.join(".ssh").join(n))
                    .collect()
            })
            .unwrap_or_default();
        Sources {
            agent: true,
            default_keys,
            global_known_hosts: vec![PathBuf::from(GLOBAL_KNOWN_HOSTS)],
        }
    }
}

/// Which step a connection attempt is in, for the timeout message.
#[derive(Clone, Copy)]
enum Phase {
    Tcp,
    Handshake,
    Auth,
}

impl Phase {
    fn describe(self) -> &'static str {
        match self {
            Phase::Tcp => "opening the TCP connection",
            Phase::Handshake => "during the SSH handshake",
            Phase::Auth => "during authentication",
        }
    }
}

impl SshConnection {
    /// Connects and authenticates, all within `spec.connect_timeout`.
    pub async fn connect(spec: &ConnectionSpec) -> Result<SshConnection, TransportError> {
        Self::connect_with(spec, &Sources::from_environment()).await
    }

    pub(crate) async fn connect_with(
        spec: &ConnectionSpec,
        sources: &Sources,
    ) -> Result<SshConnection, TransportError> {
        let phase = Mutex::new(Phase::Tcp);
        match tokio::time::timeout(spec.connect_timeout, Self::establish(spec, sources, &phase))
            .await
        {
            Ok(result) => result,
            Err(_) => {
                let phase = phase.lock().map(|p| *p).unwrap_or(Phase::Tcp);
                Err(unreachable(
                    spec,
                    format!(
                        "timed out after {} s {} (raise it with --timeout if the host is slow)",
                        spec.connect_timeout.as_secs_f32(),
                        phase.describe()
                    ),
                ))
            }
        }
    }

    async fn establish(
        spec: &ConnectionSpec,
        sources: &Sources,
        phase: &Mutex<Phase>,
    ) -> Result<SshConnection, TransportError> {
        let set_phase = |p| {
            if let Ok(mut slot) = phase.lock() {
                *slot = p;
            }
        };
        let stream = tcp_connect(spec).await?;
        set_phase(Phase::Handshake);
        trace::line(SSH, &spec.name, || {
            let peer = stream
                .peer_addr()
                .map(|a| a.to_string())
                .unwrap_or_default();
            format!(
                "SSH: TCP connection to {peer} open; host key checking {:?}, known_hosts {}",
                spec.host_key_checking,
                spec.known_hosts
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });

        let mut preferred = Preferred::default();
        if spec.host_key_checking != HostKeyChecking::Off {
            let mut files = spec.known_hosts.clone();
            files.extend(sources.global_known_hosts.iter().cloned());
            let known = known_hosts::known_algorithms(&spec.address, spec.port, &files);
            preferred.key = host_key_preference(&preferred.key, &known).into();
        }
        let (keepalive_interval, keepalive_max) = russh_keepalive(spec);
        trace::line(SSH, &spec.name, || keepalive_settings(spec));
        let config = Arc::new(client::Config {
            // russh leaves Nagle on by default, and each short command round trip then waits on
            // delayed ACKs (3.6x slower measured); set here and on the socket below.
            nodelay: true,
            keepalive_interval,
            keepalive_max,
            // An idle connection between tasks is normal; keepalives decide liveness.
            inactivity_timeout: None,
            preferred,
            ..Default::default()
        });
        let decision = Arc::new(Mutex::new(None));
        let client = Client {
            address: spec.address.clone(),
            port: spec.port,
            known_hosts: spec.known_hosts.clone(),
            global_known_hosts: sources.global_known_hosts.clone(),
            policy: spec.host_key_checking,
            decision: decision.clone(),
        };
        let connected = client::connect_stream(config, stream, client).await;
        let verdict = decision.lock().ok().and_then(|mut d| d.take());
        if let Some((decision, key)) = &verdict {
            trace::line(SSH, &spec.name, || {
                format!(
                    "SSH: server host key {} {}: {}",
                    key.algorithm(),
                    fingerprint(key),
                    how_verified(decision)
                )
            });
        }
        let mut handle = match connected {
            Ok(handle) => handle,
            Err(e) => {
                return Err(match verdict {
                    Some((decision, key)) if !decision.accepted() => {
                        host_key_error(spec, &decision, &key)
                    }
                    _ => unreachable(spec, format!("SSH handshake failed: {e}")),
                });
            }
        };
        let mut notes = Vec::new();
        if let Some((KnownHostsDecision::Learned(file), key)) = verdict {
            notes.push(format!(
                "Permanently added {} ({} key {}) to the list of known hosts in {}",
                host_pattern(&spec.address, spec.port),
                key.algorithm(),
                fingerprint(&key),
                file.display()
            ));
        }

        set_phase(Phase::Auth);
        authenticate(&mut handle, spec, sources).await?;
        Ok(SshConnection {
            handle,
            channels: Semaphore::new(CHANNELS_PER_HOST),
            host: describe_host(spec),
            notes,
            stop_started: AtomicBool::new(false),
        })
    }

    /// Runs `command` in a new session channel, streaming `stdin` then EOF, until it ends or `stop`
    /// completes ([`Connection::exec_until`](super::Connection::exec_until)).
    ///
    /// Input is written while output is read: a command that prints a lot before it has read all
    /// its input (`cat`) would otherwise deadlock once both directions' windows are full. A command
    /// that exits without reading its input is fine: the unsent rest is dropped.
    ///
    /// A channel the server closes without an exit status or signal gives `rc = -1` (output kept);
    /// a connection lost meanwhile gives [`TransportError::Disconnected`].
    ///
    /// On `stop` (Ctrl-C): closing the channel alone
    /// would leave the command running, so the command's process group is signalled: by an SSH
    /// `signal` request (honoured by OpenSSH for non-root users only: "session signalling requires
    /// privilege separation"), and by a short command on a spare channel that sends SIGTERM, then
    /// SIGKILL after [`STOP_GRACE`], to the process group of every other session of this
    /// connection (each one leads its own: sshd calls setsid for it). A command still running
    /// after that is abandoned. Queued behind other commands when `stop` comes, it never starts.
    pub async fn exec_until(
        &self,
        command: &str,
        stdin: Option<&[u8]>,
        stop: impl Future<Output = ()>,
    ) -> Result<ExecOutput, TransportError> {
        let mut stop = std::pin::pin!(stop);
        // The semaphore is never closed, so acquiring can only fail if that changes.
        let _permit = tokio::select! {
            permit = self.channels.acquire() => permit.map_err(|e| self.lost(e.to_string()))?,
            () = &mut stop => return Ok(not_started()),
        };
        let channel = self
            .handle
            .channel_open_session()
            .await
            .map_err(|e| self.open_error(e))?;
        let id = channel.id();
        trace::line(SSH, self.name(), || {
            format!("SSH: channel {id} open (session)")
        });
        let (mut reader, writer) = channel.split();
        writer
            .exec(true, without_input(command, stdin).as_ref())
            .await
            .map_err(|e| self.lost(e.to_string()))?;
        let send_input = async {
            match stdin {
                Some(data) => {
                    writer.data(data).await?;
                    writer.eof().await
                }
                None => Ok(()),
            }
        };
        let mut send_input = std::pin::pin!(send_input);
        let mut input_done = false;
        let stopper = async {
            stop.await;
            // Refused for root sessions; the stop command below covers them.
            let _ = writer.signal(Sig::TERM).await;
            if self.stop_started.swap(true, Ordering::SeqCst) {
                tokio::time::sleep(STOP_GRACE * 2).await;
            } else {
                self.stop_sessions().await;
            }
            tokio::time::sleep(STOP_GRACE).await;
        };
        let mut stopper = std::pin::pin!(stopper);
        let mut out = ExecOutput::default();
        let mut status = None;
        loop {
            tokio::select! {
                // A failed write means the channel or connection is gone; the read side says which.
                _ = &mut send_input, if !input_done => input_done = true,
                () = &mut stopper => break,
                msg = reader.wait() => match msg {
                    Some(ChannelMsg::Data { data }) => out.stdout.extend_from_slice(&data),
                    Some(ChannelMsg::ExtendedData { data, ext: 1 }) => {
                        out.stderr.extend_from_slice(&data)
                    }
                    Some(ChannelMsg::ExitStatus { exit_status }) => {
                        status = Some(i32::try_from(exit_status).unwrap_or(-1))
                    }
                    Some(ChannelMsg::ExitSignal { signal_name, .. }) => {
                        status = status.or(Some(signal_status(&signal_name)))
                    }
                    // The only request sent with want_reply is `exec`.
                    Some(ChannelMsg::Failure) => {
                        return Err(TransportError::ChannelRefused {
                            host: self.host.clone(),
                            reason: "the server refused to run a command (exec request denied)"
                                .into(),
                        });
                    }
                    Some(ChannelMsg::Close) => break,
                    Some(_) => {}
                    None if self.handle.is_closed() => {
                        return Err(self.lost(
                            "the connection closed while a command was running (the host may \
                             have rebooted, sshd restarted, or keepalives went unanswered)"
                                .into(),
                        ));
                    }
                    None => break,
                },
            }
        }
        out.rc = status.unwrap_or(-1);
        trace::line(SSH, self.name(), || {
            format!("SSH: channel {id} closed (exit status {})", out.rc)
        });
        Ok(out)
    }

    /// Notes from connecting that did not stop it (a host key recorded).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Whether the connection is gone (every further `exec` would fail).
    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    /// Says goodbye, then waits for the session (and its socket) to end, so a caller counting
    /// open sockets can trust the count.
    pub async fn close(self) {
        trace::line(SSH, self.name(), || "SSH: disconnect".into());
        // Best effort: the connection may already be gone, and dropping the handle closes it anyway.
        let _ = self
            .handle
            .disconnect(Disconnect::ByApplication, "", "en")
            .await;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.handle).await;
    }

    /// SIGTERM, then SIGKILL after [`STOP_GRACE`], to the process group of every other session of
    /// this connection: their shells are this session's siblings (children of the connection's
    /// sshd) and lead their own groups. On a spare channel: the command slots may all be taken.
    async fn stop_sessions(&self) {
        let grace = STOP_GRACE.as_secs().max(1);
        let script = format!(
            "s() {{ g=$1; for f in /proc/[0-9]*/stat; do read -r l < \"$f\" || continue; \
             l=${{l##*) }}; set -- $l; p=${{f#/proc/}}; p=${{p%/stat}}; \
             if [ \"$2\" = \"$PPID\" ] && [ \"$p\" != \"$$\" ]; then kill -s \"$g\" -- \"-$3\"; fi; \
             done 2>/dev/null; }}; s TERM; sleep {grace}; s KILL"
        );
        let Ok(channel) = self.handle.channel_open_session().await else {
            return;
        };
        if channel
            .exec(true, format!("exec /bin/sh -c '{script}'"))
            .await
            .is_err()
        {
            return;
        }
        let (mut reader, _writer) = channel.split();
        while let Some(msg) = reader.wait().await {
            if matches!(msg, ChannelMsg::Close) {
                break;
            }
        }
    }

    /// The inventory name (what `host` starts with), for the -vvvv trace; no field of its own,
    /// as every byte of a connection counts at 1,000 hosts.
    fn name(&self) -> &str {
        self.host.split(" (").next().unwrap_or(&self.host)
    }

    fn lost(&self, reason: String) -> TransportError {
        TransportError::Disconnected {
            host: self.host.clone(),
            reason,
        }
    }

    fn open_error(&self, e: russh::Error) -> TransportError {
        match e {
            russh::Error::ChannelOpenFailure(reason) => TransportError::ChannelRefused {
                host: self.host.clone(),
                reason: format!(
                    "{reason:?} (is sshd's MaxSessions below {CHANNELS_PER_HOST}, drover's \
                     channels per host?)"
                ),
            },
            e if self.handle.is_closed() => self.lost(format!(
                "{e}; the connection is closed (the host may have rebooted, sshd restarted, or \
                 keepalives went unanswered)"
            )),
            e => self.lost(e.to_string()),
        }
    }
}

/// The command as sent: one without input reads `/dev/null` instead of waiting for an EOF
/// message. Every message to a connection (channel open, exec, data, EOF) passes through one
/// queue between russh's handle and its session, and tokio allocates that queue in blocks of 32
/// slots of 552 bytes that it recycles but never frees: the 33rd message costs the connection a
/// second 17.7 KB block for the rest of its life. Without the EOF, a command is two messages,
/// so a host's first ~15 commands fit in the first block (at 1,000 hosts: 17.7 MB less).
fn without_input<'a>(command: &'a str, stdin: Option<&[u8]>) -> std::borrow::Cow<'a, str> {
    match stdin {
        Some(_) => command.into(),
        None => format!("exec </dev/null; {command}").into(),
    }
}

/// The liveness settings in force, for the -vvvv trace.
fn keepalive_settings(spec: &ConnectionSpec) -> String {
    let keepalive = match spec.keepalive_interval {
        Some(interval) => format!(
            "a keepalive after {} s of silence, given up after {} unanswered \
             (ServerAliveInterval, ServerAliveCountMax)",
            interval.as_secs_f32(),
            spec.keepalive_max
        ),
        None => "no keepalives (ServerAliveInterval 0)".into(),
    };
    format!(
        "SSH: {keepalive}; connect, handshake and authentication within {} s",
        spec.connect_timeout.as_secs_f32()
    )
}

/// russh's keepalive settings for OpenSSH's: both give up when the timer fires with `max`
/// keepalives unanswered, but russh reads a `max` of 0 as "never give up" where OpenSSH gives up
/// at the first silent interval; half the interval with one keepalive gives up at the same time.
fn russh_keepalive(spec: &ConnectionSpec) -> (Option<Duration>, usize) {
    match (spec.keepalive_interval, spec.keepalive_max) {
        (Some(interval), 0) => (Some(interval / 2), 1),
        (interval, max) => (interval, max),
    }
}

fn describe_host(spec: &ConnectionSpec) -> String {
    if spec.name == spec.address && spec.port == 22 {
        spec.name.clone()
    } else {
        format!("{} ({}:{})", spec.name, spec.address, spec.port)
    }
}

fn unreachable(spec: &ConnectionSpec, reason: String) -> TransportError {
    TransportError::Unreachable {
        address: spec.address.clone(),
        port: spec.port,
        reason,
    }
}

/// Resolves and connects, trying each address in turn, with reasons a person can act on.
async fn tcp_connect(spec: &ConnectionSpec) -> Result<TcpStream, TransportError> {
    let addresses: Vec<_> = tokio::net::lookup_host((spec.address.as_str(), spec.port))
        .await
        .map_err(|e| {
            unreachable(
                spec,
                format!("could not resolve host name {:?}: {e}", spec.address),
            )
        })?
        .collect();
    let mut last_error = None;
    for address in &addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                // Failing to set it only costs speed, never correctness.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last_error = Some(e),
        }
    }
    let reason = match last_error {
        None => format!("{:?} resolves to no address", spec.address),
        Some(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => format!(
            "connection refused: nothing listens on port {} (is sshd running, and is \
             ansible_port right?)",
            spec.port
        ),
        Some(e) => e.to_string(),
    };
    Err(unreachable(spec, reason))
}

/// A shell's `$?` for a command killed by a signal: 128 + its number (Linux numbering).
fn signal_status(signal: &Sig) -> i32 {
    128 + match signal {
        Sig::HUP => 1,
        Sig::INT => 2,
        Sig::QUIT => 3,
        Sig::ILL => 4,
        Sig::ABRT => 6,
        Sig::FPE => 8,
        Sig::KILL => 9,
        Sig::USR1 => 10,
        Sig::SEGV => 11,
        Sig::PIPE => 13,
        Sig::ALRM => 14,
        Sig::TERM => 15,
        Sig::Custom(_) => return -1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_map_to_shell_statuses() {
        assert_eq!(signal_status(&Sig::KILL), 137);
        assert_eq!(signal_status(&Sig::TERM), 143);
        assert_eq!(signal_status(&Sig::Custom("XCPU".into())), -1);
    }
}
