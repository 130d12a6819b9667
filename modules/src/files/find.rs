//! `find`: the files under some directories that pass Ansible's filters (name patterns, age, size,
//! type, mode, content), with Ansible's `files` list. One `find -printf` lists every entry with its
//! metadata; the filters run on the controller; `contains` is one more round trip (`grep -P` on the
//! target, so file contents never travel). Read-only: never a change.

use super::pyre;
use super::write::apply_symbolic;
use crate::cmd::quote;
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

pub struct Find;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(
        alias = "name",
        alias = "path",
        deserialize_with = "crate::de::string_list"
    )]
    pub paths: Vec<String>,
    #[serde(
        default,
        alias = "pattern",
        deserialize_with = "crate::de::string_list"
    )]
    pub patterns: Vec<String>,
    #[serde(
        default,
        alias = "exclude",
        deserialize_with = "crate::de::string_list"
    )]
    pub excludes: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub contains: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub read_whole_file: bool,
    #[serde(default)]
    pub file_type: Option<FileType>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub age: Option<String>,
    #[serde(default)]
    pub age_stamp: Option<AgeStamp>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub size: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub recurse: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub hidden: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub follow: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub get_checksum: bool,
    #[serde(
        default,
        alias = "checksum",
        alias = "checksum_algo",
        deserialize_with = "crate::de::opt_string"
    )]
    pub checksum_algorithm: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub use_regex: bool,
    #[serde(default, deserialize_with = "opt_int")]
    pub depth: Option<i64>,
    #[serde(default)]
    pub mode: Option<crate::de::Mode>,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub exact_mode: bool,
    #[serde(default, deserialize_with = "opt_int")]
    pub limit: Option<i64>,
}

/// An integer that templating may have turned into a string (`depth: "{{ n }}"`).
fn opt_int<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let value = Value::deserialize(d)?;
    let int = match &value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    int.map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{value} is not an integer")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    File,
    Directory,
    Link,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgeStamp {
    Atime,
    Mtime,
    Ctime,
}

