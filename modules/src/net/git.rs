//! `git`: a checkout of `repo` at `version` (branch, tag, full SHA or `HEAD`) in `dest`, with the
//! target's git. One query reads the checkout's HEAD, local modifications and origin, and the
//! remote's refs (`git ls-remote`); steps run only when HEAD is not the wanted commit.

use crate::cmd::quote;
use crate::doc::Written;
use crate::{Cmd, CmdOutput, Host, Module, ModuleError, Parsed, Parser, Plan, Step};
use serde::Deserialize;
use serde_json::Value;

pub struct Git;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "name", deserialize_with = "crate::de::string")]
    pub repo: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub dest: String,
    #[serde(default = "head", deserialize_with = "crate::de::string")]
    pub version: String,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force: bool,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub depth: Option<u64>,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub update: bool,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub clone: bool,
    #[serde(default = "origin", deserialize_with = "crate::de::string")]
    pub remote: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub executable: Option<String>,
}

fn head() -> String {
    "HEAD".into()
}
fn origin() -> String {
    "origin".into()
}

/// What the query found.
#[derive(Debug, Default)]
struct State {
    /// The checkout's HEAD; `None`: no repository at `dest`.
    before: Option<String>,
    /// `dest` exists, is not a repository, and is not empty.
    occupied: bool,
    dirty: bool,
    remote_url: Option<String>,
    /// `git ls-remote` lines: (sha, ref).
    refs: Vec<(String, String)>,
}

/// What `version` names on the remote.
#[derive(Debug, PartialEq)]
enum Target {
    Branch(String, String),
    Tag(String, String),
    /// A SHA (possibly abbreviated) not read from the remote's refs.
    Commit(String),
    Head(String),
}

impl Target {
    fn sha(&self) -> &str {
        match self {
            Target::Branch(_, s) | Target::Tag(_, s) | Target::Head(s) | Target::Commit(s) => s,
        }
    }
}

#[async_trait::async_trait]
impl Module for Git {
    type Params = Params;
    const NAME: &'static str = "git";
    const DOC: Written = Written {
        description: "Keeps a checkout of `repo` at `version` in `dest` with the target's git: one query reads the checkout and the remote's refs (`git ls-remote`), and it clones or fetches and checks out only when HEAD is not the wanted commit. `before`/`after` are in the result.",
        example: "- name: Deploy the application\n  git:\n    repo: https://git.example.com/app.git\n    dest: /srv/app\n    version: v1.4.2\n    depth: 1\n",
        args: &[
            (
                "repo",
                "",
                "The repository's URL or path, as git on the target sees it.",
            ),
            ("dest", "", "Where the checkout lives."),
            (
                "version",
                "HEAD",
                "A branch, a tag or a commit SHA (full, or abbreviated to 7 or more).",
            ),
            (
                "force",
                "false",
                "Discard local modifications of tracked files; without it they fail the task.",
            ),
            ("depth", "", "Clone and fetch only this many commits."),
            (
                "update",
                "true",
                "`false` leaves an existing checkout where it is.",
            ),
            (
                "clone",
                "true",
                "`false` does not clone a missing checkout.",
            ),
            ("remote", "origin", "The remote's name."),
            ("executable", "", "The git program to run."),
        ],
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let git = p.executable.clone().unwrap_or_else(|| "git".into());
        let out = host.query(&query(&p, &git)).await?;
        if out.stdout.lines().any(|l| l == "nogit") {
            return Ok(Plan::fail(format!(
                "git: {git} is not installed on the target (drover's git runs the target's git)"
            )));
        }
        let state = parse(&out);
        let target = resolve(&p.version, &state.refs).ok_or_else(|| {
            ModuleError::Failed(format!(
                "Failed to find version {:?} in {} (git ls-remote: {})",
                p.version,
                p.repo,
                out.stderr.trim()
            ))
        })?;
        let before = state.before.clone();
        let plan = Plan::ok()
            .set("before", before.clone().map_or(Value::Null, Value::from))
            .set("after", Value::from(target.sha()));
        let Some(current) = before else {
            if state.occupied {
                return Ok(Plan::fail(format!(
                    "Destination path '{}' already exists and is not an empty directory.",
                    p.dest
                )));
            }
            if !p.clone {
                return Ok(plan.set("after", Value::Null));
            }
            return Ok(with_step(plan, clone_step(&p, &git, &target)));
        };
        if state.dirty && !p.force {
            return Ok(Plan::fail(format!(
                "Local modifications exist in the destination: {} (force=no).",
                p.dest
            ))
            .set("before", current.as_str()));
        }
        let at_target = current.starts_with(target.sha()) && !target.sha().is_empty();
        if !p.update || (at_target && !state.dirty) {
            return Ok(plan.set("after", current.as_str()));
        }
        let url_changed = state.remote_url.as_deref() != Some(p.repo.as_str());
        Ok(with_step(plan, update_step(&p, &git, &target, url_changed))
            .set("remote_url_changed", url_changed))
    }
}

fn with_step(plan: Plan, step: Step) -> Plan {
    Plan {
        steps: vec![step.parsed(Parser::new(read_after))],
        ..plan
    }
}

