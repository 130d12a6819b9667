//! `known_hosts`: one host's key in an OpenSSH `known_hosts` file. What `ssh-keygen -F` does for
//! Ansible — finding the host's lines, hashed (`|1|salt|hash`) or as patterns — is done on the
//! controller from the file's content, so the target needs no `ssh-keygen`. Ansible's rules: the
//! same key is left alone, a different key of the same type is replaced in place of the old line's
//! removal, another type is added; `absent` with a key removes that line, without a key every line
//! of the host. Written atomically, only when it changes. One query.

use crate::cmd::quote;
use crate::doc::Written;
use crate::facts::file::{self, FileKind, FileStat, Want};
use crate::files::write::{Attrs, Content, atomic_write};
use crate::{Cmd, CmdOutput, Diff, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use sha1::{Digest, Sha1};

pub struct KnownHosts;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "host", deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub key: Option<String>,
    #[serde(default = "default_path", deserialize_with = "crate::de::string")]
    pub path: String,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub hash_host: bool,
    #[serde(default)]
    pub state: super::user::Presence,
}

fn default_path() -> String {
    "~/.ssh/known_hosts".into()
}

impl Params {
    fn host(&self) -> String {
        self.name.to_lowercase()
    }
    fn present(&self) -> bool {
        self.state == super::user::Presence::Present
    }
    fn key(&self) -> Option<&str> {
        self.key.as_deref().filter(|k| !k.trim().is_empty())
    }
}

#[async_trait::async_trait]
impl Module for KnownHosts {
    type Params = Params;
    const NAME: &'static str = "known_hosts";
    const DOC: Written = Written {
        description: "Adds, replaces or removes one host's key in an OpenSSH `known_hosts` file; hashed names and patterns are matched on the controller (no `ssh-keygen` needed on the target).",
        example: "- known_hosts:\n    name: git.example.test\n    key: \"git.example.test ssh-ed25519 AAAAC3Nza...\"\n",
        args: &[
            (
                "name",
                "",
                "The host (`[host]:port` for another port); lowercased. The key's host field must match it.",
            ),
            (
                "key",
                "",
                "The `known_hosts` line (`HOST TYPE KEY`); required with `state: present`. Without it, `absent` removes every line of the host.",
            ),
            (
                "path",
                "~/.ssh/known_hosts",
                "The file (a missing directory is made 0700).",
            ),
            (
                "hash_host",
                "false",
                "Write the host name hashed (`|1|salt|hash`), as `ssh-keygen -H` does.",
            ),
            (
                "state",
                "present",
                "`present` (the same key stays, a different key of its type is replaced) or `absent`.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let err = |m: &str| Err(ModuleError::Params(m.into()));
        let Some(key) = p.key() else {
            return if p.present() {
                err("No key specified when adding a host")
            } else {
                Ok(())
            };
        };
        if p.name.contains(',') {
            return err(
                "Comma separated list of names is not supported. Please pass a single name to lookup in the known_hosts file.",
            );
        }
        let Some(line) = KnownLine::parse(key) else {
            return err("the key is not a known_hosts line (HOST TYPE KEY)");
        };
        if !p.hash_host && !line.matches(&p.host()) {
            return err("Host parameter does not match hashed host field in supplied key");
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let query = Cmd::new(&format!(
            "k={}; case $k in \"~/\"*) k=\"$HOME/${{k#??}}\";; \"~\") k=$HOME;; esac; \
             echo @@path; echo \"$k\"; echo @@dir; [ -d \"$(dirname -- \"$k\")\" ] && echo yes || echo no; \
             echo @@file; {}",
            quote(&p.path),
            super::file_query_of_var("k", want)
        ));
        let out = host.query(&query).await?;
        let (path, dir_exists, stat) = parse_target(&p.path, &out)?;
        let before = file::text_of(stat.as_ref());
        let Some(after) = edited(&before, &p)? else {
            return Ok(Plan::ok()
                .set("path", path.as_str())
                .set("name", p.name.as_str()));
        };
        let mut plan = Plan::ok()
            .set("path", path.as_str())
            .set("name", p.name.as_str());
        if host.diff_mode() {
            plan.diffs.push(Diff {
                before_header: if stat.is_some() {
                    path.clone()
                } else {
                    "/dev/null".into()
                },
                after_header: path.clone(),
                before,
                after: after.clone(),
            });
        }
        if !dir_exists {
            plan.steps.push(Step::run(
                Cmd::new("mkdir -p -m 0700 --").arg(parent(&path)),
            ));
        }
        plan.steps.push(atomic_write(
            &path,
            Content::new(after.into_bytes()),
            &Attrs::default(),
            stat.as_ref(),
            None,
        ));
        Ok(plan)
    }
}

fn parse_target(
    asked: &str,
    out: &CmdOutput,
) -> Result<(String, bool, Option<FileStat>), ModuleError> {
    let first = |name: &str| {
        crate::packages::section(&out.stdout, name)
            .and_then(|l| l.first().map(|s| s.trim().to_string()))
    };
    let path = first("path")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| asked.to_string());
    let stat = file::parse_section(out)?;
    if stat.as_ref().is_some_and(|s| s.kind != FileKind::File) {
        return Err(ModuleError::Failed(format!("{path} is not a regular file")));
    }
    Ok((path, first("dir").as_deref() == Some("yes"), stat))
}

fn parent(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => path[..i].to_string(),
        None => ".".into(),
    }
}

/// The file's new content, or `None` when it stays as it is (Ansible's `enforce_state`).
fn edited(content: &str, p: &Params) -> Result<Option<String>, ModuleError> {
    let host = p.host();
    let lines: Vec<&str> = content.split_inclusive('\n').collect();
    let host_lines: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| KnownLine::parse(l).is_some_and(|k| k.matches(&host)))
        .map(|(i, _)| i)
        .collect();
    let Some(key) = p.key() else {
        if p.present() || host_lines.is_empty() {
            return Ok(None);
        }
        let kept: String = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| !host_lines.contains(i))
            .map(|(_, l)| *l)
            .collect();
        return Ok(Some(kept));
    };
    let mut new_line = if p.hash_host {
        hashed(&host, key)?
    } else {
        key.trim().to_string()
    };
    new_line.push('\n');
    let wanted = KnownLine::parse(&new_line)
        .ok_or_else(|| ModuleError::Failed("the key is not a known_hosts line".into()))?;
    let (found_line, replace) = search(&lines, &host_lines, &wanted);
    let found = !host_lines.is_empty();
    if !p.present() && found_line.is_none() {
        return Ok(None);
    }
    if !replace && found == p.present() {
        return Ok(None);
    }
    let mut out: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| !(Some(*i) == found_line && (replace || !p.present())))
        .map(|(_, l)| *l)
        .collect();
    if p.present() {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&new_line);
    }
    Ok(Some(out))
}

