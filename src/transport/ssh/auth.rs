//! User authentication in OpenSSH's order: identity files, the agent, the default keys, then
//! password and keyboard-interactive; each key offered or skipped is named in the failure.

use super::{Client, Sources};
use crate::report::trace::{self, SSH};
use crate::transport::known_hosts::fingerprint;
use crate::transport::{ConnectionSpec, Secret, TransportError};
use russh::MethodKind;
use russh::client::Handle;
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::AgentClient;
use russh::keys::ssh_key::{HashAlg, PublicKey};
use russh::keys::{PrivateKeyWithHashAlg, load_secret_key};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Offers keys in OpenSSH's order: explicit identity files, then the agent's keys, then the default
/// `~/.ssh/id_*` files. Each key offered, and each one skipped, is named in the failure message.
pub(super) struct Auth<'a> {
    handle: &'a mut Handle<Client>,
    /// The inventory name, for the -vvvv trace.
    name: &'a str,
    user: String,
    tried: Vec<String>,
    /// Keys already offered (by their public half), so the agent's copy of a file key is not
    /// offered twice: every offer counts against sshd's MaxAuthTries (6 by default).
    offered: Vec<PublicKey>,
    /// The RSA signature hash the server accepts, asked once (it may wait up to 1 s).
    rsa_hash: Option<Option<HashAlg>>,
    /// The server's last word on which methods may still succeed.
    methods: Option<Vec<MethodKind>>,
}

pub(super) enum Outcome {
    Accepted,
    Refused,
    /// The server closed the connection (MaxAuthTries reached): stop trying.
    Gone,
}

pub(super) async fn authenticate(
    handle: &mut Handle<Client>,
    spec: &ConnectionSpec,
    sources: &Sources,
) -> Result<(), TransportError> {
    let user = spec
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .unwrap_or_else(|| "root".to_string());
    let mut auth = Auth {
        handle,
        name: &spec.name,
        user,
        tried: Vec::new(),
        offered: Vec::new(),
        rsa_hash: None,
        methods: None,
    };
    let mut files_done: Vec<PathBuf> = Vec::new();
    for path in &spec.identity_files {
        match auth.key_file(path, true, &mut files_done).await {
            Outcome::Accepted => return Ok(()),
            Outcome::Gone => return Err(auth.failed(spec, true)),
            Outcome::Refused => {}
        }
    }
    if sources.agent {
        match auth.agent().await {
            Outcome::Accepted => return Ok(()),
            Outcome::Gone => return Err(auth.failed(spec, true)),
            Outcome::Refused => {}
        }
    }
    for path in &sources.default_keys {
        match auth.key_file(path, false, &mut files_done).await {
            Outcome::Accepted => return Ok(()),
            Outcome::Gone => return Err(auth.failed(spec, true)),
            Outcome::Refused => {}
        }
    }
    if let Some(password) = &spec.password {
        match auth.password(password).await {
            Outcome::Accepted => return Ok(()),
            Outcome::Gone => return Err(auth.failed(spec, true)),
            Outcome::Refused => {}
        }
    }
    Err(auth.failed(spec, false))
}

