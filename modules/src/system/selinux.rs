//! `selinux` (ansible.posix): the SELinux mode and policy in `/etc/selinux/config`, and the running
//! mode through `setenforce`. One query (`getenforce` and the config file). Switching to or from
//! `disabled` needs a reboot, as in Ansible: the result says `reboot_required`.

use crate::doc::Written;
use crate::facts::file::{self, Want};
use crate::files::write::{Attrs, Content, atomic_write, content_diff};
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Selinux;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub state: Mode,
    /// The policy (`targeted`); needed unless `state` is `disabled`.
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub policy: Option<String>,
    #[serde(
        default = "default_config",
        alias = "conf",
        alias = "file",
        deserialize_with = "crate::de::string"
    )]
    pub configfile: String,
    /// Changing the kernel command line (`grubby`) is refused for now.
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub update_kernel_param: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Enforcing,
    Permissive,
    Disabled,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Enforcing => "enforcing",
            Mode::Permissive => "permissive",
            Mode::Disabled => "disabled",
        }
    }

    /// `getenforce`'s word (`Enforcing`, …); anything else (no SELinux tools) is disabled.
    fn from_getenforce(word: &str) -> Mode {
        match word.trim().to_ascii_lowercase().as_str() {
            "enforcing" => Mode::Enforcing,
            "permissive" => Mode::Permissive,
            _ => Mode::Disabled,
        }
    }
}

fn default_config() -> String {
    "/etc/selinux/config".into()
}

#[async_trait::async_trait]
impl Module for Selinux {
    type Params = Params;
    const NAME: &'static str = "selinux";
    const DOC: Written = Written {
        description: "Sets SELinux's mode and policy in its config file and, where it runs, its current mode (`setenforce`).",
        example: "- ansible.posix.selinux:\n    policy: targeted\n    state: permissive\n",
        args: &[
            ("state", "", "`enforcing`, `permissive` or `disabled`."),
            (
                "policy",
                "",
                "The policy (`SELINUXTYPE`); required unless `state` is `disabled`.",
            ),
            (
                "configfile",
                "/etc/selinux/config",
                "The config file (aliases `conf`, `file`); it must exist, as in Ansible.",
            ),
            (
                "update_kernel_param",
                "false",
                "Refused when true for now (Ansible runs `grubby`).",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.update_kernel_param {
            return Err(ModuleError::Params(
                "update_kernel_param is not supported yet".into(),
            ));
        }
        if p.state != Mode::Disabled && p.policy.as_deref().is_none_or(str::is_empty) {
            return Err(ModuleError::Params(format!(
                "Policy is required if state is not 'disabled' (state is {})",
                p.state.as_str()
            )));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        self.validate(&p)?;
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let query = Cmd::new("echo @@running; getenforce 2>/dev/null; echo @@file;")
            .syntax(&file::query(&p.configfile, want).to_shell());
        let out = host.query(&query).await?;
        let running = crate::packages::section(&out.stdout, "running")
            .unwrap_or_default()
            .first()
            .map_or(Mode::Disabled, |w| Mode::from_getenforce(w));
        let Some(stat) = file::parse_section(&out)? else {
            return Ok(Plan::fail(format!(
                "Unable to find file {}. Make sure the selinux-policy-* packages are installed.",
                p.configfile
            )));
        };
        let before = file::text_of(Some(&stat));
        let (after, mut msgs) = edited_config(&before, &p);
        let mut plan = Plan::ok();
        if after != before {
            if host.diff_mode()
                && let Some(diff) =
                    content_diff(&p.configfile, Some(before.as_bytes()), after.as_bytes())
            {
                plan.diffs.push(diff);
            }
            plan.steps.push(atomic_write(
                &p.configfile,
                Content::new(after.into_bytes()),
                &Attrs::default(),
                Some(&stat),
                None,
            ));
        }
        let reboot_required = (running == Mode::Disabled) != (p.state == Mode::Disabled);
        if running != Mode::Disabled && p.state != running {
            // `disabled` takes a reboot; until then the host runs permissive.
            let wanted = if p.state == Mode::Enforcing { "1" } else { "0" };
            if !(p.state == Mode::Disabled && running == Mode::Permissive) {
                plan.steps
                    .push(Step::run(Cmd::new("setenforce").arg(wanted)));
                msgs.push(format!(
                    "SELinux state changed from '{}' to '{}'",
                    running.as_str(),
                    if wanted == "1" {
                        "enforcing"
                    } else {
                        "permissive"
                    }
                ));
            }
        }
        if reboot_required {
            msgs.push("Reboot is required to set SELinux state".into());
        }
        let policy = p.policy.clone().unwrap_or_default();
        Ok(plan
            .set("policy", policy.as_str())
            .set("state", p.state.as_str())
            .set("configfile", p.configfile.as_str())
            .set("reboot_required", reboot_required)
            .set("msg", msgs.join(", ")))
    }
}

/// The config with `SELINUX=` and `SELINUXTYPE=` as asked (each line replaced where it is, added
/// at the end when missing), and what changed, in Ansible's words.
fn edited_config(before: &str, p: &Params) -> (String, Vec<String>) {
    let mut lines: Vec<String> = before.lines().map(str::to_string).collect();
    let mut msgs = Vec::new();
    let mut set = |key: &str, value: &str, msg: &dyn Fn(&str) -> String| {
        let prefix = format!("{key}=");
        let wanted = format!("{key}={value}");
        match lines
            .iter()
            .position(|l| l.trim_start().starts_with(&prefix))
        {
            Some(i) if lines[i].trim() == wanted => {}
            Some(i) => {
                let old = lines[i].trim()[prefix.len()..].to_string();
                msgs.push(msg(&old));
                lines[i] = wanted;
            }
            None => {
                msgs.push(msg(""));
                lines.push(wanted);
            }
        }
    };
    let state = p.state.as_str();
    set("SELINUX", state, &|old| {
        format!("Config SELinux state changed from '{old}' to '{state}'")
    });
    if let Some(policy) = p.policy.as_deref().filter(|s| !s.is_empty()) {
        let file = p.configfile.as_str();
        set("SELINUXTYPE", policy, &|old| {
            format!("SELinux policy configuration in '{file}' changed from '{old}' to '{policy}'")
        });
    }
    let mut text = lines.join("\n");
    text.push('\n');
    (text, msgs)
}
