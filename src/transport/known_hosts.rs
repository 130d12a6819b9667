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

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use russh::keys::ssh_key::{Algorithm, HashAlg, PublicKey};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    None,
    Revoked,
}

struct Entry {
    line: usize,
    marker: Marker,
    key: PublicKey,
}

/// The entries of `file` whose host field matches `pattern` (`host` or `[host]:port`). A missing
/// file has none; one that exists but cannot be read is an error; a malformed line is skipped (it
/// proves nothing either way).
fn entries_for(pattern: &str, file: &Path) -> std::io::Result<Vec<Entry>> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        // A path through a non-directory cannot exist either (recording there fails instead).
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(Vec::new());
        }
        Err(e) => return Err(e),
    };
    // Invalid UTF-8 on one line (a stray comment) must not hide the file's other entries.
    let text = String::from_utf8_lossy(&bytes);
    let entries = text
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            parse_line(line, pattern).map(|(marker, key)| (index, marker, key))
        })
        .map(|(index, marker, key)| Entry {
            line: index + 1,
            marker,
            key,
        })
        .collect();
    Ok(entries)
}

fn parse_line(line: &str, pattern: &str) -> Option<(Marker, PublicKey)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split_whitespace();
    let mut hosts = fields.next()?;
    let marker = match hosts {
        "@revoked" => Marker::Revoked,
        // Host certificates are not requested, so CA lines cannot vouch for anything here.
        "@cert-authority" => return None,
        m if m.starts_with('@') => return None,
        _ => Marker::None,
    };
    if marker != Marker::None {
        hosts = fields.next()?;
    }
    if !hosts_match(hosts, pattern) {
        return None;
    }
    let (key_type, blob) = (fields.next()?, fields.next()?);
    PublicKey::from_openssh(&format!("{key_type} {blob}"))
        .ok()
        .map(|key| (marker, key))
}

/// OpenSSH's host list matching: comma-separated patterns, hashed entries, wildcards; a matching
/// `!pattern` excludes the line whatever else matches. `pattern` is already lower case.
fn hosts_match(hosts: &str, pattern: &str) -> bool {
    let mut matched = false;
    for entry in hosts.split(',') {
        if let Some(hashed) = entry.strip_prefix("|1|") {
            matched |= hashed_matches(hashed, pattern);
        } else if let Some(negated) = entry.strip_prefix('!') {
            if wildcard_match(&negated.to_ascii_lowercase(), pattern) {
                return false;
            }
        } else {
            matched |= wildcard_match(&entry.to_ascii_lowercase(), pattern);
        }
    }
    matched
}

/// `salt|hash` (both base64): HMAC-SHA1 of the host pattern keyed by the salt (`HashKnownHosts yes`).
fn hashed_matches(hashed: &str, pattern: &str) -> bool {
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some((salt, hash)) = hashed.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (b64.decode(salt), b64.decode(hash)) else {
        return false;
    };
    let Ok(mac) = Hmac::<sha1::Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.chain_update(pattern.as_bytes())
        .verify_slice(&hash)
        .is_ok()
}