/// One round trip: the checkout (`before:`, `dirty:`, `url:`, or `occupied`/`absent`), then the
/// remote's refs.
fn query(p: &Params, git: &str) -> Cmd {
    let d = quote(&p.dest);
    let g = quote(git);
    let r = quote(&p.remote);
    Cmd::new(&format!(
        "command -v {g} >/dev/null 2>&1 || {{ echo nogit; exit 0; }}; \
         if [ -e {d}/.git ]; then printf 'before:%s\\n' \"$({g} -C {d} rev-parse HEAD 2>/dev/null)\"; \
         [ -z \"$({g} -C {d} status --porcelain --untracked-files=no 2>/dev/null)\" ] || echo dirty; \
         printf 'url:%s\\n' \"$({g} -C {d} config --get remote.{r}.url)\"; \
         elif [ -d {d} ] && [ -n \"$(ls -A {d})\" ]; then echo occupied; \
         elif [ -e {d} ] && [ ! -d {d} ]; then echo occupied; else echo absent; fi; \
         echo refs:; {g} ls-remote -- {}",
        quote(&p.repo)
    ))
}

fn parse(out: &CmdOutput) -> State {
    let mut state = State::default();
    let mut in_refs = false;
    for line in out.stdout.lines() {
        if in_refs {
            if let Some((sha, name)) = line.split_once('\t') {
                state.refs.push((sha.to_string(), name.to_string()));
            }
        } else if line == "refs:" {
            in_refs = true;
        } else if let Some(sha) = line.strip_prefix("before:") {
            state.before = Some(sha.trim().to_string()).filter(|s| !s.is_empty());
        } else if let Some(url) = line.strip_prefix("url:") {
            state.remote_url = Some(url.to_string()).filter(|s| !s.is_empty());
        } else if line == "dirty" {
            state.dirty = true;
        } else if line == "occupied" {
            state.occupied = true;
        }
    }
    state
}

/// `version` as the remote knows it: HEAD, a branch, a tag (peeled to its commit), or a SHA.
fn resolve(version: &str, refs: &[(String, String)]) -> Option<Target> {
    let find = |name: &str| {
        refs.iter()
            .find(|(_, r)| r == name)
            .map(|(sha, _)| sha.clone())
    };
    if version == "HEAD" {
        return find("HEAD").map(Target::Head);
    }
    if let Some(sha) = find(&format!("refs/heads/{version}")) {
        return Some(Target::Branch(version.to_string(), sha));
    }
    let tag = format!("refs/tags/{version}");
    if let Some(sha) = find(&format!("{tag}^{{}}")).or_else(|| find(&tag)) {
        return Some(Target::Tag(version.to_string(), sha));
    }
    let is_sha = version.len() >= 7 && version.chars().all(|c| c.is_ascii_hexdigit());
    is_sha.then(|| Target::Commit(version.to_lowercase()))
}

fn depth_arg(p: &Params) -> String {
    p.depth
        .map_or_else(String::new, |n| format!(" --depth {n}"))
}

/// Clone, then check out the wanted commit; prints `after:SHA`.
fn clone_step(p: &Params, git: &str, target: &Target) -> Step {
    let (g, d, r) = (quote(git), quote(&p.dest), quote(&p.remote));
    let branch = match target {
        Target::Branch(name, _) | Target::Tag(name, _) => format!(" --branch {}", quote(name)),
        _ => String::new(),
    };
    let mut script = format!(
        "{g} clone --origin {r}{}{branch} -- {} {d} || exit 1; ",
        depth_arg(p),
        quote(&p.repo)
    );
    if let Target::Commit(sha) = target {
        script.push_str(&format!(
            "{g} -C {d} checkout --quiet --force {} || exit 1; ",
            quote(sha)
        ));
    }
    script.push_str(&print_after(&g, &d));
    Step::run(Cmd::new(&script))
}

/// Fetch from the remote, then move the checkout to the wanted commit (a branch is checked out as
/// itself, reset to the remote's); prints `after:SHA`.
fn update_step(p: &Params, git: &str, target: &Target, url_changed: bool) -> Step {
    let (g, d, r) = (quote(git), quote(&p.dest), quote(&p.remote));
    let mut script = String::new();
    if url_changed {
        script.push_str(&format!(
            "{g} -C {d} remote set-url {r} {} || exit 1; ",
            quote(&p.repo)
        ));
    }
    script.push_str(&format!(
        "{g} -C {d} fetch --quiet --tags{} {r} || exit 1; ",
        depth_arg(p)
    ));
    let checkout = match target {
        Target::Branch(name, _) => {
            let remote_branch = quote(&format!("{}/{name}", p.remote));
            format!(
                "{g} -C {d} fetch --quiet{} {r} {} || exit 1; {g} -C {d} checkout --quiet --force -B {} {remote_branch} || exit 1; ",
                depth_arg(p),
                quote(&format!(
                    "+refs/heads/{name}:refs/remotes/{}/{name}",
                    p.remote
                )),
                quote(name)
            )
        }
        other => format!(
            "{g} -C {d} checkout --quiet --force {} || exit 1; ",
            quote(other.sha())
        ),
    };
    script.push_str(&checkout);
    script.push_str(&print_after(&g, &d));
    Step::run(Cmd::new(&script))
}

fn print_after(g: &str, d: &str) -> String {
    format!("printf 'after:%s\\n' \"$({g} -C {d} rev-parse HEAD)\"")
}

/// `after` from the step's last line; a failed step fails with git's message.
fn read_after(out: &CmdOutput) -> Parsed {
    let mut parsed = Parsed::default();
    if out.rc != 0 {
        parsed.failed = Some(format!("git failed (rc={}): {}", out.rc, out.stderr.trim()));
        return parsed;
    }
    if let Some(sha) = out.stdout.lines().find_map(|l| l.strip_prefix("after:")) {
        parsed
            .fields
            .insert("after".into(), Value::from(sha.trim()));
    }
    parsed
}
