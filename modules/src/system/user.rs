//! `user`: a local account, created with `useradd`, changed with ONE `usermod` that names every
//! difference, removed with `userdel`; the state comes from `getent` in one query.

use crate::doc::Written;
use crate::facts::users::{self, Account, Group};
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct User;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "user", deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default)]
    pub state: Presence,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub uid: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub non_unique: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub group: Option<String>,
    #[serde(default, deserialize_with = "opt_list")]
    pub groups: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub append: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub comment: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub home: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub shell: Option<String>,
    /// A crypted hash (as Ansible takes it), never shown.
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub password: Option<String>,
    #[serde(default)]
    pub update_password: UpdatePassword,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub password_lock: Option<bool>,
    #[serde(
        default = "crate::de::yes",
        alias = "createhome",
        deserialize_with = "crate::de::boolean"
    )]
    pub create_home: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub move_home: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub skeleton: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub system: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub remove: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force: bool,
    /// Seconds since the epoch (a float in Ansible); negative: never expires.
    #[serde(default, deserialize_with = "opt_float")]
    pub expires: Option<f64>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub umask: Option<String>,
    /// `chage -m`: days before the password may change again.
    #[serde(default, deserialize_with = "opt_days")]
    pub password_expire_min: Option<i64>,
    /// `chage -M`: days a password stays valid (-1: for ever).
    #[serde(default, deserialize_with = "opt_days")]
    pub password_expire_max: Option<i64>,
    /// `chage -W`: days of warning before it expires.
    #[serde(default, deserialize_with = "opt_days")]
    pub password_expire_warn: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    #[default]
    Present,
    Absent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdatePassword {
    #[default]
    Always,
    OnCreate,
}

/// `groups`: a list, or one comma-separated string; `''` (no groups) is not the same as absent.
fn opt_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        v => crate::de::string_list(v)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// A number of days: an integer, or a string holding one (a templated value).
fn opt_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number of days"))),
        serde_json::Value::String(s) => {
            s.trim().parse().map(Some).map_err(|_| {
                serde::de::Error::custom(format!("{s:?} is not a whole number of days"))
            })
        }
        other => Err(serde::de::Error::custom(format!(
            "{other} is not a whole number of days"
        ))),
    }
}

fn opt_float<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => Ok(n.as_f64()),
        serde_json::Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a number"))),
        other => Err(serde::de::Error::custom(format!("{other} is not a number"))),
    }
}

