//! `copy` of a directory (from the controller, or on the target with `remote_src`) and of a target
//! file with `remote_src`. Ansible's trailing-slash rule: `src: dir` copies the directory itself
//! into `dest`, `src: dir/` only its contents. One query learns every destination path's state
//! (type and SHA-1); only missing directories are made (with `directory_mode`) and only files whose
//! bytes differ are written, each through the verified write path.

use super::put::{Put, put_content};
use super::write::{Attrs, Fill, fill_and_install};
use crate::cmd::quote;
use crate::de::Mode;
use crate::facts::file::{self, FileKind, Want};
use crate::{Cmd, CmdOutput, Host, LocalEntry, LocalFile, ModuleError, Plan, Step};
use std::collections::BTreeMap;

/// What a tree copy needs of the task's arguments.
pub(crate) struct TreeArgs<'a> {
    pub src: &'a str,
    pub dest: &'a str,
    pub attrs: Attrs,
    pub directory_mode: Option<&'a Mode>,
    pub backup: bool,
    pub force: bool,
}

/// What is at a destination path.
#[derive(Debug, Clone, PartialEq)]
enum Found {
    Missing,
    Dir,
    File(String),
    Other,
}

/// A controller directory `src` copied below `dest`.
pub(crate) async fn plan_local(
    a: &TreeArgs<'_>,
    entries: Vec<LocalEntry>,
    host: &mut dyn Host,
) -> Result<Plan, ModuleError> {
    let root = tree_root(a.src, a.dest);
    let paths: Vec<String> = std::iter::once(root.clone())
        .chain(entries.iter().map(|e| format!("{root}/{}", e.path)))
        .collect();
    let found = probe(host, &paths).await?;
    let mut plan = Plan::ok().set("dest", root.as_str());
    plan.steps.extend(make_dirs(
        a,
        &root,
        &found[0],
        entries
            .iter()
            .zip(&found[1..])
            .filter(|(e, _)| e.is_dir)
            .map(|(e, f)| (format!("{root}/{}", e.path), f)),
    )?);
    let src_dir = a.src.trim_end_matches('/');
    for (entry, state) in entries.iter().zip(&found[1..]) {
        if entry.is_dir {
            continue;
        }
        let path = format!("{root}/{}", entry.path);
        let bytes = host.read_local(&format!("{src_dir}/{}", entry.path), LocalFile::File)?;
        let sha1 = super::write::Content::new(bytes.clone()).sha1().to_string();
        if *state == Found::File(sha1) && a.attrs == Attrs::default() {
            continue;
        }
        if *state == Found::Dir || *state == Found::Other {
            return Err(conflict(&path, "a file"));
        }
        let one = put_content(
            host,
            &path,
            bytes,
            &Put {
                attrs: &a.attrs,
                backup: a.backup,
                force: a.force,
                validate: None,
            },
            None,
        )
        .await?;
        plan.steps.extend(one.steps);
        plan.diffs.extend(one.diffs);
    }
    Ok(plan)
}

/// `src` on the target: a file copied by the target itself, or a directory tree.
pub(crate) async fn plan_remote(
    a: &TreeArgs<'_>,
    host: &mut dyn Host,
) -> Result<Plan, ModuleError> {
    let want = Want {
        checksum: Some("sha1sum"),
        content: false,
        follow: true,
    };
    let src = file::parse(&host.query(&file::query(a.src, want)).await?)?;
    match src {
        None => Ok(Plan::fail(format!("Source {} not found", a.src))),
        Some(s) if s.kind == FileKind::Directory => plan_remote_tree(a, host).await,
        Some(s) => plan_remote_file(a, s.checksum.unwrap_or_default(), host).await,
    }
}

async fn plan_remote_file(
    a: &TreeArgs<'_>,
    src_sum: String,
    host: &mut dyn Host,
) -> Result<Plan, ModuleError> {
    let want = Want {
        checksum: Some("sha1sum"),
        content: false,
        follow: true,
    };
    let name = base_name(a.src);
    let mut dest = if a.dest.ends_with('/') {
        format!("{}{name}", a.dest)
    } else {
        a.dest.to_string()
    };
    let mut stat = file::parse(&host.query(&file::query(&dest, want)).await?)?;
    if stat.as_ref().is_some_and(|s| s.kind == FileKind::Directory) {
        dest = format!("{}/{name}", dest.trim_end_matches('/'));
        stat = file::parse(&host.query(&file::query(&dest, want)).await?)?;
    }
    let plan = Plan::ok()
        .set("dest", dest.as_str())
        .set("src", a.src)
        .set("checksum", src_sum.as_str());
    match &stat {
        Some(s) if s.checksum.as_deref() == Some(src_sum.as_str()) || !a.force => {
            Ok(match a.attrs.fix(&dest, s, false) {
                Some(cmd) => Plan {
                    steps: vec![Step::run(cmd)],
                    ..plan
                },
                None => plan,
            })
        }
        _ => Ok(Plan {
            steps: vec![copy_on_target(a.src, &dest, &a.attrs, stat.as_ref())],
            ..plan
        }),
    }
}

/// The target copies `src` into a temp file beside `dest`, which is renamed over it.
fn copy_on_target(src: &str, dest: &str, attrs: &Attrs, existing: Option<&file::FileStat>) -> Step {
    let fill = format!("cp -- {} \"$t\" || exit 1; ", quote(src));
    fill_and_install(
        dest,
        attrs,
        existing,
        Fill {
            require: "",
            fill: &fill,
            install_if: "true",
            report: "",
        },
        Vec::new(),
    )
}

