//! `blockinfile`: a block of lines between two marker lines, inserted, updated or removed. The new
//! content is computed on the controller from the file's bytes, line by line as Ansible's module
//! does (its quirks included), and written back atomically only when it changes.

use super::put;
use super::pyre;
use super::write::{Attrs, Content, Validate, atomic_write_validated, backup_name, now_unix};
use crate::doc::Written;
use crate::facts::file::{self, FileKind, FileStat, Want};
use crate::{Cmd, Diff, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Blockinfile;

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
    #[serde(default)]
    pub state: Option<State>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub marker: Option<String>,
    #[serde(default, alias = "content", deserialize_with = "crate::de::opt_string")]
    pub block: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub insertafter: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub insertbefore: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub create: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub backup: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub validate: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub marker_begin: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub marker_end: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub append_newline: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub prepend_newline: bool,
    #[serde(default)]
    pub mode: Option<crate::de::Mode>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub group: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Present,
    Absent,
}

const ATTRS_CHANGED: &str = "ownership, perms or SE linux context changed";

#[async_trait::async_trait]
impl Module for Blockinfile {
    type Params = Params;
    const NAME: &'static str = "blockinfile";
    const DOC: Written = Written {
        description: "Inserts, updates or removes a block of lines between marker lines, as Ansible's algorithm does on the file's bytes.",
        example: "- blockinfile:\n    path: /etc/ssh/sshd_config\n    block: |\n      Match User deploy\n        PasswordAuthentication no\n",
        args: &[
            (
                "path",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "marker",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "block",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "insertafter",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "insertbefore",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "create",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "backup",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            put::VALIDATE_ARG,
            (
                "marker_begin",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "marker_end",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "append_newline",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "prepend_newline",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "mode",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "owner",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "group",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        Validate::from_param(p.validate.as_deref()).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        if p.insertafter.is_some() && p.insertbefore.is_some() {
            return Err(ModuleError::Params(
                "parameters are mutually exclusive: insertbefore|insertafter".into(),
            ));
        }
        let present = p.state != Some(State::Absent);
        let position = Position::from_params(&p)?;
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let stat = file::parse(&host.query(&file::query(&p.path, want)).await?)?;
        if stat.as_ref().is_some_and(|s| s.kind == FileKind::Directory) {
            return Ok(Plan::fail(format!("Path {} is a directory !", p.path)).set("rc", 256));
        }
        if stat.is_none() && !p.create {
            return Ok(Plan::fail(format!("Path {} does not exist !", p.path)).set("rc", 257));
        }
        if stat.is_none() && !present {
            return Ok(Plan::ok().set("msg", format!("File {} not present", p.path)));
        }
        let original = stat.as_ref().map(|s| s.content.clone().unwrap_or_default());
        let result = new_content(&p, present, &position, original.as_deref());
        let attrs = Attrs::new(p.mode.clone(), p.owner.clone(), p.group.clone());
        let dest = real_path(host, &p.path, stat.as_ref()).await?;
        Ok(plan_write(host, &p, &attrs, &dest, stat.as_ref(), result))
    }
}

/// Where a new block goes when the file has no markers yet.
enum Position {
    /// At the end (`insertafter: EOF`, the default).
    End,
    /// At the start (`insertbefore: BOF`).
    Start,
    /// After (or before) the last line matching the pattern; at the end when none matches.
    Line {
        re: regex::bytes::Regex,
        after: bool,
        multiline: bool,
    },
}

impl Position {
    fn from_params(p: &Params) -> Result<Position, ModuleError> {
        let (pattern, after) = match (p.insertafter.as_deref(), p.insertbefore.as_deref()) {
            (Some("EOF"), _) | (None, None) => return Ok(Position::End),
            (None, Some("BOF")) => return Ok(Position::Start),
            (Some(pattern), _) => (pattern, true),
            (None, Some(pattern)) => (pattern, false),
        };
        let what = if after { "insertafter" } else { "insertbefore" };
        Ok(Position::Line {
            re: pyre::compile_bytes(pattern, what)?,
            after,
            multiline: pyre::has_multiline_flag(pattern),
        })
    }

    /// The index of the line before which the block goes.
    fn index(&self, lines: &[Vec<u8>], original: &[u8]) -> usize {
        let (re, after, multiline) = match self {
            Position::End => return lines.len(),
            Position::Start => return 0,
            Position::Line {
                re,
                after,
                multiline,
            } => (re, *after, *multiline),
        };
        let found = if multiline {
            re.find(original).map(|m| {
                let upto = if after { m.end() } else { m.start() };
                original[..upto].iter().filter(|b| **b == b'\n').count()
            })
        } else {
            lines.iter().rposition(|l| line_matches(re, l))
        };
        match found {
            None => lines.len(),
            Some(i) if after => i + 1,
            Some(i) => i,
        }
    }
}

/// Python's `re.search` on a line that still ends in its newline: `$` matches before that newline.
fn line_matches(re: &regex::bytes::Regex, line: &[u8]) -> bool {
    re.is_match(line) || line.strip_suffix(b"\n").is_some_and(|l| re.is_match(l))
}

/// Ansible's algorithm, step by step: drop the old block (between the last begin and end markers),
/// or find where a new one goes; then insert the block with its markers and optional blank lines.
fn new_content(p: &Params, present: bool, position: &Position, original: Option<&[u8]>) -> Vec<u8> {
    let original = original.unwrap_or_default();
    let mut lines = split_lines_keepends(original);
    let marker = p
        .marker
        .as_deref()
        .unwrap_or("# {mark} ANSIBLE MANAGED BLOCK");
    let marker_line = |mark: &str| format!("{}\n", marker.replace("{mark}", mark)).into_bytes();
    let begin = marker_line(p.marker_begin.as_deref().unwrap_or("BEGIN"));
    let end = marker_line(p.marker_end.as_deref().unwrap_or("END"));
    let block_lines = block_lines(
        p.block.as_deref().unwrap_or(""),
        present,
        begin.clone(),
        end.clone(),
    );

    let n_begin = lines.iter().rposition(|l| *l == begin);
    let n_end = lines.iter().rposition(|l| *l == end);
    let mut at = match (n_begin, n_end) {
        (Some(b), Some(e)) => {
            let (from, to) = if b < e { (b, e) } else { (e, b) };
            lines.drain(from..=to);
            from
        }
        _ => position.index(&lines, original),
    };
    if at > 0 && !lines[at - 1].ends_with(b"\n") {
        lines[at - 1].push(b'\n');
    }
    if p.prepend_newline && present && at != 0 && lines[at - 1] != b"\n" {
        lines.insert(at, b"\n".to_vec());
        at += 1;
    }
    let after_block = at + block_lines.len();
    lines.splice(at..at, block_lines);
    if p.append_newline && present && after_block < lines.len() && lines[after_block] != b"\n" {
        lines.insert(after_block, b"\n".to_vec());
    }
    lines.concat()
}

/// The markers around the block's lines; nothing when the block is to go (absent, or empty).
fn block_lines(block: &str, present: bool, begin: Vec<u8>, end: Vec<u8>) -> Vec<Vec<u8>> {
    if !present || block.is_empty() {
        return Vec::new();
    }
    let mut block = block.as_bytes().to_vec();
    if !block.ends_with(b"\n") {
        block.push(b'\n');
    }
    let mut out = vec![begin];
    out.extend(split_lines_keepends(&block));
    out.push(end);
    out
}

/// Python's `bytes.splitlines(keepends=True)`: lines end at `\n`, `\r\n` or `\r`.
pub(crate) fn split_lines_keepends(text: &[u8]) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        let end = match text[i] {
            b'\n' => Some(i + 1),
            b'\r' if text.get(i + 1) == Some(&b'\n') => Some(i + 2),
            b'\r' => Some(i + 1),
            _ => None,
        };
        match end {
            Some(e) => {
                lines.push(text[start..e].to_vec());
                start = e;
                i = e;
            }
            None => i += 1,
        }
    }
    if start < text.len() {
        lines.push(text[start..].to_vec());
    }
    lines
}

/// A symlink is followed so that the file it points to is changed, not replaced by a copy.
pub(crate) async fn real_path(
    host: &mut dyn Host,
    path: &str,
    stat: Option<&FileStat>,
) -> Result<String, ModuleError> {
    if stat.is_none_or(|s| s.link_target.is_none()) {
        return Ok(path.to_string());
    }
    let out = host.query(&Cmd::new("readlink -f --").arg(path)).await?;
    let real = out.stdout.trim_end_matches('\n');
    if !out.success() || real.is_empty() {
        return Err(ModuleError::Failed(format!(
            "could not resolve the link {path}: {}",
            out.stderr.trim()
        )));
    }
    Ok(real.to_string())
}

fn plan_write(
    host: &dyn Host,
    p: &Params,
    attrs: &Attrs,
    dest: &str,
    existing: Option<&FileStat>,
    result: Vec<u8>,
) -> Plan {
    let original = existing.map(|s| s.content.clone().unwrap_or_default());
    let attrs_fix = existing.and_then(|s| attrs.fix(dest, s, false));
    let mut diffs = Vec::new();
    if host.diff_mode() {
        diffs.push(Diff {
            before_header: format!("{} (content)", p.path),
            after_header: format!("{} (content)", p.path),
            before: String::from_utf8_lossy(original.as_deref().unwrap_or_default()).into_owned(),
            after: String::from_utf8_lossy(&result).into_owned(),
        });
    }
    let msg = match &original {
        Some(o) if *o == result => "",
        None => "File created",
        Some(_) if block_removed(p) => "Block removed",
        Some(_) => "Block inserted",
    };
    let attrs_change = match existing {
        Some(_) => attrs_fix.is_some(),
        // Ansible returns before looking at attributes for a file it would create in check mode.
        None => !host.check_mode() && new_file_attrs_differ(attrs),
    };
    let msg = match (msg, attrs_change) {
        (m, false) => m.to_string(),
        ("", true) => ATTRS_CHANGED.to_string(),
        (m, true) => format!("{m} and {ATTRS_CHANGED}"),
    };
    let mut plan = Plan {
        diffs,
        ..Plan::ok()
    }
    .set("msg", msg);
    if original.as_deref() == Some(result.as_slice()) {
        plan.steps.extend(attrs_fix.map(Step::run));
        if plan.steps.is_empty() {
            plan.diffs.clear();
        }
        return plan;
    }
    if existing.is_none()
        && let Some((dir, _)) = dest.rsplit_once('/')
        && !dir.is_empty()
    {
        plan.steps.push(Step::run(Cmd::new("mkdir -p --").arg(dir)));
    }
    let backup_file = (p.backup && existing.is_some()).then(|| backup_name(dest, now_unix()));
    if let Some(b) = &backup_file {
        plan = plan.set("backup_file", b.as_str());
    }
    plan.steps.push(atomic_write_validated(
        dest,
        Content::new(result),
        attrs,
        existing,
        backup_file.as_deref(),
        // Checked by `validate()`, which runs before every plan.
        Validate::from_param(p.validate.as_deref())
            .ok()
            .flatten()
            .as_ref(),
    ));
    plan
}

fn block_removed(p: &Params) -> bool {
    p.state == Some(State::Absent) || p.block.as_deref().unwrap_or("").is_empty()
}

/// A new file gets the umask's default mode (0644 under the usual 022) and the connecting user:
/// whatever else is asked for is an attribute change in Ansible's message.
fn new_file_attrs_differ(attrs: &Attrs) -> bool {
    attrs.wanted_mode(0o644, false).is_some_and(|m| m != 0o644)
        || attrs.owner.is_some()
        || attrs.group.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_like_python_bytes_splitlines() {
        let got = split_lines_keepends(b"a\nb\r\nc\rd");
        let want: Vec<Vec<u8>> = vec![
            b"a\n".to_vec(),
            b"b\r\n".to_vec(),
            b"c\r".to_vec(),
            b"d".to_vec(),
        ];
        assert_eq!(got, want);
        assert!(split_lines_keepends(b"").is_empty());
    }
}
