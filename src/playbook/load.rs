//! Reading a playbook file into plays and tasks, checking every keyword, module and argument name.

use super::{Loop, Play, Playbook, Task, kv::parse_kv, pattern_from_value};
use crate::yaml::{self, Origin, Spanned};
use drover_modules::{FreeForm, lookup};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// A playbook that cannot be run as written.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Yaml(#[from] yaml::YamlError),
    #[error("{origin}: {message}")]
    Invalid { origin: Origin, message: String },
    #[error("{origin}: not supported yet: {what}")]
    Unsupported { origin: Origin, what: String },
}

fn invalid(origin: &Origin, message: impl Into<String>) -> LoadError {
    LoadError::Invalid {
        origin: origin.clone(),
        message: message.into(),
    }
}

type RawMap = IndexMap<String, Spanned<Value>>;
type RawTasks = Option<Vec<Spanned<RawMap>>>;

/// The task lists of a play, read a second time with a span for every task.
#[derive(Deserialize)]
struct RawTaskLists {
    #[serde(default)]
    pre_tasks: RawTasks,
    #[serde(default)]
    tasks: RawTasks,
    #[serde(default)]
    post_tasks: RawTasks,
    #[serde(default)]
    handlers: RawTasks,
}

const PLAY_KEYWORDS: &[&str] = &[
    "name",
    "hosts",
    "vars",
    "vars_files",
    "gather_facts",
    "pre_tasks",
    "tasks",
    "post_tasks",
    "handlers",
];

/// Ansible play keywords drover does not run yet: an error rather than silently ignored.
const PLAY_KEYWORDS_LATER: &[&str] = &[
    "roles",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "serial",
    "strategy",
    "tags",
    "remote_user",
    "connection",
    "environment",
    "any_errors_fatal",
    "max_fail_percentage",
    "vars_prompt",
    "collections",
    "module_defaults",
    "order",
    "force_handlers",
    "ignore_errors",
    "ignore_unreachable",
    "check_mode",
    "diff",
    "run_once",
    "throttle",
    "port",
    "gather_subset",
    "gather_timeout",
    "fact_path",
    "debugger",
    "timeout",
    "no_log",
    "import_playbook",
];

const TASK_KEYWORDS: &[&str] = &[
    "name",
    "when",
    "loop",
    "with_items",
    "loop_control",
    "register",
    "notify",
    "listen",
    "vars",
    "ignore_errors",
    "changed_when",
    "failed_when",
    "no_log",
    "check_mode",
    "diff",
    "args",
    "timeout",
];

const TASK_KEYWORDS_LATER: &[&str] = &[
    "block",
    "rescue",
    "always",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "become_exe",
    "tags",
    "delegate_to",
    "delegate_facts",
    "local_action",
    "action",
    "run_once",
    "until",
    "retries",
    "delay",
    "async",
    "poll",
    "environment",
    "remote_user",
    "connection",
    "ignore_unreachable",
    "any_errors_fatal",
    "throttle",
    "module_defaults",
    "collections",
    "debugger",
    "port",
];

/// Ansible modules and actions that drover knows of but does not run yet.
const MODULES_LATER: &[&str] = &[
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "include_vars",
    "import_playbook",
    "meta",
    "setup",
    "gather_facts",
    "package",
    "apt",
    "yum",
    "dnf",
    "service",
    "systemd",
    "user",
    "group",
    "cron",
    "git",
    "get_url",
    "uri",
    "unarchive",
    "synchronize",
    "script",
    "blockinfile",
    "replace",
    "wait_for",
    "pause",
    "fetch",
    "slurp",
    "find",
    "assemble",
    "docker_container",
    "podman_container",
    "apt_repository",
    "apt_key",
    "pip",
    "mount",
    "sysctl",
    "hostname",
    "authorized_key",
    "known_hosts",
    "reboot",
    "add_host",
    "group_by",
    "include",
    "systemd_service",
];

/// Reads a playbook file: every play, task and handler, checked.
pub fn load_playbook(path: &Path) -> Result<Playbook, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(&Origin::new(path, 0), format!("cannot read playbook: {e}")))?;
    let plays: Option<Vec<Spanned<RawMap>>> = yaml::from_str(&text, path)?;
    let Some(plays) = plays else {
        return Err(invalid(&Origin::new(path, 0), "the playbook is empty"));
    };
    let lists: Vec<Option<RawTaskLists>> = yaml::from_str(&text, path)?;
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let plays = plays
        .iter()
        .zip(lists)
        .map(|(play, lists)| load_play(path, play, lists))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Playbook {
        path: path.to_path_buf(),
        dir,
        plays,
    })
}

