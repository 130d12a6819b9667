//! SSH with russh: one connection per host, a session channel per command, a bounded number of
//! channels at once (OpenSSH allows 10 sessions per connection by default).

use super::known_hosts::{KnownHostsDecision, check_host_key};
use super::{ConnectionSpec, ExecOutput, TransportError};
use russh::client::{self, Handle};
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::AgentClient;
use russh::keys::{PrivateKeyWithHashAlg, load_secret_key};
use russh::{ChannelMsg, Disconnect};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Below OpenSSH's default `MaxSessions` of 10, so a busy host never refuses a channel.
const CHANNELS_PER_HOST: usize = 8;

pub struct SshConnection {
    handle: Handle<Verifier>,
    channels: Semaphore,
}

/// Checks the server's key against known_hosts and remembers why it refused one.
struct Verifier {
    spec: ConnectionSpec,
    decision: Arc<Mutex<Option<KnownHostsDecision>>>,
}

impl client::Handler for Verifier {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            // Host certificates need @cert-authority support, which drover does not have yet.
            return Ok(false);
        };
        let spec = &self.spec;
        let decision = check_host_key(
            &spec.address,
            spec.port,
            key,
            &spec.known_hosts,
            spec.host_key_checking,
        );
        let accepted = matches!(
            decision,
            KnownHostsDecision::Trusted | KnownHostsDecision::Learned(_)
        );
        if let Ok(mut slot) = self.decision.lock() {
            *slot = Some(decision);
        }
        Ok(accepted)
    }
}

impl SshConnection {
    pub async fn connect(spec: &ConnectionSpec) -> Result<SshConnection, TransportError> {
        let timeout = spec.connect_timeout;
        tokio::time::timeout(timeout, Self::connect_and_authenticate(spec))
            .await
            .unwrap_or(Err(TransportError::Timeout(timeout)))
    }

    async fn connect_and_authenticate(
        spec: &ConnectionSpec,
    ) -> Result<SshConnection, TransportError> {
        let config = Arc::new(client::Config {
            nodelay: true,
            keepalive_interval: Some(Duration::from_secs(30)),
            keepalive_max: 3,
            inactivity_timeout: None,
            ..Default::default()
        });
        let decision = Arc::new(Mutex::new(None));
        let verifier = Verifier {
            spec: spec.clone(),
            decision: decision.clone(),
        };
        let connected = client::connect(config, (spec.address.as_str(), spec.port), verifier).await;
        let mut handle = match connected {
            Ok(handle) => handle,
            Err(e) => {
                let refused = decision.lock().ok().and_then(|d| d.clone());
                return Err(host_key_error(spec, refused).unwrap_or_else(|| {
                    TransportError::Unreachable {
                        address: spec.address.clone(),
                        port: spec.port,
                        reason: e.to_string(),
                    }
                }));
            }
        };
        authenticate(&mut handle, spec).await?;
        Ok(SshConnection {
            handle,
            channels: Semaphore::new(CHANNELS_PER_HOST),
        })
    }

    pub async fn exec(
        &self,
        command: &str,
        stdin: Option<&[u8]>,
    ) -> Result<ExecOutput, TransportError> {
        let _permit = self
            .channels
            .acquire()
            .await
            .map_err(|e| TransportError::Disconnected(e.to_string()))?;
        let lost = |e: russh::Error| TransportError::Disconnected(e.to_string());
        let mut channel = self.handle.channel_open_session().await.map_err(lost)?;
        channel.exec(true, command).await.map_err(lost)?;
        if let Some(data) = stdin {
            channel.data(data).await.map_err(lost)?;
        }
        channel.eof().await.map_err(lost)?;
        let mut out = ExecOutput::default();
        let mut status = None;
        while let Some(msg) = channel.wait().await {
            match msg {
                ChannelMsg::Data { data } => out.stdout.extend_from_slice(&data),
                ChannelMsg::ExtendedData { data, ext: 1 } => out.stderr.extend_from_slice(&data),
                ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status as i32),
                // Killed by a signal: shells report 128 + signal; the exact number is not known here.
                ChannelMsg::ExitSignal { .. } => status = status.or(Some(-1)),
                ChannelMsg::Close => break,
                _ => {}
            }
        }
        out.rc = status.ok_or_else(|| {
            TransportError::Disconnected("the channel closed without an exit status".into())
        })?;
        Ok(out)
    }

    pub async fn close(self) {
        let _ = self
            .handle
            .disconnect(Disconnect::ByApplication, "", "en")
            .await;
    }
}

