//! Host key verification against OpenSSH known_hosts files: plain and hashed (`|1|salt|hash`) host
//! entries, `[host]:port` for ports other than 22, `*`/`?` wildcards and `!` negations, and
//! `@revoked` markers. `@cert-authority` lines are skipped: drover does not ask for host
//! certificates, so servers present plain keys.
//!
//! The decision is a pure function of the key and the files ([`check_host_key`]), tested without a
//! network; the SSH client calls it from its `check_server_key` callback.
//!
//! russh has `check_known_hosts_path`, but it splits lines on single spaces, stops at the first
//! same-type key that differs even if a later line holds the right one (OpenSSH accepts any
//! matching line), fails a whole file on one malformed key, and knows no wildcards or `@revoked`:
//! hence this module.

mod file;
#[cfg(test)]
mod tests;

use file::{Marker, entries_for, learn};
use russh::keys::ssh_key::{Algorithm, HashAlg, PublicKey};
use std::path::PathBuf;

/// The global known_hosts file, read (never written) in addition to the user's files, as OpenSSH does.
pub const GLOBAL_KNOWN_HOSTS: &str = "/etc/ssh/ssh_known_hosts";

/// How strictly host keys are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostKeyChecking {
    /// Unknown hosts and changed keys are refused (OpenSSH `StrictHostKeyChecking=yes`; Ansible's
    /// default, where ssh would ask and nobody is there to answer).
    #[default]
    Strict,
    /// Unknown hosts are trusted and recorded; changed keys are refused.
    AcceptNew,
    /// Nothing is checked (`ANSIBLE_HOST_KEY_CHECKING=False`).
    Off,
}

impl HostKeyChecking {
    /// Reads an OpenSSH `StrictHostKeyChecking` value. `ask` is strict: there is no one to ask.
    pub fn from_openssh(value: &str) -> Option<HostKeyChecking> {
        match value.to_ascii_lowercase().as_str() {
            "yes" | "ask" | "true" => Some(HostKeyChecking::Strict),
            "accept-new" => Some(HostKeyChecking::AcceptNew),
            "no" | "off" | "false" => Some(HostKeyChecking::Off),
            _ => None,
        }
    }
}

/// What [`check_host_key`] concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownHostsDecision {
    /// The key is recorded for the host at `file:line`.
    Trusted { file: PathBuf, line: usize },
    /// Checking is off.
    Unchecked,
    /// Unknown host, trusted on first use (accept-new) and recorded in this file.
    Learned(PathBuf),
    /// Unknown host under accept-new, but it could not be recorded (no file configured, or the
    /// write failed). Refused: trusting a key that is not recorded would trust any key on every
    /// run — no checking at all, silently (OpenSSH only warns here; drover refuses).
    NotRecorded {
        file: Option<PathBuf>,
        reason: String,
    },
    /// A known_hosts file exists but cannot be read (a directory, no permission): refused under
    /// strict and accept-new alike, since its entries might have refused this key.
    Unreadable { file: PathBuf, reason: String },
    /// No key of this type is recorded for the host (strict). `others` lists keys of other types
    /// that are: `(file, line, algorithm)`.
    Unknown {
        others: Vec<(PathBuf, usize, String)>,
    },
    /// A different key of the same type is recorded at `file:line`.
    Mismatch { file: PathBuf, line: usize },
    /// The key is marked `@revoked` at `file:line`.
    Revoked { file: PathBuf, line: usize },
}

impl KnownHostsDecision {
    /// Whether the connection may go on.
    pub fn accepted(&self) -> bool {
        matches!(
            self,
            KnownHostsDecision::Trusted { .. }
                | KnownHostsDecision::Unchecked
                | KnownHostsDecision::Learned(_)
        )
    }
}

/// How `host:port` is written in known_hosts (lower case, as ssh canonicalises host names before
/// hashing or recording them).
pub fn host_pattern(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// Decides whether `key` is the right key for `host:port` given the user known_hosts `files` (new
/// hosts are recorded in the first under accept-new) and `also_read` (read-only, e.g. the global file).
///
/// As OpenSSH: any line holding this exact key trusts it (even if another line holds an older key
/// of the same type); otherwise a same-type key for the host is a mismatch; otherwise the host is
/// unknown. A revoked key is refused under every policy but `Off`.
pub fn check_host_key(
    host: &str,
    port: u16,
    key: &PublicKey,
    files: &[PathBuf],
    also_read: &[PathBuf],
    policy: HostKeyChecking,
) -> KnownHostsDecision {
    if policy == HostKeyChecking::Off {
        return KnownHostsDecision::Unchecked;
    }
    let pattern = host_pattern(host, port);
    let mut trusted = None;
    let mut mismatch = None;
    let mut others = Vec::new();
    for file in files.iter().chain(also_read) {
        let entries = match entries_for(&pattern, file) {
            Ok(entries) => entries,
            Err(e) => {
                return KnownHostsDecision::Unreadable {
                    file: file.clone(),
                    reason: e.to_string(),
                };
            }
        };
        for entry in entries {
            let same_key = entry.key.key_data() == key.key_data();
            match entry.marker {
                Marker::Revoked if same_key => {
                    return KnownHostsDecision::Revoked {
                        file: file.clone(),
                        line: entry.line,
                    };
                }
                Marker::Revoked => {}
                Marker::None if same_key => {
                    trusted.get_or_insert((file.clone(), entry.line));
                }
                Marker::None if entry.key.algorithm() == key.algorithm() => {
                    mismatch.get_or_insert((file.clone(), entry.line));
                }
                Marker::None => {
                    others.push((file.clone(), entry.line, entry.key.algorithm().to_string()))
                }
            }
        }
    }
    if let Some((file, line)) = trusted {
        return KnownHostsDecision::Trusted { file, line };
    }
    if let Some((file, line)) = mismatch {
        return KnownHostsDecision::Mismatch { file, line };
    }
    match (policy, files.first()) {
        (HostKeyChecking::AcceptNew, Some(file)) => match learn(&pattern, key, file) {
            Ok(()) => KnownHostsDecision::Learned(file.clone()),
            Err(e) => KnownHostsDecision::NotRecorded {
                file: Some(file.clone()),
                reason: e.to_string(),
            },
        },
        (HostKeyChecking::AcceptNew, None) => KnownHostsDecision::NotRecorded {
            file: None,
            reason: "no known_hosts file is configured".into(),
        },
        _ => KnownHostsDecision::Unknown { others },
    }
}

/// The host key algorithms recorded for `host:port`, so the client can ask the server for a key
/// it can verify (OpenSSH does the same): a host known by its RSA key must not be refused as
/// "unknown" just because it also has an ed25519 key the client would otherwise prefer.
pub fn known_algorithms(host: &str, port: u16, files: &[PathBuf]) -> Vec<Algorithm> {
    let pattern = host_pattern(host, port);
    let mut algorithms: Vec<Algorithm> = Vec::new();
    for file in files {
        // An unreadable file is reported by the key check itself.
        for entry in entries_for(&pattern, file).unwrap_or_default() {
            let algorithm = entry.key.algorithm();
            if entry.marker == Marker::None && !algorithms.contains(&algorithm) {
                algorithms.push(algorithm);
            }
        }
    }
    algorithms
}

/// `SHA256:…`, as `ssh-keygen -l` and OpenSSH's messages show a key.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}
