//! apt's configuration files as the repository modules read and write them: one query prints every
//! file of a set (its mode and owner, then each line behind a `|`, so no content can pass for a
//! marker), and each changed file is written atomically or removed.

use crate::cmd::quote;
use crate::facts::file::{FileKind, FileStat};
use crate::files::write::{Attrs, Content, atomic_write, content_diff};
use crate::{Cmd, Diff, ModuleError, Step};
use std::collections::BTreeMap;

pub const SOURCES_LIST: &str = "/etc/apt/sources.list";
pub const SOURCES_DIR: &str = "/etc/apt/sources.list.d";

/// One file as the query found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub stat: FileStat,
    pub text: String,
}

/// Shell text printing each existing regular file among the words `paths` (globs allowed):
/// `@@file PATH MODE UID GID`, then its lines behind `|`.
pub fn print_files(paths: &str) -> String {
    format!(
        "for f in {paths}; do [ -f \"$f\" ] || continue; \
         echo \"@@file $f $(stat -L -c '%a %u %g' -- \"$f\")\"; awk '{{print \"|\" $0}}' \"$f\" || exit 1; done;"
    )
}

/// The files [`print_files`] printed, by path. A file whose last line had no newline reads back
/// with one (apt does not care; the file is rewritten whole only when it changes).
pub fn parse_files(stdout: &str) -> Result<BTreeMap<String, Found>, ModuleError> {
    let mut files = BTreeMap::new();
    let mut current: Option<(String, Found)> = None;
    for line in stdout.lines() {
        if let Some(head) = line.strip_prefix("@@file ") {
            files.extend(current.take());
            current = Some(file_head(head)?);
        } else if let Some(text) = line.strip_prefix('|') {
            if let Some((_, found)) = current.as_mut() {
                found.text.push_str(text);
                found.text.push('\n');
            }
        } else if line.starts_with("@@") {
            files.extend(current.take());
        }
    }
    files.extend(current);
    Ok(files)
}

fn file_head(head: &str) -> Result<(String, Found), ModuleError> {
    let mut words = head.rsplitn(4, ' ');
    let (gid, uid, mode, path) = (words.next(), words.next(), words.next(), words.next());
    let (Some(gid), Some(uid), Some(mode), Some(path)) = (gid, uid, mode, path) else {
        return Err(ModuleError::Failed(format!(
            "unexpected file listing: {head:?}"
        )));
    };
    let number = |s: &str, radix| u32::from_str_radix(s, radix).ok();
    let (Some(mode), Some(uid), Some(gid)) = (number(mode, 8), number(uid, 10), number(gid, 10))
    else {
        return Err(ModuleError::Failed(format!(
            "unexpected file listing: {head:?}"
        )));
    };
    let mut stat = FileStat::unknown(FileKind::File);
    stat.mode = mode;
    stat.uid = uid;
    stat.gid = gid;
    Ok((
        path.to_string(),
        Found {
            stat,
            text: String::new(),
        },
    ))
}

/// The steps (and diff) that give `path` the content `after` (`None`: remove it) when it differs
/// from what was found; `mode` is set when given (a file found keeps its mode otherwise).
pub fn converge(
    path: &str,
    found: Option<&Found>,
    after: Option<&str>,
    mode: Option<&crate::de::Mode>,
) -> (Vec<Step>, Option<Diff>) {
    let before = found.map(|f| f.text.as_str());
    let attrs = Attrs::new(mode.cloned(), None, None);
    match (before, after) {
        (None, None) => (Vec::new(), None),
        (Some(before), None) => (
            vec![Step::run(Cmd::new("rm -f --").arg(path))],
            Some(Diff {
                before_header: path.to_string(),
                after_header: "/dev/null".into(),
                before: before.to_string(),
                after: String::new(),
            }),
        ),
        (before, Some(after)) if before != Some(after) => {
            let step = atomic_write(
                path,
                Content::new(after.as_bytes().to_vec()),
                &attrs,
                found.map(|f| &f.stat),
                None,
            );
            let mut diff = content_diff(path, before.map(str::as_bytes), after.as_bytes());
            if let Some(d) = diff.as_mut().filter(|_| before.is_none()) {
                d.before_header = "/dev/null".into();
            }
            (vec![step], diff)
        }
        (_, Some(_)) => {
            let fix = found.and_then(|f| attrs.fix(path, &f.stat, false));
            (fix.map(Step::run).into_iter().collect(), None)
        }
    }
}

/// `apt-get update` after a change, as the repository modules' `update_cache` runs it.
pub fn update_cache_step() -> Step {
    Step::run(Cmd::new("LC_ALL=C apt-get update -q"))
}

/// The quoted words of a shell `for` list: fixed paths quoted, globs left to the shell.
pub fn path_words<'a>(paths: impl IntoIterator<Item = &'a str>) -> String {
    paths
        .into_iter()
        .map(|p| match p.split_once('*') {
            Some((dir, rest)) => format!("{}*{rest}", quote(dir)),
            None => quote(p),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_parse_back_with_their_attributes() {
        let out = "@@file /etc/apt/a b.list 644 0 0\n|deb x y\n|\n|@@file fake\n@@file /etc/apt/sources.list 600 0 4\n@@end\n";
        let files = parse_files(out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(files["/etc/apt/a b.list"].text, "deb x y\n\n@@file fake\n");
        assert_eq!(files["/etc/apt/sources.list"].stat.mode, 0o600);
        assert_eq!(files["/etc/apt/sources.list"].stat.gid, 4);
        assert_eq!(files.len(), 2);
    }
}