/// `*` (any run) and `?` (one character) glob matching, as OpenSSH's `match_pattern`.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and how much of the text it has swallowed so far: on a mismatch,
    // let it swallow one more character and retry (linear backtracking, no recursion).
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Appends `pattern key` to `file`, creating it (mode 0600, its directory 0700) as ssh does.
/// Serialised in-process: fifty hosts learned at once must not interleave their lines.
fn learn(pattern: &str, key: &PublicKey, file: &Path) -> std::io::Result<()> {
    static APPEND: Mutex<()> = Mutex::new(());
    let _guard = APPEND
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let needs_newline = std::fs::read(file)
        .map(|bytes| bytes.last().is_some_and(|&b| b != b'\n'))
        .unwrap_or(false);
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(file)?;
    let key_text = key
        .to_openssh()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let line = format!(
        "{}{pattern} {key_text}\n",
        if needs_newline { "\n" } else { "" }
    );
    // One write call: with O_APPEND, concurrent writers from other processes do not split it.
    out.write_all(line.as_bytes())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDnwVzFl8TF5z89gEVrb2oE0Y9Yi+2UcJatwwTEyPj9O";
    const OTHER: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFS6scMP+Xhlb1jorzf1AI0y7IUxmWbIGcP/6Ww9KT1t";
    const ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBF1jC/W5t2MiiQ7Vx2giHUOAoQpxKz/vT/gf7opLac9w7szQvpKX2NRwr5YIkR02Ei3U7qNwgQgaIwQlwDbaqdk=";

    fn key(text: &str) -> PublicKey {
        PublicKey::from_openssh(text).expect("test key")
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        file: PathBuf,
    }

    fn known_hosts(text: &str) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        std::fs::write(&file, text).expect("write known_hosts");
        Fixture { _dir: dir, file }
    }

    fn check(
        f: &Fixture,
        host: &str,
        port: u16,
        k: &str,
        p: HostKeyChecking,
    ) -> KnownHostsDecision {
        check_host_key(host, port, &key(k), std::slice::from_ref(&f.file), &[], p)
    }

    #[test]
    fn trusts_recorded_keys_plain_and_with_port() {
        let f = known_hosts(&format!(
            "# comment\n\nweb1,10.0.0.5 {GOOD}\n[10.0.0.6]:2222\t{GOOD} c\n"
        ));
        let trusted = |line| KnownHostsDecision::Trusted {
            file: f.file.clone(),
            line,
        };
        assert_eq!(
            check(&f, "10.0.0.5", 22, GOOD, HostKeyChecking::Strict),
            trusted(3)
        );
        assert_eq!(
            check(&f, "WEB1", 22, GOOD, HostKeyChecking::Strict),
            trusted(3)
        );
        assert_eq!(
            check(&f, "10.0.0.6", 2222, GOOD, HostKeyChecking::Strict),
            trusted(4)
        );
        // The port is part of the name: the same address on 22 is another host.
        assert_eq!(
            check(&f, "10.0.0.6", 22, GOOD, HostKeyChecking::Strict),
            KnownHostsDecision::Unknown { others: vec![] }
        );
    }

    #[test]
    fn hashed_entries_match() {
        // From russh's test vectors (`ssh-keygen -H` for "example.com"), and made here with
        // `ssh-keygen -H` for "[127.0.0.1]:2222".
        let f = known_hosts(
            "|1|O33ESRMWPVkMYIwJ1Uw+n877jTo=|nuuC5vEqXlEZ/8BXQR7m619W6Ak= ssh-ed25519 \
             AAAAC3NzaC1lZDI1NTE5AAAAILIG2T/B0l0gaqj3puu510tu9N1OkQ4znY3LYuEm5zCF\n",
        );
        let k = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILIG2T/B0l0gaqj3puu510tu9N1OkQ4znY3LYuEm5zCF";
        assert!(check(&f, "example.com", 22, k, HostKeyChecking::Strict).accepted());
        assert!(!check(&f, "example.org", 22, k, HostKeyChecking::Strict).accepted());
        let f = known_hosts(&format!(
            "|1|TyESWgEy+4kWs1o2QZgATTNv4Sg=|CnH5mXcF/ad2HwTvTZ5znApIhwY= {GOOD}\n"
        ));
        assert!(check(&f, "127.0.0.1", 2222, GOOD, HostKeyChecking::Strict).accepted());
        assert!(!check(&f, "127.0.0.1", 22, GOOD, HostKeyChecking::Strict).accepted());
    }

    #[test]
    fn wildcards_and_negation() {
        let f = known_hosts(&format!("*.prod.example,!db*.prod.example {GOOD}\n"));
        assert!(check(&f, "web1.prod.example", 22, GOOD, HostKeyChecking::Strict).accepted());
        assert!(!check(&f, "db1.prod.example", 22, GOOD, HostKeyChecking::Strict).accepted());
        assert!(wildcard_match("10.0.0.?", "10.0.0.7"));
        assert!(!wildcard_match("10.0.0.?", "10.0.0.17"));
        assert!(wildcard_match("*a*b", "xxaxxab"));
    }

    #[test]
    fn a_different_key_of_the_same_type_is_a_mismatch_naming_file_and_line() {
        let f = known_hosts(&format!("other {OTHER}\nweb1 {GOOD}\n"));
        for policy in [HostKeyChecking::Strict, HostKeyChecking::AcceptNew] {
            assert_eq!(
                check(&f, "web1", 22, OTHER, policy),
                KnownHostsDecision::Mismatch {
                    file: f.file.clone(),
                    line: 2
                }
            );
        }
        // Accept-new must not have recorded anything.
        assert_eq!(
            std::fs::read_to_string(&f.file)
                .ok()
                .map(|t| t.lines().count()),
            Some(2)
        );
        assert_eq!(
            check(&f, "web1", 22, OTHER, HostKeyChecking::Off),
            KnownHostsDecision::Unchecked
        );
    }

    #[test]
    fn any_matching_line_wins_over_a_stale_one() {
        let f = known_hosts(&format!("web1 {OTHER}\nweb1 {GOOD}\n"));
        assert_eq!(
            check(&f, "web1", 22, GOOD, HostKeyChecking::Strict),
            KnownHostsDecision::Trusted {
                file: f.file.clone(),
                line: 2
            }
        );
    }

    #[test]
    fn other_key_types_are_not_a_mismatch_but_are_reported() {
        let f = known_hosts(&format!("web1 {ECDSA}\n"));
        assert_eq!(
            check(&f, "web1", 22, GOOD, HostKeyChecking::Strict),
            KnownHostsDecision::Unknown {
                others: vec![(f.file.clone(), 1, "ecdsa-sha2-nistp256".into())]
            }
        );
        assert_eq!(
            known_algorithms("web1", 22, std::slice::from_ref(&f.file)),
            vec![key(ECDSA).algorithm()]
        );
    }

    #[test]
    fn revoked_keys_are_refused_even_if_also_trusted() {
        let f = known_hosts(&format!("web1 {GOOD}\n@revoked * {GOOD}\n"));
        assert_eq!(
            check(&f, "web1", 22, GOOD, HostKeyChecking::AcceptNew),
            KnownHostsDecision::Revoked {
                file: f.file.clone(),
                line: 2
            }
        );
    }

    #[test]
    fn malformed_lines_and_cert_authorities_are_skipped() {
        let f = known_hosts(&format!(
            "web1 ssh-ed25519 not-base64!!\n@cert-authority web1 {OTHER}\nweb1\n{}\nweb1 {GOOD}\n",
            "x".repeat(10)
        ));
        assert!(check(&f, "web1", 22, GOOD, HostKeyChecking::Strict).accepted());
    }

    #[test]
    fn unusable_files_refuse_the_key_under_strict_and_accept_new() {
        let dir = tempfile::tempdir().expect("tempdir");
        let as_dir = dir.path().join("known_hosts");
        std::fs::create_dir(&as_dir).expect("mkdir");
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").expect("write");
        let under_file = blocker.join("known_hosts");
        for policy in [HostKeyChecking::Strict, HostKeyChecking::AcceptNew] {
            let decision = check_host_key(
                "web1",
                22,
                &key(GOOD),
                std::slice::from_ref(&as_dir),
                &[],
                policy,
            );
            assert!(
                matches!(&decision, KnownHostsDecision::Unreadable { file, .. } if *file == as_dir),
                "{policy:?}: {decision:?}"
            );
            assert!(!decision.accepted());
        }
        // A global file that cannot be read is refused too, not skipped.
        let decision = check_host_key(
            "web1",
            22,
            &key(GOOD),
            &[],
            std::slice::from_ref(&as_dir),
            HostKeyChecking::Strict,
        );
        assert!(!decision.accepted(), "{decision:?}");
        let decision = check_host_key(
            "web1",
            22,
            &key(GOOD),
            &[under_file],
            &[],
            HostKeyChecking::AcceptNew,
        );
        assert!(
            matches!(decision, KnownHostsDecision::NotRecorded { .. }) && !decision.accepted(),
            "{decision:?}"
        );
        let nowhere = check_host_key("web1", 22, &key(GOOD), &[], &[], HostKeyChecking::AcceptNew);
        assert!(!nowhere.accepted(), "{nowhere:?}");
        let off = check_host_key("web1", 22, &key(GOOD), &[as_dir], &[], HostKeyChecking::Off);
        assert_eq!(off, KnownHostsDecision::Unchecked);
    }

    #[test]
    fn accept_new_records_unknown_hosts_in_the_first_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("new/.ssh/known_hosts");
        let files = vec![file.clone()];
        let decide = |host, port, p| check_host_key(host, port, &key(GOOD), &files, &[], p);
        assert_eq!(
            decide("web1", 22, HostKeyChecking::Strict),
            KnownHostsDecision::Unknown { others: vec![] }
        );
        assert!(!file.exists(), "strict mode never writes");
        assert_eq!(
            decide("web1", 22, HostKeyChecking::AcceptNew),
            KnownHostsDecision::Learned(file.clone())
        );
        assert_eq!(
            decide("web2", 2200, HostKeyChecking::AcceptNew),
            KnownHostsDecision::Learned(file.clone())
        );
        let text = std::fs::read_to_string(&file).expect("written");
        assert_eq!(text, format!("web1 {GOOD}\n[web2]:2200 {GOOD}\n"));
        assert!(matches!(
            decide("web2", 2200, HostKeyChecking::Strict),
            KnownHostsDecision::Trusted { line: 2, .. }
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| {
                std::fs::metadata(p)
                    .map(|m| m.permissions().mode() & 0o777)
                    .ok()
            };
            assert_eq!(mode(&file), Some(0o600));
            assert_eq!(file.parent().and_then(mode), Some(0o700));
        }
    }

    #[test]
    fn accept_new_adds_a_newline_to_a_file_without_one() {
        let f = known_hosts(&format!("web1 {OTHER}"));
        let files = vec![f.file.clone()];
        let d = check_host_key(
            "web2",
            22,
            &key(GOOD),
            &files,
            &[],
            HostKeyChecking::AcceptNew,
        );
        assert_eq!(d, KnownHostsDecision::Learned(f.file.clone()));
        let text = std::fs::read_to_string(&f.file).expect("read");
        assert_eq!(text, format!("web1 {OTHER}\nweb2 {GOOD}\n"));
    }

    #[test]
    fn read_only_files_are_consulted_but_never_written() {
        let global = known_hosts(&format!("web1 {GOOD}\n"));
        let dir = tempfile::tempdir().expect("tempdir");
        let user = vec![dir.path().join("known_hosts")];
        let also = vec![global.file.clone()];
        let d = check_host_key(
            "web1",
            22,
            &key(GOOD),
            &user,
            &also,
            HostKeyChecking::Strict,
        );
        assert!(matches!(d, KnownHostsDecision::Trusted { line: 1, .. }));
        let d = check_host_key(
            "web1",
            22,
            &key(OTHER),
            &user,
            &also,
            HostKeyChecking::AcceptNew,
        );
        assert!(matches!(d, KnownHostsDecision::Mismatch { line: 1, .. }));
        assert!(!user[0].exists());
    }

    #[test]
    fn openssh_policy_words() {
        assert_eq!(
            HostKeyChecking::from_openssh("ask"),
            Some(HostKeyChecking::Strict)
        );
        assert_eq!(
            HostKeyChecking::from_openssh("Accept-New"),
            Some(HostKeyChecking::AcceptNew)
        );
        assert_eq!(
            HostKeyChecking::from_openssh("no"),
            Some(HostKeyChecking::Off)
        );
        assert_eq!(HostKeyChecking::from_openssh("maybe"), None);
    }
}