#[async_trait::async_trait]
impl Module for User {
    type Params = Params;
    const NAME: &'static str = "user";
    const DOC: Written = Written {
        description: "Creates, changes or removes a user account from `getent` facts: one useradd, usermod or userdel.",
        example: "- user:\n    name: deploy\n    shell: /bin/bash\n    groups: [www-data]\n    append: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "uid",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "non_unique",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "group",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "groups",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "append",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "comment",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "home",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "shell",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "password",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_password",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "password_lock",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "create_home",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "move_home",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "skeleton",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "system",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "remove",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "force",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "expires",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "umask",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "password_expire_min",
                "",
                "Minimum days between password changes (`chage -m`), set when shadow says otherwise.",
            ),
            (
                "password_expire_max",
                "",
                "Maximum days a password is valid (`chage -M`), set when shadow says otherwise.",
            ),
            (
                "password_expire_warn",
                "",
                "Days of warning before the password expires (`chage -W`), set when shadow says otherwise.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let bad = p.name.is_empty()
            || p.name.starts_with('-')
            || p.name.contains([':', ',', '/', ' ', '\n']);
        if bad {
            return Err(ModuleError::Params(format!(
                "invalid user name: {:?}",
                p.name
            )));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let mut wanted_groups: Vec<&str> = p.groups.iter().flatten().map(String::as_str).collect();
        if let Some(g) = p.group.as_deref() {
            wanted_groups.push(g);
        }
        let out = host.query(&users::query(&p.name, &wanted_groups)).await?;
        let (account, groups) = users::parse(&out.stdout);
        let base = Plan::ok().set("name", p.name.as_str()).set(
            "state",
            match p.state {
                Presence::Present => "present",
                Presence::Absent => "absent",
            },
        );
        if p.state == Presence::Absent {
            return Ok(match account {
                None => base,
                Some(_) => {
                    let mut cmd = Cmd::new("userdel");
                    if p.remove {
                        cmd = cmd.syntax("-r");
                    }
                    if p.force {
                        cmd = cmd.syntax("-f");
                    }
                    Plan {
                        steps: vec![Step::run(cmd.arg(&p.name))],
                        ..base
                    }
                }
            });
        }
        if let Some(missing) = wanted_groups
            .iter()
            .find(|g| !g.is_empty() && !is_gid(g) && !groups.contains_key(**g))
        {
            return Ok(Plan::fail(format!("Group {missing} does not exist")));
        }
        let step = match &account {
            None => Some(useradd(&p)),
            Some(a) => usermod(&p, a, &groups),
        };
        let mut plan = base;
        if let Some(a) = &account {
            plan = plan
                .set("uid", a.passwd.uid)
                .set("group", a.passwd.gid)
                .set("home", a.passwd.home.as_str())
                .set("shell", a.passwd.shell.as_str());
        }
        plan.steps.extend(step.map(Step::run));
        plan.steps
            .extend(password_lock(&p, account.as_ref()).map(Step::run));
        plan.steps
            .extend(password_ageing(&p, account.as_ref()).map(Step::run));
        Ok(plan)
    }
}

fn is_gid(g: &str) -> bool {
    !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit())
}

fn useradd(p: &Params) -> Cmd {
    let mut cmd = Cmd::new("useradd");
    if let Some(uid) = p.uid {
        cmd = cmd.syntax("-u").arg(uid.to_string());
        if p.non_unique {
            cmd = cmd.syntax("-o");
        }
    }
    if let Some(group) = &p.group {
        cmd = cmd.syntax("-g").arg(group);
    }
    if let Some(groups) = p.groups.as_ref().filter(|g| !g.is_empty()) {
        cmd = cmd.syntax("-G").arg(groups.join(","));
    }
    if let Some(comment) = &p.comment {
        cmd = cmd.syntax("-c").arg(comment);
    }
    if let Some(home) = &p.home {
        cmd = cmd.syntax("-d").arg(home);
    }
    if let Some(shell) = &p.shell {
        cmd = cmd.syntax("-s").arg(shell);
    }
    if let Some(expires) = p.expires {
        cmd = cmd.syntax("-e").arg(expiry_date(expires));
    }
    if let Some(hash) = &p.password {
        cmd = cmd.syntax("-p").secret(hash);
    }
    if p.create_home {
        cmd = cmd.syntax("-m");
        if let Some(skel) = &p.skeleton {
            cmd = cmd.syntax("-k").arg(skel);
        }
        if let Some(umask) = &p.umask {
            cmd = cmd.syntax("-K").arg(format!("UMASK={umask}"));
        }
    } else {
        cmd = cmd.syntax("-M");
    }
    if p.system {
        cmd = cmd.syntax("-r");
    }
    cmd.arg(&p.name)
}

