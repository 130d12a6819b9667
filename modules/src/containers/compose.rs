//! `compose` (`community.docker.docker_compose_v2`): a compose project up, down, stopped or
//! restarted through the target's `docker compose` (v2) or, where only that exists (Debian 12),
//! `docker-compose` (v1). One query reads the project's per-service config hashes
//! (`config --hash '*'`) and its containers' labels and states: a project whose every service runs a
//! container with the current hash is `ok` without running anything (so `--check` is exact). When a
//! step runs, the task is changed only when compose reports a container or network it created,
//! recreated, started, stopped, restarted or removed.

use super::cli::string_map;
use crate::doc::Written;
use crate::files::write::{Attrs, Content, atomic_write};
use crate::{Cmd, CmdOutput, Host, Module, ModuleError, Parsed, Parser, Plan, Step};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub struct Compose;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub project_src: Option<String>,
    #[serde(default)]
    pub definition: Option<Value>,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub files: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub project_name: Option<String>,
    #[serde(default)]
    pub state: State,
    #[serde(default)]
    pub pull: Pull,
    #[serde(default)]
    pub build: BuildPolicy,
    #[serde(default)]
    pub recreate: Recreate,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub remove_orphans: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub remove_volumes: bool,
    #[serde(default)]
    pub remove_images: Option<RemoveImages>,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub services: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub timeout: Option<String>,
    #[serde(default, deserialize_with = "string_map")]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    #[default]
    Present,
    Absent,
    Stopped,
    Restarted,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pull {
    Always,
    Missing,
    Never,
    #[default]
    Policy,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildPolicy {
    Always,
    Never,
    #[default]
    Policy,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Recreate {
    Always,
    Never,
    #[default]
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemoveImages {
    All,
    Local,
}

/// The compose CLI found on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    V2,
    V1,
}

/// Where an inline `definition` is written on the target (a project directory of its own).
const DEFINITIONS: &str = "/var/lib/drover/compose";

impl Params {
    fn project_dir(&self) -> String {
        match (&self.project_src, &self.project_name) {
            (Some(src), _) => src.clone(),
            (None, Some(name)) => format!("{DEFINITIONS}/{name}"),
            (None, None) => String::new(),
        }
    }

    /// The project name compose labels containers with: `project_name` or the directory's name,
    /// lower-cased, with what is not `[a-z0-9_-]` dropped (as compose v1 and v2 both do).
    fn project_label(&self) -> String {
        let dir = self.project_dir();
        let raw = self.project_name.clone().unwrap_or_else(|| {
            dir.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()
        });
        raw.to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
            .collect()
    }

    /// `-p NAME -f FILE…` (an inline definition is the project directory's `compose.yaml`).
    fn project_args(&self, tool: Tool) -> Cmd {
        let mut c = Cmd::new(match tool {
            Tool::V2 => "docker compose",
            Tool::V1 => "docker-compose",
        });
        if let Some(name) = &self.project_name {
            c = c.syntax("-p").arg(name);
        }
        let files: Vec<String> = if self.definition.is_some() {
            vec!["compose.yaml".into()]
        } else {
            self.files.clone()
        };
        for f in files {
            c = c.syntax("-f").arg(f);
        }
        c
    }

    /// `cd -- DIR [&& export K=V…]`: compose reads `.env` and relative paths from the project
    /// directory, and `env` from the environment.
    fn env_prefix(&self) -> Cmd {
        let mut c = Cmd::new("cd --").arg(self.project_dir());
        for (k, v) in &self.env {
            c = c.syntax("&& export").arg(format!("{k}={v}"));
        }
        c
    }
}

#[async_trait::async_trait]
impl Module for Compose {
    type Params = Params;
    const NAME: &'static str = "compose";
    const DOC: Written = Written {
        description: "A compose project up, down, stopped or restarted (`community.docker.docker_compose_v2`), through the target's `docker compose` or, where only that exists (Debian 12), `docker-compose` v1. A project whose every service runs a container with the current config hash is `ok` without running compose (so `--check` is exact); otherwise changed only when compose reports a container it created, recreated, started, stopped, restarted or removed.",
        example: "- compose:\n    project_src: /srv/shop\n    state: present\n    remove_orphans: true\n",
        args: &[
            ("project_src", "", "The project directory on the target."),
            (
                "definition",
                "",
                "An inline compose file (a mapping); written to `/var/lib/drover/compose/PROJECT_NAME/compose.yaml`.",
            ),
            (
                "files",
                "",
                "Compose files in the project directory (`-f`).",
            ),
            (
                "project_name",
                "",
                "The project name (`-p`); required with `definition`.",
            ),
            (
                "state",
                "present",
                "`present` (up), `absent` (down), `stopped` or `restarted`.",
            ),
            (
                "pull",
                "policy",
                "`always`, `missing`, `never` or `policy` (compose v1: `always` pulls first).",
            ),
            (
                "build",
                "policy",
                "`always` (`--build`), `never` (`--no-build`) or `policy`.",
            ),
            (
                "recreate",
                "auto",
                "`always` (`--force-recreate`), `never` (`--no-recreate`) or `auto`.",
            ),
            (
                "remove_orphans",
                "false",
                "Remove containers of services no longer in the file.",
            ),
            (
                "remove_volumes",
                "false",
                "With `state: absent`: remove the project's volumes too.",
            ),
            (
                "remove_images",
                "",
                "With `state: absent`: `all` or `local` images.",
            ),
            ("services", "", "Only these services."),
            ("timeout", "", "Seconds to wait for containers to stop."),
            (
                "env",
                "",
                "Environment variables for compose (interpolation in the file).",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let err = |m: &str| Err(ModuleError::Params(m.into()));
        match (&p.project_src, &p.definition) {
            (Some(_), Some(_)) => err("parameters are mutually exclusive: project_src|definition"),
            (None, None) => err("one of the following is required: project_src, definition"),
            (None, Some(_)) if p.project_name.is_none() => err(
                "definition needs project_name (it names the project's directory on the target)",
            ),
            (None, Some(d)) if !d.is_object() => {
                err("definition must be a mapping (a compose file)")
            }
            _ if p.definition.is_some() && !p.files.is_empty() => {
                err("parameters are mutually exclusive: files|definition")
            }
            _ => Ok(()),
        }
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let mut steps = Vec::new();
        let mut definition_changed = false;
        if let Some(def) = &p.definition {
            let (step, changed) = write_definition(&p, def, host).await?;
            steps.extend(step);
            definition_changed = changed;
        }
        let out = host.query(&query(&p)).await?;
        let tool = tool_of(&out)?;
        let project = Project::read(&out);
        let mut plan = Plan::ok().set("containers", project.summary());
        if !definition_changed && nothing_to_do(&p, &project) {
            return Ok(plan);
        }
        steps.push(
            Step::run(p.env_prefix().and(command(&p, tool)))
                .parsed(Parser::new(|out: &CmdOutput| parse_output(out))),
        );
        plan.steps = steps;
        Ok(plan)
    }
}

/// An inline definition, as JSON (which is YAML), into the project directory when it differs.
async fn write_definition(
    p: &Params,
    def: &Value,
    host: &mut dyn Host,
) -> Result<(Vec<Step>, bool), ModuleError> {
    use crate::facts::file;
    let dir = p.project_dir();
    let path = format!("{dir}/compose.yaml");
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(def).map_err(|e| ModuleError::Params(e.to_string()))?
    );
    let want = file::Want {
        content: true,
        ..file::Want::default()
    };
    let stat = file::parse(&host.query(&file::query(&path, want)).await?)?;
    if stat.as_ref().and_then(|s| s.content.as_deref()) == Some(text.as_bytes()) {
        return Ok((Vec::new(), false));
    }
    let mkdir = Step::run(Cmd::new("mkdir -p -m 700 --").arg(&dir));
    let write = atomic_write(
        &path,
        Content::new(text.into_bytes()),
        &Attrs::default(),
        stat.as_ref(),
        None,
    );
    Ok((vec![mkdir, write], true))
}

/// The tool, the services' config hashes, and the project's containers (service, hash, state).
fn query(p: &Params) -> Cmd {
    let detect = "if docker compose version >/dev/null 2>&1; then echo @@tool; echo v2; set -- docker compose; \
                  elif command -v docker-compose >/dev/null 2>&1; then echo @@tool; echo v1; set -- docker-compose; \
                  else echo @@tool; echo none; exit 0; fi;";
    let mut c = Cmd::new(detect)
        .syntax("cd --")
        .arg(p.project_dir())
        .syntax("2>/dev/null || exit 0;");
    for (k, v) in &p.env {
        c = c.syntax("export").arg(format!("{k}={v}")).syntax(";");
    }
    let mut args = Cmd::new("\"$@\"");
    if let Some(name) = &p.project_name {
        args = args.syntax("-p").arg(name);
    }
    let files: Vec<String> = if p.definition.is_some() {
        vec!["compose.yaml".into()]
    } else {
        p.files.clone()
    };
    for f in files {
        args = args.syntax("-f").arg(f);
    }
    // By the project's label, not `ps`: compose v1's `ps` leaves out orphan containers.
    c.syntax("echo @@hashes;")
        .syntax(&args.to_shell())
        .syntax("config --hash '*' 2>&1; echo @@containers; ids=$(docker ps -a -q --filter")
        .arg(format!("label=com.docker.compose.project={}", p.project_label()))
        .syntax("2>/dev/null); [ -z \"$ids\" ] || docker inspect --format \
                 '{{index .Config.Labels \"com.docker.compose.service\"}} {{index .Config.Labels \"com.docker.compose.config-hash\"}} {{.State.Status}}' $ids")
}

fn tool_of(out: &CmdOutput) -> Result<Tool, ModuleError> {
    let tool = crate::packages::section(&out.stdout, "tool")
        .and_then(|l| l.first().map(|s| s.trim().to_string()));
    match tool.as_deref() {
        Some("v2") => Ok(Tool::V2),
        Some("v1") => Ok(Tool::V1),
        Some("none") => Err(ModuleError::Failed(
            "neither `docker compose` (v2) nor `docker-compose` was found on the target".into(),
        )),
        _ => Err(ModuleError::Failed(format!(
            "could not read the compose query's answer: {}",
            out.stdout.trim().chars().take(300).collect::<String>()
        ))),
    }
}

/// What the query found: each service's current config hash, and the project's containers.
#[derive(Debug, Default)]
struct Project {
    /// `None` when compose could not compute the hashes (no file yet, an invalid file).
    hashes: Option<BTreeMap<String, String>>,
    containers: Vec<(String, String, String)>,
}

impl Project {
    fn read(out: &CmdOutput) -> Project {
        let lines = |name| crate::packages::section(&out.stdout, name).unwrap_or_default();
        let mut hashes = BTreeMap::new();
        let mut readable = true;
        for line in lines("hashes") {
            match line.split_whitespace().collect::<Vec<_>>()[..] {
                [service, hash]
                    if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
                {
                    hashes.insert(service.to_string(), hash.to_string());
                }
                [] => {}
                _ => readable = false,
            }
        }
        let containers = lines("containers")
            .iter()
            .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
                [service, hash, state] => Some((service.into(), hash.into(), state.into())),
                _ => None,
            })
            .collect();
        Project {
            hashes: (readable && !hashes.is_empty()).then_some(hashes),
            containers,
        }
    }

    fn summary(&self) -> Value {
        Value::Array(
            self.containers
                .iter()
                .map(|(service, _, state)| json!({"service": service, "state": state}))
                .collect(),
        )
    }
}

/// The project is already as `state` asks: nothing runs (and `--check` says so exactly).
fn nothing_to_do(p: &Params, project: &Project) -> bool {
    let selected = |service: &str| p.services.is_empty() || p.services.iter().any(|s| s == service);
    let running = |state: &str| state == "running";
    let ours: Vec<_> = project
        .containers
        .iter()
        .filter(|(s, _, _)| selected(s))
        .collect();
    match p.state {
        State::Restarted => false,
        State::Absent => project.containers.is_empty(),
        State::Stopped => ours.iter().all(|(_, _, state)| !running(state)),
        State::Present => {
            if p.pull == Pull::Always
                || p.build == BuildPolicy::Always
                || p.recreate == Recreate::Always
            {
                return false;
            }
            let Some(hashes) = &project.hashes else {
                return false;
            };
            let services: BTreeSet<&String> = hashes.keys().filter(|s| selected(s)).collect();
            let all_current = services.iter().all(|service| {
                ours.iter().any(|(s, hash, state)| {
                    s == *service
                        && running(state)
                        && (p.recreate == Recreate::Never || hash == &hashes[*service])
                })
            });
            let stale = ours.iter().any(|(s, hash, _)| {
                hashes.get(s).is_some_and(|h| h != hash) && p.recreate != Recreate::Never
            });
            let orphans = p.remove_orphans
                && project
                    .containers
                    .iter()
                    .any(|(s, _, _)| !hashes.contains_key(s));
            all_current && !stale && !orphans
        }
    }
}

fn command(p: &Params, tool: Tool) -> Cmd {
    let base = p.project_args(tool);
    let timeout = |c: Cmd| match &p.timeout {
        Some(t) => c.syntax("-t").arg(t),
        None => c,
    };
    let c = match p.state {
        State::Present => {
            let pull_first = (tool == Tool::V1 && p.pull == Pull::Always)
                .then(|| p.project_args(tool).syntax("pull"));
            let mut up = base.syntax("up -d");
            if tool == Tool::V2 && p.pull != Pull::Policy {
                up = up.syntax("--pull").syntax(match p.pull {
                    Pull::Always => "always",
                    Pull::Missing => "missing",
                    _ => "never",
                });
            }
            up = match p.build {
                BuildPolicy::Always => up.syntax("--build"),
                BuildPolicy::Never => up.syntax("--no-build"),
                BuildPolicy::Policy => up,
            };
            up = match p.recreate {
                Recreate::Always => up.syntax("--force-recreate"),
                Recreate::Never => up.syntax("--no-recreate"),
                Recreate::Auto => up,
            };
            if p.remove_orphans {
                up = up.syntax("--remove-orphans");
            }
            let up = timeout(up).args(&p.services);
            match pull_first {
                Some(pull) => pull.and(up),
                None => up,
            }
        }
        State::Absent => {
            let mut down = base.syntax("down");
            if p.remove_orphans {
                down = down.syntax("--remove-orphans");
            }
            if p.remove_volumes {
                down = down.syntax("-v");
            }
            if let Some(images) = p.remove_images {
                down = down.syntax("--rmi").syntax(match images {
                    RemoveImages::All => "all",
                    RemoveImages::Local => "local",
                });
            }
            timeout(down)
        }
        State::Stopped => timeout(base.syntax("stop")).args(&p.services),
        State::Restarted => timeout(base.syntax("restart")).args(&p.services),
    };
    // compose v1 writes its progress on stderr, v2 too: one stream to read, in order.
    c.syntax("2>&1")
}

/// The words compose prints for a change: v1 `Creating web_1 ... done`, v2 ` Container web-1  Started`.
const V1_CHANGES: &[&str] = &[
    "Creating",
    "Recreating",
    "Starting",
    "Stopping",
    "Removing",
    "Restarting",
];
const V2_CHANGES: &[&str] = &[
    "Created",
    "Recreated",
    "Started",
    "Stopped",
    "Removed",
    "Restarted",
];

/// Reads compose's progress: the changes it reports become `actions`, and decide `changed`.
pub fn parse_output(out: &CmdOutput) -> Parsed {
    let mut parsed = Parsed::default();
    let text = format!("{}{}", out.stdout, out.stderr);
    if out.rc != 0 {
        let tail: Vec<&str> = text
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        parsed.failed = Some(format!(
            "compose failed (rc={}): {}",
            out.rc,
            tail.join("\n")
        ));
        return parsed;
    }
    let mut actions = Vec::new();
    for line in text.lines() {
        if let Some(action) = v1_action(line).or_else(|| v2_action(line)) {
            actions.push(action);
        }
    }
    parsed.changed = Some(!actions.is_empty());
    parsed
        .fields
        .insert("actions".into(), Value::Array(actions));
    parsed.fields.insert(
        "stdout_lines".into(),
        Value::Array(text.lines().map(|l| Value::String(l.to_string())).collect()),
    );
    parsed
}

/// `Recreating app_web_1 ... done` (only the finished line counts) and
/// `Removing orphan container "app_old_1"`.
fn v1_action(line: &str) -> Option<Value> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("Removing orphan container ") {
        return Some(
            json!({"what": "container", "id": rest.trim_matches('"'), "status": "Removing"}),
        );
    }
    let (verb, rest) = line.split_once(' ')?;
    let name = rest.strip_suffix(" ... done")?.trim();
    V1_CHANGES
        .contains(&verb)
        .then(|| json!({"what": "container", "id": name, "status": verb}))
}

/// ` Container app-web-1  Recreated`, ` Network app_default  Created`.
fn v2_action(line: &str) -> Option<Value> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let [kind, name, status] = words[..] else {
        return None;
    };
    let what = match kind {
        "Container" => "container",
        "Network" => "network",
        "Volume" => "volume",
        _ => return None,
    };
    V2_CHANGES
        .contains(&status)
        .then(|| json!({"what": what, "id": name, "status": status}))
}
