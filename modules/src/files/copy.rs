//! `copy`: put content (`content:` or a controller file `src:`) at `dest`, only when it differs.

use super::copy_tree;
use super::put::{self, Put, put_content};
use super::write::{Attrs, Validate};
use crate::doc::Written;
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
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub force: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub remote_src: bool,
    #[serde(default)]
    pub directory_mode: Option<crate::de::Mode>,
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
            put::MODE_ARG,
            put::OWNER_ARG,
            put::GROUP_ARG,
            put::BACKUP_ARG,
            put::VALIDATE_ARG,
            put::FORCE_ARG,
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
