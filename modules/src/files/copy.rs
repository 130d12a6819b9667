//! `copy`: put content (`content:` or a controller file `src:`) at `dest`, only when it differs.

use super::copy_tree;
use super::write::{
    Attrs, Content, Validate, atomic_write_validated, backup_name, content_diff, now_unix,
};
use crate::doc::Written;
use crate::facts::file::{self, FileKind, Want};
use crate::{Host, LocalFile, Module, ModuleError, Plan};
use serde::Deserialize;

pub struct Copy;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub src: Option<String>,
    #[serde(deserialize_with = "crate::de::string")]
    pub dest: String,
    #[serde(default)]
    pub mode: Option<crate::de::Mode>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub group: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub backup: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub validate: Option<String>,
    #[serde(default = "yes", deserialize_with = "crate::de::boolean")]
    pub force: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub remote_src: bool,
    #[serde(default)]
    pub directory_mode: Option<crate::de::Mode>,
}

fn yes() -> bool {
    true
}

#[async_trait::async_trait]
impl Module for Copy {
    type Params = Params;
    const NAME: &'static str = "copy";
    const DOC: Written = Written {
        description: "Writes a file on the target from `content` or from a controller file `src`, atomically, when its SHA-1 differs.",
        example: "- name: Install the configuration\n  copy:\n    src: app.conf\n    dest: /etc/app/app.conf\n    mode: \"0640\"\n    backup: true\n",
        args: &[
            ("content", "", "The file's content (instead of `src`)."),
            (
                "src",
                "",
                "A controller file, looked up in `files/` next to the playbook, then next to it.",
            ),
            (
                "dest",
                "",
                "Where the file goes; a directory (or a path ending in `/`) gets `basename(src)`. A directory `src` is copied into it (`src: dir/`: only its contents).",
            ),
            (
                "mode",
                "",
                "Permissions, octal (`\"0644\"`) or symbolic (`u=rw,g=r`).",
            ),
            ("owner", "", "Owner's name or uid."),
            ("group", "", "Group's name or gid."),
            (
                "backup",
                "false",
                "Keeps the old file as `dest.<timestamp>~` before replacing it.",
            ),
            (
                "validate",
                "",
                "A command run on the new file before it is installed (`%s` names it, e.g. `visudo -cf %s`); if it fails, the file is left as it was.",
            ),
            (
                "force",
                "true",
                "Replaces a file whose content differs; `false` only creates missing files.",
            ),
            (
                "remote_src",
                "false",
                "`src` is a file or directory on the target, copied there.",
            ),
            (
                "directory_mode",
                "",
                "The mode of directories a directory copy creates.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        Validate::from_param(p.validate.as_deref())?;
        source(p).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let content = match source(&p)? {
            Source::Content(c) => c.as_bytes().to_vec(),
            Source::Src(src) if p.remote_src => {
                return copy_tree::plan_remote(&tree_args(&p, src), host).await;
            }
            Source::Src(src) => match host.list_local(src, LocalFile::File)? {
                Some(entries) => {
                    return copy_tree::plan_local(&tree_args(&p, src), entries, host).await;
                }
                None => host.read_local(src, LocalFile::File)?,
            },
        };
        let name = p.src.as_deref().map(|s| s.rsplit('/').next().unwrap_or(s));
        let dest = if p.dest.ends_with('/') {
            match name {
                Some(n) => format!("{}{n}", p.dest),
                None => {
                    return Err(ModuleError::Failed(
                        "can not use content with a dir as dest".into(),
                    ));
                }
            }
        } else {
            p.dest.clone()
        };
        put_content(
            host,
            &dest,
            content,
            &Put {
                attrs: &Attrs::new(p.mode, p.owner, p.group),
                backup: p.backup,
                force: p.force,
                validate: Validate::from_param(p.validate.as_deref())?.as_ref(),
            },
            name,
        )
        .await
    }
}

fn tree_args<'a>(p: &'a Params, src: &'a str) -> copy_tree::TreeArgs<'a> {
    copy_tree::TreeArgs {
        src,
        dest: &p.dest,
        attrs: Attrs::new(p.mode.clone(), p.owner.clone(), p.group.clone()),
        directory_mode: p.directory_mode.as_ref(),
        backup: p.backup,
        force: p.force,
    }
}

/// Where the content comes from: exactly one of `content` and `src`.
enum Source<'a> {
    Content(&'a str),
    Src(&'a str),
}

fn source(p: &Params) -> Result<Source<'_>, ModuleError> {
    match (&p.content, &p.src) {
        (Some(_), None) if p.remote_src => Err(ModuleError::Params(
            "remote_src needs src, not content".into(),
        )),
        (Some(c), None) => Ok(Source::Content(c)),
        (None, Some(src)) => Ok(Source::Src(src)),
        (Some(_), Some(_)) => Err(ModuleError::Params(
            "src and content are mutually exclusive".into(),
        )),
        (None, None) => Err(ModuleError::Params(
            "one of src or content is required".into(),
        )),
    }
}

/// How a file is put: its attributes, `backup`, `force`, `validate`.
pub(crate) struct Put<'a> {
    pub attrs: &'a Attrs,
    pub backup: bool,
    pub force: bool,
    pub validate: Option<&'a Validate>,
}

/// Shared by `copy`, `template`, `assemble`: write `content` to `dest` if it differs, fix
/// attributes if not.
pub(crate) async fn put_content(
    host: &mut dyn Host,
    dest: &str,
    content: Vec<u8>,
    put: &Put<'_>,
    src_name: Option<&str>,
) -> Result<Plan, ModuleError> {
    let Put {
        attrs,
        backup,
        force,
        validate,
    } = *put;
    let want = Want {
        checksum: Some("sha1sum"),
        content: host.diff_mode(),
        follow: true,
    };
    let mut dest = dest.to_string();
    let mut stat = file::parse(&host.query(&file::query(&dest, want)).await?)?;
    if stat.as_ref().is_some_and(|s| s.kind == FileKind::Directory) {
        let Some(name) = src_name else {
            return Err(ModuleError::Failed(
                "can not use content with a dir as dest".into(),
            ));
        };
        dest = format!("{}/{name}", dest.trim_end_matches('/'));
        stat = file::parse(&host.query(&file::query(&dest, want)).await?)?;
    }
    let content = Content::new(content);
    let base = Plan::ok()
        .set("dest", dest.as_str())
        .set("checksum", content.sha1())
        .set("size", content.len() as u64);
    let same = stat
        .as_ref()
        .is_some_and(|s| s.checksum.as_deref() == Some(content.sha1()));
    if same || (stat.is_some() && !force) {
        let Some(existing) = &stat else {
            return Ok(base);
        };
        return Ok(match attrs.fix(&dest, existing, false) {
            Some(cmd) => Plan {
                steps: vec![crate::Step::run(cmd)],
                ..base
            },
            None => base,
        });
    }
    let mut plan = base;
    let backup_file = (backup && stat.is_some()).then(|| backup_name(&dest, now_unix()));
    if let Some(b) = &backup_file {
        plan = plan.set("backup_file", b.as_str());
    }
    if host.diff_mode()
        && let Some(diff) = content_diff(
            &dest,
            stat.as_ref().and_then(|s| s.content.as_deref()),
            content.bytes(),
        )
    {
        plan.diffs.push(diff);
    }
    plan.steps.push(atomic_write_validated(
        &dest,
        content,
        attrs,
        stat.as_ref(),
        backup_file.as_deref(),
        validate,
    ));
    Ok(plan)
}
