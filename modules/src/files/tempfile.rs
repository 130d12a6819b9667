//! `tempfile`: a new, uniquely named file or directory (mode 0600 / 0700), as Python's `mkstemp` /
//! `mkdtemp` make them. The name is drawn on the controller, so the plan knows the `path` it
//! returns; the target creates it exclusively (`set -C` / `mkdir`), failing rather than reusing an
//! existing path. Always a change; skipped in check mode, as Ansible (no check mode support).

use crate::cmd::quote;
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use std::hash::{BuildHasher, Hasher};

pub struct Tempfile;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default)]
    pub state: Option<State>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub prefix: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    File,
    Directory,
}

#[async_trait::async_trait]
impl Module for Tempfile {
    type Params = Params;
    const NAME: &'static str = "tempfile";
    const DOC: Written = Written {
        description: "Creates a temporary file or directory on the target and returns its path.",
        example: "- tempfile:\n    state: directory\n    suffix: build\n  register: workdir\n",
        args: &[
            (
                "state",
                "",
                "See Ansible's `tempfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "path",
                "",
                "See Ansible's `tempfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "prefix",
                "",
                "See Ansible's `tempfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "suffix",
                "",
                "See Ansible's `tempfile` documentation; drover takes it with the same meaning.",
            ),
        ],
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let prefix = p.prefix.as_deref().unwrap_or("ansible.");
        let suffix = p.suffix.as_deref().unwrap_or("");
        for (what, value) in [("prefix", prefix), ("suffix", suffix)] {
            if value.contains('/') {
                return Ok(Plan::fail(format!(
                    "{what} must be a valid file name component, got '{value}'"
                )));
            }
        }
        if host.check_mode() {
            return Ok(Plan::skip(
                "remote module (tempfile) does not support check mode",
            ));
        }
        let target = Target::read(host, p.path.as_deref()).await?;
        let path = format!(
            "{}/{prefix}{}{suffix}",
            target.dir.trim_end_matches('/'),
            random_name()
        );
        let state = p.state.unwrap_or(State::File);
        let (create, mode, kind) = match state {
            State::File => (
                Cmd::new("(umask 077 && set -C && : >")
                    .arg(&path)
                    .syntax(")"),
                "0600",
                "file",
            ),
            State::Directory => (Cmd::new("mkdir -m 0700 --").arg(&path), "0700", "directory"),
        };
        let mut plan = Plan::with_steps(vec![Step::run(create)])
            .set("path", path.as_str())
            .set("state", kind)
            .set("mode", mode)
            .set("owner", target.user.as_str())
            .set("group", target.group.as_str())
            .set("uid", target.uid)
            .set("gid", target.gid);
        if state == State::File {
            plan = plan.set("size", 0);
        }
        Ok(plan)
    }
}

/// Where the temp path goes and who will own it.
struct Target {
    dir: String,
    user: String,
    group: String,
    uid: u64,
    gid: u64,
}

impl Target {
    /// `path`, or the target's `$TMPDIR` (else `/tmp`) as Python's `gettempdir()` picks it; the
    /// directory must exist.
    async fn read(host: &mut dyn Host, path: Option<&str>) -> Result<Target, ModuleError> {
        let dir = match path {
            Some(p) => quote(p),
            None => "\"${TMPDIR:-/tmp}\"".to_string(),
        };
        let script = format!(
            "d={dir}; [ -d \"$d\" ] || {{ echo \"No such file or directory: '$d'\" >&2; exit 1; }}; \
             printf '%s\\n' \"$d\"; id -un; id -gn; id -u; id -g"
        );
        let out = host.query(&Cmd::new(&script)).await?;
        let lines: Vec<&str> = out.stdout.lines().collect();
        match (out.success(), lines.as_slice()) {
            (true, [dir, user, group, uid, gid]) => Ok(Target {
                dir: dir.to_string(),
                user: user.to_string(),
                group: group.to_string(),
                uid: uid.parse().unwrap_or(0),
                gid: gid.parse().unwrap_or(0),
            }),
            _ => Err(ModuleError::Failed(format!(
                "[Errno 2] {}",
                out.stderr.trim()
            ))),
        }
    }
}

/// Eight characters from Python's `tempfile` alphabet, from the standard library's per-process
/// random hasher keys mixed with the time and a counter.
fn random_name() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    let mut bits = hasher.finish();
    (0..8)
        .map(|_| {
            let c = ALPHABET[(bits % ALPHABET.len() as u64) as usize];
            bits /= ALPHABET.len() as u64;
            char::from(c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_eight_characters_and_differ() {
        let a = random_name();
        let b = random_name();
        assert_eq!(a.len(), 8);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        );
        assert_ne!(a, b);
    }
}
