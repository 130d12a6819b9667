//! The one `find -printf` listing and its entries.

use super::{AgeStamp, Params};
use crate::cmd::quote;
use crate::{Cmd, ModuleError};
use serde_json::{Value, json};

/// One entry under a searched path, as `find -printf` reported it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    /// 1 for an entry right under the searched path.
    pub(super) depth: i64,
    pub(super) path: String,
    pub(super) kind: char,
    pub(super) mode: u32,
    pub(super) uid: u64,
    pub(super) gid: u64,
    pub(super) pw_name: String,
    pub(super) gr_name: String,
    pub(super) size: u64,
    pub(super) inode: u64,
    pub(super) dev: u64,
    pub(super) nlink: u64,
    pub(super) atime: f64,
    pub(super) mtime: f64,
    pub(super) ctime: f64,
}

impl Entry {
    pub(super) fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    pub(super) fn time(&self, stamp: AgeStamp) -> f64 {
        match stamp {
            AgeStamp::Atime => self.atime,
            AgeStamp::Mtime => self.mtime,
            AgeStamp::Ctime => self.ctime,
        }
    }

    /// Ansible's `statinfo` keys.
    pub(super) fn to_json(&self, checksum: Option<&String>) -> Value {
        let m = self.mode;
        let mut v = json!({
            "path": self.path,
            "mode": format!("{m:04o}"),
            "isdir": self.kind == 'd',
            "ischr": self.kind == 'c',
            "isblk": self.kind == 'b',
            "isreg": self.kind == 'f',
            "isfifo": self.kind == 'p',
            "islnk": self.kind == 'l',
            "issock": self.kind == 's',
            "uid": self.uid,
            "gid": self.gid,
            "size": self.size,
            "inode": self.inode,
            "dev": self.dev,
            "nlink": self.nlink,
            "atime": self.atime,
            "mtime": self.mtime,
            "ctime": self.ctime,
            "gr_name": self.gr_name,
            "pw_name": self.pw_name,
            "wusr": m & 0o200 != 0,
            "rusr": m & 0o400 != 0,
            "xusr": m & 0o100 != 0,
            "wgrp": m & 0o020 != 0,
            "rgrp": m & 0o040 != 0,
            "xgrp": m & 0o010 != 0,
            "woth": m & 0o002 != 0,
            "roth": m & 0o004 != 0,
            "xoth": m & 0o001 != 0,
            "isuid": m & 0o4000 != 0,
            "isgid": m & 0o2000 != 0,
        });
        if let (Some(sum), Some(obj)) = (checksum, v.as_object_mut()) {
            obj.insert("checksum".into(), Value::String(sum.clone()));
        }
        v
    }
}

pub(super) const PRINTF: &str = "E|%d|%y|%m|%U|%G|%u|%g|%s|%i|%D|%n|%A@|%T@|%C@|%p\\0";

/// The `find` expression's start: options, starting point, depth.
pub(super) fn find_start(p: &Params) -> String {
    let follow = if p.follow { " -L" } else { "" };
    let depth = match (p.recurse, p.depth) {
        (false, _) => " -maxdepth 1".to_string(),
        // One level more than asked: Ansible's walk lists (and counts as examined) the entries of
        // the deepest directories it stops at.
        (true, Some(d)) if d > 0 => format!(" -maxdepth {}", d + 1),
        (true, _) => String::new(),
    };
    format!("find{follow} \"$p\" -mindepth 1{depth}")
}

/// `now|<target's time>`, then per path `dir|<path>` and its entries, or `none|<path>`; every record
/// ends in NUL, so any file name survives.
pub(super) fn listing_query(p: &Params) -> Cmd {
    let paths: Vec<String> = p.paths.iter().map(|s| quote(s)).collect();
    Cmd::new(&format!(
        "printf 'now|%s\\0' \"$(date +%s.%N)\"; for p in {}; do if [ -d \"$p\" ]; then printf 'dir|%s\\0' \"$p\"; {} -printf '{PRINTF}'; else printf 'none|%s\\0' \"$p\"; fi; done",
        paths.join(" "),
        find_start(p)
    ))
}

pub(super) struct Listing {
    pub(super) now: f64,
    pub(super) entries: Vec<Entry>,
    /// Paths that could not be searched, with why (Ansible's `skipped_paths`).
    pub(super) skipped: Vec<(String, String)>,
}

pub(super) fn parse_listing(out: &crate::CmdOutput) -> Result<Listing, ModuleError> {
    let mut records = out.stdout.split('\0');
    let now = records
        .next()
        .and_then(|r| r.strip_prefix("now|"))
        .and_then(|t| t.trim().parse::<f64>().ok())
        .ok_or_else(|| {
            ModuleError::Failed(format!("could not list the files: {}", out.stderr.trim()))
        })?;
    let mut listing = Listing {
        now,
        entries: Vec::new(),
        skipped: Vec::new(),
    };
    for record in records.filter(|r| !r.is_empty()) {
        if let Some(path) = record.strip_prefix("none|") {
            listing
                .skipped
                .push((path.to_string(), format!("'{path}' is not a directory")));
        } else if let Some(entry) = record.strip_prefix("E|").and_then(parse_entry) {
            listing.entries.push(entry);
        }
    }
    Ok(listing)
}

pub(super) fn parse_entry(record: &str) -> Option<Entry> {
    let f: Vec<&str> = record.splitn(15, '|').collect();
    let [
        depth,
        kind,
        mode,
        uid,
        gid,
        user,
        group,
        size,
        inode,
        dev,
        nlink,
        a,
        m,
        c,
        path,
    ] = f.as_slice()
    else {
        return None;
    };
    Some(Entry {
        depth: depth.parse().ok()?,
        path: normpath(path),
        kind: kind.chars().next()?,
        mode: u32::from_str_radix(mode, 8).ok()?,
        uid: uid.parse().ok()?,
        gid: gid.parse().ok()?,
        pw_name: user.to_string(),
        gr_name: group.to_string(),
        size: size.parse().ok()?,
        inode: inode.parse().ok()?,
        dev: dev.parse().ok()?,
        nlink: nlink.parse().ok()?,
        atime: a.parse().ok()?,
        mtime: m.parse().ok()?,
        ctime: c.parse().ok()?,
    })
}

/// Python's `os.path.normpath` (`./a`, `a//b`, `a/./b`, `''` is `.`): the paths `find` prints, and
/// the `normpath` filter.
pub fn normpath(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_paths_like_python() {
        assert_eq!(normpath("./a"), "a");
        assert_eq!(normpath("/srv//x/./y"), "/srv/x/y");
        assert_eq!(normpath("a/../b"), "b");
    }
}
