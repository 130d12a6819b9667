//! The server's host key: checked against known_hosts during the handshake, asked for in the order
//! that lets it be verified, and a refusal reported as the host key error it is.

use super::describe_host;
use crate::transport::known_hosts::{
    HostKeyChecking, KnownHostsDecision, check_host_key, fingerprint, host_pattern,
};
use crate::transport::{ConnectionSpec, TransportError};
use russh::client;
use russh::keys::ssh_key::{Algorithm, PublicKey};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The russh client handler: checks the server's key and remembers what it decided, so a refusal
/// can be reported as a host key error rather than as russh's generic "unknown key".
pub(super) struct Client {
    pub(super) address: String,
    pub(super) port: u16,
    pub(super) known_hosts: Vec<PathBuf>,
    pub(super) global_known_hosts: Vec<PathBuf>,
    pub(super) policy: HostKeyChecking,
    pub(super) decision: Arc<Mutex<Option<(KnownHostsDecision, PublicKey)>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        // Certificates are never requested (Preferred::host_key_certificates is empty), so a
        // server presenting one anyway is refused.
        let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            return Ok(false);
        };
        let decision = check_host_key(
            &self.address,
            self.port,
            key,
            &self.known_hosts,
            &self.global_known_hosts,
            self.policy,
        );
        let accepted = decision.accepted();
        if let Ok(mut slot) = self.decision.lock() {
            *slot = Some((decision, key.clone()));
        }
        Ok(accepted)
    }
}

/// How the server's key was judged, for the -vvvv trace.
pub(super) fn how_verified(decision: &KnownHostsDecision) -> String {
    match decision {
        KnownHostsDecision::Trusted { file, line } => {
            format!("verified, it matches {}:{line}", file.display())
        }
        KnownHostsDecision::Unchecked => "not verified (host key checking is off)".into(),
        KnownHostsDecision::Learned(file) => format!(
            "unknown, trusted on first use and recorded in {} (accept-new)",
            file.display()
        ),
        refused => format!("refused ({refused:?})"),
    }
}

/// russh's host key algorithm list with the algorithms already recorded for the host first, so the
/// server presents a key that can be verified (as OpenSSH orders them).
pub(super) fn host_key_preference(default: &[Algorithm], known: &[Algorithm]) -> Vec<Algorithm> {
    let recorded = |a: &Algorithm| known.iter().any(|k| k == a || (is_rsa(k) && is_rsa(a)));
    let (mut first, rest): (Vec<_>, Vec<_>) = default.iter().cloned().partition(recorded);
    first.extend(rest);
    first
}

pub(super) fn host_key_error(
    spec: &ConnectionSpec,
    decision: &KnownHostsDecision,
    key: &PublicKey,
) -> TransportError {
    let described = format!("{} key ({})", key.algorithm(), fingerprint(key));
    match decision {
        KnownHostsDecision::Mismatch { file, line } => TransportError::HostKeyMismatch {
            host: describe_host(spec),
            pattern: host_pattern(&spec.address, spec.port),
            key: described,
            file: file.display().to_string(),
            line: *line,
        },
        KnownHostsDecision::Revoked { file, line } => TransportError::HostKeyRevoked {
            host: describe_host(spec),
            key: described,
            file: file.display().to_string(),
            line: *line,
        },
        KnownHostsDecision::Unreadable { file, reason } => TransportError::KnownHostsUnusable {
            host: describe_host(spec),
            problem: format!(
                "the known_hosts file {} cannot be read ({reason})",
                file.display()
            ),
        },
        KnownHostsDecision::NotRecorded { file, reason } => TransportError::KnownHostsUnusable {
            host: describe_host(spec),
            problem: format!(
                "its new {described} could not be recorded{} ({reason})",
                file.as_ref()
                    .map(|f| format!(" in {}", f.display()))
                    .unwrap_or_default()
            ),
        },
        _ => {
            let others = match decision {
                KnownHostsDecision::Unknown { others } => others.as_slice(),
                _ => &[],
            };
            TransportError::HostKeyUnknown {
                host: spec.address.clone(),
                port: spec.port,
                key: described,
                files: spec
                    .known_hosts
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect(),
                other: others
                    .first()
                    .map(|(file, line, algorithm)| {
                        format!(
                            " (only a {algorithm} key, at {}:{line}; the server offered {})",
                            file.display(),
                            key.algorithm()
                        )
                    })
                    .unwrap_or_default(),
            }
        }
    }
}

pub(super) fn is_rsa(algorithm: &Algorithm) -> bool {
    matches!(algorithm, Algorithm::Rsa { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use russh::Preferred;

    #[test]
    fn recorded_key_types_are_asked_for_first() {
        let default = Preferred::default().key.to_vec();
        let rsa = Algorithm::Rsa { hash: None };
        let ordered = host_key_preference(&default, &[rsa]);
        assert!(ordered[..3].iter().all(is_rsa), "{ordered:?}");
        assert_eq!(ordered.len(), default.len());
        assert_eq!(host_key_preference(&default, &[]), default);
    }
}
