//! known_hosts lines: the entries of a file matching a host (plain, hashed, wildcards, negations,
//! markers), and appending a learned one as ssh does.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use russh::keys::ssh_key::PublicKey;
use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    None,
    Revoked,
}

pub(super) struct Entry {
    pub(super) line: usize,
    pub(super) marker: Marker,
    pub(super) key: PublicKey,
}

/// The entries of `file` whose host field matches `pattern` (`host` or `[host]:port`). A missing
/// file has none; one that exists but cannot be read is an error; a malformed line is skipped (it
/// proves nothing either way).
pub(super) fn entries_for(pattern: &str, file: &Path) -> std::io::Result<Vec<Entry>> {
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

pub(super) fn parse_line(line: &str, pattern: &str) -> Option<(Marker, PublicKey)> {
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
pub(super) fn hosts_match(hosts: &str, pattern: &str) -> bool {
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
pub(super) fn hashed_matches(hashed: &str, pattern: &str) -> bool {
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
pub(super) fn wildcard_match(pattern: &str, text: &str) -> bool {
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
pub(super) fn learn(pattern: &str, key: &PublicKey, file: &Path) -> std::io::Result<()> {
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

pub(super) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