fn load_play(
    file: &Path,
    raw: &Spanned<RawMap>,
    lists: Option<RawTaskLists>,
) -> Result<Play, LoadError> {
    let origin = Origin::of(file, raw);
    for (key, value) in &raw.value {
        let at = Origin::of(file, value);
        if PLAY_KEYWORDS_LATER.contains(&key.as_str()) {
            return Err(LoadError::Unsupported {
                origin: at,
                what: format!("play keyword `{key}`"),
            });
        }
        if !PLAY_KEYWORDS.contains(&key.as_str()) {
            return Err(invalid(
                &at,
                format!("`{key}` is not a valid attribute for a play"),
            ));
        }
    }
    let field = |key: &str| raw.value.get(key).map(|v| &v.value);
    let hosts = field("hosts").and_then(pattern_from_value).ok_or_else(|| {
        invalid(
            &origin,
            "the play has no `hosts:` (a host pattern is required)",
        )
    })?;
    let name = match field("name") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => hosts.clone(),
    };
    let vars = mapping(field("vars"), "vars", &origin)?;
    let vars_files = string_list(field("vars_files"), "vars_files", &origin)?;
    let lists = lists.unwrap_or(RawTaskLists {
        pre_tasks: None,
        tasks: None,
        post_tasks: None,
        handlers: None,
    });
    let sections = [lists.pre_tasks, lists.tasks, lists.post_tasks]
        .into_iter()
        .map(|section| load_tasks(file, section.unwrap_or_default(), false))
        .collect::<Result<Vec<_>, _>>()?;
    let handlers = load_tasks(file, lists.handlers.unwrap_or_default(), true)?;
    Ok(Play {
        name,
        hosts,
        vars,
        vars_files,
        sections,
        handlers,
        origin,
    })
}

fn load_tasks(
    file: &Path,
    raw: Vec<Spanned<RawMap>>,
    handlers: bool,
) -> Result<Vec<Task>, LoadError> {
    raw.iter().map(|t| load_task(file, t, handlers)).collect()
}

fn load_task(file: &Path, raw: &Spanned<RawMap>, is_handler: bool) -> Result<Task, LoadError> {
    let origin = Origin::of(file, raw);
    let (action, action_value) = find_action(file, raw)?;
    let module = match lookup(&action) {
        Some(m) => m,
        None => return Err(unknown_action(&origin, &action)),
    };
    let field = |key: &str| raw.value.get(key).map(|v| &v.value);
    let mut args = action_args(
        module.free_form(),
        &action_value.value,
        &Origin::of(file, action_value),
    )?;
    if let Some(extra) = field("args") {
        args.extend(mapping(Some(extra), "args", &origin)?);
    }
    check_arg_names(
        module.arg_names(),
        &action,
        &args,
        &Origin::of(file, action_value),
    )?;
    if !is_handler && raw.value.contains_key("listen") {
        return Err(invalid(&origin, "`listen` is only valid on handlers"));
    }
    Ok(Task {
        name: field("name").map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        module,
        action: action.clone(),
        args,
        when: conditions(field("when")),
        loop_: load_loop(
            field("loop"),
            field("with_items"),
            field("loop_control"),
            &origin,
        )?,
        register: optional_string(field("register"), "register", &origin)?,
        notify: string_list(field("notify"), "notify", &origin)?,
        listen: string_list(field("listen"), "listen", &origin)?,
        vars: mapping(field("vars"), "vars", &origin)?,
        ignore_errors: field("ignore_errors")
            .cloned()
            .unwrap_or(Value::Bool(false)),
        changed_when: field("changed_when").map(|v| conditions(Some(v))),
        failed_when: field("failed_when").map(|v| conditions(Some(v))),
        no_log: field("no_log").cloned().unwrap_or(Value::Bool(false)),
        check_mode: field("check_mode").cloned(),
        diff: field("diff").cloned(),
        timeout: field("timeout").cloned(),
        origin,
    })
}

/// The one key of a task that is not a keyword: the module.
fn find_action<'a>(
    file: &Path,
    raw: &'a Spanned<RawMap>,
) -> Result<(String, &'a Spanned<Value>), LoadError> {
    let origin = Origin::of(file, raw);
    let mut action = None;
    for (key, value) in &raw.value {
        if TASK_KEYWORDS.contains(&key.as_str()) {
            continue;
        }
        if TASK_KEYWORDS_LATER.contains(&key.as_str()) || key.starts_with("with_") {
            return Err(LoadError::Unsupported {
                origin: Origin::of(file, value),
                what: format!("task keyword `{key}`"),
            });
        }
        if let Some((first, _)) = &action {
            return Err(invalid(
                &Origin::of(file, value),
                format!(
                    "conflicting action statements: `{first}` and `{key}` (a task runs one module)"
                ),
            ));
        }
        action = Some((key.clone(), value));
    }
    action.ok_or_else(|| invalid(&origin, "no module/action detected in this task"))
}

