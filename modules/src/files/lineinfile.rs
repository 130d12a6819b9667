//! `lineinfile`: make sure one line is in a file (or is not), computed on the controller from the
//! file's current content, written back atomically only when it changes.

use super::put;
use super::pyre::Pattern;
use super::write::{
    Attrs, Content, Validate, atomic_write_validated, backup_name, content_diff, now_unix,
};
use crate::doc::Written;
use crate::facts::file::{self, FileKind, Want};
use crate::{Host, Module, ModuleError, Plan, Step};
use regex::Regex;
use serde::Deserialize;

pub struct Lineinfile;

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
    #[serde(default, alias = "value", deserialize_with = "crate::de::opt_string")]
    pub line: Option<String>,
    #[serde(default, alias = "regex", deserialize_with = "crate::de::opt_string")]
    pub regexp: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub search_string: Option<String>,
    #[serde(default)]
    pub state: Option<State>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub insertafter: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub insertbefore: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub create: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub backrefs: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub firstmatch: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub backup: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub validate: Option<String>,
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

/// How a line is found: a regular expression, a literal substring, or the exact line.
enum Matcher {
    Regex(Pattern),
    Substring(String),
    Exact(String),
}

impl Matcher {
    fn matches(&self, line: &str) -> bool {
        match self {
            Matcher::Regex(re) => re.is_match(line),
            Matcher::Substring(s) => line.contains(s.as_str()),
            Matcher::Exact(s) => line == s,
        }
    }
}

