//! `authorized_key` (`ansible.posix.authorized_key`): SSH public keys in a user's
//! `authorized_keys`, edited on the controller with Ansible's algorithm (keys are told apart by
//! their base64 blob; options, type and comment are compared; other lines are kept in place) and
//! written back atomically, 0600 and owned by the user, only when the keys change. Keys fetched from
//! a URL are refused: a task gives the keys themselves. One query.

use super::file_query_of_var;
use crate::cmd::quote;
use crate::doc::Written;
use crate::facts::file::{self, FileKind, FileStat, Want};
use crate::files::write::{Attrs, Content, atomic_write};
use crate::{Cmd, CmdOutput, Diff, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct AuthorizedKey;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub user: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub key: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub path: Option<String>,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub manage_dir: bool,
    #[serde(default)]
    pub state: super::user::Presence,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub key_options: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub exclusive: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub comment: Option<String>,
    /// Accepted for playbooks written for Ansible; drover never fetches a URL.
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub validate_certs: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub follow: bool,
}

const KEY_TYPES: &[&str] = &[
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "ssh-ed25519",
    "ssh-dss",
    "ssh-rsa",
];

impl Params {
    fn present(&self) -> bool {
        self.state == super::user::Presence::Present
    }

    /// The task's keys: one per line, blank and `#` lines skipped.
    fn new_keys(&self) -> Vec<&str> {
        self.key
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    }
}

