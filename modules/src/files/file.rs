//! `file`: a path's type (file, directory, link, absent, touched) and its mode/owner/group.

use super::put;
use super::timestamps::{Times, When};
use super::write::Attrs;
use crate::cmd::quote;
use crate::doc::Written;
use crate::facts::file::{self, FileKind, FileStat, Want};
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct File;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "dest", alias = "name", deserialize_with = "crate::de::string")]
    pub path: String,
    #[serde(default)]
    pub state: Option<State>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub src: Option<String>,
    #[serde(default)]
    pub mode: Option<crate::de::Mode>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub group: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub recurse: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force: bool,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub follow: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub access_time: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub access_time_format: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub modification_time: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub modification_time_format: Option<String>,
}

impl Params {
    /// Ansible's defaults: `touch` sets both times to now, every other state preserves them.
    fn times(&self, state: State) -> Result<Times, ModuleError> {
        let default = || match state {
            State::Touch => When::Now,
            _ => When::Preserve,
        };
        let times = Times {
            atime: When::parse(
                self.access_time.as_deref(),
                self.access_time_format.as_deref(),
                default(),
            )?,
            mtime: When::parse(
                self.modification_time.as_deref(),
                self.modification_time_format.as_deref(),
                default(),
            )?,
        };
        if matches!(state, State::Link | State::Hard) && !times.preserve_both() {
            return Err(ModuleError::Params(format!(
                "access_time/modification_time with state={} are not supported yet",
                state_name(state)
            )));
        }
        Ok(times)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    File,
    Directory,
    Absent,
    Touch,
    Link,
    Hard,
}

#[async_trait::async_trait]
impl Module for File {
    type Params = Params;
    const NAME: &'static str = "file";
    const DOC: Written = Written {
        description: "Sets a path's kind (file, directory, link, hard link, absent, touched) and attributes.",
        example: "- name: Application directory\n  file:\n    path: /srv/app\n    state: directory\n    owner: app\n    mode: \"0755\"\n",
        args: &[
            ("path", "", "The path to manage."),
            ("state", "file", "What the path must be."),
            ("src", "", "What a `link` or `hard` link points to."),
            put::MODE_ARG,
            put::OWNER_ARG,
            put::GROUP_ARG,
            (
                "recurse",
                "false",
                "Applies owner, group and mode to a directory's whole tree.",
            ),
            ("force", "false", "Replaces an existing file by a link."),
            (
                "follow",
                "true",
                "Follows symbolic links when setting attributes.",
            ),
            (
                "access_time",
                "",
                "`preserve`, `now`, or a time in `access_time_format`; `touch` with `preserve` is idempotent.",
            ),
            (
                "access_time_format",
                "%Y%m%d%H%M.%S",
                "How `access_time` is written.",
            ),
            (
                "modification_time",
                "",
                "`preserve`, `now`, or a time in `modification_time_format`.",
            ),
            (
                "modification_time_format",
                "%Y%m%d%H%M.%S",
                "How `modification_time` is written.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        link_source(p).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let link_state = matches!(p.state, Some(State::Link | State::Hard));
        let want = Want {
            follow: p.follow && !link_state && p.state != Some(State::Absent),
            ..Want::default()
        };
        let stat = file::parse(&host.query(&file::query(&p.path, want)).await?)?;
        let state = p.state.unwrap_or(match (&stat, p.recurse) {
            (_, true) => State::Directory,
            (Some(s), _) if s.kind == FileKind::Directory => State::Directory,
            (Some(s), _) if s.kind == FileKind::Link => State::Link,
            _ => State::File,
        });
        let times = p.times(state)?;
        let attrs = Attrs::new(p.mode.clone(), p.owner.clone(), p.group.clone());
        let base = Plan::ok()
            .set("path", p.path.as_str())
            .set("state", state_name(state));
        let plan = match state {
            State::Absent => return Ok(absent(&p.path, stat.as_ref(), base)),
            State::File => match &stat {
                None => Plan::fail(format!("file ({}) is absent, cannot continue", p.path))
                    .set("path", p.path.as_str()),
                Some(s) if s.kind == FileKind::Directory => {
                    Plan::fail(format!("{} is a directory, not a file", p.path))
                }
                Some(s) => with_fix(base, attrs.fix(&p.path, s, false)),
            },
            State::Directory => directory(host, &p, stat.as_ref(), &attrs, base).await?,
            State::Touch => touch(&p.path, stat.as_ref(), &attrs, base),
            State::Link | State::Hard => {
                return link(host, &p, state, stat.as_ref(), &attrs, base).await;
            }
        };
        if plan.failed.is_some() {
            return Ok(plan);
        }
        with_times(host, &p.path, stat.is_some(), &times, plan).await
    }
}

/// `touch` creates a missing file; the times are the caller's business (`now` by default).
fn touch(path: &str, stat: Option<&FileStat>, attrs: &Attrs, base: Plan) -> Plan {
    let mut steps = Vec::new();
    if stat.is_none() {
        steps.push(Step::run(Cmd::new("touch").arg("--").arg(path)));
    }
    let fix = match stat {
        Some(s) => attrs.fix(path, s, false),
        None => new_path_fix(path, attrs),
    };
    steps.extend(fix.map(Step::run));
    Plan {
        steps,
        ..base.set("dest", path)
    }
}

/// Appends the step that sets the path's access/modification times, when they are not as asked.
async fn with_times(
    host: &mut dyn Host,
    path: &str,
    exists: bool,
    times: &Times,
    mut plan: Plan,
) -> Result<Plan, ModuleError> {
    if let Some(cmd) = times.fix(host, path, exists).await? {
        plan.steps.push(Step::run(cmd));
    }
    Ok(plan)
}

fn state_name(state: State) -> &'static str {
    match state {
        State::File => "file",
        State::Directory => "directory",
        State::Absent => "absent",
        State::Touch => "touch",
        State::Link => "link",
        State::Hard => "hard",
    }
}

fn with_fix(plan: Plan, fix: Option<Cmd>) -> Plan {
    match fix {
        Some(cmd) => Plan {
            steps: vec![Step::run(cmd)],
            ..plan
        },
        None => plan,
    }
}

fn absent(path: &str, stat: Option<&FileStat>, base: Plan) -> Plan {
    match stat {
        None => base,
        Some(_) => Plan {
            steps: vec![Step::run(Cmd::new("rm -rf --").arg(path))],
            ..base
        },
    }
}

/// Attributes of a path about to be created: everything asked for applies.
fn new_path_fix(path: &str, attrs: &Attrs) -> Option<Cmd> {
    attrs.fix(path, &FileStat::unknown(FileKind::Other), false)
}

async fn directory(
    host: &mut dyn Host,
    p: &Params,
    stat: Option<&FileStat>,
    attrs: &Attrs,
    base: Plan,
) -> Result<Plan, ModuleError> {
    Ok(match stat {
        None => {
            let mut steps = vec![Step::run(Cmd::new("mkdir -p --").arg(&p.path))];
            steps.extend(new_path_fix(&p.path, attrs).map(Step::run));
            if p.recurse {
                steps.extend(
                    attrs
                        .fix(&p.path, &FileStat::unknown(FileKind::Directory), true)
                        .map(Step::run),
                );
            }
            Plan { steps, ..base }
        }
        Some(s) if s.kind != FileKind::Directory => Plan::fail(format!(
            "{} already exists as a {}",
            p.path,
            kind_name(s.kind)
        )),
        Some(s) if p.recurse && tree_differs(host, &p.path, s, attrs).await? => {
            with_fix(base, attrs.fix(&p.path, s, true))
        }
        Some(s) => with_fix(base, attrs.fix(&p.path, s, false)),
    })
}

/// With `recurse`, whether anything in the tree has another mode/owner/group than asked.
async fn tree_differs(
    host: &mut dyn Host,
    path: &str,
    stat: &FileStat,
    attrs: &Attrs,
) -> Result<bool, ModuleError> {
    let mut tests = Vec::new();
    if let Some(mode) = attrs.wanted_mode(stat.mode, true) {
        tests.push(format!("! -perm {mode:04o}"));
    }
    if let Some(o) = &attrs.owner {
        tests.push(format!("! -user {}", quote(o)));
    }
    if let Some(g) = &attrs.group {
        tests.push(format!("! -group {}", quote(g)));
    }
    if tests.is_empty() {
        return Ok(false);
    }
    let find = Cmd::new(&format!(
        "find {} \\( {} \\) -print -quit",
        quote(path),
        tests.join(" -o ")
    ));
    Ok(!host.query(&find).await?.stdout.trim().is_empty())
}

/// `state=link` and `state=hard` need a `src`: the link's target.
fn link_source(p: &Params) -> Result<Option<&String>, ModuleError> {
    match (p.state, &p.src) {
        (Some(state @ (State::Link | State::Hard)), None) => Err(ModuleError::Params(format!(
            "src is required for state={}",
            state_name(state)
        ))),
        (_, src) => Ok(src.as_ref()),
    }
}

fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::File => "file",
        FileKind::Directory => "directory",
        FileKind::Link => "link",
        FileKind::Other => "special file",
    }
}