#[async_trait::async_trait]
impl Module for Lineinfile {
    type Params = Params;
    const NAME: &'static str = "lineinfile";
    const DOC: Written = Written {
        description: "Makes sure one line is in a file (or is not), found by a regular expression, a substring or the line itself.",
        example: "- name: Listen on 8080\n  lineinfile:\n    path: /etc/app.conf\n    regexp: '^port='\n    line: port=8080\n",
        args: &[
            ("path", "", "The file to edit."),
            (
                "line",
                "",
                "The line to insert or replace (with `state: present`).",
            ),
            (
                "regexp",
                "",
                "A regular expression (Rust syntax) finding the line to replace or remove.",
            ),
            (
                "search_string",
                "",
                "A literal string finding the line to replace or remove.",
            ),
            ("state", "present", "Whether the line must be there."),
            (
                "insertafter",
                "EOF",
                "Where a new line goes: after the last match of this regular expression, or `EOF`.",
            ),
            (
                "insertbefore",
                "",
                "Where a new line goes: before the last match of this regular expression, or `BOF`.",
            ),
            ("create", "false", "Creates the file when it is missing."),
            (
                "backrefs",
                "false",
                "`line` may use `regexp`'s groups; nothing is inserted when there is no match.",
            ),
            (
                "firstmatch",
                "false",
                "`insertafter`/`insertbefore` use the first match instead of the last.",
            ),
            (
                "backup",
                "false",
                "Keeps the old file as `path.<timestamp>~` before changing it.",
            ),
            put::VALIDATE_ARG,
            put::MODE_ARG,
            put::OWNER_ARG,
            put::GROUP_ARG,
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        Validate::from_param(p.validate.as_deref())?;
        exclusive(&[
            ("insertbefore", p.insertbefore.is_some()),
            ("insertafter", p.insertafter.is_some()),
        ])?;
        exclusive(&[
            ("regexp", p.regexp.is_some()),
            ("search_string", p.search_string.is_some()),
        ])?;
        exclusive(&[
            ("backrefs", p.backrefs),
            ("search_string", p.search_string.is_some()),
        ])?;
        matcher(p, p.state.unwrap_or(State::Present)).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let state = p.state.unwrap_or(State::Present);
        let matcher = matcher(&p, state)?;
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let stat = file::parse(&host.query(&file::query(&p.path, want)).await?)?;
        if stat.as_ref().is_some_and(|s| s.kind != FileKind::File) {
            return Ok(Plan::fail(format!("Path {} is not a regular file", p.path)));
        }
        let attrs = Attrs::new(p.mode.clone(), p.owner.clone(), p.group.clone());
        let Some(existing) = &stat else {
            if state == State::Absent || !p.create {
                return Ok(match state {
                    State::Absent => Plan::ok().set("msg", "file not present"),
                    State::Present => {
                        Plan::fail(format!("Destination {} does not exist !", p.path))
                            .set("rc", 257)
                    }
                });
            }
            return Ok(write(
                &p,
                &attrs,
                None,
                String::new(),
                &matcher,
                state,
                host.diff_mode(),
            ));
        };
        let content =
            String::from_utf8_lossy(existing.content.as_deref().unwrap_or_default()).into_owned();
        Ok(write(
            &p,
            &attrs,
            Some(existing),
            content,
            &matcher,
            state,
            host.diff_mode(),
        ))
    }
}

/// At most one of the named arguments may be given (Ansible's `mutually_exclusive`).
fn exclusive(given: &[(&str, bool)]) -> Result<(), ModuleError> {
    let set: Vec<&str> = given
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect();
    if set.len() > 1 {
        return Err(ModuleError::Params(format!(
            "parameters are mutually exclusive: {}",
            set.join("|")
        )));
    }
    Ok(())
}

fn matcher(p: &Params, state: State) -> Result<Matcher, ModuleError> {
    if let Some(re) = &p.regexp {
        return Pattern::compile(re, "regexp").map(Matcher::Regex);
    }
    if let Some(s) = &p.search_string {
        return Ok(Matcher::Substring(s.clone()));
    }
    match (&p.line, state) {
        (Some(line), _) => Ok(Matcher::Exact(line.clone())),
        (None, State::Present) => Err(ModuleError::Params(
            "line is required with state=present".into(),
        )),
        (None, State::Absent) => Err(ModuleError::Params(
            "one of line, regexp or search_string is required with state=absent".into(),
        )),
    }
}

fn write(
    p: &Params,
    attrs: &Attrs,
    existing: Option<&file::FileStat>,
    content: String,
    matcher: &Matcher,
    state: State,
    diff_mode: bool,
) -> Plan {
    let mut lines: Vec<String> = content.lines().map(str::to_string).collect();
    let msg = match state {
        State::Present => present(p, matcher, &mut lines),
        State::Absent => absent(matcher, &mut lines),
    };
    let mut new_content = lines.join("\n");
    if !lines.is_empty() {
        new_content.push('\n');
    }
    let content_changed = new_content != content || existing.is_none();
    if !content_changed {
        let fix = existing.and_then(|s| attrs.fix(&p.path, s, false));
        return match fix {
            Some(cmd) => Plan::with_steps(vec![Step::run(cmd)])
                .set("msg", "ownership, perms or SE linux context changed"),
            None => Plan::ok().set("msg", ""),
        };
    }
    let mut plan = Plan::ok().set("msg", msg);
    let backup_file = (p.backup && existing.is_some()).then(|| backup_name(&p.path, now_unix()));
    if let Some(b) = &backup_file {
        plan = plan.set("backup", b.as_str());
    }
    if diff_mode
        && let Some(diff) = content_diff(&p.path, Some(content.as_bytes()), new_content.as_bytes())
    {
        plan.diffs.push(diff);
    }
    plan.steps.push(atomic_write_validated(
        &p.path,
        Content::new(new_content.into_bytes()),
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

fn present(p: &Params, matcher: &Matcher, lines: &mut Vec<String>) -> String {
    let line = p.line.clone().unwrap_or_default();
    let found = if p.firstmatch {
        lines.iter().position(|l| matcher.matches(l))
    } else {
        lines.iter().rposition(|l| matcher.matches(l))
    };
    if let Some(i) = found {
        let new_line = match (&matcher, p.backrefs) {
            (Matcher::Regex(re), true) => expand_backrefs(re, &lines[i], &line),
            _ => line,
        };
        if lines[i] == new_line {
            return String::new();
        }
        lines[i] = new_line;
        return "line replaced".into();
    }
    if p.backrefs {
        return String::new();
    }
    // No regexp match, but the exact line is there: nothing to do (Ansible's behaviour).
    if lines.contains(&line) {
        return String::new();
    }
    let at = insertion_point(p, lines);
    lines.insert(at, line);
    "line added".into()
}

fn insertion_point(p: &Params, lines: &[String]) -> usize {
    let find = |pattern: &str| -> Option<usize> {
        let re = Pattern::compile(pattern, "insertafter/insertbefore").ok()?;
        if p.firstmatch {
            lines.iter().position(|l| re.is_match(l))
        } else {
            lines.iter().rposition(|l| re.is_match(l))
        }
    };
    match (p.insertbefore.as_deref(), p.insertafter.as_deref()) {
        (Some("BOF"), _) => 0,
        (Some(pattern), _) => find(pattern).unwrap_or(lines.len()),
        (None, Some("EOF") | None) => lines.len(),
        (None, Some(pattern)) => find(pattern).map(|i| i + 1).unwrap_or(lines.len()),
    }
}

fn absent(matcher: &Matcher, lines: &mut Vec<String>) -> String {
    let before = lines.len();
    lines.retain(|l| !matcher.matches(l));
    let removed = before - lines.len();
    if removed == 0 {
        String::new()
    } else {
        format!("{removed} line(s) removed")
    }
}

/// `\1` and `\g<name>` in `line`, from the regexp's match on `text`.
fn expand_backrefs(re: &Pattern, text: &str, line: &str) -> String {
    let Some(caps) = re.groups(text) else {
        return line.to_string();
    };
    let refs = Regex::new(r"\\(\d+)|\\g<(\w+)>").expect("static regex");
    refs.replace_all(line, |c: &regex::Captures| {
        let group = match (c.get(1), c.get(2)) {
            (Some(n), _) => n
                .as_str()
                .parse::<usize>()
                .ok()
                .and_then(|n| caps.numbered.get(n).cloned().flatten()),
            (_, Some(name)) => caps.named.get(name.as_str()).cloned(),
            _ => None,
        };
        group.unwrap_or_default()
    })
    .into_owned()
}
