//! `apt_repository`: one-line sources (`deb …` / `deb-src …`) in `/etc/apt/sources.list` and
//! `/etc/apt/sources.list.d/*.list`, edited with Ansible's algorithm: a source found anywhere
//! (even commented out) is enabled where it is, otherwise it is appended to the file Ansible names
//! after its URI (`deb http://ppa.example/x …` → `ppa_example_x.list`) or to `filename`.list;
//! `state: absent` removes every enabled copy and a file left empty. One query reads every file;
//! `apt-get update` follows a change when `update_cache` (the default).

use super::sources::{self, Found, SOURCES_DIR, SOURCES_LIST};
use crate::de::Mode;
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct AptRepository;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub repo: String,
    #[serde(default)]
    pub state: RepoState,
    #[serde(default)]
    pub mode: Option<Mode>,
    #[serde(
        default = "crate::de::yes",
        alias = "update-cache",
        deserialize_with = "crate::de::boolean"
    )]
    pub update_cache: bool,
    #[serde(default, deserialize_with = "super::opt_int")]
    pub update_cache_retries: Option<u64>,
    #[serde(default, deserialize_with = "super::opt_int")]
    pub update_cache_retry_max_delay: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub filename: Option<String>,
    /// Ansible installs python3-apt for itself; drover needs nothing on the target.
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub install_python_apt: Option<bool>,
    /// Only PPAs (fetched from Launchpad) use it; drover does not fetch them.
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub validate_certs: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub codename: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepoState {
    #[default]
    Present,
    Absent,
}

const VALID_TYPES: [&str; 2] = ["deb", "deb-src"];

/// One line of a sources file, as Ansible's `SourcesList._parse` splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    valid: bool,
    enabled: bool,
    source: String,
    comment: String,
}

impl Entry {
    fn parse(line: &str) -> Entry {
        let mut line = line.trim();
        let enabled = !line.starts_with('#');
        if !enabled {
            line = &line[1..];
        }
        let mut comment = String::new();
        if let Some(i) = line.find('#').filter(|i| *i > 0) {
            comment = line[i + 1..].trim().to_string();
            line = &line[..i];
        }
        let chunks: Vec<&str> = line.split_whitespace().collect();
        let valid = chunks.first().is_some_and(|c| VALID_TYPES.contains(c));
        let source = if valid {
            chunks.join(" ")
        } else {
            line.trim().to_string()
        };
        Entry {
            valid,
            enabled,
            source,
            comment,
        }
    }

    fn dump(&self) -> String {
        let mut line = String::new();
        if !self.enabled {
            line.push_str("# ");
        }
        line.push_str(&self.source);
        if !self.comment.is_empty() {
            line.push_str(" # ");
            line.push_str(&self.comment);
        }
        line.push('\n');
        line
    }
}

/// The repository line as a source, or Ansible's "Invalid repository string" error.
fn source_of(repo: &str) -> Result<String, ModuleError> {
    if repo.trim().is_empty() {
        return Err(ModuleError::Params(
            "Please set argument 'repo' to a non-empty value".into(),
        ));
    }
    if repo.trim_start().starts_with("ppa:") {
        return Err(ModuleError::Params(format!(
            "{repo}: PPAs are looked up on Launchpad over the network, which drover does not do here; write the PPA's deb line and its key (deb822_repository with signed_by) instead"
        )));
    }
    let entry = Entry::parse(repo);
    if !entry.valid || !entry.enabled {
        let shown = repo.trim().trim_start_matches('#');
        return Err(ModuleError::Params(format!(
            "Invalid repository string: {shown}"
        )));
    }
    Ok(entry.source)
}

/// Ansible's `_suggest_filename`: the first word after the type, without options, scheme and
/// credentials, its non-alphanumerics turned into `_`.
fn suggested_file(source: &str, filename: Option<&str>) -> String {
    let name = match filename {
        Some(f) => f.to_string(),
        None => {
            let without_options = strip_brackets(source);
            let without_scheme = strip_schemes(&without_options);
            let first = without_scheme
                .split_whitespace()
                .find(|w| !VALID_TYPES.contains(w))
                .unwrap_or_default();
            let first = first.split_once('@').map_or(first, |(_, host)| host);
            first
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("_")
        }
    };
    let file = format!("{name}.list");
    if file.contains('/') {
        file
    } else {
        format!("{SOURCES_DIR}/{file}")
    }
}