#[async_trait::async_trait]
impl Module for Find {
    type Params = Params;
    const NAME: &'static str = "find";
    const DOC: Written = Written {
        description: "Lists the files matching patterns, age, size and type under paths, in one query; changes nothing.",
        example: "- find:\n    paths: /var/log\n    patterns: '*.log'\n    age: 2d\n  register: old_logs\n",
        args: &[
            (
                "paths",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "patterns",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "excludes",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "contains",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "read_whole_file",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "file_type",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "age",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "age_stamp",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "size",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "recurse",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "hidden",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "follow",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "get_checksum",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "checksum_algorithm",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "use_regex",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "depth",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "mode",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "exact_mode",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "limit",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
        ],
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let filters = Filters::from_params(&p)?;
        let listing = parse_listing(&host.query(&listing_query(&p)).await?)?;
        let mut matched: Vec<&Entry> = listing
            .entries
            .iter()
            .filter(|e| filters.pass(e, listing.now))
            .collect();
        // Ansible reads contents only when looking for regular files (file_type=file).
        if let Some(pattern) = p
            .contains
            .as_ref()
            .filter(|_| filters.file_type == FileType::File)
        {
            let hits = files_containing(host, &p, pattern).await?;
            matched.retain(|e| hits.contains(&e.path));
        }
        let limit = p.limit.map(|l| l as usize);
        let limited = limit.is_some_and(|l| matched.len() >= l);
        if let Some(l) = limit {
            matched.truncate(l);
        }
        let checksums = match p.get_checksum {
            true => checksums(host, &p, &matched).await?,
            false => Default::default(),
        };
        let files: Vec<Value> = matched
            .iter()
            .map(|e| e.to_json(checksums.get(&e.path)))
            .collect();
        let msg = match (listing.skipped.is_empty(), limited) {
            (false, _) => "Not all paths examined, check warnings for details",
            (true, true) => "Limit of matches reached",
            (true, false) => "All paths examined",
        };
        let skipped: Map<String, Value> = listing
            .skipped
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Ok(Plan::ok()
            .set("matched", files.len())
            .set("files", files)
            .set("examined", listing.entries.len())
            .set("msg", msg)
            .set("skipped_paths", skipped))
    }
}

/// Everything decided from the arguments alone, checked before the host is asked anything.
struct Filters {
    file_type: FileType,
    patterns: Vec<regex::Regex>,
    excludes: Vec<regex::Regex>,
    hidden: bool,
    age: Option<(i64, AgeStamp)>,
    size: Option<i64>,
    mode: Option<(u32, bool)>,
    depth: Option<i64>,
}

impl Filters {
    fn from_params(p: &Params) -> Result<Filters, ModuleError> {
        if p.limit.is_some_and(|l| l <= 0) {
            return Err(ModuleError::Params(format!(
                "limit cannot be {} (use None for unlimited)",
                p.limit.unwrap_or(0)
            )));
        }
        let name_matcher = |pattern: &String| match p.use_regex {
            true => pyre::compile_flags("", &format!("\\A(?:{pattern})"), "pattern"),
            false => glob(pattern),
        };
        let patterns = match p.patterns.is_empty() {
            true => vec![name_matcher(&String::from(if p.use_regex {
                ".*"
            } else {
                "*"
            }))?],
            false => p
                .patterns
                .iter()
                .map(name_matcher)
                .collect::<Result<_, _>>()?,
        };
        let excludes = p
            .excludes
            .iter()
            .map(name_matcher)
            .collect::<Result<_, _>>()?;
        let age = match &p.age {
            None => None,
            Some(text) => Some((
                with_unit(
                    text,
                    &[
                        ("s", 1),
                        ("m", 60),
                        ("h", 3600),
                        ("d", 86_400),
                        ("w", 604_800),
                    ],
                )
                .ok_or_else(|| ModuleError::Params(format!("failed to process age: {text}")))?,
                p.age_stamp.unwrap_or(AgeStamp::Mtime),
            )),
        };
        let size = match &p.size {
            None => None,
            Some(text) => Some(
                with_unit(
                    text,
                    &[
                        ("b", 1),
                        ("k", 1 << 10),
                        ("m", 1 << 20),
                        ("g", 1 << 30),
                        ("t", 1 << 40),
                    ],
                )
                .ok_or_else(|| ModuleError::Params(format!("failed to process size: {text}")))?,
            ),
        };
        let mode = p.mode.as_ref().map(|m| {
            let bits = match m {
                crate::de::Mode::Octal(o) => *o,
                crate::de::Mode::Symbolic(s) => apply_symbolic(0, s, false),
            };
            (bits & 0o7777, p.exact_mode)
        });
        Ok(Filters {
            file_type: p.file_type.unwrap_or(FileType::File),
            patterns,
            excludes,
            hidden: p.hidden,
            age,
            size,
            mode,
            depth: p.depth.filter(|d| p.recurse && *d > 0),
        })
    }

    /// Ansible's order of tests; the size filter only ever applies to regular files.
    fn pass(&self, e: &Entry, now: f64) -> bool {
        let type_ok = match self.file_type {
            FileType::Any => true,
            FileType::File => e.kind == 'f',
            FileType::Directory => e.kind == 'd',
            FileType::Link => e.kind == 'l',
        };
        type_ok
            && self.depth.is_none_or(|d| e.depth <= d)
            && (self.hidden || !e.name().starts_with('.'))
            && self.name_passes(e.name())
            && self.age.is_none_or(|(age, stamp)| {
                let elapsed = now - e.time(stamp);
                if age >= 0 {
                    elapsed >= age as f64
                } else {
                    elapsed <= age.unsigned_abs() as f64
                }
            })
            && (e.kind != 'f'
                || self.size.is_none_or(|size| {
                    if size >= 0 {
                        e.size >= size as u64
                    } else {
                        e.size <= size.unsigned_abs()
                    }
                }))
            && self.mode.is_none_or(|(mode, exact)| match exact {
                true => e.mode == mode,
                false => e.mode & mode != 0,
            })
    }

