//! Where a crontab lives on the host (`crontab -l`, the spool file or a `cron.d` file), what it holds
//! now, and how it is written back.

use super::{Params, SPOOL};
use crate::cmd::quote;
use crate::facts::file::{self, FileKind, FileStat, Want};
use crate::files::write::{Attrs, Content, atomic_write};
use crate::{Cmd, CmdOutput, Diff, Host, ModuleError, Plan, Step};

/// Where the crontab lives on this host and what it holds now.
pub(super) struct Target {
    pub(super) kind: TargetKind,
    /// The user whose crontab this is (for a `cron_file`, the file's owner is root).
    pub(super) user: String,
    pub(super) existing: String,
    /// Read with `crontab -l`, whose first lines may be a header to drop.
    pub(super) from_crontab_l: bool,
    pub(super) stat: Option<FileStat>,
    pub(super) header: String,
    pub(super) backup_base: String,
}

pub(super) enum TargetKind {
    CronFile(String),
    Crontab,
    Spool { dir_exists: bool },
}

impl Target {
    pub(super) fn write(&self, text: String) -> Vec<Step> {
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
pub(super) fn as_user(user: &str) -> Cmd {
    Cmd::new(&format!("u={};", quote(user)))
        .syntax("if [ \"$(id -un)\" = \"$u\" ]; then set --; else set -- -u \"$u\"; fi;")
}

pub(super) async fn read_target(p: &Params, host: &mut dyn Host) -> Result<Target, ModuleError> {
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
        .syntax(&crate::system::file_query_of_var("f", want))
        .syntax("; fi");
    let out = host.query(&query).await?;
    parse_user_target(p, &out)
}

pub(super) fn parse_user_target(p: &Params, out: &CmdOutput) -> Result<Target, ModuleError> {
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
pub(super) fn remove_cron_file(p: &Params, target: &Target, diff_mode: bool) -> Plan {
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
