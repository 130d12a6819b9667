//! `cron`: one named job (`#Ansible: NAME` above its line, exactly as Ansible writes it) or one
//! environment variable in a user's crontab or in a file of `/etc/cron.d`. The crontab is edited on
//! the controller with Ansible's algorithm and written back whole, only when it changes.
//!
//! A user's crontab is read and written with `crontab -l` / `crontab -` when the target has
//! `crontab`. Without it (a host with no cron package, where Ansible fails) the spool file
//! `/var/spool/cron/crontabs/USER` is edited directly, mode 0600, which a cron installed later reads.
//! One query reads the current user, the crontab and how to write it.

use crate::cmd::quote;
use crate::doc::Written;
use crate::facts::file::{self, FileKind, FileStat, Want};
use crate::files::write::{Attrs, Content, atomic_write, backup_name, now_unix};
use crate::{Cmd, CmdOutput, Diff, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use serde_json::json;

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

/// Where the crontab lives on this host and what it holds now.
struct Target {
    kind: TargetKind,
    /// The user whose crontab this is (for a `cron_file`, the file's owner is root).
    user: String,
    existing: String,
    /// Read with `crontab -l`, whose first lines may be a header to drop.
    from_crontab_l: bool,
    stat: Option<FileStat>,
    header: String,
    backup_base: String,
}

enum TargetKind {
    CronFile(String),
    Crontab,
    Spool { dir_exists: bool },
}

impl Target {
    fn write(&self, text: String) -> Vec<Step> {
        match &self.kind {
            TargetKind::CronFile(path) => vec![atomic_write(
                path,
                Content::new(text.into_bytes()),
                &Attrs::default(),
                self.stat.as_ref(),
                None,
            )],
            // Through a verified file, not `crontab -` fed on stdin: input cut short would
            // install a truncated crontab.
            TargetKind::Crontab => {
                let staged = format!("/tmp/.drover-crontab.{}", self.user);
                let attrs = Attrs::new(Some(crate::de::Mode::Octal(0o600)), None, None);
                let install = as_user(&self.user)
                    .syntax(&format!("f={};", quote(&staged)))
                    .syntax("crontab \"$@\" \"$f\"; rc=$?; rm -f -- \"$f\"; exit $rc");
                vec![
                    atomic_write(&staged, Content::new(text.into_bytes()), &attrs, None, None),
                    Step::run(install),
                ]
            }
            TargetKind::Spool { dir_exists } => {
                let mut steps = Vec::new();
                if !dir_exists {
                    steps.push(Step::run(Cmd::new("mkdir -p -m 1730").arg(SPOOL)));
                }
                let attrs = Attrs::new(
                    Some(crate::de::Mode::Octal(0o600)),
                    Some(self.user.clone()),
                    None,
                );
                steps.push(atomic_write(
                    &format!("{SPOOL}/{}", self.user),
                    Content::new(text.into_bytes()),
                    &attrs,
                    self.stat.as_ref(),
                    None,
                ));
                steps
            }
        }
    }
}

/// `crontab`'s arguments for `user`: `-u USER` only for another user than the one connected (an
/// unprivileged user may not pass `-u` even for themselves).
fn as_user(user: &str) -> Cmd {
    Cmd::new(&format!("u={};", quote(user)))
        .syntax("if [ \"$(id -un)\" = \"$u\" ]; then set --; else set -- -u \"$u\"; fi;")
}

async fn read_target(p: &Params, host: &mut dyn Host) -> Result<Target, ModuleError> {
    let want = Want {
        content: true,
        follow: true,
        ..Want::default()
    };
    if let Some(path) = p.cron_path() {
        let stat = file::parse(&host.query(&file::query(&path, want)).await?)?;
        if stat.as_ref().is_some_and(|s| s.kind != FileKind::File) {
            return Err(ModuleError::Failed(format!("{path} is not a regular file")));
        }
        return Ok(Target {
            existing: file::text_of(stat.as_ref()),
            kind: TargetKind::CronFile(path.clone()),
            user: p.user.clone().unwrap_or_default(),
            from_crontab_l: false,
            stat,
            header: path.clone(),
            backup_base: path,
        });
    }
    let query = Cmd::new(&format!("u={};", quote(p.user.as_deref().unwrap_or(""))))
        .syntax(
            "[ -n \"$u\" ] || u=$(id -un); echo @@user; echo \"$u\"; \
             if command -v crontab >/dev/null 2>&1; then \
             if [ \"$(id -un)\" = \"$u\" ]; then set --; else set -- -u \"$u\"; fi; \
             echo @@crontab; crontab \"$@\" -l 2>/dev/null | base64; \
             else echo @@spool; [ -d",
        )
        .arg(SPOOL)
        .syntax("] || echo nodir;")
        .syntax(&format!("f={SPOOL}/\"$u\";"))
        .syntax(&super::file_query_of_var("f", want))
        .syntax("; fi");
    let out = host.query(&query).await?;
    parse_user_target(p, &out)
}

fn parse_user_target(p: &Params, out: &CmdOutput) -> Result<Target, ModuleError> {
    let stdout = out.stdout.as_str();
    let user = crate::packages::section(stdout, "user")
        .and_then(|l| l.first().map(|u| u.trim().to_string()))
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ModuleError::Failed(format!("could not read the crontab: {stdout:?}")))?;
    let header = match &p.user {
        Some(u) => format!("crontab for user \"{u}\""),
        None => "crontab".to_string(),
    };
    let backup_base = format!("/tmp/crontab.{user}");
    if let Some(lines) = crate::packages::section(stdout, "crontab") {
        let bytes = crate::de::base64_decode(&lines.concat()).unwrap_or_default();
        return Ok(Target {
            kind: TargetKind::Crontab,
            user,
            existing: String::from_utf8_lossy(&bytes).into_owned(),
            from_crontab_l: true,
            stat: None,
            header,
            backup_base,
        });
    }
    let spool = crate::packages::section(stdout, "spool").unwrap_or_default();
    let dir_exists = spool.first().is_none_or(|l| l.trim() != "nodir");
    let file_lines: Vec<&str> = spool
        .into_iter()
        .skip_while(|l| l.trim() == "nodir")
        .collect();
    let stat = file::parse(&CmdOutput {
        stdout: file_lines.join("\n"),
        ..out.clone()
    })?;
    Ok(Target {
        kind: TargetKind::Spool { dir_exists },
        user,
        existing: file::text_of(stat.as_ref()),
        from_crontab_l: false,
        stat,
        header,
        backup_base,
    })
}