    /// A name passes when a pattern matches it and no exclude does.
    fn name_passes(&self, name: &str) -> bool {
        self.patterns.iter().any(|p| p.is_match(name))
            && !self.excludes.iter().any(|x| x.is_match(name))
    }
}

/// `30d`, `-2h`, `10m`, `1g`: a number and an optional unit (case-insensitive).
fn with_unit(text: &str, units: &[(&str, i64)]) -> Option<i64> {
    let lower = text.trim().to_ascii_lowercase();
    let (number, factor) = match units.iter().find(|(u, _)| lower.ends_with(u)) {
        Some((u, f)) => (&lower[..lower.len() - u.len()], *f),
        None => (lower.as_str(), 1),
    };
    let digits = number.strip_prefix('-').unwrap_or(number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse::<i64>().ok()?.checked_mul(factor)
}

/// Python's `fnmatch.fnmatch` on POSIX: the whole name, case-sensitive, `*`, `?`, `[seq]`, `[!seq]`.
fn glob(pattern: &str) -> Result<regex::Regex, ModuleError> {
    let mut re = String::from("(?s)\\A(?:");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => match chars[i + 1..].iter().skip(1).position(|c| *c == ']') {
                Some(close) => {
                    let end = i + 2 + close;
                    let body: String = chars[i + 1..end].iter().collect();
                    let body = match body.strip_prefix('!') {
                        Some(rest) => format!("^{}", rest.replace('\\', "\\\\")),
                        None => body.replace('\\', "\\\\"),
                    };
                    re.push_str(&format!("[{}]", body.replace('[', "\\[")));
                    i = end;
                }
                None => re.push_str("\\["),
            },
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push_str(")\\z");
    regex::Regex::new(&re)
        .map_err(|e| ModuleError::Params(format!("pattern {pattern:?} is not a valid glob: {e}")))
}

/// One entry under a searched path, as `find -printf` reported it.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// 1 for an entry right under the searched path.
    depth: i64,
    path: String,
    kind: char,
    mode: u32,
    uid: u64,
    gid: u64,
    pw_name: String,
    gr_name: String,
    size: u64,
    inode: u64,
    dev: u64,
    nlink: u64,
    atime: f64,
    mtime: f64,
    ctime: f64,
}

impl Entry {
    fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    fn time(&self, stamp: AgeStamp) -> f64 {
        match stamp {
            AgeStamp::Atime => self.atime,
            AgeStamp::Mtime => self.mtime,
            AgeStamp::Ctime => self.ctime,
        }
    }

