//! `deb822_repository`: one `/etc/apt/sources.list.d/SLUG.sources` file in deb822 format, written
//! exactly as Ansible's module writes it (fields in the order of the argument names, booleans as
//! `yes`/`no`, lists space-separated, an inline `signed_by` key as an indented multi-line field), so a
//! host Ansible configured is already right. `state: absent` removes the file and the key files
//! Ansible would have downloaded for it. Key URLs are refused: drover does not fetch from here (a
//! `get_url` task puts the key in `/etc/apt/keyrings/`, and `signed_by` names that file).

use super::sources::{self, SOURCES_DIR};
use crate::de::Mode;
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

pub struct Deb822Repository;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub allow_downgrade_to_insecure: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub allow_insecure: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub allow_weak: Option<bool>,
    #[serde(default, deserialize_with = "opt_list")]
    pub architectures: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub by_hash: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub check_date: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub check_valid_until: Option<bool>,
    #[serde(default, deserialize_with = "opt_list")]
    pub components: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::opt_int")]
    pub date_max_future: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub inrelease_path: Option<String>,
    #[serde(default, deserialize_with = "opt_list")]
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub pdiffs: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub signed_by: Option<String>,
    #[serde(default, deserialize_with = "opt_list")]
    pub suites: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_list")]
    pub targets: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub trusted: Option<bool>,
    #[serde(default, deserialize_with = "opt_list")]
    pub types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_list")]
    pub uris: Option<Vec<String>>,
    #[serde(default)]
    pub mode: Option<Mode>,
    #[serde(default)]
    pub state: super::apt_repository::RepoState,
    /// Ansible installs python3-debian for itself; drover needs nothing on the target.
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub install_python_debian: Option<bool>,
}

fn opt_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let v = Value::deserialize(d)?;
    if v.is_null() {
        return Ok(None);
    }
    crate::de::string_list(v)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

const KEYRINGS_DIR: &str = "/etc/apt/keyrings";