/// One `usermod` naming every difference, or nothing when the account is as asked.
fn usermod(p: &Params, a: &Account, groups: &BTreeMap<String, Group>) -> Option<Cmd> {
    let mut flags: Vec<(&str, String, bool)> = Vec::new();
    if let Some(uid) = p.uid.filter(|u| *u != u64::from(a.passwd.uid)) {
        flags.push(("-u", uid.to_string(), false));
        if p.non_unique {
            flags.push(("-o", String::new(), false));
        }
    }
    if let Some(group) = &p.group {
        let gid = if is_gid(group) {
            group.parse::<u32>().ok()
        } else {
            groups.get(group).map(|g| g.gid)
        };
        if gid != Some(a.passwd.gid) {
            flags.push(("-g", group.clone(), false));
        }
    }
    if let Some(wanted) = &p.groups {
        let wanted: Vec<&String> = wanted
            .iter()
            .filter(|g| p.group.as_ref() != Some(*g))
            .collect();
        let missing = wanted.iter().any(|g| !a.groups.contains(g));
        let extra = a.groups.iter().any(|g| !wanted.contains(&g));
        if missing || (extra && !p.append) {
            let list = wanted
                .iter()
                .map(|g| g.as_str())
                .collect::<Vec<_>>()
                .join(",");
            if p.append {
                flags.push(("-a", String::new(), false));
            }
            flags.push(("-G", list, false));
        }
    }
    for (flag, want, have) in [
        ("-c", &p.comment, &a.passwd.comment),
        ("-s", &p.shell, &a.passwd.shell),
    ] {
        if let Some(want) = want.as_ref().filter(|w| *w != have) {
            flags.push((flag, want.clone(), false));
        }
    }
    if let Some(home) = p.home.as_ref().filter(|h| **h != a.passwd.home) {
        flags.push(("-d", home.clone(), false));
        if p.move_home {
            flags.push(("-m", String::new(), false));
        }
    }
    if let Some(expires) = p.expires {
        let want_days = (expires >= 0.0).then(|| (expires / 86400.0).floor() as i64);
        if want_days != a.expires_days {
            flags.push(("-e", expiry_date(expires), false));
        }
    }
    if let Some(hash) = &p.password
        && p.update_password == UpdatePassword::Always
        && a.password.as_ref() != Some(hash)
    {
        flags.push(("-p", hash.clone(), true));
    }
    if flags.is_empty() {
        return None;
    }
    let mut cmd = Cmd::new("usermod");
    for (flag, value, secret) in flags {
        cmd = cmd.syntax(flag);
        cmd = match (value.is_empty() && flag != "-G", secret) {
            (true, _) => cmd,
            (false, true) => cmd.secret(value),
            (false, false) => cmd.arg(value),
        };
    }
    Some(cmd.arg(&p.name))
}

/// `password_lock`: `usermod -L`/`-U` when the hash is not already (un)locked.
fn password_lock(p: &Params, a: Option<&Account>) -> Option<Cmd> {
    let lock = p.password_lock?;
    let locked = a
        .and_then(|a| a.password.as_deref())
        .is_some_and(|h| h.starts_with('!'));
    (lock != locked).then(|| Cmd::new(if lock { "usermod -L" } else { "usermod -U" }).arg(&p.name))
}

/// `password_expire_min`/`_max`/`_warn`: one `chage` for the values shadow does not hold yet (all
/// given ones for a new account), as Ansible's `set_password_expire`.
fn password_ageing(p: &Params, a: Option<&Account>) -> Option<Cmd> {
    let wanted = [
        ("-m", p.password_expire_min),
        ("-M", p.password_expire_max),
        ("-W", p.password_expire_warn),
    ];
    let have = a.map_or([None; 3], |a| a.ageing);
    let mut cmd = Cmd::new("chage");
    let mut any = false;
    for ((flag, want), have) in wanted.into_iter().zip(have) {
        if let Some(want) = want.filter(|w| Some(*w) != have) {
            cmd = cmd.syntax(flag).arg(want.to_string());
            any = true;
        }
    }
    any.then(|| cmd.arg(&p.name))
}

/// `expires` (seconds since 1970) as `useradd -e` takes it: `YYYY-MM-DD`, or `''` for never.
fn expiry_date(seconds: f64) -> String {
    if seconds < 0.0 {
        return String::new();
    }
    let days = (seconds / 86400.0).floor() as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_dates() {
        assert_eq!(expiry_date(0.0), "1970-01-01");
        assert_eq!(expiry_date(1_700_000_000.0), "2023-11-14");
        assert_eq!(expiry_date(951_782_400.0), "2000-02-29");
        assert_eq!(expiry_date(-1.0), "");
    }
}