async fn plan_remote_tree(a: &TreeArgs<'_>, host: &mut dyn Host) -> Result<Plan, ModuleError> {
    let listing = host.query(&list_tree(a.src)).await?;
    let entries = parse_tree(&listing)?;
    let root = tree_root(a.src, a.dest);
    let paths: Vec<String> = std::iter::once(root.clone())
        .chain(entries.keys().map(|p| format!("{root}/{p}")))
        .collect();
    let found = probe(host, &paths).await?;
    let mut plan = Plan::ok().set("dest", root.as_str()).set("src", a.src);
    plan.steps.extend(make_dirs(
        a,
        &root,
        &found[0],
        entries
            .iter()
            .zip(&found[1..])
            .filter(|((_, kind), _)| **kind == Found::Dir)
            .map(|((p, _), f)| (format!("{root}/{p}"), f)),
    )?);
    let src_dir = a.src.trim_end_matches('/');
    for ((path, kind), state) in entries.iter().zip(&found[1..]) {
        let Found::File(sum) = kind else {
            continue;
        };
        let dest = format!("{root}/{path}");
        match state {
            Found::File(have) if have == sum || !a.force => continue,
            Found::Dir | Found::Other => return Err(conflict(&dest, "a file")),
            _ => {}
        }
        plan.steps.push(copy_on_target(
            &format!("{src_dir}/{path}"),
            &dest,
            &a.attrs,
            None,
        ));
    }
    Ok(plan)
}

/// Where the tree lands: `dest/basename(src)`, or `dest` itself for `src` ending in `/`.
fn tree_root(src: &str, dest: &str) -> String {
    let dest = match dest.trim_end_matches('/') {
        "" => "/",
        d => d,
    };
    if src.ends_with('/') {
        return dest.to_string();
    }
    format!("{}/{}", dest.trim_end_matches('/'), base_name(src))
}

fn base_name(path: &str) -> &str {
    let path = path.trim_end_matches('/');
    path.rsplit('/').next().unwrap_or(path)
}

fn conflict(path: &str, wanted: &str) -> ModuleError {
    ModuleError::Failed(format!(
        "cannot copy: {path} exists on the target and is not {wanted}"
    ))
}

/// The directories to make, parents first: the root (with its parents) and every missing one.
fn make_dirs<'f>(
    a: &TreeArgs<'_>,
    root: &str,
    root_state: &Found,
    dirs: impl Iterator<Item = (String, &'f Found)>,
) -> Result<Vec<Step>, ModuleError> {
    let mode = a
        .directory_mode
        .map(|m| format!(" -m {}", quote(&m.to_chmod())))
        .unwrap_or_default();
    let mut steps = Vec::new();
    match root_state {
        Found::Dir => {}
        Found::Missing => steps.push(Step::run(Cmd::new(&format!(
            "mkdir -p{mode} -- {}",
            quote(root)
        )))),
        _ => return Err(conflict(root, "a directory")),
    }
    for (path, state) in dirs {
        match state {
            Found::Dir => {}
            Found::Missing => steps.push(Step::run(Cmd::new(&format!(
                "mkdir{mode} -- {}",
                quote(&path)
            )))),
            _ => return Err(conflict(&path, "a directory")),
        }
    }
    Ok(steps)
}

/// One query: per path one line — `D`, `F <sha1>`, `O` (something else) or `-` (missing).
async fn probe(host: &mut dyn Host, paths: &[String]) -> Result<Vec<Found>, ModuleError> {
    let list: String = paths.iter().map(|p| format!(" {}", quote(p))).collect();
    let script = format!(
        "for p in{list}; do if [ -d \"$p\" ]; then echo D; elif [ -f \"$p\" ]; then \
         h=$(sha1sum < \"$p\") && echo \"F ${{h%% *}}\" || echo O; \
         elif [ -e \"$p\" ] || [ -h \"$p\" ]; then echo O; else echo -; fi; done"
    );
    let out = host.query(&Cmd::new(&script)).await?;
    let found: Vec<Found> = out
        .stdout
        .lines()
        .map(|l| match l.split_once(' ') {
            Some(("F", sum)) => Found::File(sum.to_string()),
            _ if l == "D" => Found::Dir,
            _ if l == "-" => Found::Missing,
            _ => Found::Other,
        })
        .collect();
    if found.len() != paths.len() {
        return Err(ModuleError::Host(format!(
            "could not read the destination's state ({} of {} paths): {}",
            found.len(),
            paths.len(),
            out.stderr.trim()
        )));
    }
    Ok(found)
}

/// A target directory's tree: `D path` per directory, `sha1sum`'s `HASH  ./path` per file.
fn list_tree(dir: &str) -> Cmd {
    Cmd::new(&format!(
        "cd {} && find . -mindepth 1 \\( -type d -printf 'D %P\\n' \\) -o \\( -type f -exec sha1sum {{}} + \\)",
        quote(dir)
    ))
}

fn parse_tree(out: &CmdOutput) -> Result<BTreeMap<String, Found>, ModuleError> {
    if !out.success() {
        return Err(ModuleError::Failed(format!(
            "could not list the source directory: {}",
            out.stderr.trim()
        )));
    }
    let mut tree = BTreeMap::new();
    for line in out.stdout.lines() {
        if let Some(dir) = line.strip_prefix("D ") {
            tree.insert(dir.to_string(), Found::Dir);
        } else if let Some((sum, path)) = line.split_once("  ") {
            let path = path.strip_prefix("./").unwrap_or(path);
            tree.insert(path.to_string(), Found::File(sum.to_string()));
        }
    }
    Ok(tree)
}