/// `re.sub(r'\[[^\]]+\]', '', line)`
fn strip_brackets(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        match rest[open + 1..].find(']') {
            Some(len) if len > 0 => {
                out.push_str(&rest[..open]);
                rest = &rest[open + 1 + len + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `re.sub(r'\w+://', '', line)`
fn strip_schemes(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let word_start = rest[..at]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        if word_start == at {
            out.push_str(&rest[..at + 3]);
        } else {
            out.push_str(&rest[..word_start]);
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

type Files = BTreeMap<String, Vec<Entry>>;

fn load(found: &BTreeMap<String, Found>) -> Files {
    found
        .iter()
        .map(|(path, f)| (path.clone(), f.text.lines().map(Entry::parse).collect()))
        .collect()
}

fn dump(entries: &[Entry]) -> Option<String> {
    (!entries.is_empty()).then(|| entries.iter().map(Entry::dump).collect())
}

/// Enables every copy of `source`, else appends it to `file`; the file it was appended to.
fn add(files: &mut Files, source: &str, file: String) -> Option<String> {
    let mut found = false;
    for entry in files.values_mut().flatten() {
        if entry.valid && entry.source == source {
            entry.enabled = true;
            found = true;
        }
    }
    if found {
        return None;
    }
    files.entry(file.clone()).or_default().push(Entry {
        valid: true,
        enabled: true,
        source: source.to_string(),
        comment: String::new(),
    });
    Some(file)
}

fn remove(files: &mut Files, source: &str) {
    for entries in files.values_mut() {
        entries.retain(|e| !(e.valid && e.enabled && e.source == source));
    }
}

#[async_trait::async_trait]
impl Module for AptRepository {
    type Params = Params;
    const NAME: &'static str = "apt_repository";
    const DOC: Written = Written {
        description: "Adds or removes a one-line apt source (`deb …`) in `/etc/apt/sources.list` or a file of `/etc/apt/sources.list.d/`, named as Ansible names it, then refreshes apt's cache.",
        example: "- apt_repository:\n    repo: deb [signed-by=/etc/apt/keyrings/example.asc] https://repo.example.com/apt stable main\n    filename: example\n    state: present\n",
        args: &[
            (
                "repo",
                "",
                "The source line (`deb URI SUITE COMPONENTS`, options in `[…]`). PPAs (`ppa:`) are refused: they need Launchpad.",
            ),
            (
                "state",
                "present",
                "`present` enables the line where it is (even commented out) or appends it; `absent` removes every enabled copy, and a file left empty.",
            ),
            ("mode", "0644", "Mode of the file the line is appended to."),
            (
                "update_cache",
                "true",
                "Run `apt-get update` after a change.",
            ),
            (
                "update_cache_retries",
                "",
                "Accepted; apt-get update runs once.",
            ),
            (
                "update_cache_retry_max_delay",
                "",
                "Accepted; apt-get update runs once.",
            ),
            (
                "filename",
                "",
                "The file's name without `.list` (in `/etc/apt/sources.list.d/` unless it has a `/`); default: from the line's URI, as Ansible makes it.",
            ),
            (
                "install_python_apt",
                "",
                "Accepted and ignored: drover needs no Python on the target.",
            ),
            (
                "validate_certs",
                "",
                "Accepted and ignored (only PPAs use it).",
            ),
            ("codename", "", "Accepted (only PPAs use it)."),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        source_of(&p.repo).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let source = source_of(&p.repo)?;
        let target = suggested_file(&source, p.filename.as_deref());
        let words = sources::path_words([SOURCES_LIST, &format!("{SOURCES_DIR}/*.list")]);
        let extra = if target.starts_with(&format!("{SOURCES_DIR}/")) {
            String::new()
        } else {
            format!(" {}", sources::path_words([target.as_str()]))
        };
        let script = format!(
            "[ -d /etc/apt ] || {{ echo @@no-apt; exit 0; }}; {} echo @@end",
            sources::print_files(&format!("{words}{extra}"))
        );
        let out = host.query(&Cmd::new(&script)).await?;
        if out.stdout.contains("@@no-apt") {
            return Ok(Plan::fail(
                "Module apt_repository is not supported on target.",
            ));
        }
        let found = sources::parse_files(&out.stdout)?;
        let before = load(&found);
        let mut after = before.clone();
        let appended = match p.state {
            RepoState::Present => add(&mut after, &source, target),
            RepoState::Absent => {
                remove(&mut after, &source);
                None
            }
        };
        let mut plan = Plan::ok();
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        for (path, entries) in &after {
            let old = before.get(path).and_then(|e| dump(e));
            let new = dump(entries);
            if old == new {
                continue;
            }
            match (&old, &new) {
                (None, Some(_)) => added.push(path.clone()),
                (Some(_), None) => removed.push(path.clone()),
                _ => {}
            }
            // Ansible sets the mode (default 0644) on the file a source was appended to.
            let mode = (appended.as_deref() == Some(path.as_str()))
                .then(|| p.mode.clone().unwrap_or(Mode::Octal(0o644)));
            let (steps, diff) =
                sources::converge(path, found.get(path), new.as_deref(), mode.as_ref());
            plan.steps.extend(steps);
            plan.diffs.extend(diff.filter(|_| host.diff_mode()));
        }
        if plan.changes() && p.update_cache {
            plan.steps.push(sources::update_cache_step());
        }
        Ok(plan
            .set("repo", p.repo.clone())
            .set("state", state_name(p.state))
            .set("sources_added", added)
            .set("sources_removed", removed))
    }
}

fn state_name(state: RepoState) -> &'static str {
    match state {
        RepoState::Present => "present",
        RepoState::Absent => "absent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_ansible() {
        let f = |s: &str| suggested_file(&source_of(s).unwrap_or_else(|e| panic!("{e}")), None);
        assert_eq!(
            f("deb http://dl.google.com/linux/chrome/deb/ stable main"),
            "/etc/apt/sources.list.d/dl_google_com_linux_chrome_deb.list"
        );
        assert_eq!(
            f("deb [trusted=yes] file:/srv/repo ./"),
            "/etc/apt/sources.list.d/file_srv_repo.list"
        );
        assert_eq!(
            f("deb [arch=amd64 signed-by=/k.asc] https://user:pw@repo.example.com/apt stable main"),
            "/etc/apt/sources.list.d/repo_example_com_apt.list"
        );
        assert_eq!(
            suggested_file("deb x y", Some("mine")),
            "/etc/apt/sources.list.d/mine.list"
        );
        assert_eq!(suggested_file("deb x y", Some("/tmp/m")), "/tmp/m.list");
    }

    #[test]
    fn lines_parse_and_dump_like_ansible() {
        let e = Entry::parse("#deb  http://x  y main # a note");
        assert!(e.valid && !e.enabled);
        assert_eq!(e.source, "deb http://x y main");
        assert_eq!(e.dump(), "# deb http://x y main # a note\n");
        assert_eq!(Entry::parse("").dump(), "\n");
        assert!(source_of("# deb http://x y").is_err());
        assert!(source_of("http://x y").is_err());
    }
}
