//! `sysctl` (`ansible.posix.sysctl`): a kernel parameter in a sysctl file (`key=value`, written
//! atomically), optionally set live with `sysctl -w`, the file reloaded with `sysctl -p` after a
//! change. One query reads the file and the live value.

use crate::doc::Written;
use crate::facts::file::{self, FileKind, Want};
use crate::files::write::{Attrs, Content, atomic_write, content_diff};
use crate::{Cmd, CmdOutput, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Sysctl;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "key", deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default, alias = "val", deserialize_with = "crate::de::opt_string")]
    pub value: Option<String>,
    #[serde(default)]
    pub state: super::user::Presence,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub ignoreerrors: bool,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub reload: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub sysctl_file: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub sysctl_set: bool,
}

const DEFAULT_FILE: &str = "/etc/sysctl.conf";

impl Params {
    fn file(&self) -> &str {
        self.sysctl_file.as_deref().unwrap_or(DEFAULT_FILE)
    }
    fn present(&self) -> bool {
        self.state == super::user::Presence::Present
    }
    /// The value as the kernel shows it: booleans as 1/0, runs of blanks as one space (Ansible's
    /// `_parse_value`).
    fn wanted(&self) -> String {
        let value = self.value.as_deref().unwrap_or("");
        match value.trim().to_ascii_lowercase().as_str() {
            "yes" | "true" | "on" => "1".into(),
            "no" | "false" | "off" => "0".into(),
            _ => normal(value),
        }
    }
}

fn normal(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[async_trait::async_trait]
impl Module for Sysctl {
    type Params = Params;
    const NAME: &'static str = "sysctl";
    const DOC: Written = Written {
        description: "Sets a kernel parameter in a sysctl file and, with `reload`, in the running kernel.",
        example: "- sysctl:\n    name: net.ipv4.ip_forward\n    value: '1'\n    sysctl_set: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "value",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "ignoreerrors",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "reload",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "sysctl_file",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "sysctl_set",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.name.trim().is_empty() || p.name.contains(['=', '\n', ' ']) {
            return Err(ModuleError::Params(format!(
                "invalid sysctl name: {:?}",
                p.name
            )));
        }
        if p.present() && p.value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            return Err(ModuleError::Params("value cannot be None".into()));
        }
        if p.value.as_deref().is_some_and(|v| v.contains('\n')) {
            return Err(ModuleError::Params("value cannot contain a newline".into()));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let query = file::query(p.file(), want).then(
            Cmd::new("echo @@live;")
                .syntax("sysctl -n")
                .arg(&p.name)
                .syntax("2>/dev/null || echo @@no-key"),
        );
        let out = host.query(&query).await?;
        let (file_part, live) = out
            .stdout
            .split_once("@@live\n")
            .unwrap_or((out.stdout.as_str(), "@@no-key"));
        let stat = file::parse(&CmdOutput {
            stdout: file_part.to_string(),
            ..out.clone()
        })?;
        if stat.as_ref().is_some_and(|s| s.kind != FileKind::File) {
            return Ok(Plan::fail(format!("{} is not a regular file", p.file())));
        }
        let live = live.trim();
        if live == "@@no-key" && p.present() && !p.ignoreerrors {
            return Ok(Plan::fail(format!(
                "setting {} failed: the key is unknown to this kernel",
                p.name
            )));
        }
        let before = file::text_of(stat.as_ref());
        let after = edited(&before, &p);
        let mut plan = Plan::ok();
        if after != before || stat.is_none() && p.present() {
            if host.diff_mode()
                && let Some(diff) =
                    content_diff(p.file(), Some(before.as_bytes()), after.as_bytes())
            {
                plan.diffs.push(diff);
            }
            plan.steps.push(atomic_write(
                p.file(),
                Content::new(after.into_bytes()),
                &Attrs::default(),
                stat.as_ref(),
                None,
            ));
        }
        if p.present() && p.sysctl_set && normal(live) != p.wanted() {
            plan.steps.push(Step::run(Cmd::new("sysctl -w").arg(format!(
                "{}={}",
                p.name,
                p.wanted()
            ))));
        }
        if p.reload && plan.changes() {
            let flag = if p.ignoreerrors {
                "sysctl -e -p"
            } else {
                "sysctl -p"
            };
            plan.steps.push(Step::run(Cmd::new(flag).arg(p.file())));
        }
        Ok(plan)
    }
}

/// The file with `name` set to the value (its first line replaced, later ones dropped, else a line
/// appended), or every line of `name` removed.
fn edited(content: &str, p: &Params) -> String {
    let key = p.name.trim();
    let mut out = Vec::new();
    let mut done = false;
    for line in content.lines() {
        let is_key = line
            .trim_start()
            .split_once('=')
            .is_some_and(|(k, _)| !line.trim_start().starts_with(['#', ';']) && k.trim() == key);
        if !is_key {
            out.push(line.to_string());
            continue;
        }
        if p.present() && !done {
            let current = line
                .split_once('=')
                .map(|(_, v)| normal(v))
                .unwrap_or_default();
            out.push(if current == p.wanted() {
                line.to_string()
            } else {
                format!("{key}={}", p.wanted())
            });
            done = true;
        }
    }
    if p.present() && !done {
        out.push(format!("{key}={}", p.wanted()));
    }
    let mut text = out.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    if text.trim().is_empty() && content.trim().is_empty() {
        return content.to_string();
    }
    text
}