impl Auth<'_> {
    /// Offers the key in `path`. `explicit`: a missing file is worth mentioning.
    async fn key_file(&mut self, path: &Path, explicit: bool, done: &mut Vec<PathBuf>) -> Outcome {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if done.contains(&canonical) {
            return Outcome::Refused;
        }
        done.push(canonical);
        let key = match load_secret_key(path, None) {
            Ok(key) => key,
            Err(russh::keys::Error::IO(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                if explicit {
                    self.tried
                        .push(format!("{} (no such file)", path.display()));
                }
                return Outcome::Refused;
            }
            Err(russh::keys::Error::KeyIsEncrypted) => {
                self.tried.push(format!(
                    "{} (skipped: it is passphrase-protected and drover cannot prompt; load it \
                     into ssh-agent with ssh-add)",
                    path.display()
                ));
                return Outcome::Refused;
            }
            Err(e) => {
                self.tried
                    .push(format!("{} (skipped: unreadable: {e})", path.display()));
                return Outcome::Refused;
            }
        };
        let public = key.public_key().clone();
        if self.already_offered(&public) {
            return Outcome::Refused;
        }
        let hash = self.hash_for(&public).await;
        let result = self
            .handle
            .authenticate_publickey(
                self.user.clone(),
                PrivateKeyWithHashAlg::new(Arc::new(key), hash),
            )
            .await;
        self.tried.push(path.display().to_string());
        self.outcome(result.ok())
    }

    async fn agent(&mut self) -> Outcome {
        let Some(socket) = std::env::var_os("SSH_AUTH_SOCK") else {
            return Outcome::Refused;
        };
        let mut agent = match AgentClient::connect_uds(&socket).await {
            Ok(agent) => agent,
            Err(e) => {
                self.tried.push(format!(
                    "ssh-agent (SSH_AUTH_SOCK={} does not answer: {e})",
                    Path::new(&socket).display()
                ));
                return Outcome::Refused;
            }
        };
        let identities = match agent.request_identities().await {
            Ok(identities) => identities,
            Err(e) => {
                self.tried
                    .push(format!("ssh-agent (could not list its keys: {e})"));
                return Outcome::Refused;
            }
        };
        for identity in identities {
            // Certificates would need the server to trust their CA: not supported yet.
            let AgentIdentity::PublicKey { key, comment } = identity else {
                continue;
            };
            if self.already_offered(&key) {
                continue;
            }
            let hash = self.hash_for(&key).await;
            let result = self
                .handle
                .authenticate_publickey_with(self.user.clone(), key.clone(), hash, &mut agent)
                .await;
            let name = if comment.is_empty() {
                fingerprint(&key)
            } else {
                comment
            };
            self.tried
                .push(format!("ssh-agent key {name} ({})", key.algorithm()));
            match self.outcome(result.ok()) {
                Outcome::Refused => {}
                done => return done,
            }
        }
        Outcome::Refused
    }

    /// Offers the password as OpenSSH does after the keys: with the `password` method if the
    /// server allows it, else by answering `keyboard-interactive` prompts (PAM's "Password:").
    /// The password goes only into the encrypted request, never into a message.
    async fn password(&mut self, password: &Secret) -> Outcome {
        if self.server_allows(MethodKind::Password) {
            let result = self
                .handle
                .authenticate_password(self.user.clone(), password.expose())
                .await;
            self.tried.push("password (ansible_password)".into());
            match self.outcome(result.ok()) {
                Outcome::Refused => {}
                done => return done,
            }
        }
        if self.server_allows(MethodKind::KeyboardInteractive) {
            self.tried
                .push("keyboard-interactive with the password (ansible_password)".into());
            return self.keyboard_interactive(password).await;
        }
        Outcome::Refused
    }

    /// Whether the server's last refusal still lists `method` (unknown before any refusal).
    fn server_allows(&self, method: MethodKind) -> bool {
        self.methods
            .as_ref()
            .is_none_or(|methods| methods.contains(&method))
    }

    async fn keyboard_interactive(&mut self, password: &Secret) -> Outcome {
        use russh::client::KeyboardInteractiveAuthResponse as Reply;
        let mut reply = self
            .handle
            .authenticate_keyboard_interactive_start(self.user.clone(), None)
            .await;
        // A server may ask several rounds (an empty one often closes PAM's conversation);
        // a bound keeps a server that never stops asking from looping forever.
        for _ in 0..8 {
            match reply {
                Ok(Reply::Success) => return Outcome::Accepted,
                Ok(Reply::InfoRequest { prompts, .. }) => {
                    // Hidden prompts get the password; an echoed one (a user name) gets nothing.
                    let answers = prompts
                        .iter()
                        .map(|p| {
                            if p.echo {
                                String::new()
                            } else {
                                password.expose().to_string()
                            }
                        })
                        .collect();
                    reply = self
                        .handle
                        .authenticate_keyboard_interactive_respond(answers)
                        .await;
                }
                Ok(Reply::Failure {
                    remaining_methods, ..
                }) if !self.handle.is_closed() => {
                    self.methods = Some(remaining_methods.to_vec());
                    return Outcome::Refused;
                }
                _ if self.handle.is_closed() => return Outcome::Gone,
                _ => return Outcome::Refused,
            }
        }
        Outcome::Refused
    }

    fn already_offered(&mut self, key: &PublicKey) -> bool {
        if self.offered.iter().any(|k| k.key_data() == key.key_data()) {
            return true;
        }
        self.offered.push(key.clone());
        false
    }

    async fn hash_for(&mut self, key: &PublicKey) -> Option<HashAlg> {
        if !key.algorithm().is_rsa() {
            return None;
        }
        if self.rsa_hash.is_none() {
            // `None` from the server (no server-sig-algs extension: OpenSSH before 7.2) means only
            // ssh-rsa (SHA-1) is known to work.
            let best = self.handle.best_supported_rsa_hash().await.ok().flatten();
            self.rsa_hash = Some(best.flatten());
        }
        self.rsa_hash.flatten()
    }

    fn outcome(&mut self, result: Option<russh::client::AuthResult>) -> Outcome {
        let outcome = self.judge(result);
        trace::line(SSH, self.name, || {
            let verdict = match outcome {
                Outcome::Accepted => "accepted".to_string(),
                Outcome::Gone => "refused, and the server closed the connection".to_string(),
                Outcome::Refused => match &self.methods {
                    Some(methods) => format!(
                        "refused (the server still allows: {})",
                        methods
                            .iter()
                            .map(<&str>::from)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => "refused".to_string(),
                },
            };
            let tried = self.tried.last().map(String::as_str).unwrap_or_default();
            format!("SSH: authentication as {}: {tried}: {verdict}", self.user)
        });
        outcome
    }

    fn judge(&mut self, result: Option<russh::client::AuthResult>) -> Outcome {
        match result {
            Some(russh::client::AuthResult::Success) => Outcome::Accepted,
            Some(russh::client::AuthResult::Failure {
                remaining_methods, ..
            }) if !self.handle.is_closed() => {
                self.methods = Some(remaining_methods.to_vec());
                Outcome::Refused
            }
            _ if self.handle.is_closed() => Outcome::Gone,
            _ => Outcome::Refused,
        }
    }

    fn failed(mut self, spec: &ConnectionSpec, gone: bool) -> TransportError {
        if self.tried.is_empty() {
            self.tried.push(
                "no keys: no ansible_ssh_private_key_file, no ssh-agent (SSH_AUTH_SOCK), none of \
                 ~/.ssh/id_ed25519, id_ecdsa, id_rsa, and no ansible_password"
                    .into(),
            );
        }
        if gone {
            self.tried.push(format!(
                "then the server closed the connection after {} attempts (sshd's MaxAuthTries): \
                 name the right key with ansible_ssh_private_key_file",
                self.offered.len()
            ));
        } else if let Some(methods) = &self.methods
            && !methods.contains(&MethodKind::PublicKey)
        {
            let names: Vec<&str> = methods.iter().map(<&str>::from).collect();
            let passwords = [MethodKind::Password, MethodKind::KeyboardInteractive];
            let hint = if spec.password.is_none() && methods.iter().any(|m| passwords.contains(m)) {
                " (set ansible_password for password logins, or authorise a key)"
            } else {
                ""
            };
            self.tried.push(format!(
                "the server accepts only: {}{hint}",
                names.join(", ")
            ));
        }
        TransportError::AuthFailed {
            user: self.user,
            host: spec.address.clone(),
            tried: self.tried,
        }
    }
}