fn unknown_action(origin: &Origin, action: &str) -> LoadError {
    let short = action.rsplit('.').next().unwrap_or(action);
    if MODULES_LATER.contains(&short) {
        LoadError::Unsupported {
            origin: origin.clone(),
            what: format!("module `{action}`"),
        }
    } else {
        invalid(
            origin,
            format!("couldn't resolve module/action `{action}`: no such module in drover"),
        )
    }
}

/// The module's arguments: a mapping, a `k=v` string, or a free-form command.
fn action_args(
    free_form: FreeForm,
    value: &Value,
    origin: &Origin,
) -> Result<Map<String, Value>, LoadError> {
    match value {
        Value::Null => Ok(Map::new()),
        Value::Object(map) => Ok(map.clone()),
        Value::String(text) => {
            let raw_keys: &[&str] = &[
                "chdir",
                "creates",
                "removes",
                "executable",
                "stdin",
                "warn",
                "argv",
            ];
            let keys = (free_form == FreeForm::RawParams).then_some(raw_keys);
            parse_kv(text, keys).map_err(|e| invalid(origin, e))
        }
        other => Err(invalid(
            origin,
            format!("module arguments must be a mapping or a string, not {other}"),
        )),
    }
}

fn check_arg_names(
    accepted: Option<&'static [&'static str]>,
    action: &str,
    args: &Map<String, Value>,
    origin: &Origin,
) -> Result<(), LoadError> {
    let Some(accepted) = accepted else {
        return Ok(());
    };
    let unknown: Vec<&str> = args
        .keys()
        .map(String::as_str)
        .filter(|k| !accepted.contains(k))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let mut names: Vec<&str> = accepted
        .iter()
        .copied()
        .filter(|n| !n.starts_with('_'))
        .collect();
    names.sort_unstable();
    Err(invalid(
        origin,
        format!(
            "unsupported parameters for ({action}) module: {}. Supported parameters include: {}",
            unknown.join(", "),
            names.join(", ")
        ),
    ))
}

fn load_loop(
    loop_: Option<&Value>,
    with_items: Option<&Value>,
    control: Option<&Value>,
    origin: &Origin,
) -> Result<Option<Loop>, LoadError> {
    let (items, flatten) = match (loop_, with_items) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                origin,
                "use either `loop` or `with_items`, not both",
            ));
        }
        (Some(items), None) => (items.clone(), false),
        (None, Some(items)) => (items.clone(), true),
        (None, None) => return Ok(None),
    };
    let control = mapping(control, "loop_control", origin)?;
    for key in control.keys() {
        if !["loop_var", "label", "index_var"].contains(&key.as_str()) {
            return Err(LoadError::Unsupported {
                origin: origin.clone(),
                what: format!("loop_control `{key}`"),
            });
        }
    }
    if control.contains_key("index_var") {
        return Err(LoadError::Unsupported {
            origin: origin.clone(),
            what: "loop_control `index_var`".into(),
        });
    }
    let loop_var = match control.get("loop_var") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(invalid(origin, "loop_control.loop_var must be a name")),
        None => "item".to_string(),
    };
    let label = control.get("label").map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    Ok(Some(Loop {
        items,
        flatten,
        loop_var,
        label,
    }))
}

/// `when:` / `changed_when:` / `failed_when:`: one condition or a list (all must hold).
fn conditions(value: Option<&Value>) -> Vec<Value> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
    }
}

fn mapping(
    value: Option<&Value>,
    what: &str,
    origin: &Origin,
) -> Result<Map<String, Value>, LoadError> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(other) => Err(invalid(
            origin,
            format!("`{what}` must be a mapping, not {other}"),
        )),
    }
}

fn string_list(
    value: Option<&Value>,
    what: &str,
    origin: &Origin,
) -> Result<Vec<String>, LoadError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(invalid(
                    origin,
                    format!("`{what}` entries must be strings, not {other}"),
                )),
            })
            .collect(),
        Some(other) => Err(invalid(
            origin,
            format!("`{what}` must be a string or a list, not {other}"),
        )),
    }
}

fn optional_string(
    value: Option<&Value>,
    what: &str,
    origin: &Origin,
) -> Result<Option<String>, LoadError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(invalid(
            origin,
            format!("`{what}` must be a name, not {other}"),
        )),
    }
}

/// The task of an ad-hoc run (`drover run all -m copy -a "src=a dest=/b"`), checked like a
/// playbook task.
pub fn adhoc_task(module: &str, args: Value) -> Result<Task, LoadError> {
    let origin_file = Path::new("<command line>");
    let unknown = serde_saphyr::Location::UNKNOWN;
    let mut raw = RawMap::new();
    raw.insert(module.to_string(), Spanned::new(args, unknown, unknown));
    load_task(origin_file, &Spanned::new(raw, unknown, unknown), false)
}