/// Ansible's `search_for_host_key` over the host's lines: the line of the same key (no change) or
/// of another key of the same type (replace), or none of them (add).
fn search(lines: &[&str], host_lines: &[usize], wanted: &KnownLine) -> (Option<usize>, bool) {
    for &i in host_lines {
        let Some(found) = KnownLine::parse(lines[i]) else {
            continue;
        };
        if found.marker.is_some() {
            if found.same_key(wanted) && found.hosts == wanted.hosts {
                return (Some(i), false);
            }
            continue;
        }
        if found.same_key(wanted)
            && (found.hosts == wanted.hosts || (found.is_hashed() && wanted.is_hashed()))
        {
            return (Some(i), false);
        }
        if found.kind == wanted.kind && wanted.marker.is_none() {
            return (Some(i), true);
        }
    }
    (None, !host_lines.is_empty())
}

/// One `known_hosts` line: `[@marker] hosts type key [comment]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KnownLine {
    marker: Option<String>,
    hosts: String,
    kind: String,
    key: String,
}

impl KnownLine {
    fn parse(line: &str) -> Option<Self> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut words = line.split_whitespace();
        let first = words.next()?;
        let (marker, hosts) = if first.starts_with('@') {
            (Some(first.to_string()), words.next()?)
        } else {
            (None, first)
        };
        Some(KnownLine {
            marker,
            hosts: hosts.to_string(),
            kind: words.next()?.to_string(),
            key: words.next()?.to_string(),
        })
    }

    fn is_hashed(&self) -> bool {
        self.hosts.starts_with("|1|")
    }

    fn same_key(&self, other: &KnownLine) -> bool {
        self.marker == other.marker && self.kind == other.kind && self.key == other.key
    }

    /// As `ssh-keygen -F host` matches: a hashed name, or patterns (`*`, `?`, `!negated`).
    fn matches(&self, host: &str) -> bool {
        if let Some(rest) = self.hosts.strip_prefix("|1|") {
            let Some((salt, hash)) = rest.split_once('|') else {
                return false;
            };
            let (Some(salt), Some(hash)) = (
                crate::de::base64_decode(salt),
                crate::de::base64_decode(hash),
            ) else {
                return false;
            };
            return hmac_sha1(&salt, host.as_bytes()) == hash.as_slice();
        }
        let mut matched = false;
        for pattern in self.hosts.split(',') {
            let (negated, pattern) = match pattern.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, pattern),
            };
            if wildcard(&pattern.to_lowercase(), host) {
                if negated {
                    return false;
                }
                matched = true;
            }
        }
        matched
    }
}

fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(&p, &t)
}

fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha1::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha1::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The key line with its host field replaced by `|1|salt|HMAC-SHA1(salt, host)`, a fresh salt.
fn hashed(host: &str, key: &str) -> Result<String, ModuleError> {
    let mut salt = [0u8; 20];
    getrandom::fill(&mut salt)
        .map_err(|e| ModuleError::Failed(format!("no randomness for hash_host: {e}")))?;
    let mut words: Vec<String> = key.split_whitespace().map(str::to_string).collect();
    let at = usize::from(words.first().is_some_and(|w| w.starts_with('@')));
    if let Some(field) = words.get_mut(at) {
        *field = format!(
            "|1|{}|{}",
            base64(&salt),
            base64(&hmac_sha1(&salt, host.as_bytes()))
        );
    }
    Ok(words.join(" "))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha1_is_rfc_2202() {
        assert_eq!(
            hex::encode(hmac_sha1(
                b"key",
                b"The quick brown fox jumps over the lazy dog"
            )),
            "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"
        );
    }

    #[test]
    fn a_hashed_line_matches_its_host_only() {
        let line = hashed("web1.example.test", "web1.example.test ssh-ed25519 AAAAKEY").unwrap();
        let parsed = KnownLine::parse(&line).unwrap();
        assert!(parsed.is_hashed());
        assert!(parsed.matches("web1.example.test"));
        assert!(!parsed.matches("web2.example.test"));
    }

    #[test]
    fn patterns_match_as_ssh_does() {
        let line = KnownLine::parse("*.example.test,!bad.example.test ssh-rsa AAAA").unwrap();
        assert!(line.matches("web.example.test"));
        assert!(!line.matches("bad.example.test"));
        assert!(!line.matches("example.test"));
    }

    #[test]
    fn base64_pads_like_python() {
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
