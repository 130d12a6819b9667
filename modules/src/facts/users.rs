//! Accounts as `getent` reports them: a user's passwd and shadow entries and supplementary groups,
//! and groups by name, in one query.

use crate::Cmd;
use std::collections::BTreeMap;

/// One `passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passwd {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub comment: String,
    pub home: String,
    pub shell: String,
}

/// A user as the host knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub passwd: Passwd,
    /// The shadow hash (`!`/`*` for locked or none); `None` when shadow is unreadable.
    pub password: Option<String>,
    /// Shadow's account expiry, days since 1970 (`None`: never).
    pub expires_days: Option<i64>,
    /// Shadow's password ageing: minimum, maximum and warning days (`None`: empty or unreadable).
    pub ageing: [Option<i64>; 3],
    /// Supplementary groups (the primary group left out).
    pub groups: Vec<String>,
}

/// One `group` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

/// The query: `user` (may be empty), and the groups whose existence matters.
pub fn query(user: &str, groups: &[&str]) -> Cmd {
    Cmd::new("set --").arg(user).args(groups).syntax(
        "; u=$1; shift; if [ -n \"$u\" ]; then echo @@passwd; getent passwd \"$u\"; \
         echo @@shadow; getent shadow \"$u\"; echo @@member-of; id -Gn \"$u\" 2>/dev/null; fi; \
         echo @@groups; for g in \"$@\"; do getent group \"$g\"; done; echo @@end",
    )
}

pub fn parse_passwd(line: &str) -> Option<Passwd> {
    let f: Vec<&str> = line.trim_end().split(':').collect();
    if f.len() < 7 {
        return None;
    }
    Some(Passwd {
        name: f[0].to_string(),
        uid: f[2].parse().ok()?,
        gid: f[3].parse().ok()?,
        comment: f[4].to_string(),
        home: f[5].to_string(),
        shell: f[6].to_string(),
    })
}

pub fn parse_group(line: &str) -> Option<Group> {
    let f: Vec<&str> = line.trim_end().split(':').collect();
    if f.len() < 4 {
        return None;
    }
    Some(Group {
        name: f[0].to_string(),
        gid: f[2].parse().ok()?,
        members: f[3]
            .split(',')
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

/// The query's answer: the user (if it exists) and the groups found, by name and by gid.
pub fn parse(stdout: &str) -> (Option<Account>, BTreeMap<String, Group>) {
    let section = |name: &str| crate::packages::section(stdout, name).unwrap_or_default();
    let groups: BTreeMap<String, Group> = section("groups")
        .iter()
        .filter_map(|l| parse_group(l))
        .map(|g| (g.name.clone(), g))
        .collect();
    let Some(passwd) = section("passwd").first().and_then(|l| parse_passwd(l)) else {
        return (None, groups);
    };
    let shadow: Vec<String> = section("shadow")
        .first()
        .map(|l| l.split(':').map(str::to_string).collect())
        .unwrap_or_default();
    let primary = groups
        .values()
        .find(|g| g.gid == passwd.gid)
        .map(|g| g.name.clone());
    let member_of: Vec<String> = section("member-of")
        .first()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    // `id -Gn` lists the primary group first.
    let supplementary = member_of
        .iter()
        .skip(1)
        .filter(|g| Some(*g) != primary.as_ref())
        .cloned()
        .collect();
    let account = Account {
        password: shadow.get(1).cloned(),
        expires_days: shadow.get(7).and_then(|d| d.parse().ok()),
        ageing: [3, 4, 5].map(|i| shadow.get(i).and_then(|d| d.parse().ok())),
        groups: supplementary,
        passwd,
    };
    (Some(account), groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_user_with_groups() {
        let (user, groups) = parse(
            "@@passwd\nalice:x:1001:1001:Alice:/home/alice:/bin/bash\n@@shadow\nalice:$6$salt$hash:19000:0:99999:7:::\n@@member-of\nalice adm sudo\n@@groups\nadm:x:4:alice\nsudo:x:27:alice\n@@end\n",
        );
        let user = user.unwrap_or_else(|| panic!("no user"));
        assert_eq!(user.passwd.uid, 1001);
        assert_eq!(user.passwd.shell, "/bin/bash");
        assert_eq!(user.password.as_deref(), Some("$6$salt$hash"));
        assert_eq!(user.expires_days, None);
        assert_eq!(user.groups, ["adm", "sudo"]);
        assert_eq!(groups["sudo"].gid, 27);
    }

    #[test]
    fn missing_user() {
        let (user, groups) = parse("@@passwd\n@@shadow\n@@member-of\n@@groups\n@@end\n");
        assert!(user.is_none() && groups.is_empty());
    }
}
