//! Putting a whole file's content at a path, as `copy`, `template`, `assemble` and a directory copy
//! do: compare its SHA-1 with the file there, write it atomically only when it differs, fix the
//! attributes when it does not. Also the arguments those modules take alike, documented once.

use super::write::{
    Attrs, Content, Validate, atomic_write_validated, backup_name, content_diff, now_unix,
};
use crate::facts::file::{self, FileKind, Want};
use crate::{Host, ModuleError, Plan};

/// `drover doc` rows of the arguments that say how a file is put (`Module::DOC`).
pub(crate) const MODE_ARG: (&str, &str, &str) = (
    "mode",
    "",
    "Permissions, octal (`\"0644\"`) or symbolic (`u=rw,g=r`).",
);
pub(crate) const OWNER_ARG: (&str, &str, &str) = ("owner", "", "Owner's name or uid.");
pub(crate) const GROUP_ARG: (&str, &str, &str) = ("group", "", "Group's name or gid.");
pub(crate) const BACKUP_ARG: (&str, &str, &str) = (
    "backup",
    "false",
    "Keeps the old file as `dest.<timestamp>~` before replacing it.",
);
pub(crate) const VALIDATE_ARG: (&str, &str, &str) = (
    "validate",
    "",
    "A command run on the new file before it is installed (`%s` names it, e.g. `visudo -cf %s`); if it fails, the file is left as it was.",
);
pub(crate) const FORCE_ARG: (&str, &str, &str) = (
    "force",
    "true",
    "Replaces a file whose content differs; `false` only creates missing files.",
);

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
