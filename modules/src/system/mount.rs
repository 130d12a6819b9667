//! `mount` (`ansible.posix.mount`): an fstab entry and whether it is mounted now. One query reads
//! the fstab file and `/proc/mounts`; the fstab is rewritten atomically (with a diff), then
//! `mount`, `mount -o remount` or `umount` runs as needed.

use crate::cmd::quote;
use crate::doc::Written;
use crate::facts::file::{self, Want};
use crate::files::write::{Attrs, Content, atomic_write, backup_name, content_diff, now_unix};
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Mount;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Mounted,
    Unmounted,
    Present,
    Absent,
    AbsentFromFstab,
    Remounted,
    Ephemeral,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Mounted => "mounted",
            State::Unmounted => "unmounted",
            State::Present => "present",
            State::Absent => "absent",
            State::AbsentFromFstab => "absent_from_fstab",
            State::Remounted => "remounted",
            State::Ephemeral => "ephemeral",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "name", deserialize_with = "crate::de::string")]
    pub path: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub src: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub fstype: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub opts: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub dump: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub passno: Option<String>,
    pub state: State,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub fstab: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub backup: bool,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub boot: Option<bool>,
}

const DEFAULT_FSTAB: &str = "/etc/fstab";

impl Params {
    fn fstab(&self) -> &str {
        self.fstab.as_deref().unwrap_or(DEFAULT_FSTAB)
    }
    fn path(&self) -> &str {
        // Ansible strips a trailing slash (but keeps `/`).
        match self.path.trim_end_matches('/') {
            "" => "/",
            p => p,
        }
    }
    fn opts(&self) -> String {
        let opts = self.opts.clone().unwrap_or_else(|| "defaults".into());
        if self.boot == Some(false) && !opts.split(',').any(|o| o == "noauto") {
            format!("{opts},noauto")
        } else {
            opts
        }
    }
    /// The fstab fields of the entry the task wants.
    fn entry(&self) -> Entry {
        Entry {
            src: self.src.clone().unwrap_or_default(),
            path: self.path().to_string(),
            fstype: self.fstype.clone().unwrap_or_default(),
            opts: self.opts(),
            dump: self.dump.clone().unwrap_or_else(|| "0".into()),
            passno: self.passno.clone().unwrap_or_else(|| "0".into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    src: String,
    path: String,
    fstype: String,
    opts: String,
    dump: String,
    passno: String,
}

impl Entry {
    fn line(&self) -> String {
        format!(
            "{} {} {} {} {} {}",
            escape(&self.src),
            escape(&self.path),
            escape(&self.fstype),
            escape(&self.opts),
            self.dump,
            self.passno
        )
    }
}

/// fstab and /proc/mounts write spaces, tabs, newlines and backslashes as octal escapes.
fn escape(s: &str) -> String {
    s.replace('\\', "\\134")
        .replace(' ', "\\040")
        .replace('\t', "\\011")
        .replace('\n', "\\012")
}

fn unescape(s: &str) -> String {
    s.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// An fstab line's fields, when it is an entry (not a comment or blank): dump and passno default
/// to 0, as `mount` reads them.
fn parse_entry(line: &str) -> Option<Entry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 4 {
        return None;
    }
    Some(Entry {
        src: unescape(f[0]),
        path: unescape(f[1]),
        fstype: unescape(f[2]),
        opts: unescape(f[3]),
        dump: f.get(4).unwrap_or(&"0").to_string(),
        passno: f.get(5).unwrap_or(&"0").to_string(),
    })
}

#[async_trait::async_trait]
impl Module for Mount {
    type Params = Params;
    const NAME: &'static str = "mount";
    const DOC: Written = Written {
        description: "An fstab entry (`ansible.posix.mount`) and whether it is mounted now: one query reads the fstab and /proc/mounts; the fstab is rewritten atomically, then `mount`, `mount -o remount` or `umount` runs as needed.",
        example: "- ansible.posix.mount:\n    path: /mnt/scratch\n    src: tmpfs\n    fstype: tmpfs\n    opts: size=64m\n    state: mounted\n",
        args: &[
            ("path", "", "The mount point (a trailing `/` is dropped)."),
            (
                "src",
                "",
                "The device (or `UUID=…`, `tmpfs`, …); required for mounted, present and ephemeral.",
            ),
            (
                "fstype",
                "",
                "The file system type; required for mounted, present and ephemeral.",
            ),
            ("opts", "defaults", "Mount options."),
            ("dump", "0", "The fstab dump field."),
            ("passno", "0", "The fstab pass field."),
            (
                "state",
                "",
                "`mounted` (entry + mounted, the directory made), `present` (entry only), `unmounted` (umount only), `absent` (entry removed, unmounted, directory removed), `absent_from_fstab` (entry removed only), `remounted` (`mount -o remount`), `ephemeral` (mounted without an fstab entry).",
            ),
            (
                "fstab",
                "/etc/fstab",
                "The fstab file (`mount -T FILE` when not the default).",
            ),
            ("backup", "false", "Keep the old fstab as `FILE.DATE~`."),
            ("boot", "true", "`false` adds `noauto` to the options."),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let needs_source = matches!(p.state, State::Mounted | State::Present | State::Ephemeral);
        if needs_source && (p.src.is_none() || p.fstype.is_none()) {
            return Err(ModuleError::Params(format!(
                "state is {} but all of the following are missing: src, fstype",
                p.state.name()
            )));
        }
        if p.state == State::Ephemeral && p.fstab.is_some() {
            return Err(ModuleError::Params(
                "parameters are mutually exclusive: fstab|ephemeral".into(),
            ));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let path = p.path().to_string();
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let query = Cmd::new(&format!(
            "echo @@mounts; cat /proc/mounts; echo @@dir; [ -d {} ] && echo yes; echo @@file;",
            quote(&path)
        ))
        .syntax(&file::query(p.fstab(), want).to_shell());
        let out = host.query(&query).await?;
        let section = |name: &str| crate::packages::section(&out.stdout, name).unwrap_or_default();
        let mounted = section("mounts")
            .iter()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() >= 4).then(|| (unescape(f[1]), unescape(f[3])))
            })
            .find(|(at, _)| *at == path);
        let dir_exists = section("dir").first().is_some_and(|l| l.trim() == "yes");
        let stat = file::parse_section(&out)?;
        let before = file::text_of(stat.as_ref());

        let mut plan = Plan::ok()
            .set("name", path.as_str())
            .set("opts", p.opts())
            .set("state", p.state.name());
        if let Some(src) = &p.src {
            plan = plan.set("src", src.as_str());
        }
        if let Some(fstype) = &p.fstype {
            plan = plan.set("fstype", fstype.as_str());
        }
        let after = match p.state {
            State::Mounted | State::Present => Some(with_entry(&before, &p.entry())),
            State::Absent | State::AbsentFromFstab => Some(without_entry(&before, &path)),
            State::Unmounted | State::Remounted | State::Ephemeral => None,
        };
        let fstab_changed = after.as_ref().is_some_and(|a| *a != before);
        if let Some(after) = after.filter(|_| fstab_changed) {
            if host.diff_mode()
                && let Some(diff) =
                    content_diff(p.fstab(), Some(before.as_bytes()), after.as_bytes())
            {
                plan.diffs.push(diff);
            }
            let backup = (p.backup && stat.is_some()).then(|| backup_name(p.fstab(), now_unix()));
            if let Some(b) = &backup {
                plan = plan.set("backup_file", b.as_str());
            }
            plan.steps.push(atomic_write(
                p.fstab(),
                Content::new(after.into_bytes()),
                &Attrs::new(Some(crate::de::Mode::Octal(0o644)), None, None),
                stat.as_ref(),
                backup.as_deref(),
            ));
        }
        let fstab_arg = (p.fstab() != DEFAULT_FSTAB).then(|| p.fstab().to_string());
        let mount_cmd = |extra: &str| {
            let mut cmd = Cmd::new("mount");
            if let Some(f) = &fstab_arg {
                cmd = cmd.arg("-T").arg(f);
            }
            if !extra.is_empty() {
                cmd = cmd.syntax(extra);
            }
            cmd.arg(&path)
        };
        match p.state {
            State::Mounted => {
                if mounted.is_none() {
                    if !dir_exists {
                        plan.steps.push(Step::run(Cmd::new("mkdir -p").arg(&path)));
                    }
                    plan.steps.push(Step::run(mount_cmd("")));
                } else if fstab_changed {
                    plan.steps.push(Step::run(mount_cmd("-o remount")));
                }
            }
            State::Unmounted => {
                if mounted.is_some() {
                    plan.steps.push(Step::run(Cmd::new("umount").arg(&path)));
                }
            }
            State::Absent => {
                if fstab_changed {
                    if mounted.is_some() {
                        plan.steps.push(Step::run(Cmd::new("umount").arg(&path)));
                    }
                    if dir_exists {
                        plan.steps.push(Step::run(Cmd::new("rmdir").arg(&path)));
                    }
                }
            }
            State::Remounted => {
                plan.steps.push(Step::run(mount_cmd("-o remount")));
            }
            State::Ephemeral => {
                let entry = p.entry();
                let direct = |extra: &str| {
                    Cmd::new("mount")
                        .arg("-t")
                        .arg(&entry.fstype)
                        .arg("-o")
                        .arg(format!("{extra}{}", entry.opts))
                        .arg(&entry.src)
                        .arg(&path)
                };
                match &mounted {
                    None => {
                        if !dir_exists {
                            plan.steps.push(Step::run(Cmd::new("mkdir -p").arg(&path)));
                        }
                        plan.steps.push(Step::run(direct("")));
                    }
                    Some((_, live)) if !opts_hold(&entry.opts, live) => {
                        plan.steps.push(Step::run(direct("remount,")));
                    }
                    Some(_) => {}
                }
            }
            State::Present | State::AbsentFromFstab => {}
        }
        Ok(plan)
    }
}

/// Whether every option asked for is among the live mount's (the kernel adds its own, and shows
/// `defaults` as nothing).
fn opts_hold(wanted: &str, live: &str) -> bool {
    let live: Vec<&str> = live.split(',').collect();
    wanted
        .split(',')
        .filter(|o| !o.is_empty() && *o != "defaults")
        .all(|o| live.contains(&o))
}

/// The fstab text with the entry for `want.path` as wanted: the first line for that path is
/// replaced when it differs, or the entry is appended.
fn with_entry(text: &str, want: &Entry) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    match lines
        .iter()
        .position(|l| parse_entry(l).is_some_and(|e| e.path == want.path))
    {
        Some(i) if parse_entry(&lines[i]).as_ref() == Some(want) => return text.to_string(),
        Some(i) => lines[i] = want.line(),
        None => lines.push(want.line()),
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The fstab text without any entry for `path`.
fn without_entry(text: &str, path: &str) -> String {
    if !text
        .lines()
        .any(|l| parse_entry(l).is_some_and(|e| e.path == path))
    {
        return text.to_string();
    }
    text.lines()
        .filter(|l| parse_entry(l).is_none_or(|e| e.path != path))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_replaced_in_place_or_appended() {
        let tab =
            "# static\nUUID=1 / ext4 errors=remount-ro 0 1\n/dev/sdb1 /data ext4 defaults 0 2\n";
        let want = Entry {
            src: "/dev/sdb1".into(),
            path: "/data".into(),
            fstype: "ext4".into(),
            opts: "noatime".into(),
            dump: "0".into(),
            passno: "2".into(),
        };
        assert_eq!(
            with_entry(tab, &want),
            "# static\nUUID=1 / ext4 errors=remount-ro 0 1\n/dev/sdb1 /data ext4 noatime 0 2\n"
        );
        let same = with_entry(
            tab,
            &Entry {
                opts: "defaults".into(),
                ..want.clone()
            },
        );
        assert_eq!(same, tab);
        assert_eq!(
            without_entry(tab, "/data"),
            "# static\nUUID=1 / ext4 errors=remount-ro 0 1\n"
        );
        assert_eq!(escape("/mnt/my disk"), "/mnt/my\\040disk");
        assert_eq!(unescape("/mnt/my\\040disk"), "/mnt/my disk");
    }
}