#[async_trait::async_trait]
impl Module for AuthorizedKey {
    type Params = Params;
    const NAME: &'static str = "authorized_key";
    const DOC: Written = Written {
        description: "Adds or removes SSH public keys in a user's `authorized_keys` (0600, owned by the user), keeping other lines in place; keys from a URL are refused.",
        example: "- authorized_key:\n    user: deploy\n    key: \"{{ lookup('file', 'keys/deploy.pub') }}\"\n",
        args: &[
            (
                "user",
                "",
                "The account whose keys these are (its home gives the default path).",
            ),
            (
                "key",
                "",
                "One or more public keys, one per line (blank and `#` lines skipped). A URL is refused: drover does not fetch keys.",
            ),
            ("path", "~user/.ssh/authorized_keys", "Another keys file."),
            (
                "manage_dir",
                "true",
                "Create the keys file's directory if needed and make it 0700, owned by the user.",
            ),
            (
                "state",
                "present",
                "`present` or `absent` (a key is found by its base64 blob).",
            ),
            (
                "key_options",
                "",
                "Options (`no-pty,from=\"10.0.0.1\"`) put before every key, replacing the key's own.",
            ),
            (
                "exclusive",
                "false",
                "Remove every other key and line from the file.",
            ),
            ("comment", "", "Replace the keys' comments."),
            (
                "validate_certs",
                "true",
                "Accepted for compatibility; drover never fetches a URL.",
            ),
            (
                "follow",
                "false",
                "Write through a symbolic link to its target instead of replacing the link.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.key.starts_with("http") {
            return Err(ModuleError::Params(format!(
                "key {:?} is a URL: drover does not fetch keys; give the keys themselves \
                 (e.g. `key: \"{{{{ lookup('file', 'keys/{}.pub') }}}}\"`)",
                p.key, p.user
            )));
        }
        for line in p.new_keys() {
            if parse_key(line, 0).is_none() {
                return Err(ModuleError::Params(format!(
                    "invalid key specified: {line}"
                )));
            }
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let out = host.query(&query(&p)).await?;
        let target = parse_target(&p, &out)?;
        let Some(account) = &target.account else {
            if !(host.check_mode() && p.path.is_some()) {
                return Ok(Plan::fail(format!(
                    "Failed to lookup user {}: getpwnam(): name not found: '{}'",
                    p.user, p.user
                )));
            }
            return plan_for(&p, &target, None, host.diff_mode());
        };
        plan_for(&p, &target, Some(account), host.diff_mode())
    }
}

struct Account {
    uid: String,
    gid: String,
}

struct Target {
    account: Option<Account>,
    path: String,
    dir_exists: bool,
    stat: Option<FileStat>,
    existing: String,
}

fn query(p: &Params) -> Cmd {
    let want = Want {
        content: true,
        follow: true,
        ..Want::default()
    };
    let follow = if p.follow {
        "k=$(readlink -f -- \"$k\" || printf %s \"$k\"); "
    } else {
        ""
    };
    Cmd::new(&format!(
        "u={}; k={}; e=$(getent passwd \"$u\") && {{ echo @@user; echo \"$e\"; }}; \
         [ -n \"$k\" ] || {{ h=$(printf %s \"$e\" | cut -d: -f6); k=\"$h/.ssh/authorized_keys\"; }}; \
         {follow}echo @@path; echo \"$k\"; echo @@dir; [ -d \"$(dirname -- \"$k\")\" ] && echo yes || echo no; \
         echo @@file; {}",
        quote(&p.user),
        quote(p.path.as_deref().unwrap_or("")),
        file_query_of_var("k", want)
    ))
}

fn parse_target(p: &Params, out: &CmdOutput) -> Result<Target, ModuleError> {
    let stdout = out.stdout.as_str();
    let first = |name: &str| {
        crate::packages::section(stdout, name).and_then(|l| l.first().map(|s| s.trim().to_string()))
    };
    let account = first("user").and_then(|entry| {
        let fields: Vec<&str> = entry.split(':').collect();
        Some(Account {
            uid: fields.get(2)?.to_string(),
            gid: fields.get(3)?.to_string(),
        })
    });
    let path = first("path")
        .filter(|k| !k.is_empty() && k != "/.ssh/authorized_keys")
        .or_else(|| p.path.clone())
        .unwrap_or_default();
    let stat = file::parse_section(out)?;
    if stat.as_ref().is_some_and(|s| s.kind != FileKind::File) {
        return Err(ModuleError::Failed(format!("{path} is not a regular file")));
    }
    let existing = file::text_of(stat.as_ref());
    Ok(Target {
        account,
        path,
        dir_exists: first("dir").as_deref() == Some("yes"),
        stat,
        existing,
    })
}

fn plan_for(
    p: &Params,
    target: &Target,
    account: Option<&Account>,
    diff_mode: bool,
) -> Result<Plan, ModuleError> {
    let mut keys = KeyFile::parse(&target.existing);
    let changed = keys.enforce(p)?;
    let mut plan = Plan::ok()
        .set("keyfile", target.path.as_str())
        .set("user", p.user.as_str())
        .set("key", p.key.as_str())
        .set("exclusive", p.exclusive)
        .set("manage_dir", p.manage_dir)
        .set("state", if p.present() { "present" } else { "absent" });
    if !changed {
        return Ok(plan);
    }
    let after = keys.serialize();
    if diff_mode {
        plan.diffs.push(Diff {
            before_header: target.path.clone(),
            after_header: target.path.clone(),
            before: target.existing.clone(),
            after: after.clone(),
        });
    }
    let Some(account) = account else {
        // Only in check mode (a path and no such user yet): the change is reported, never made.
        plan.steps.push(atomic_write(
            &target.path,
            Content::new(after.into_bytes()),
            &Attrs::new(Some(crate::de::Mode::Octal(0o600)), None, None),
            target.stat.as_ref(),
            None,
        ));
        return Ok(plan);
    };
    let dir = parent(&target.path);
    if p.manage_dir {
        plan.steps.push(Step::run(Cmd::new(&format!(
            "d={}; [ -d \"$d\" ] || mkdir -m 0700 -- \"$d\" || exit 1; chown {}:{} -- \"$d\" && chmod 0700 -- \"$d\"",
            quote(&dir),
            account.uid,
            account.gid
        ))));
    } else if !target.dir_exists {
        plan.steps
            .push(Step::run(Cmd::new("mkdir -p --").arg(&dir)));
    }
    let attrs = Attrs::new(
        Some(crate::de::Mode::Octal(0o600)),
        Some(account.uid.clone()),
        Some(account.gid.clone()),
    );
    plan.steps.push(atomic_write(
        &target.path,
        Content::new(after.into_bytes()),
        &attrs,
        target.stat.as_ref(),
        None,
    ));
    Ok(plan)
}

fn parent(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => path[..i].to_string(),
        None => ".".into(),
    }
}

/// One line of `authorized_keys`: a key (blob, type, options, comment) or a line kept as it is.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    id: String,
    key: Option<Key>,
    rank: usize,
}

#[derive(Debug, Clone, PartialEq)]
struct Key {
    kind: String,
    options: Vec<(String, Option<String>)>,
    comment: String,
}

/// Ansible's `parsekey`: the type is the first word that is a known key type, the words before it
/// are options, the word after it the blob, the rest the comment. `None`: no key on this line.
fn parse_key(line: &str, rank: usize) -> Option<Entry> {
    let line = line.replace(r"\#", "#");
    let parts: Vec<&str> = line.split_whitespace().collect();
    if parts.first() == Some(&"#") {
        return Some(Entry {
            id: line.clone(),
            key: None,
            rank,
        });
    }
    let at = parts.iter().position(|p| KEY_TYPES.contains(p))?;
    let blob = parts.get(at + 1)?;
    Some(Entry {
        id: blob.to_string(),
        key: Some(Key {
            kind: parts[at].to_string(),
            options: parse_options(&parts[..at].join(" ")),
            comment: parts.get(at + 2..).unwrap_or_default().join(" "),
        }),
        rank,
    })
}

