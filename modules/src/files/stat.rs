//! `stat`: a path's facts, with Ansible's field names, changing nothing.

use crate::doc::Written;
use crate::facts::file::{self, FileKind, Want};
use crate::{Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::{Value, json};

pub struct Stat;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "dest", alias = "name", deserialize_with = "crate::de::string")]
    pub path: String,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub follow: bool,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub get_checksum: bool,
    #[serde(
        default,
        alias = "checksum",
        alias = "checksum_algo",
        deserialize_with = "crate::de::opt_string"
    )]
    pub checksum_algorithm: Option<String>,
    #[serde(
        default,
        alias = "mime",
        alias = "get_mime_type",
        deserialize_with = "crate::de::boolean"
    )]
    pub get_mime: bool,
    #[serde(
        default,
        alias = "attr",
        alias = "attributes",
        deserialize_with = "crate::de::boolean"
    )]
    pub get_attributes: bool,
}

const CHECKSUMS: &[(&str, &str)] = &[
    ("md5", "md5sum"),
    ("sha1", "sha1sum"),
    ("sha224", "sha224sum"),
    ("sha256", "sha256sum"),
    ("sha384", "sha384sum"),
    ("sha512", "sha512sum"),
];

/// The target's program for `checksum_algorithm`.
fn checksum_tool(p: &Params) -> Result<&'static str, ModuleError> {
    let wanted = p.checksum_algorithm.as_deref().unwrap_or("sha1");
    CHECKSUMS
        .iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, tool)| *tool)
        .ok_or_else(|| {
            let names = CHECKSUMS.iter().map(|(n, _)| *n);
            ModuleError::Params(format!(
                "value of checksum_algorithm must be one of: {}, got: {wanted}{}",
                names.clone().collect::<Vec<_>>().join(", "),
                crate::suggest::did_you_mean(wanted, names)
            ))
        })
}

#[async_trait::async_trait]
impl Module for Stat {
    type Params = Params;
    const NAME: &'static str = "stat";
    const DOC: Written = Written {
        description: "Reports a path's facts (`stat.exists`, `mode`, `size`, `checksum`, …) in one query; changes nothing.",
        example: "- stat:\n    path: /etc/app.conf\n  register: conf\n\n- debug: msg=\"missing\"\n  when: not conf.stat.exists\n",
        args: &[
            ("path", "", "The path to look at."),
            (
                "follow",
                "false",
                "Follows a symbolic link to what it points to.",
            ),
            ("get_checksum", "true", "Reports the content's checksum."),
            ("checksum_algorithm", "sha1", "The checksum's algorithm."),
            (
                "get_mime",
                "false",
                "Accepted; the MIME type is not reported.",
            ),
            (
                "get_attributes",
                "false",
                "Accepted; file attributes are not reported.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        checksum_tool(p).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let tool = checksum_tool(&p)?;
        let want = Want {
            checksum: p.get_checksum.then_some(tool),
            content: false,
            follow: p.follow,
        };
        let stat = file::parse(&host.query(&file::query(&p.path, want)).await?)?;
        let Some(s) = stat else {
            return Ok(Plan::ok().set("stat", json!({"exists": false})));
        };
        let mut fields = json!({
            "exists": true,
            "path": p.path,
            "mode": format!("{:04o}", s.mode & 0o7777),
            "isdir": s.kind == FileKind::Directory,
            "isreg": s.kind == FileKind::File,
            "islnk": s.kind == FileKind::Link,
            "uid": s.uid,
            "gid": s.gid,
            "pw_name": s.owner,
            "gr_name": s.group,
            "size": s.size,
            "mtime": s.mtime,
            "inode": s.inode,
            "readable": true,
            "executable": s.mode & 0o111 != 0,
        });
        if let (Some(map), Some(target)) = (fields.as_object_mut(), &s.link_target) {
            map.insert("lnk_source".into(), Value::from(target.as_str()));
            map.insert("lnk_target".into(), Value::from(target.as_str()));
        }
        if let (Some(map), Some(sum)) = (fields.as_object_mut(), &s.checksum) {
            map.insert("checksum".into(), Value::from(sum.as_str()));
        }
        Ok(Plan::ok().set("stat", fields))
    }
}
