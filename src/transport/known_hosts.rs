//! Host key verification against OpenSSH known_hosts files (plain and hashed entries, `[host]:port`).

use russh::keys::ssh_key::PublicKey;
use std::path::{Path, PathBuf};

/// How strictly host keys are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKeyChecking {
    /// Unknown hosts and changed keys are refused (OpenSSH `StrictHostKeyChecking=yes`; Ansible's default).
    Strict,
    /// Unknown hosts are trusted and recorded; changed keys are refused.
    AcceptNew,
    /// Nothing is checked (`ANSIBLE_HOST_KEY_CHECKING=False`).
    Off,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownHostsDecision {
    Trusted,
    /// Unknown, and recorded in this file.
    Learned(PathBuf),
    Unknown,
    Mismatch {
        file: PathBuf,
        line: usize,
    },
}

/// Decides whether `key` is the right key for `host:port` given the known_hosts `files`.
pub fn check_host_key(
    host: &str,
    port: u16,
    key: &PublicKey,
    files: &[PathBuf],
    policy: HostKeyChecking,
) -> KnownHostsDecision {
    if policy == HostKeyChecking::Off {
        return KnownHostsDecision::Trusted;
    }
    for file in files {
        match russh::keys::check_known_hosts_path(host, port, key, file) {
            Ok(true) => return KnownHostsDecision::Trusted,
            Ok(false) => {}
            Err(russh::keys::Error::KeyChanged { line }) => {
                return KnownHostsDecision::Mismatch {
                    file: file.clone(),
                    line,
                };
            }
            // An unreadable or malformed file proves nothing either way.
            Err(_) => {}
        }
    }
    match (policy, files.first()) {
        (HostKeyChecking::AcceptNew, Some(file)) if learn(host, port, key, file) => {
            KnownHostsDecision::Learned(file.clone())
        }
        _ => KnownHostsDecision::Unknown,
    }
}

fn learn(host: &str, port: u16, key: &PublicKey, file: &Path) -> bool {
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    russh::keys::known_hosts::learn_known_hosts_path(host, port, key, file).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDnwVzFl8TF5z89gEVrb2oE0Y9Yi+2UcJatwwTEyPj9O";
    const OTHER: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFS6scMP+Xhlb1jorzf1AI0y7IUxmWbIGcP/6Ww9KT1t";

    fn key(text: &str) -> PublicKey {
        PublicKey::from_openssh(text).unwrap()
    }

    fn line(host: &str, key: &PublicKey) -> String {
        format!("{host} {}\n", key.to_openssh().unwrap_or_default())
    }

    #[test]
    fn decides_like_openssh() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("known_hosts");
        let (good, other) = (key(GOOD), key(OTHER));
        std::fs::write(
            &file,
            line("127.0.0.5", &good) + &line("[127.0.0.6]:2222", &good),
        )
        .unwrap();
        let files = vec![file.clone()];
        let check = |host, port, k: &PublicKey, p| check_host_key(host, port, k, &files, p);
        assert_eq!(
            check("127.0.0.5", 22, &good, HostKeyChecking::Strict),
            KnownHostsDecision::Trusted
        );
        assert_eq!(
            check("127.0.0.6", 2222, &good, HostKeyChecking::Strict),
            KnownHostsDecision::Trusted
        );
        assert_eq!(
            check("127.0.0.5", 22, &other, HostKeyChecking::AcceptNew),
            KnownHostsDecision::Mismatch {
                file: file.clone(),
                line: 1
            }
        );
        assert_eq!(
            check("127.0.0.7", 22, &good, HostKeyChecking::Strict),
            KnownHostsDecision::Unknown
        );
        assert_eq!(
            check("127.0.0.5", 22, &other, HostKeyChecking::Off),
            KnownHostsDecision::Trusted
        );
        assert_eq!(
            check("127.0.0.7", 22, &other, HostKeyChecking::AcceptNew),
            KnownHostsDecision::Learned(file.clone())
        );
        assert_eq!(
            check("127.0.0.7", 22, &other, HostKeyChecking::Strict),
            KnownHostsDecision::Trusted
        );
    }
}