/// Ansible's slug: lower case, runs of `_` and blanks to `-`, anything else but `[a-z0-9-]` dropped.
fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut in_run = false;
    for c in name.to_lowercase().chars() {
        if c == '_' || c.is_whitespace() {
            if !in_run {
                out.push('-');
            }
            in_run = true;
            continue;
        }
        in_run = false;
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
            out.push(c);
        }
    }
    out
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// `urlparse(v).scheme` is not empty: a key to download.
fn is_url(value: &str) -> bool {
    let Some((scheme, _)) = value.split_once(':') else {
        return false;
    };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// Ansible's `format_multiline`: a leading newline, each line indented, empty lines as `.`.
fn multiline(value: &str) -> String {
    let lines: Vec<String> = value
        .trim()
        .lines()
        .map(|l| match l.trim() {
            "" => "    .".to_string(),
            text => format!("    {text}"),
        })
        .collect();
    format!("\n{}", lines.join("\n"))
}

/// The file Ansible writes: fields sorted by argument name, each `Field: value`.
fn render(p: &Params) -> String {
    let list = |v: &Option<Vec<String>>| v.as_ref().map(|l| l.join(" "));
    let types = p.types.clone().unwrap_or_else(|| vec!["deb".to_string()]);
    let fields: [(&str, Option<String>); 20] = [
        (
            "Allow-Downgrade-To-Insecure",
            p.allow_downgrade_to_insecure.map(yes_no),
        ),
        ("Allow-Insecure", p.allow_insecure.map(yes_no)),
        ("Allow-Weak", p.allow_weak.map(yes_no)),
        ("Architectures", list(&p.architectures)),
        ("By-Hash", p.by_hash.map(yes_no)),
        ("Check-Date", p.check_date.map(yes_no)),
        ("Check-Valid-Until", p.check_valid_until.map(yes_no)),
        ("Components", list(&p.components)),
        ("Date-Max-Future", p.date_max_future.map(|d| d.to_string())),
        ("Enabled", p.enabled.map(yes_no)),
        ("Inrelease-Path", p.inrelease_path.clone()),
        ("Languages", list(&p.languages)),
        ("X-Repolib-Name", Some(p.name.clone())),
        ("Pdiffs", p.pdiffs.map(yes_no)),
        ("Signed-By", p.signed_by.clone()),
        ("Suites", list(&p.suites)),
        ("Targets", list(&p.targets)),
        ("Trusted", p.trusted.map(yes_no)),
        ("Types", Some(types.join(" "))),
        ("Uris", list(&p.uris)),
    ];
    let mut text = String::new();
    for (field, value) in fields {
        let Some(value) = value else { continue };
        let field = if field == "Uris" { "URIs" } else { field };
        let value = if value.contains('\n') {
            multiline(&value)
        } else {
            value
        };
        if value.is_empty() || value.starts_with('\n') {
            text.push_str(&format!("{field}:{value}\n"));
        } else {
            text.push_str(&format!("{field}: {value}\n"));
        }
    }
    text
}

#[async_trait::async_trait]
impl Module for Deb822Repository {
    type Params = Params;
    const NAME: &'static str = "deb822_repository";
    const DOC: Written = Written {
        description: "Writes (or removes) one apt source in deb822 format, `/etc/apt/sources.list.d/NAME.sources`, exactly as Ansible writes it; `signed_by` names a key file or holds the key inline.",
        example: "- deb822_repository:\n    name: example\n    types: [deb]\n    uris: https://repo.example.com/apt\n    suites: stable\n    components: main\n    signed_by: /etc/apt/keyrings/example.asc\n",
        args: &[
            (
                "name",
                "",
                "The repository's name (`X-Repolib-Name`); its slug names the file.",
            ),
            (
                "allow_downgrade_to_insecure",
                "",
                "`Allow-Downgrade-To-Insecure`.",
            ),
            ("allow_insecure", "", "`Allow-Insecure`."),
            ("allow_weak", "", "`Allow-Weak`."),
            ("architectures", "", "`Architectures` (list)."),
            ("by_hash", "", "`By-Hash`."),
            ("check_date", "", "`Check-Date`."),
            ("check_valid_until", "", "`Check-Valid-Until`."),
            ("components", "", "`Components` (list)."),
            ("date_max_future", "", "`Date-Max-Future` (seconds)."),
            ("enabled", "", "`Enabled`."),
            ("inrelease_path", "", "`Inrelease-Path`."),
            ("languages", "", "`Languages` (list)."),
            ("pdiffs", "", "`Pdiffs`."),
            (
                "signed_by",
                "",
                "`Signed-By`: a key file's path on the target, or the armored key itself (written inline). URLs are refused: fetch the key with `get_url` first.",
            ),
            ("suites", "", "`Suites` (list)."),
            ("targets", "", "`Targets` (list)."),
            ("trusted", "", "`Trusted`."),
            ("types", "[deb]", "`Types`: `deb`, `deb-src`."),
            ("uris", "", "`URIs` (list)."),
            ("mode", "0644", "The file's mode."),
            (
                "state",
                "present",
                "`absent` removes the file (and `/etc/apt/keyrings/NAME.asc|gpg`).",
            ),
            (
                "install_python_debian",
                "",
                "Accepted and ignored: drover needs no Python on the target.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if let Some(t) = p
            .types
            .iter()
            .flatten()
            .find(|t| !["deb", "deb-src"].contains(&t.as_str()))
        {
            return Err(ModuleError::Params(format!(
                "value of types must be one or more of: deb, deb-src. Got no match for: {t}"
            )));
        }
        if let Some(key) = p.signed_by.as_deref().filter(|k| is_url(k.trim())) {
            return Err(ModuleError::Params(format!(
                "signed_by {key}: drover does not download keys in this module; fetch it with get_url to {KEYRINGS_DIR}/NAME.asc and give signed_by that path"
            )));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let slug = slug(&p.name);
        let dest = format!("{SOURCES_DIR}/{slug}.sources");
        let keys = ["asc", "gpg"].map(|ext| format!("{KEYRINGS_DIR}/{slug}.{ext}"));
        let absent = p.state == super::apt_repository::RepoState::Absent;
        let mut paths = vec![dest.as_str()];
        if absent {
            paths.extend(keys.iter().map(String::as_str));
        }
        let script = sources::print_files(&sources::path_words(paths)) + " echo @@end";
        let found = sources::parse_files(&host.query(&Cmd::new(&script)).await?.stdout)?;
        let mut plan = Plan::ok();
        if absent {
            for path in std::iter::once(&dest).chain(&keys) {
                let (steps, diff) = sources::converge(path, found.get(path), None, None);
                plan.steps.extend(steps);
                plan.diffs.extend(diff.filter(|_| host.diff_mode()));
            }
            return Ok(plan
                .set("repo", Value::Null)
                .set("dest", dest)
                .set("key_filename", keys[1].clone()));
        }
        let text = render(&p);
        let mode = p.mode.clone().unwrap_or(Mode::Octal(0o644));
        let (steps, diff) = sources::converge(&dest, found.get(&dest), Some(&text), Some(&mode));
        plan.steps.extend(steps);
        plan.diffs.extend(diff.filter(|_| host.diff_mode()));
        Ok(plan
            .set("repo", text)
            .set("dest", dest)
            .set("key_filename", Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_ansible() {
        assert_eq!(slug("Drover Test_Repo  (local)"), "drover-test-repo-local");
        assert_eq!(slug("docker"), "docker");
    }

    #[test]
    fn urls_are_told_from_paths_and_inline_keys() {
        assert!(is_url("https://example.com/key.asc"));
        assert!(!is_url("/etc/apt/keyrings/x.asc"));
        assert!(!is_url("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQ==\n"));
    }
}
