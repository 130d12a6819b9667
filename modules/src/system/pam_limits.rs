//! `pam_limits` (`community.general.pam_limits`): one `DOMAIN TYPE ITEM VALUE` line of a PAM limits
//! file (`/etc/security/limits.conf`), edited by community.general's rules: every line with the same
//! domain, type and item gets the value (or keeps the larger/smaller one with `use_max`/`use_min`),
//! a missing one is appended tab-separated with its `#comment`. One query reads the file; the write
//! is the atomic one, with a diff and an optional backup.

use crate::doc::Written;
use crate::facts::file::{self, FileKind, Want};
use crate::files::write::{Attrs, Content, atomic_write, backup_name, content_diff, now_unix};
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;

pub struct PamLimits;

const ITEMS: &[&str] = &[
    "core",
    "data",
    "fsize",
    "memlock",
    "nofile",
    "rss",
    "stack",
    "cpu",
    "nproc",
    "as",
    "maxlogins",
    "maxsyslogins",
    "priority",
    "locks",
    "sigpending",
    "msgqueue",
    "nice",
    "rtprio",
    "chroot",
];
const TYPES: &[&str] = &["hard", "soft", "-"];
const UNLIMITED: &[&str] = &["unlimited", "infinity", "-1"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub domain: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub limit_type: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub limit_item: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub value: String,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub use_max: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub use_min: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub backup: bool,
    #[serde(default = "default_dest", deserialize_with = "crate::de::string")]
    pub dest: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub comment: Option<String>,
}

fn default_dest() -> String {
    "/etc/security/limits.conf".into()
}

#[async_trait::async_trait]
impl Module for PamLimits {
    type Params = Params;
    const NAME: &'static str = "pam_limits";
    const DOC: Written = Written {
        description: "One PAM limit (`community.general.pam_limits`): the `DOMAIN TYPE ITEM VALUE` line of a limits file set by community.general's rules (every matching line gets the value, `use_max`/`use_min` keep the larger/smaller, a missing line is appended tab-separated with its `#comment`), written atomically with a diff and an optional backup. One query.",
        example: "- community.general.pam_limits:\n    domain: '@deploy'\n    limit_type: soft\n    limit_item: nofile\n    value: 64000\n",
        args: &[
            ("domain", "", "A user, `@group`, `*` or a UID/GID range."),
            ("limit_type", "", "`hard`, `soft` or `-` (both)."),
            (
                "limit_item",
                "",
                "The limit: `core`, `data`, `fsize`, `memlock`, `nofile`, `rss`, `stack`, `cpu`, `nproc`, `as`, `maxlogins`, `maxsyslogins`, `priority`, `locks`, `sigpending`, `msgqueue`, `nice`, `rtprio`, `chroot`.",
            ),
            (
                "value",
                "",
                "`unlimited`, `infinity`, `-1` or a number ≥ 0; -20…19 for `nice` and `priority`.",
            ),
            (
                "use_max",
                "false",
                "Keep the file's value when it is larger (unlimited is largest).",
            ),
            (
                "use_min",
                "false",
                "Keep the file's value when it is smaller.",
            ),
            (
                "backup",
                "false",
                "Keep a timestamped copy of the file before changing it (`backup_file` in the result).",
            ),
            (
                "dest",
                "/etc/security/limits.conf",
                "The limits file; created when missing (its directory must exist).",
            ),
            (
                "comment",
                "",
                "Written after the limit as `#comment`; without it a changed line keeps its own.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let choice = |name: &str, value: &str, choices: &[&str]| {
            if choices.contains(&value) {
                Ok(())
            } else {
                Err(ModuleError::Params(format!(
                    "value of {name} must be one of: {}, got: {value}",
                    choices.join(", ")
                )))
            }
        };
        choice("limit_type", &p.limit_type, TYPES)?;
        choice("limit_item", &p.limit_item, ITEMS)?;
        if p.use_max && p.use_min {
            return Err(ModuleError::Params(
                "Cannot use use_min and use_max at the same time.".into(),
            ));
        }
        if p.domain.trim().is_empty() || p.domain.contains(char::is_whitespace) {
            return Err(ModuleError::Params(format!(
                "invalid domain: {:?}",
                p.domain
            )));
        }
        value_problem(&p.limit_item, &p.value, "").map_or(Ok(()), |m| Err(ModuleError::Params(m)))
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let query = file::query(&p.dest, want)
            .then(Cmd::new("echo @@dir;").syntax("[ -d \"$(dirname -- \"$p\")\" ] && echo yes"));
        let out = host.query(&query).await?;
        let (file_part, dir) = out
            .stdout
            .split_once("@@dir\n")
            .unwrap_or((out.stdout.as_str(), ""));
        let stat = file::parse(&crate::CmdOutput {
            stdout: file_part.to_string(),
            ..out.clone()
        })?;
        if stat.as_ref().is_some_and(|s| s.kind != FileKind::File) {
            return Ok(Plan::fail(format!("{} is not a regular file", p.dest)));
        }
        if stat.is_none() && dir.trim() != "yes" {
            let parent = p.dest.rsplit_once('/').map_or("", |(d, _)| d);
            return Ok(Plan::fail(format!(
                "directory {parent} is not writable (check presence, access rights, use sudo)"
            )));
        }
        let before = file::text_of(stat.as_ref());
        let (after, msg) = match edited(&before, &p) {
            Ok(edit) => edit,
            Err(problem) => return Ok(Plan::fail(problem)),
        };
        let mut plan = Plan::ok().set("msg", msg.as_str());
        if after == before && stat.is_some() {
            return Ok(plan);
        }
        let backup = (p.backup && stat.is_some()).then(|| backup_name(&p.dest, now_unix()));
        if let Some(b) = &backup {
            plan = plan.set("backup_file", b.as_str());
        }
        if host.diff_mode()
            && let Some(diff) = content_diff(&p.dest, Some(before.as_bytes()), after.as_bytes())
        {
            plan.diffs.push(diff);
        }
        plan.steps.push(atomic_write(
            &p.dest,
            Content::new(after.into_bytes()),
            &Attrs::default(),
            stat.as_ref(),
            backup.as_deref(),
        ));
        Ok(plan)
    }
}

/// Why `value` is no valid value of `item` (the module's `_assert_is_valid_value`).
fn value_problem(item: &str, value: &str, prefix: &str) -> Option<String> {
    if item == "nice" || item == "priority" {
        let valid = value.parse::<i64>().is_ok_and(|v| (-20..=19).contains(&v));
        return (!valid).then(|| {
            format!(
                "{prefix}Value of {value:?} for item {item:?} is invalid. Value must be a number in the range -20 to 19 inclusive. \
                 Refer to the limits.conf(5) manual pages for more details."
            )
        });
    }
    let valid = UNLIMITED.contains(&value)
        || (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()));
    (!valid).then(|| {
        format!(
            "{prefix}Value of {value:?} for item {item:?} is invalid. Value must either be 'unlimited', 'infinity' or -1, all of \
             which indicate no limit, or a limit of 0 or larger. Refer to the limits.conf(5) manual pages for more details."
        )
    })
}

