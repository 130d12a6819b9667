//! `cron`: one named job (`#Ansible: NAME` above its line, exactly as Ansible writes it) or one
//! environment variable in a user's crontab or in a file of `/etc/cron.d`. The crontab is edited on
//! the controller with Ansible's algorithm and written back whole, only when it changes.
//!
//! A user's crontab is read and written with `crontab -l` / `crontab -` when the target has
//! `crontab`. Without it (a host with no cron package, where Ansible fails) the spool file
//! `/var/spool/cron/crontabs/USER` is edited directly, mode 0600, which a cron installed later reads.
//! One query reads the current user, the crontab and how to write it.

mod crontab;
mod target;

use crate::doc::Written;
use crate::files::write::{Attrs, Content, atomic_write, backup_name, now_unix};
use crate::{Diff, Host, Module, ModuleError, Plan};
use crontab::{CronTab, Found};
use serde::Deserialize;
use target::{read_target, remove_cron_file};

pub struct Cron;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub user: Option<String>,
    #[serde(default, alias = "value", deserialize_with = "crate::de::opt_string")]
    pub job: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub cron_file: Option<String>,
    #[serde(default)]
    pub state: super::user::Presence,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub backup: bool,
    #[serde(default = "star", deserialize_with = "crate::de::string")]
    pub minute: String,
    #[serde(default = "star", deserialize_with = "crate::de::string")]
    pub hour: String,
    #[serde(
        default = "star",
        alias = "dom",
        deserialize_with = "crate::de::string"
    )]
    pub day: String,
    #[serde(default = "star", deserialize_with = "crate::de::string")]
    pub month: String,
    #[serde(
        default = "star",
        alias = "dow",
        deserialize_with = "crate::de::string"
    )]
    pub weekday: String,
    #[serde(default)]
    pub special_time: Option<SpecialTime>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub disabled: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub env: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub insertafter: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub insertbefore: Option<String>,
}

fn star() -> String {
    "*".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpecialTime {
    Reboot,
    Yearly,
    Annually,
    Monthly,
    Weekly,
    Daily,
    Hourly,
}

impl SpecialTime {
    fn word(self) -> &'static str {
        match self {
            SpecialTime::Reboot => "reboot",
            SpecialTime::Yearly => "yearly",
            SpecialTime::Annually => "annually",
            SpecialTime::Monthly => "monthly",
            SpecialTime::Weekly => "weekly",
            SpecialTime::Daily => "daily",
            SpecialTime::Hourly => "hourly",
        }
    }
}

const HEADER: &str = "#Ansible: ";
const CRON_D: &str = "/etc/cron.d";
const SPOOL: &str = "/var/spool/cron/crontabs";

impl Params {
    fn present(&self) -> bool {
        self.state == super::user::Presence::Present
    }

    /// `cron_file` as a path: a bare name lives in `/etc/cron.d`.
    fn cron_path(&self) -> Option<String> {
        self.cron_file.as_ref().map(|f| {
            if f.starts_with('/') {
                f.clone()
            } else {
                format!("{CRON_D}/{f}")
            }
        })
    }

    /// The job's line as Ansible renders it (a `cron_file` line names the user).
    fn job_line(&self) -> String {
        let job = self.job.as_deref().unwrap_or("").trim_matches(['\r', '\n']);
        let disabled = if self.disabled { "#" } else { "" };
        let user = match (&self.cron_file, &self.user) {
            (Some(_), Some(u)) => format!("{u} "),
            _ => String::new(),
        };
        match self.special_time {
            Some(special) => format!("{disabled}@{} {user}{job}", special.word()),
            None => format!(
                "{disabled}{} {} {} {} {} {user}{job}",
                self.minute, self.hour, self.day, self.month, self.weekday
            ),
        }
    }
}