async fn link(
    host: &mut dyn Host,
    p: &Params,
    state: State,
    stat: Option<&FileStat>,
    attrs: &Attrs,
    base: Plan,
) -> Result<Plan, ModuleError> {
    let Some(src) = link_source(p)? else {
        return Err(ModuleError::Params("src is required for a link".into()));
    };
    let base = base.set("src", src.as_str());
    let correct = match (state, stat) {
        (State::Link, Some(s)) => {
            s.kind == FileKind::Link && s.link_target.as_deref() == Some(src.as_str())
        }
        (State::Hard, Some(s)) => {
            let target = file::parse(&host.query(&file::query(src, Want::default())).await?)?;
            target.is_some_and(|t| t.inode == s.inode)
        }
        _ => false,
    };
    if correct {
        return Ok(base);
    }
    if let Some(s) = stat
        && s.kind != FileKind::Link
        && !p.force
    {
        return Ok(Plan::fail(format!(
            "refusing to convert from {} to {} for {}",
            kind_name(s.kind),
            state_name(state),
            p.path
        )));
    }
    let flags = if state == State::Link {
        "ln -sfn --"
    } else {
        "ln -f --"
    };
    let mut steps = vec![Step::run(Cmd::new(flags).arg(src).arg(&p.path))];
    if attrs.owner.is_some() || attrs.group.is_some() {
        steps.extend(
            new_path_fix(
                &p.path,
                &Attrs {
                    mode: None,
                    ..attrs.clone()
                },
            )
            .map(|c| Step::run(Cmd::new(&c.to_shell().replacen("chown", "chown -h", 1)))),
        );
    }
    Ok(Plan { steps, ..base })
}
