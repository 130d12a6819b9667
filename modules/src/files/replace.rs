//! `replace`: every match of a regular expression in a file (or in the part of it between `after`
//! and `before`) replaced, Python `re.subn` style, computed on the controller and written back
//! atomically only when the text changes.

use super::blockinfile::real_path;
use super::put;
use super::pyre::{self, Template};
use super::write::{
    Attrs, Content, Validate, atomic_write_validated, backup_name, content_diff, now_unix,
};
use crate::doc::Written;
use crate::facts::file::{self, FileKind, Want};
use crate::{Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Replace;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(
        alias = "dest",
        alias = "destfile",
        alias = "name",
        deserialize_with = "crate::de::string"
    )]
    pub path: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub regexp: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub replace: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub after: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub before: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub backup: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub validate: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub encoding: Option<String>,
    #[serde(default)]
    pub mode: Option<crate::de::Mode>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub group: Option<String>,
}

const ATTRS_CHANGED: &str = "ownership, perms or SE linux context changed";

/// The two encodings a file's bytes are read in; Ansible takes any Python codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Latin1,
}

impl Encoding {
    fn from_name(name: Option<&str>) -> Result<Encoding, ModuleError> {
        let name = name
            .unwrap_or("utf-8")
            .to_ascii_lowercase()
            .replace('_', "-");
        match name.as_str() {
            "utf-8" | "utf8" | "ascii" => Ok(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => Ok(Encoding::Latin1),
            other => Err(ModuleError::Params(format!(
                "encoding {other:?} is not supported (utf-8, latin-1)"
            ))),
        }
    }

    fn decode(self, bytes: &[u8], path: &str) -> Result<String, ModuleError> {
        match self {
            Encoding::Utf8 => String::from_utf8(bytes.to_vec()).map_err(|e| {
                ModuleError::Failed(format!("{path} is not valid utf-8 ({e}); set encoding"))
            }),
            Encoding::Latin1 => Ok(bytes.iter().map(|b| char::from(*b)).collect()),
        }
    }

    fn encode(self, text: &str) -> Result<Vec<u8>, ModuleError> {
        match self {
            Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
            Encoding::Latin1 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| {
                    ModuleError::Failed("the replacement does not fit in latin-1".into())
                }),
        }
    }
}

#[async_trait::async_trait]
impl Module for Replace {
    type Params = Params;
    const NAME: &'static str = "replace";
    const DOC: Written = Written {
        description: "Replaces every match of a Python-style regular expression in a file (optionally between `after` and `before`).",
        example: "- replace:\n    path: /etc/hosts\n    regexp: '(\\s+)old\\.example\\.com(\\s+.*)?$'\n    replace: '\\1new.example.com\\2'\n",
        args: &[
            (
                "path",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "regexp",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "replace",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "after",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "before",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "backup",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            put::VALIDATE_ARG,
            (
                "encoding",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "mode",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "owner",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "group",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        Validate::from_param(p.validate.as_deref()).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let encoding = Encoding::from_name(p.encoding.as_deref())?;
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let stat = file::parse(&host.query(&file::query(&p.path, want)).await?)?;
        let Some(existing) = stat else {
            return Ok(Plan::fail(format!("Path {} does not exist !", p.path)).set("rc", 257));
        };
        if existing.kind == FileKind::Directory {
            return Ok(Plan::fail(format!("Path {} is a directory !", p.path)).set("rc", 256));
        }
        let contents = encoding.decode(existing.content.as_deref().unwrap_or_default(), &p.path)?;
        let (start, end) = match section(&p, &contents)? {
            Section::Whole => (0, contents.len()),
            Section::Part(start, end) => (start, end),
            Section::NotFound(pattern) => {
                return Ok(Plan::ok().set("rc", 0).set(
                    "msg",
                    format!(
                        "Pattern for before/after params did not match the given file: {pattern}"
                    ),
                ));
            }
        };
        let re = pyre::compile_flags("m", &p.regexp, "regexp")?;
        let template = Template::parse(p.replace.as_deref().unwrap_or(""))?;
        if let Err(e) = template.check_groups(&re) {
            return Ok(Plan::fail(format!(
                "Unable to process replace due to error: {e}"
            )));
        }
        let old_section = &contents[start..end];
        let (new_section, count) = pyre::subn(&re, &template, old_section);
        let attrs = Attrs::new(p.mode.clone(), p.owner.clone(), p.group.clone());
        let dest = real_path(host, &p.path, Some(&existing)).await?;
        let attrs_fix = attrs.fix(&dest, &existing, false);
        if count == 0 || new_section == old_section {
            let plan = Plan::ok().set("rc", 0);
            return Ok(match attrs_fix {
                Some(cmd) => Plan {
                    steps: vec![Step::run(cmd)],
                    ..plan.set("msg", ATTRS_CHANGED)
                },
                None => plan.set("msg", ""),
            });
        }
        let new_contents = format!("{}{new_section}{}", &contents[..start], &contents[end..]);
        let msg = match attrs_fix {
            Some(_) => format!("{count} replacements made and {ATTRS_CHANGED}"),
            None => format!("{count} replacements made"),
        };
        let mut plan = Plan::ok().set("rc", 0).set("msg", msg);
        if host.diff_mode()
            && let Some(diff) =
                content_diff(&p.path, Some(contents.as_bytes()), new_contents.as_bytes())
        {
            plan.diffs.push(diff);
        }
        let backup_file = p.backup.then(|| backup_name(&dest, now_unix()));
        if let Some(b) = &backup_file {
            plan = plan.set("backup_file", b.as_str());
        }
        plan.steps.push(atomic_write_validated(
            &dest,
            Content::new(encoding.encode(&new_contents)?),
            &attrs,
            Some(&existing),
            backup_file.as_deref(),
            Validate::from_param(p.validate.as_deref())?.as_ref(),
        ));
        Ok(plan)
    }
}

/// The part of the file the replacement applies to.
enum Section {
    Whole,
    /// Byte range of the text between `after` and `before`.
    Part(usize, usize),
    /// `after`/`before` did not match: the pattern as Ansible reports it.
    NotFound(String),
}

/// Ansible builds one pattern, `after(?P<subsection>.*?)before` (DOTALL), and uses its first match.
fn section(p: &Params, contents: &str) -> Result<Section, ModuleError> {
    let after = p.after.as_deref().filter(|s| !s.is_empty());
    let before = p.before.as_deref().filter(|s| !s.is_empty());
    let pattern = match (after, before) {
        (Some(a), Some(b)) => format!("{a}(?P<subsection>.*?){b}"),
        (Some(a), None) => format!("{a}(?P<subsection>.*)"),
        (None, Some(b)) => format!("(?P<subsection>.*){b}"),
        (None, None) => return Ok(Section::Whole),
    };
    let re = pyre::compile_flags("s", &pattern, "after/before")?;
    Ok(
        match re.captures(contents).and_then(|c| c.name("subsection")) {
            Some(m) => Section::Part(m.start(), m.end()),
            None => Section::NotFound(pattern),
        },
    )
}