fn host_key_error(
    spec: &ConnectionSpec,
    decision: Option<KnownHostsDecision>,
) -> Option<TransportError> {
    match decision? {
        KnownHostsDecision::Mismatch { file, line } => Some(TransportError::HostKeyMismatch {
            host: spec.address.clone(),
            file: file.display().to_string(),
            line,
        }),
        KnownHostsDecision::Unknown => Some(TransportError::HostKeyUnknown {
            host: spec.address.clone(),
            files: spec
                .known_hosts
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }),
        _ => None,
    }
}

/// Explicit keys first, then the SSH agent, then the usual `~/.ssh/id_*` files.
async fn authenticate(
    handle: &mut Handle<Verifier>,
    spec: &ConnectionSpec,
) -> Result<(), TransportError> {
    let user = spec
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "root".to_string());
    let mut tried = Vec::new();
    for path in &spec.identity_files {
        if try_key_file(handle, &user, path, &mut tried).await? {
            return Ok(());
        }
    }
    if try_agent(handle, &user, &mut tried).await? {
        return Ok(());
    }
    for path in default_identity_files() {
        if path.exists()
            && !spec.identity_files.contains(&path)
            && try_key_file(handle, &user, &path, &mut tried).await?
        {
            return Ok(());
        }
    }
    if tried.is_empty() {
        tried.push("no keys: none given, no SSH agent, no ~/.ssh/id_* files".to_string());
    }
    Err(TransportError::AuthFailed {
        user,
        host: spec.address.clone(),
        tried: tried.join("; "),
    })
}

fn default_identity_files() -> Vec<PathBuf> {
    let Some(home) = std::env::home_dir() else {
        return Vec::new();
    };
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|n| home.join(".ssh").join(n))
        .collect()
}

async fn try_key_file(
    handle: &mut Handle<Verifier>,
    user: &str,
    path: &PathBuf,
    tried: &mut Vec<String>,
) -> Result<bool, TransportError> {
    let key = match load_secret_key(path, None) {
        Ok(key) => key,
        Err(russh::keys::Error::KeyIsEncrypted) => {
            tried.push(format!(
                "{} (encrypted: load it into ssh-agent)",
                path.display()
            ));
            return Ok(false);
        }
        Err(e) => {
            tried.push(format!("{} (unreadable: {e})", path.display()));
            return Ok(false);
        }
    };
    let hash = rsa_hash(handle, key.algorithm().is_rsa()).await?;
    let result = handle
        .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
        .await
        .map_err(|e| TransportError::Disconnected(e.to_string()))?;
    tried.push(path.display().to_string());
    Ok(result.success())
}

async fn rsa_hash(
    handle: &Handle<Verifier>,
    is_rsa: bool,
) -> Result<Option<russh::keys::HashAlg>, TransportError> {
    if !is_rsa {
        return Ok(None);
    }
    let best = handle
        .best_supported_rsa_hash()
        .await
        .map_err(|e| TransportError::Disconnected(e.to_string()))?;
    Ok(best.flatten())
}

async fn try_agent(
    handle: &mut Handle<Verifier>,
    user: &str,
    tried: &mut Vec<String>,
) -> Result<bool, TransportError> {
    if std::env::var_os("SSH_AUTH_SOCK").is_none() {
        return Ok(false);
    }
    let Ok(mut agent) = AgentClient::connect_env().await else {
        tried.push("ssh-agent (SSH_AUTH_SOCK set but not answering)".into());
        return Ok(false);
    };
    let identities = agent.request_identities().await.unwrap_or_default();
    for identity in identities {
        let AgentIdentity::PublicKey { key, comment } = identity else {
            continue;
        };
        let hash = rsa_hash(handle, key.algorithm().is_rsa()).await?;
        tried.push(format!("agent key {comment}"));
        match handle
            .authenticate_publickey_with(user, key, hash, &mut agent)
            .await
        {
            Ok(result) if result.success() => return Ok(true),
            _ => {}
        }
    }
    Ok(false)
}