#[async_trait::async_trait]
impl Module for Cron {
    type Params = Params;
    const NAME: &'static str = "cron";
    const DOC: Written = Written {
        description: "Manages one named job (`#Ansible: NAME` above its line) or one environment variable in a user's crontab or a file of `/etc/cron.d`; without `crontab` on the target, the spool file `/var/spool/cron/crontabs/USER` is edited.",
        example: "- cron:\n    name: nightly backup\n    minute: '0'\n    hour: '3'\n    job: /usr/local/bin/backup\n",
        args: &[
            (
                "name",
                "",
                "The job's name, written as `#Ansible: NAME` above its line; with `env`, the variable's name.",
            ),
            (
                "user",
                "connected user",
                "Whose crontab; required with `cron_file` (the file's lines name the user).",
            ),
            (
                "job",
                "",
                "The command (or, with `env`, the variable's value). Required with `state: present`.",
            ),
            (
                "cron_file",
                "",
                "A file in `/etc/cron.d` (or an absolute path) instead of the user's crontab; removed when its last job goes.",
            ),
            ("state", "present", "`present` or `absent`."),
            (
                "backup",
                "false",
                "Keep a copy of the crontab as it was before a change; its path is `backup_file`.",
            ),
            ("minute", "*", "Minute field."),
            ("hour", "*", "Hour field."),
            ("day", "*", "Day-of-month field."),
            ("month", "*", "Month field."),
            ("weekday", "*", "Day-of-week field."),
            (
                "special_time",
                "",
                "`@reboot`, `@daily`, … instead of the five time fields.",
            ),
            (
                "disabled",
                "false",
                "Write the job commented out (`#` before its line).",
            ),
            (
                "env",
                "false",
                "Manage an environment variable line `NAME=\"job\"` instead of a job.",
            ),
            (
                "insertafter",
                "",
                "With `env`: a new variable goes after this variable's line.",
            ),
            (
                "insertbefore",
                "",
                "With `env`: a new variable goes before this variable's line.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let err = |m: &str| Err(ModuleError::Params(m.into()));
        if p.insertafter.is_some() && p.insertbefore.is_some() {
            return err("parameters are mutually exclusive: insertafter|insertbefore");
        }
        if p.cron_file.as_deref() == Some("/etc/crontab") {
            return err("Will not manage /etc/crontab via cron_file, see documentation.");
        }
        let times = [&p.minute, &p.hour, &p.day, &p.month, &p.weekday];
        if p.special_time.is_some() && times.iter().any(|t| t.as_str() != "*") {
            return err(
                "You cannot combine special_time with any of the time or day/date parameters.",
            );
        }
        if p.present() {
            if p.cron_file.is_some() && p.user.is_none() {
                return err("To use cron_file=... parameter you must specify user=... as well");
            }
            if p.job.is_none() {
                return err("You must specify 'job' to install a new cron job or variable");
            }
            if (p.insertafter.is_some() || p.insertbefore.is_some()) && !p.env {
                return err("Insertafter and insertbefore parameters are valid only with env=yes");
            }
        }
        if p.env && p.name.contains(' ') {
            return err("Invalid name for environment variable");
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let target = read_target(&p, host).await?;
        let mut tab = CronTab::parse(&target.existing, target.from_crontab_l);
        let edit = if p.env {
            edit_env(&mut tab, &p)?
        } else {
            edit_job(&mut tab, &p)
        };
        let mut changed = edit == Edit::Changed;
        if edit == Edit::RemoveFile {
            return Ok(remove_cron_file(&p, &target, host.diff_mode()));
        }
        if !changed && !target.existing.is_empty() && !target.existing.ends_with(['\r', '\n']) {
            changed = true;
        }
        let mut plan = Plan::ok()
            .set("jobs", tab.job_names())
            .set("envs", tab.env_names());
        if let Some(f) = &p.cron_file {
            plan = plan.set("cron_file", f.as_str());
        }
        if !changed {
            return Ok(plan);
        }
        let after = tab.render();
        if host.diff_mode() {
            plan.diffs.push(Diff {
                before_header: target.header.clone(),
                after_header: target.header.clone(),
                before: target.existing.clone(),
                after: after.clone(),
            });
        }
        if p.backup {
            let backup = backup_name(&target.backup_base, now_unix());
            plan.steps.push(atomic_write(
                &backup,
                Content::new(target.existing.clone().into_bytes()),
                &Attrs::new(Some(crate::de::Mode::Octal(0o600)), None, None),
                None,
                None,
            ));
            plan = plan.set("backup_file", backup);
        }
        plan.steps.extend(target.write(after));
        Ok(plan)
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Edit {
    Unchanged,
    Changed,
    /// The job went and left a `cron_file` with nothing in it.
    RemoveFile,
}

fn edit_job(tab: &mut CronTab, p: &Params) -> Edit {
    if !p.present() {
        if tab.find_job(&p.name, None) == Found::No {
            return Edit::Unchanged;
        }
        tab.replace_job(&p.name, None);
        if p.cron_file.is_some() && tab.is_empty() {
            return Edit::RemoveFile;
        }
        return Edit::Changed;
    }
    let line = p.job_line();
    match tab.find_job(&p.name, Some(&line)) {
        Found::No => {
            tab.lines.push(format!("{HEADER}{}", p.name));
            tab.lines.push(line);
            Edit::Changed
        }
        Found::Named(old) if old == line => Edit::Unchanged,
        Found::Named(_) | Found::Adopted => {
            tab.replace_job(&p.name, Some(&line));
            Edit::Changed
        }
    }
}

fn edit_env(tab: &mut CronTab, p: &Params) -> Result<Edit, ModuleError> {
    let decl = format!("{}=\"{}\"", p.name, p.job.as_deref().unwrap_or(""));
    let old = tab.find_env(&p.name);
    if !p.present() {
        if old.is_none() {
            return Ok(Edit::Unchanged);
        }
        tab.replace_env(&p.name, None);
        return Ok(Edit::Changed);
    }
    match old {
        None => {
            tab.add_env(decl, p)?;
            Ok(Edit::Changed)
        }
        Some((_, line)) if line == decl => Ok(Edit::Unchanged),
        Some(_) => {
            tab.replace_env(&p.name, Some(&decl));
            Ok(Edit::Changed)
        }
    }
}