/// `state: absent` emptied a `cron_file`: the file goes (Ansible's `remove_job_file`).
fn remove_cron_file(p: &Params, target: &Target, diff_mode: bool) -> Plan {
    let mut plan = Plan::ok().set("state", "absent");
    if let Some(f) = &p.cron_file {
        plan = plan.set("cron_file", f.as_str());
    }
    let TargetKind::CronFile(path) = &target.kind else {
        return plan;
    };
    if target.stat.is_none() {
        return plan;
    }
    if diff_mode {
        plan.diffs.push(Diff {
            before_header: path.clone(),
            after_header: "/dev/null".into(),
            before: target.existing.clone(),
            after: String::new(),
        });
    }
    plan.steps
        .push(Step::run(Cmd::new("rm -f --").arg(path.as_str())));
    plan
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

#[derive(Debug, PartialEq, Eq)]
enum Found {
    No,
    /// The line under the job's `#Ansible:` header.
    Named(String),
    /// The exact job line without a header: a header was put above it.
    Adopted,
}

/// A crontab's lines, edited as Ansible's `CronTab` class does.
struct CronTab {
    lines: Vec<String>,
}

impl CronTab {
    /// `crontab -l` of some crons starts with up to three lines of header (`DO NOT EDIT THIS FILE`,
    /// the temp file it was installed from, the cron version): they are not part of the crontab.
    fn parse(text: &str, from_crontab_l: bool) -> Self {
        let lines = text
            .lines()
            .enumerate()
            .filter(|(i, l)| !(from_crontab_l && *i <= 2 && is_crontab_l_header(l)))
            .map(|(_, l)| l.to_string())
            .collect();
        CronTab { lines }
    }

    fn find_job(&mut self, name: &str, job: Option<&str>) -> Found {
        let mut comment: Option<&str> = None;
        for line in &self.lines {
            if let Some(c) = comment {
                if c == name {
                    return Found::Named(line.clone());
                }
                comment = None;
            } else if let Some(rest) = line.strip_prefix(HEADER) {
                comment = Some(rest);
            }
        }
        let Some(job) = job else {
            return Found::No;
        };
        let Some(i) = self.lines.iter().position(|l| l == job) else {
            return Found::No;
        };
        // Python's lines[i - 1] for i == 0 is the last line.
        let above = if i == 0 {
            self.lines.last()
        } else {
            self.lines.get(i - 1)
        };
        if !above.is_some_and(|l| l.starts_with(HEADER)) {
            self.lines.insert(i, format!("{HEADER}{name}"));
            return Found::Adopted;
        }
        if above.is_some_and(|l| l == &format!("{HEADER}None")) {
            let at = if i == 0 { self.lines.len() - 1 } else { i - 1 };
            self.lines[at] = format!("{HEADER}{name}");
            return Found::Adopted;
        }
        Found::No
    }

    /// Replaces the line under the job's header by `job` (header kept), or drops both.
    fn replace_job(&mut self, name: &str, job: Option<&str>) {
        let header = format!("{HEADER}{name}");
        let mut out = Vec::with_capacity(self.lines.len() + 1);
        let mut under_header = false;
        for line in self.lines.drain(..) {
            if under_header {
                if let Some(job) = job {
                    out.push(header.clone());
                    out.push(job.to_string());
                }
                under_header = false;
            } else if line == header {
                under_header = true;
            } else {
                out.push(line);
            }
        }
        self.lines = out;
    }

    fn find_env(&self, name: &str) -> Option<(usize, String)> {
        let prefix = format!("{name}=");
        self.lines
            .iter()
            .position(|l| l.starts_with(&prefix))
            .map(|i| (i, self.lines[i].clone()))
    }

    fn add_env(&mut self, decl: String, p: &Params) -> Result<(), ModuleError> {
        let Some(other) = p.insertafter.as_ref().or(p.insertbefore.as_ref()) else {
            self.lines.insert(0, decl);
            return Ok(());
        };
        let Some((at, _)) = self.find_env(other) else {
            return Err(ModuleError::Failed(format!(
                "Variable named '{other}' not found."
            )));
        };
        let at = if p.insertafter.is_some() { at + 1 } else { at };
        self.lines.insert(at, decl);
        Ok(())
    }

    /// Every declaration of `name` replaced by `decl`, or removed.
    fn replace_env(&mut self, name: &str, decl: Option<&str>) {
        let prefix = format!("{name}=");
        let lines = std::mem::take(&mut self.lines);
        self.lines = lines
            .into_iter()
            .filter_map(|l| {
                if l.starts_with(&prefix) {
                    decl.map(str::to_string)
                } else {
                    Some(l)
                }
            })
            .collect();
    }

    fn is_empty(&self) -> bool {
        self.lines.iter().all(|l| l.trim().is_empty())
    }

    fn job_names(&self) -> serde_json::Value {
        json!(
            self.lines
                .iter()
                .filter_map(|l| l.strip_prefix(HEADER))
                .collect::<Vec<_>>()
        )
    }

    fn env_names(&self) -> serde_json::Value {
        let names: Vec<&str> = self
            .lines
            .iter()
            .filter(|l| {
                l.split_once('=')
                    .is_some_and(|(k, _)| !k.is_empty() && !k.contains(char::is_whitespace))
            })
            .filter_map(|l| l.split('=').next())
            .collect();
        json!(names)
    }

    fn render(&self) -> String {
        let text = self.lines.join("\n");
        if text.is_empty() {
            return text;
        }
        format!("{}\n", text.trim_end_matches(['\r', '\n']))
    }
}

fn is_crontab_l_header(line: &str) -> bool {
    line.starts_with("# DO NOT EDIT THIS FILE - edit the master and reinstall.")
        || (line.starts_with("# (/tmp/") && line.contains("installed on"))
        || (line.starts_with("# (") && line.contains("version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tab(text: &str) -> CronTab {
        CronTab::parse(text, false)
    }

    #[test]
    fn a_job_line_without_header_is_adopted_under_its_name() {
        let mut t = tab("MAILTO=root\n0 5 * * * backup\n");
        assert_eq!(
            t.find_job("nightly", Some("0 5 * * * backup")),
            Found::Adopted
        );
        assert_eq!(
            t.lines,
            vec!["MAILTO=root", "#Ansible: nightly", "0 5 * * * backup"]
        );
    }

    #[test]
    fn replacing_a_job_keeps_its_place() {
        let mut t = tab("#Ansible: a\n1 * * * * a\n#Ansible: b\n2 * * * * b\n");
        t.replace_job("a", Some("3 * * * * a"));
        assert_eq!(
            t.render(),
            "#Ansible: a\n3 * * * * a\n#Ansible: b\n2 * * * * b\n"
        );
        t.replace_job("a", None);
        assert_eq!(t.render(), "#Ansible: b\n2 * * * * b\n");
    }

    #[test]
    fn crontab_l_header_lines_are_dropped() {
        let t = CronTab::parse(
            "# DO NOT EDIT THIS FILE - edit the master and reinstall.\n# (/tmp/crontab.x installed on Mon)\n# (Cron version -- $Id$)\n* * * * * x\n",
            true,
        );
        assert_eq!(t.lines, vec!["* * * * * x"]);
    }
}