    /// Ansible's `statinfo` keys.
    fn to_json(&self, checksum: Option<&String>) -> Value {
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

const PRINTF: &str = "E|%d|%y|%m|%U|%G|%u|%g|%s|%i|%D|%n|%A@|%T@|%C@|%p\\0";

/// The `find` expression's start: options, starting point, depth.
fn find_start(p: &Params) -> String {
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
fn listing_query(p: &Params) -> Cmd {
    let paths: Vec<String> = p.paths.iter().map(|s| quote(s)).collect();
    Cmd::new(&format!(
        "printf 'now|%s\\0' \"$(date +%s.%N)\"; for p in {}; do if [ -d \"$p\" ]; then printf 'dir|%s\\0' \"$p\"; {} -printf '{PRINTF}'; else printf 'none|%s\\0' \"$p\"; fi; done",
        paths.join(" "),
        find_start(p)
    ))
}

struct Listing {
    now: f64,
    entries: Vec<Entry>,
    /// Paths that could not be searched, with why (Ansible's `skipped_paths`).
    skipped: Vec<(String, String)>,
}

fn parse_listing(out: &crate::CmdOutput) -> Result<Listing, ModuleError> {
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

fn parse_entry(record: &str) -> Option<Entry> {
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

/// Python's `os.path.normpath` for the paths `find` prints (`./a`, `a//b`, `a/./b`).
fn normpath(path: &str) -> String {
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

/// The regular files whose content matches: Ansible's `re.match` on each line (or `re.search` on the
/// whole file), run as PCRE by `grep -P` on the target.
async fn files_containing(
    host: &mut dyn Host,
    p: &Params,
    pattern: &str,
) -> Result<BTreeSet<String>, ModuleError> {
    let (flags, expr) = match p.read_whole_file {
        true => ("-lsZzP", pattern.to_string()),
        false => ("-lsZP", format!("^(?:{pattern})")),
    };
    let paths: Vec<String> = p.paths.iter().map(|s| quote(s)).collect();
    let script = format!(
        "for p in {}; do [ -d \"$p\" ] && {} -type f -exec grep {flags} -e {} -- {{}} +; done; true",
        paths.join(" "),
        find_start(p),
        quote(&expr)
    );
    let out = host.query(&Cmd::new(&script)).await?;
    Ok(out
        .stdout
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(normpath)
        .collect())
}

/// `get_checksum`: one `<algo>sum` over the matched regular files.
async fn checksums(
    host: &mut dyn Host,
    p: &Params,
    matched: &[&Entry],
) -> Result<std::collections::BTreeMap<String, String>, ModuleError> {
    let algo = p.checksum_algorithm.as_deref().unwrap_or("sha1");
    if !["md5", "sha1", "sha224", "sha256", "sha384", "sha512"].contains(&algo) {
        return Err(ModuleError::Params(format!(
            "value of checksum_algorithm must be one of: md5, sha1, sha224, sha256, sha384, sha512, got: {algo}"
        )));
    }
    let files: Vec<&str> = matched
        .iter()
        .filter(|e| e.kind == 'f')
        .map(|e| e.path.as_str())
        .collect();
    if files.is_empty() {
        return Ok(Default::default());
    }
    let cmd = Cmd::new(&format!("{algo}sum -z --")).args(&files);
    let out = host.query(&cmd).await?;
    Ok(out
        .stdout
        .split('\0')
        .filter_map(|line| line.split_once("  "))
        .map(|(sum, path)| (path.to_string(), sum.to_string()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_like_fnmatch() {
        let m = |p: &str, s: &str| glob(p).map(|re| re.is_match(s)).unwrap_or(false);
        assert!(m("*.log", "app.log"));
        assert!(!m("*.log", "app.log.1"));
        assert!(m("*.log*", "app.log.1"));
        assert!(m("?.txt", "a.txt"));
        assert!(m("[ab]*", "beta"));
        assert!(!m("[!ab]*", "beta"));
        assert!(m("[!ab]*", "gamma"));
        assert!(m("a[", "a["));
        assert!(m("a.b", "a.b") && !m("a.b", "axb"));
        assert!(m("*", ".hidden"));
    }

    #[test]
    fn ages_and_sizes_with_units() {
        let age = [
            ("s", 1),
            ("m", 60),
            ("h", 3600),
            ("d", 86_400),
            ("w", 604_800),
        ];
        assert_eq!(with_unit("2d", &age), Some(172_800));
        assert_eq!(with_unit("-1H", &age), Some(-3600));
        assert_eq!(with_unit("30", &age), Some(30));
        assert_eq!(with_unit("x1d", &age), None);
        assert_eq!(with_unit("d", &age), None);
    }

    #[test]
    fn normalises_paths_like_python() {
        assert_eq!(normpath("./a"), "a");
        assert_eq!(normpath("/srv//x/./y"), "/srv/x/y");
        assert_eq!(normpath("a/../b"), "b");
    }
}
