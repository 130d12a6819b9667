//! `find`: the files under some directories that pass Ansible's filters (name patterns, age, size,
//! type, mode, content), with Ansible's `files` list. One `find -printf` lists every entry with its
//! metadata; the filters run on the controller; `contains` is one more round trip (`grep -P` on the
//! target, so file contents never travel). Read-only: never a change.

mod filters;
mod listing;

use crate::cmd::quote;
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use filters::Filters;
pub use listing::normpath;
use listing::{Entry, find_start, listing_query, parse_listing};
use serde::Deserialize;
use serde_json::{Map, Value};
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