/// `no-pty,from="a,b",command="x"`: split at commas outside quotes, `name=value` or a flag.
fn parse_options(text: &str) -> Vec<(String, Option<String>)> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (None, ',') => parts.push(std::mem::take(&mut current)),
            (None, '"' | '\'') => {
                quote = Some(c);
                current.push(c);
            }
            (Some(q), _) if c == q => {
                quote = None;
                current.push(c);
            }
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (p, None),
        })
        .collect()
}

/// The file as Ansible's dict of entries by id (a key's blob, another line's text).
struct KeyFile {
    entries: Vec<Entry>,
}

impl KeyFile {
    fn parse(text: &str) -> Self {
        let mut file = KeyFile {
            entries: Vec::new(),
        };
        for (rank, line) in text.split_inclusive('\n').enumerate() {
            let entry = parse_key(line, rank).unwrap_or_else(|| Entry {
                id: line.to_string(),
                key: None,
                rank,
            });
            file.insert(entry);
        }
        file
    }

    /// A later entry with the same id replaces the earlier one where it stood (a dict's update).
    fn insert(&mut self, entry: Entry) {
        match self.entries.iter_mut().find(|e| e.id == entry.id) {
            Some(old) => *old = entry,
            None => self.entries.push(entry),
        }
    }

    fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    fn remove(&mut self, id: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.id != id);
        before != self.entries.len()
    }

    /// Ansible's `enforce_state` on the parsed file: whether it changed.
    fn enforce(&mut self, p: &Params) -> Result<bool, ModuleError> {
        let mut changed = false;
        let mut wanted = Vec::new();
        let existing_count = self.entries.len();
        for (rank, line) in p.new_keys().into_iter().enumerate() {
            let mut new = parse_key(line, rank)
                .filter(|e| e.key.is_some())
                .ok_or_else(|| ModuleError::Failed(format!("invalid key specified: {line}")))?;
            if let Some(key) = new.key.as_mut() {
                if let Some(options) = &p.key_options {
                    key.options = parse_options(options);
                }
                if let Some(comment) = &p.comment {
                    key.comment = comment.clone();
                }
            }
            let old = self.get(&new.id);
            let matched = old.is_some_and(|o| o.key == new.key || !p.present());
            if !p.present() {
                if matched {
                    changed |= self.remove(&new.id);
                }
                continue;
            }
            wanted.push(new.id.clone());
            if matched {
                continue;
            }
            self.remove(&new.id);
            new.rank = existing_count + rank;
            self.entries.push(new);
            changed = true;
        }
        if p.present() && p.exclusive {
            let before = self.entries.len();
            self.entries.retain(|e| wanted.contains(&e.id));
            changed |= before != self.entries.len();
        }
        Ok(changed)
    }

    /// Ansible's `serialize`: entries by rank; a key as `options type blob comment`.
    fn serialize(&self) -> String {
        let mut ordered: Vec<&Entry> = self.entries.iter().collect();
        ordered.sort_by_key(|e| e.rank);
        let mut out = String::new();
        for entry in ordered {
            let Some(key) = &entry.key else {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&entry.id);
                continue;
            };
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !key.options.is_empty() {
                let options: Vec<String> = key
                    .options
                    .iter()
                    .map(|(k, v)| match v {
                        Some(v) => format!("{k}={v}"),
                        None => k.clone(),
                    })
                    .collect();
                out.push_str(&options.join(","));
                out.push(' ');
            }
            out.push_str(&format!("{} {} {}\n", key.kind, entry.id, key.comment));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_split_at_commas_outside_quotes() {
        assert_eq!(
            parse_options(r#"no-pty,from="10.0.0.1,10.0.0.2",command="echo a,b""#),
            vec![
                ("no-pty".into(), None),
                ("from".into(), Some(r#""10.0.0.1,10.0.0.2""#.into())),
                ("command".into(), Some(r#""echo a,b""#.into())),
            ]
        );
    }

    #[test]
    fn a_key_line_is_options_type_blob_comment() {
        let e = parse_key("no-pty ssh-ed25519 AAAAC3 me@laptop 2024\n", 3).unwrap();
        assert_eq!(e.id, "AAAAC3");
        let key = e.key.unwrap();
        assert_eq!(key.kind, "ssh-ed25519");
        assert_eq!(key.comment, "me@laptop 2024");
        assert_eq!(key.options, vec![("no-pty".into(), None)]);
        assert!(parse_key("not a key\n", 0).is_none());
    }
}
