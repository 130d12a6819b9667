//! `assemble`: one file made of the fragments in a directory (on the target, or on the controller
//! with `remote_src: false`), in name order, joined as Ansible joins them; written like `copy` (only
//! when it differs, through the verified write path, with `validate` and `backup`).

use super::put::{self, Put, put_content};
use super::pyre::compile_flags;
use super::write::{Attrs, Validate};
use crate::cmd::quote;
use crate::doc::Written;
use crate::{Cmd, Host, LocalFile, Module, ModuleError, Plan};
use serde::Deserialize;

pub struct Assemble;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub src: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub dest: String,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub remote_src: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub regexp: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub delimiter: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub ignore_hidden: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub validate: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub backup: bool,
    #[serde(default)]
    pub mode: Option<crate::de::Mode>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub group: Option<String>,
}

#[async_trait::async_trait]
impl Module for Assemble {
    type Params = Params;
    const NAME: &'static str = "assemble";
    const DOC: Written = Written {
        description: "Writes one file made of the fragments in a directory (on the target, or on the controller), in name order, when it differs.",
        example: "- name: Build the config from its parts\n  assemble:\n    src: /etc/app/conf.d\n    dest: /etc/app/app.conf\n    delimiter: '### fragment'\n    validate: app --check %s\n",
        args: &[
            (
                "src",
                "",
                "The directory of fragments (regular files directly in it).",
            ),
            ("dest", "", "The file to write."),
            (
                "remote_src",
                "true",
                "`src` is on the target; `false`: on the controller (`files/`).",
            ),
            (
                "regexp",
                "",
                "Only fragments whose name matches (Python `re.search`).",
            ),
            (
                "delimiter",
                "",
                "Text between fragments (escapes like `\\n` decoded), followed by a newline.",
            ),
            (
                "ignore_hidden",
                "false",
                "Leaves out fragments whose name starts with `.`.",
            ),
            (
                "validate",
                "",
                "A command run on the new file before it is installed (`%s` names it); if it fails, the file is left as it was.",
            ),
            (
                "backup",
                "false",
                "Keeps the old file as `dest.PID.<timestamp>~` before replacing it.",
            ),
            ("mode", "", "Permissions, octal or symbolic."),
            put::OWNER_ARG,
            put::GROUP_ARG,
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        Validate::from_param(p.validate.as_deref())?;
        filter(p).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let fragments = if p.remote_src {
            remote_fragments(&p.src, host).await?
        } else {
            local_fragments(&p.src, host)?
        };
        let Some(mut fragments) = fragments else {
            return Ok(Plan::fail(format!("Source ({}) is not a directory", p.src)));
        };
        // Python's sorted() on names: by bytes.
        fragments.sort_by(|a, b| a.0.cmp(&b.0));
        let regexp = filter(&p)?;
        let chosen = fragments.into_iter().filter(|(name, _)| {
            regexp.as_ref().is_none_or(|re| re.is_match(name))
                && !(p.ignore_hidden && name.starts_with('.'))
        });
        let delimiter = p.delimiter.as_deref().map(unescape);
        let content = join(chosen.map(|(_, bytes)| bytes), delimiter.as_deref());
        let validate = Validate::from_param(p.validate.as_deref())?;
        let plan = put_content(
            host,
            &p.dest,
            content,
            &Put {
                attrs: &Attrs::new(p.mode.clone(), p.owner.clone(), p.group.clone()),
                backup: p.backup,
                force: true,
                validate: validate.as_ref(),
            },
            None,
        )
        .await?;
        Ok(plan.set("src", p.src.as_str()))
    }
}

fn filter(p: &Params) -> Result<Option<regex::Regex>, ModuleError> {
    p.regexp
        .as_deref()
        .map(|re| compile_flags("", re, "regexp"))
        .transpose()
}

type Fragment = (String, Vec<u8>);

/// The regular files directly in a target directory, read in one query (`None`: not a directory).
async fn remote_fragments(
    src: &str,
    host: &mut dyn Host,
) -> Result<Option<Vec<Fragment>>, ModuleError> {
    let script = format!(
        "cd {} 2>/dev/null || {{ echo notdir; exit 0; }}; for f in * .*; do [ -f \"$f\" ] || continue; \
         printf 'frag:%s\\n' \"$f\"; base64 < \"$f\" || exit 1; done",
        quote(src)
    );
    let out = host.query(&Cmd::new(&script)).await?;
    if !out.success() {
        return Err(ModuleError::Failed(format!(
            "could not read the fragments in {src}: {}",
            out.stderr.trim()
        )));
    }
    if out.stdout.trim() == "notdir" {
        return Ok(None);
    }
    let mut fragments: Vec<(String, String)> = Vec::new();
    for line in out.stdout.lines() {
        match (line.strip_prefix("frag:"), fragments.last_mut()) {
            (Some(name), _) => fragments.push((name.to_string(), String::new())),
            (None, Some((_, text))) => text.push_str(line.trim()),
            (None, None) => {}
        }
    }
    fragments
        .into_iter()
        .map(|(name, text)| {
            crate::de::base64_decode(&text)
                .map(|bytes| (name.clone(), bytes))
                .ok_or_else(|| ModuleError::Failed(format!("could not read fragment {src}/{name}")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The files directly in a controller directory (`None`: `src` is a file).
fn local_fragments(src: &str, host: &dyn Host) -> Result<Option<Vec<Fragment>>, ModuleError> {
    let Some(entries) = host.list_local(src, LocalFile::File)? else {
        return Ok(None);
    };
    let dir = src.trim_end_matches('/');
    entries
        .into_iter()
        .filter(|e| !e.is_dir && !e.path.contains('/'))
        .map(|e| {
            let bytes = host.read_local(&format!("{dir}/{}", e.path), LocalFile::File)?;
            Ok((e.path, bytes))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Ansible's joining: a newline after a fragment that lacks one (when another follows), the
/// delimiter between fragments, followed by a newline unless it ends with one.
fn join(fragments: impl Iterator<Item = Vec<u8>>, delimiter: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut first = true;
    let mut add_newline = false;
    for fragment in fragments {
        if add_newline {
            out.push(b'\n');
        }
        if !first && let Some(d) = delimiter.filter(|d| !d.is_empty()) {
            out.extend_from_slice(d);
            if d.last() != Some(&b'\n') {
                out.push(b'\n');
            }
        }
        out.extend_from_slice(&fragment);
        first = false;
        add_newline = !fragment.ends_with(b"\n");
    }
    out
}

/// Python's `codecs.escape_decode` for the escapes a delimiter uses (`\n`, `\t`, `\\`, `\xhh`, …).
fn unescape(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 == bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let (value, used) = match bytes[i + 1] {
            b'n' => (Some(b'\n'), 2),
            b't' => (Some(b'\t'), 2),
            b'r' => (Some(b'\r'), 2),
            b'0' => (Some(0), 2),
            b'\\' => (Some(b'\\'), 2),
            b'\'' => (Some(b'\''), 2),
            b'"' => (Some(b'"'), 2),
            b'x' => (
                text.get(i + 2..i + 4)
                    .and_then(|h| u8::from_str_radix(h, 16).ok()),
                4,
            ),
            _ => (None, 1),
        };
        match value {
            Some(v) => {
                out.push(v);
                i += used;
            }
            None => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_join_as_ansible_joins_them() {
        let frags = || vec![b"a".to_vec(), b"b\n".to_vec(), b"c".to_vec()].into_iter();
        assert_eq!(join(frags(), None), b"a\nb\nc");
        assert_eq!(join(frags(), Some(b"##")), b"a\n##\nb\n##\nc");
        assert_eq!(join(frags(), Some(b"--\n")), b"a\n--\nb\n--\nc");
    }

    #[test]
    fn delimiter_escapes_are_decoded() {
        assert_eq!(unescape(r"# x\n\t\\\x41\q"), b"# x\n\t\\A\\q");
    }
}
