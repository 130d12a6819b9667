//! `hostname`: the host's name, now and after a reboot. systemd hosts (with `hostnamectl`) are set
//! through it; others get `/etc/hostname` (written atomically) and `hostname NAME`. One query.

use crate::doc::Written;
use crate::facts::file::{self, Want};
use crate::files::write::{Attrs, Content, atomic_write, content_diff};
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use serde_json::json;

pub struct Hostname;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    /// The strategy: `systemd`, or a file-based one (`debian`, `alpine`, `generic`, …); detected
    /// when not given.
    #[serde(default, rename = "use", deserialize_with = "crate::de::opt_string")]
    pub use_: Option<String>,
}

const HOSTNAME_FILE: &str = "/etc/hostname";

#[async_trait::async_trait]
impl Module for Hostname {
    type Params = Params;
    const NAME: &'static str = "hostname";
    const DOC: Written = Written {
        description: "Sets the host's name (the running name and the file that keeps it).",
        example: "- hostname:\n    name: web01\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `hostname` documentation; drover takes it with the same meaning.",
            ),
            (
                "use",
                "",
                "See Ansible's `hostname` documentation; drover takes it with the same meaning.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let valid = !p.name.is_empty()
            && p.name.len() <= 253
            && !p.name.starts_with(['-', '.'])
            && p.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
        if valid {
            Ok(())
        } else {
            Err(ModuleError::Params(format!(
                "invalid hostname: {:?}",
                p.name
            )))
        }
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let query = Cmd::new("echo @@current; hostname; echo @@systemd; [ -d /run/systemd/system ] && command -v hostnamectl >/dev/null && hostnamectl --static; echo @@file;")
            .syntax(&file::query(HOSTNAME_FILE, want).to_shell());
        let out = host.query(&query).await?;
        let section = |name: &str| crate::packages::section(&out.stdout, name).unwrap_or_default();
        let current = section("current")
            .first()
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let systemd_static = section("systemd").first().map(|s| s.trim().to_string());
        let systemd = match p.use_.as_deref() {
            Some("systemd") => true,
            Some(_) => false,
            None => systemd_static.is_some(),
        };
        let mut plan = Plan::ok().set("name", p.name.as_str());
        if systemd {
            if systemd_static.as_deref() != Some(p.name.as_str()) || current != p.name {
                plan.steps
                    .push(Step::run(Cmd::new("hostnamectl set-hostname").arg(&p.name)));
            }
        } else {
            let stat = file::parse_section(&out)?;
            let before = file::text_of(stat.as_ref());
            let after = format!("{}\n", p.name);
            if before.trim() != p.name {
                if host.diff_mode()
                    && let Some(diff) =
                        content_diff(HOSTNAME_FILE, Some(before.as_bytes()), after.as_bytes())
                {
                    plan.diffs.push(diff);
                }
                plan.steps.push(atomic_write(
                    HOSTNAME_FILE,
                    Content::new(after.into_bytes()),
                    &Attrs::default(),
                    stat.as_ref(),
                    None,
                ));
            }
            if current != p.name {
                plan.steps
                    .push(Step::run(Cmd::new("hostname").arg(&p.name)));
            }
        }
        let short = p.name.split('.').next().unwrap_or(&p.name);
        let domain = p.name.split_once('.').map_or("", |(_, d)| d);
        Ok(plan.set(
            "ansible_facts",
            json!({
                "ansible_hostname": short,
                "ansible_nodename": p.name,
                "ansible_fqdn": p.name,
                "ansible_domain": domain,
            }),
        ))
    }
}
