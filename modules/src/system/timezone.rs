//! `timezone` (`community.general.timezone`): the host's time zone. systemd hosts (with
//! `timedatectl`) are set through it; others get `/etc/timezone` (written atomically, with a diff)
//! and the `/etc/localtime` link into `/usr/share/zoneinfo`. One query.

use crate::cmd::quote;
use crate::doc::Written;
use crate::facts::file::{self, Want};
use crate::files::write::{Attrs, Content, atomic_write, content_diff};
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Timezone;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub name: Option<String>,
    /// The hardware clock's zone (`UTC`/`local`): refused for now, with a message, never ignored.
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub hwclock: Option<String>,
}

const TIMEZONE_FILE: &str = "/etc/timezone";
const LOCALTIME: &str = "/etc/localtime";
const ZONEINFO: &str = "/usr/share/zoneinfo";

#[async_trait::async_trait]
impl Module for Timezone {
    type Params = Params;
    const NAME: &'static str = "timezone";
    const DOC: Written = Written {
        description: "The host's time zone (`community.general.timezone`): `timedatectl set-timezone` on systemd hosts, else `/etc/timezone` written atomically and the `/etc/localtime` link into /usr/share/zoneinfo. One query.",
        example: "- community.general.timezone:\n    name: Europe/Berlin\n",
        args: &[
            (
                "name",
                "",
                "The zone, as under /usr/share/zoneinfo (`Etc/UTC`, `Europe/Berlin`); an unknown one fails.",
            ),
            ("hwclock", "", "Not supported yet: refused with a message."),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.hwclock.is_some() {
            return Err(ModuleError::Params(
                "hwclock is not supported yet by drover's timezone module".into(),
            ));
        }
        match p.name.as_deref() {
            None => Err(ModuleError::Params(
                "one of the following is required: name, hwclock".into(),
            )),
            Some(n) if n.is_empty() || n.starts_with('/') || n.split('/').any(|c| c == "..") => {
                Err(ModuleError::Params(format!("invalid timezone name: {n:?}")))
            }
            Some(_) => Ok(()),
        }
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let name = p.name.clone().unwrap_or_default();
        let zone_file = format!("{ZONEINFO}/{name}");
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let query = Cmd::new(&format!(
            "echo @@systemd; [ -d /run/systemd/system ] && command -v timedatectl >/dev/null && timedatectl show -p Timezone --value; \
             echo @@zone; [ -f {} ] && echo yes; echo @@localtime; readlink {LOCALTIME}; echo @@file;",
            quote(&zone_file)
        ))
        .syntax(&file::query(TIMEZONE_FILE, want).to_shell());
        let out = host.query(&query).await?;
        let section = |name: &str| crate::packages::section(&out.stdout, name).unwrap_or_default();
        let first = |name: &str| section(name).first().map(|l| l.trim().to_string());
        if first("zone").as_deref() != Some("yes") {
            return Ok(Plan::fail(format!(
                "given timezone \"{name}\" is not available"
            )));
        }
        let mut plan = Plan::ok().set("name", name.as_str());
        if let Some(current) = first("systemd") {
            plan = plan.set("before", current.as_str());
            if current != name {
                plan.steps
                    .push(Step::run(Cmd::new("timedatectl set-timezone").arg(&name)));
            }
            return Ok(plan);
        }
        let stat = file::parse_section(&out)?;
        let before = file::text_of(stat.as_ref());
        let after = format!("{name}\n");
        if before.split_whitespace().next() != Some(name.as_str()) {
            if host.diff_mode()
                && let Some(diff) =
                    content_diff(TIMEZONE_FILE, Some(before.as_bytes()), after.as_bytes())
            {
                plan.diffs.push(diff);
            }
            plan.steps.push(atomic_write(
                TIMEZONE_FILE,
                Content::new(after.into_bytes()),
                &Attrs::new(Some(crate::de::Mode::Octal(0o644)), None, None),
                stat.as_ref(),
                None,
            ));
        }
        if first("localtime").as_deref() != Some(zone_file.as_str()) {
            plan.steps
                .push(Step::run(Cmd::new("ln -sf").arg(&zone_file).arg(LOCALTIME)));
        }
        Ok(plan.set("before", before.trim()))
    }
}