/// The value kept with `use_max`/`use_min` when the file holds `actual` (community.general's rules:
/// an unlimited value is the largest; `nice`/`priority` compare as numbers).
fn resulting_value(p: &Params, actual: &str) -> String {
    let numeric = p.limit_item == "nice" || p.limit_item == "priority";
    let unlimited = |v: &str| !numeric && UNLIMITED.contains(&v);
    let (have, want) = (actual.parse::<i64>().ok(), p.value.parse::<i64>().ok());
    if p.use_max {
        if unlimited(actual) {
            return actual.into();
        }
        if unlimited(&p.value) {
            return p.value.clone();
        }
        if let (Some(h), Some(w)) = (have, want) {
            return h.max(w).to_string();
        }
    }
    if p.use_min {
        match (unlimited(actual), unlimited(&p.value)) {
            (true, true) => return actual.into(),
            (true, false) => return p.value.clone(),
            (false, true) => return actual.into(),
            _ => {}
        }
        if let (Some(h), Some(w)) = (have, want) {
            return h.min(w).to_string();
        }
    }
    p.value.clone()
}

/// The file with the limit set, and the module's `msg` (the limit's line); an invalid limit line
/// already in the file is an error, as in community.general.
fn edited(content: &str, p: &Params) -> Result<(String, String), String> {
    let mut out = String::with_capacity(content.len() + 64);
    let mut found = false;
    let mut msg = String::new();
    for line in content.split_inclusive('\n') {
        let Some((fields, old_comment)) = limit_fields(line) else {
            out.push_str(line);
            continue;
        };
        let [domain, kind, item, actual] = fields.as_slice() else {
            out.push_str(line);
            continue;
        };
        if let Some(problem) = value_problem(
            item,
            actual,
            &format!("Invalid configuration found in '{}'. ", p.dest),
        ) {
            return Err(problem);
        }
        if *domain != p.domain || *kind != p.limit_type || *item != p.limit_item {
            out.push_str(line);
            continue;
        }
        found = true;
        let value = resulting_value(p, actual);
        if value == *actual {
            msg = line.to_string();
            out.push_str(line);
            continue;
        }
        let comment = p
            .comment
            .as_deref()
            .filter(|c| !c.is_empty())
            .or(old_comment);
        let new_line = limit_line(p, &value, comment);
        msg.clone_from(&new_line);
        out.push_str(&new_line);
    }
    if !found {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        let new_line = limit_line(p, &p.value, p.comment.as_deref());
        msg.clone_from(&new_line);
        out.push_str(&new_line);
    }
    Ok((out, msg))
}

/// A limit line's blank-separated fields before its `#comment`, and the comment; `None` for a
/// comment line or a blank one.
fn limit_fields(line: &str) -> Option<(Vec<&str>, Option<&str>)> {
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let (body, comment) = match line.split_once('#') {
        Some((b, c)) => (b, Some(c.trim_end_matches(['\n', '\r']))),
        None => (line, None),
    };
    Some((body.split_whitespace().collect(), comment))
}

fn limit_line(p: &Params, value: &str, comment: Option<&str>) -> String {
    let comment = comment
        .filter(|c| !c.is_empty())
        .map(|c| format!("\t#{c}"))
        .unwrap_or_default();
    format!(
        "{}\t{}\t{}\t{value}{comment}\n",
        p.domain, p.limit_type, p.limit_item
    )
}
