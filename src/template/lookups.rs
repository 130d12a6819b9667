//! Ansible's lookup plugins as small pure functions over a [`LookupContext`], in one registry
//! ([`LOOKUPS`]) that `lookup()`/`query()`/`q()` use and that `with_<name>` loops can reuse.
//! `lookup()` returns what ansible-core's `_invoke_lookup` returns: one value for one result, the
//! results joined with commas when all are strings, else the list; `wantlist=True` and `query()`
//! always a list; `errors='ignore'|'warn'` turn a failure into `None` (`[]` for a list).

use super::lookup_files as files;
use super::lookup_lists as lists;
pub use super::lookup_template::TemplateJob;
use minijinja::value::{Kwargs, Rest, Serde};
use minijinja::{Environment, Error, ErrorKind, State, Value};
use serde_json::{Map, Value as Json};
use std::path::{Path, PathBuf};

/// What a lookup may read: variables, the directories relative paths are found in, and a way to
/// render a template file.
pub struct LookupContext<'a> {
    pub var: &'a dyn Fn(&str) -> Option<Json>,
    /// Every variable name in scope (`varnames`).
    pub names: &'a dyn Fn() -> Vec<String>,
    /// `ansible_search_path`, else the playbook directory (first match wins).
    pub search_dirs: Vec<PathBuf>,
    /// Renders a template with the current variables plus the job's own.
    pub render: &'a RenderFn<'a>,
    /// Where `first_found` looks inside each search directory: nothing for `lookup()`; in a
    /// `with_first_found:` loop `templates` for a `template` task, `vars` for `include_vars`,
    /// else `files` (ansible-core's `invoked_as_with`).
    pub subdir: Option<&'static str>,
}

impl LookupContext<'_> {
    /// The `with_<name>:` subdirectory for a task's action (ansible-core's `_get_loop_items`).
    pub fn subdir_for_action(action: &str) -> Option<&'static str> {
        ["template", "var", "file"]
            .into_iter()
            .find(|s| action.contains(s))
            .map_or(Some("files"), |s| match s {
                "template" => Some("templates"),
                "var" => Some("vars"),
                _ => Some("files"),
            })
    }
}

/// Renders a template file for the `template` lookup.
pub type RenderFn<'a> = dyn Fn(&TemplateJob) -> Result<String, String> + 'a;

pub type LookupFn = fn(&[Json], &Map<String, Json>, &LookupContext) -> Result<Vec<Json>, String>;

/// Every lookup drover runs, by its short name (`ansible.builtin.` is accepted too).
pub const LOOKUPS: &[(&str, LookupFn)] = &[
    ("cartesian", lists::cartesian),
    ("config", config),
    ("csvfile", files::csvfile),
    ("dict", lists::dict),
    ("env", env),
    ("file", file),
    ("fileglob", fileglob),
    ("first_found", first_found),
    ("flattened", lists::flattened),
    ("indexed_items", lists::indexed_items),
    (
        "inventory_hostnames",
        super::lookup_inventory::inventory_hostnames,
    ),
    ("ini", files::ini),
    ("items", lists::items),
    ("lines", lines),
    ("list", lists::list),
    ("nested", lists::nested),
    ("password", files::password),
    ("pipe", pipe),
    ("random_choice", lists::random_choice),
    ("sequence", lists::sequence),
    ("subelements", lists::subelements),
    ("template", super::lookup_template::template),
    ("together", lists::together),
    ("varnames", varnames),
    ("vars", vars),
];

/// The lookups of community.general that drover runs under their short names.
const COMMUNITY_GENERAL: &[&str] = &["cartesian", "flattened"];

/// A lookup's short name: `ansible.builtin.file` is `file`, and so is
/// `community.general.flattened` `flattened`; any other name is as written.
pub fn short_name(name: &str) -> &str {
    if let Some(short) = name.strip_prefix("community.general.") {
        return if COMMUNITY_GENERAL.contains(&short) {
            short
        } else {
            name
        };
    }
    name.strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name)
}

pub fn find(name: &str) -> Option<LookupFn> {
    let short = short_name(name);
    LOOKUPS.iter().find(|(n, _)| *n == short).map(|(_, f)| *f)
}

pub fn register(env: &mut Environment<'static>) {
    env.add_function(
        "lookup",
        |state: &State, name: String, terms: Rest<Value>, kwargs: Kwargs| {
            call(state, &name, &terms, kwargs, false)
        },
    );
    env.add_function(
        "query",
        |state: &State, name: String, terms: Rest<Value>, kwargs: Kwargs| {
            call(state, &name, &terms, kwargs, true)
        },
    );
    env.add_function(
        "q",
        |state: &State, name: String, terms: Rest<Value>, kwargs: Kwargs| {
            call(state, &name, &terms, kwargs, true)
        },
    );
}

fn err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

fn call(
    state: &State,
    name: &str,
    terms: &[Value],
    kwargs: Kwargs,
    query: bool,
) -> Result<Value, Error> {
    let Some(lookup) = find(name) else {
        return Err(err(unsupported(name)));
    };
    let mut options = Map::new();
    for key in kwargs.args() {
        let value: Value = kwargs.get(key)?;
        if value.is_undefined() {
            // As ansible-core renders a lookup's options first: an undefined one (a variable whose
            // template reads an undefined name) fails, naming that name (see `Templar::explain`).
            return Err(Error::from(ErrorKind::UndefinedError));
        }
        options.insert(key.to_string(), to_json(&value)?);
    }
    let wantlist = query
        || options
            .remove("wantlist")
            .is_some_and(|v| drover_modules::de::truthy(&v));
    let errors = match options.remove("errors") {
        Some(Json::String(s)) => s,
        Some(other) => {
            return Err(err(format!(
                "lookup: errors must be 'strict', 'warn' or 'ignore', not {other}"
            )));
        }
        None => "strict".into(),
    };
    let terms: Vec<Json> = terms.iter().map(to_json).collect::<Result<_, _>>()?;
    let var = |n: &str| {
        state
            .lookup(n)
            .filter(|v| !v.is_undefined())
            .and_then(|v| to_json(&v).ok())
    };
    let render = |job: &TemplateJob| render_with(state, job);
    let names = || {
        state
            .known_variables()
            .iter()
            .map(|n| n.to_string())
            .collect()
    };
    let ctx = LookupContext {
        var: &var,
        names: &names,
        search_dirs: search_dirs(&var),
        render: &render,
        subdir: None,
    };
    match lookup(&terms, &options, &ctx) {
        Ok(results) => Ok(shape(results, wantlist)),
        Err(message) => match errors.as_str() {
            "ignore" | "warn" => {
                if errors == "warn" {
                    eprintln!(
                        "[WARNING]: An error occurred while running the lookup plugin '{name}': {message}"
                    );
                }
                Ok(if wantlist {
                    Value::from(Vec::<Value>::new())
                } else {
                    Value::from(())
                })
            }
            _ => Err(err(format!("The lookup plugin '{name}' failed: {message}"))),
        },
    }
}

/// The message for a lookup drover does not have: Ansible's own plugins are "not supported yet".
pub fn unsupported(name: &str) -> String {
    let short = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    if short == "url" {
        return files::URL_REFUSED.to_string();
    }
    if super::plugins::ansible_has("lookup", short) || name.contains('.') {
        format!("lookup plugin '{name}' is not supported yet")
    } else {
        format!("The lookup plugin '{name}' was not found.")
    }
}

fn shape(results: Vec<Json>, wantlist: bool) -> Value {
    if wantlist {
        return Value::from(Serde(&results));
    }
    match results.len() {
        0 => Value::from(Serde(&results)),
        1 => Value::from(Serde(&results[0])),
        _ if results.iter().all(Json::is_string) => Value::from(
            results
                .iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => Value::from(Serde(&results)),
    }
}

fn to_json(value: &Value) -> Result<Json, Error> {
    super::limits::check_shape(value)?;
    serde_json::to_value(value).map_err(|e| err(e.to_string()))
}

/// Runs the lookup `name` as a `with_<name>:` loop does: `lookup(name, *terms, wantlist=True)`.
pub fn run(name: &str, terms: &[Json], ctx: &LookupContext) -> Result<Vec<Json>, String> {
    let lookup = find(name).ok_or_else(|| unsupported(name))?;
    lookup(terms, &Map::new(), ctx)
}

fn search_dirs(var: &dyn Fn(&str) -> Option<Json>) -> Vec<PathBuf> {
    let playbook_dir = playbook_dir(var);
    super::search_path::from_value(
        var(super::search_path::SEARCH_PATH_VAR).as_ref(),
        &playbook_dir,
    )
}

pub fn playbook_dir(var: &dyn Fn(&str) -> Option<Json>) -> PathBuf {
    var("playbook_dir")
        .and_then(|d| d.as_str().map(PathBuf::from))
        .unwrap_or_default()
}

fn render_with(state: &State, job: &TemplateJob) -> Result<String, String> {
    let mut vars: Map<String, Json> = Map::new();
    // Globals (functions, `hostvars`, `groups`) are in the environment the file renders in:
    // as JSON, a function would become a string and `range()` would fail.
    let globals: std::collections::HashSet<&str> = state.env().globals().map(|(n, _)| n).collect();
    for name in state.known_variables() {
        if globals.contains(name.as_ref()) {
            continue;
        }
        if let Some(v) = state.lookup(&name).and_then(|v| to_json(&v).ok()) {
            vars.insert(name.into_owned(), v);
        }
    }
    vars.extend(job.extra.clone());
    super::render_file_in(
        state.env(),
        job.name,
        job.text,
        &vars,
        job.include_dirs,
        job.syntax,
    )
    .map_err(|e| e.to_string())
}

pub(super) fn text_of(term: &Json) -> String {
    match term {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn flag(options: &Map<String, Json>, name: &str, default: bool) -> bool {
    options
        .get(name)
        .map_or(default, drover_modules::de::truthy)
}

/// Ansible's `find_file_in_search_path`: `dir/<subdir>/name`, then `dir/name`, for each dir.
pub fn find_file(ctx: &LookupContext, subdir: Option<&str>, name: &str) -> Option<PathBuf> {
    // The one search order (role dirs, the task's dir, the playbook's): see `search_path`.
    let playbook_dir = playbook_dir(ctx.var);
    super::search_path::find(&ctx.search_dirs, &playbook_dir, subdir.unwrap_or(""), name).ok()
}

fn file(
    terms: &[Json],
    options: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    let (rstrip, lstrip) = (
        flag(options, "rstrip", true),
        flag(options, "lstrip", false),
    );
    terms
        .iter()
        .map(|t| {
            let name = text_of(t);
            let path = find_file(ctx, Some("files"), &name)
                .ok_or_else(|| format!("Unable to access the file '{name}': File not found."))?;
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("Unable to access the file '{name}': {e}"))?;
            let text = if rstrip { text.trim_end() } else { &text };
            let text = if lstrip { text.trim_start() } else { text };
            Ok(Json::from(text))
        })
        .collect()
}

fn vars(
    terms: &[Json],
    options: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    // `default=None` is no default, as in ansible-core.
    let default = options.get("default").filter(|d| !d.is_null());
    terms
        .iter()
        .map(|t| {
            let Json::String(name) = t else {
                return Err(format!(
                    "Variable name must be 'str' not '{}'.",
                    lists::python_type(t)
                ));
            };
            (ctx.var)(name)
                .or_else(|| default.cloned())
                .ok_or_else(|| format!("No variable named '{name}' was found."))
        })
        .collect()
}

/// `varnames`: the names of the variables in scope that each term (a Python regular expression,
/// searched anywhere in the name) matches, sorted.
fn varnames(
    terms: &[Json],
    _: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    let mut names = (ctx.names)();
    names.sort();
    let mut found = Vec::new();
    for term in terms {
        let Json::String(pattern) = term else {
            return Err(format!(
                "Invalid setting identifier, \"{}\" is not a string, it is a {}",
                text_of(term),
                lists::python_type(term)
            ));
        };
        let re = regex::Regex::new(pattern)
            .map_err(|e| format!("Unable to use \"{pattern}\" as a search parameter: {e}"))?;
        found.extend(
            names
                .iter()
                .filter(|n| re.is_match(n))
                .map(|n| Json::from(n.as_str())),
        );
    }
    Ok(found)
}

fn env(
    terms: &[Json],
    options: &Map<String, Json>,
    _: &LookupContext,
) -> Result<Vec<Json>, String> {
    let default = options.get("default").cloned().unwrap_or(Json::from(""));
    Ok(terms
        .iter()
        .map(|t| {
            std::env::var(text_of(t))
                .map(Json::from)
                .unwrap_or_else(|_| default.clone())
        })
        .collect())
}

fn first_found(
    terms: &[Json],
    options: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    // ansible-core splits files on `,;` and paths on `,:;` (its "legacy formats").
    let split_on = |v: &Json, separators: &[char]| -> Vec<String> {
        let texts = match v {
            Json::String(s) => vec![s.clone()],
            Json::Array(items) => items.iter().map(text_of).collect(),
            _ => Vec::new(),
        };
        texts
            .iter()
            .flat_map(|text| text.split(separators))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let split = |v: &Json| split_on(v, &[',', ';']);
    let split_paths = |v: &Json| split_on(v, &[',', ':', ';']);
    let mut skip = flag(options, "skip", false);
    let global_files = options.get("files").map(split).unwrap_or_default();
    let global_paths = options.get("paths").map(split_paths).unwrap_or_default();
    let mut candidates = Vec::new();
    let mut add = |files: Vec<String>, paths: &[String]| {
        if paths.is_empty() {
            candidates.extend(files);
        } else {
            for p in paths {
                candidates.extend(files.iter().map(|f| format!("{p}/{f}")));
            }
        }
    };
    let terms: Vec<Json> = terms
        .iter()
        .flat_map(|t| match t {
            Json::Array(items) => items.clone(),
            other => vec![other.clone()],
        })
        .collect();
    if terms.is_empty() {
        add(global_files.clone(), &global_paths);
    }
    for term in &terms {
        match term {
            Json::Object(spec) => {
                let files = spec
                    .get("files")
                    .map(split)
                    .unwrap_or_else(|| global_files.clone());
                let paths = spec
                    .get("paths")
                    .map(split_paths)
                    .unwrap_or_else(|| global_paths.clone());
                skip = skip || spec.get("skip").is_some_and(drover_modules::de::truthy);
                add(files, &paths);
            }
            Json::String(_) => add(split(term), &global_paths),
            Json::Null => {}
            other => {
                return Err(format!(
                    "Invalid term supplied. A string, dict or list is required, not '{}').",
                    lists::python_type(other)
                ));
            }
        }
    }
    for name in candidates {
        if let Some(path) = find_file(ctx, ctx.subdir, &name) {
            return Ok(vec![Json::from(normalize(&path))]);
        }
    }
    if skip {
        return Ok(Vec::new());
    }
    Err("No file was found when using first_found.".into())
}

fn normalize(path: &Path) -> String {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.display().to_string()
}

/// ansible-core's `fileglob`: a pattern with a directory globs in the first place that directory
/// is found along the search path; a bare pattern tries each search directory's `files/` then the
/// directory itself, the first with a match winning. Only files are returned, sorted by name
/// (Python's `glob` gives the directory's order).
fn fileglob(
    terms: &[Json],
    _: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    let playbook_dir = playbook_dir(ctx.var);
    let mut out = Vec::new();
    for term in terms {
        let Json::String(pattern) = term else {
            return Err(format!("fileglob: a pattern must be a string, not {term}"));
        };
        let (dir_part, file_part) = match pattern.rsplit_once('/') {
            Some((dir, file)) => (Some(if dir.is_empty() { "/" } else { dir }), file),
            None => (None, pattern.as_str()),
        };
        let places: Vec<PathBuf> = match dir_part {
            Some(dir) => super::search_path::find(&ctx.search_dirs, &playbook_dir, "files", dir)
                .into_iter()
                .collect(),
            None => ctx
                .search_dirs
                .iter()
                .flat_map(|p| [p.join("files"), p.clone()])
                .collect(),
        };
        let matcher = globset::GlobBuilder::new(file_part)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("fileglob: bad pattern {pattern:?}: {e}"))?
            .compile_matcher();
        for dir in places {
            let found = matching_files(&dir, file_part, &matcher);
            if !found.is_empty() {
                out.extend(found.into_iter().map(Json::String));
                break;
            }
        }
    }
    Ok(out)
}

fn matching_files(dir: &Path, pattern: &str, matcher: &globset::GlobMatcher) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            // Python's glob: `*` does not match a leading dot.
            (!name.starts_with('.') || pattern.starts_with('.'))
                && matcher.is_match(&name)
                && e.path().is_file()
        })
        .map(|e| normalize(&e.path()))
        .collect();
    found.sort();
    found
}

fn run_shell(command: &str) -> Result<String, String> {
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("lookup_plugin.pipe({command}): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "lookup_plugin.pipe({command}) returned {}",
            out.status.code().unwrap_or(-1)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn pipe(terms: &[Json], _: &Map<String, Json>, _: &LookupContext) -> Result<Vec<Json>, String> {
    terms
        .iter()
        .map(|t| run_shell(&text_of(t)).map(|s| Json::from(s.trim_end())))
        .collect()
}

fn lines(terms: &[Json], _: &Map<String, Json>, _: &LookupContext) -> Result<Vec<Json>, String> {
    let mut out = Vec::new();
    for t in terms {
        let text = run_shell(&text_of(t))
            .map_err(|e| e.replace("lookup_plugin.pipe", "lookup_plugin.lines"))?;
        out.extend(text.lines().map(Json::from));
    }
    Ok(out)
}

fn config(
    terms: &[Json],
    options: &Map<String, Json>,
    _: &LookupContext,
) -> Result<Vec<Json>, String> {
    let on_missing = options
        .get("on_missing")
        .and_then(Json::as_str)
        .unwrap_or("error");
    let mut out = Vec::new();
    for t in terms {
        let name = text_of(t);
        match config_value(&name) {
            Some(v) => out.push(v),
            None if on_missing == "skip" => {}
            None if on_missing == "warn" => {
                eprintln!("[WARNING]: Skipping, did not find setting {name}");
            }
            None => return Err(format!("No config definition exists for '{name}'.")),
        }
    }
    Ok(out)
}

/// The settings drover knows, with ansible-core's defaults (what `ansible-config` would say
/// without an ansible.cfg).
fn config_value(name: &str) -> Option<Json> {
    let env = |var: &str| std::env::var(var).ok();
    let int = |var: &str, default: i64| {
        Json::from(env(var).and_then(|v| v.parse().ok()).unwrap_or(default))
    };
    Some(match name {
        "DEFAULT_FORKS" => int("ANSIBLE_FORKS", 5),
        "DEFAULT_TIMEOUT" => int("ANSIBLE_TIMEOUT", 10),
        "DEFAULT_REMOTE_PORT" => env("ANSIBLE_REMOTE_PORT")
            .map_or(Json::Null, |p| Json::from(p.parse::<i64>().unwrap_or(22))),
        "DEFAULT_REMOTE_USER" => env("ANSIBLE_REMOTE_USER").map_or(Json::Null, Json::from),
        "DEFAULT_BECOME_USER" => Json::from(env("ANSIBLE_BECOME_USER").unwrap_or("root".into())),
        "DEFAULT_BECOME_METHOD" => {
            Json::from(env("ANSIBLE_BECOME_METHOD").unwrap_or("sudo".into()))
        }
        "DEFAULT_BECOME" => Json::from(
            env("ANSIBLE_BECOME").is_some_and(|v| drover_modules::de::truthy(&Json::from(v))),
        ),
        "DEFAULT_GATHERING" => Json::from(env("ANSIBLE_GATHERING").unwrap_or("implicit".into())),
        "DEFAULT_HASH_BEHAVIOUR" => {
            Json::from(env("ANSIBLE_HASH_BEHAVIOUR").unwrap_or("replace".into()))
        }
        "HOST_KEY_CHECKING" => Json::from(
            env("ANSIBLE_HOST_KEY_CHECKING")
                .is_none_or(|v| drover_modules::de::truthy(&Json::from(v))),
        ),
        "DEFAULT_ROLES_PATH" => Json::from(env("ANSIBLE_ROLES_PATH").map_or_else(
            || {
                vec![
                    "~/.ansible/roles".to_string(),
                    "/usr/share/ansible/roles".into(),
                    "/etc/ansible/roles".into(),
                ]
            },
            |p| p.split(':').map(str::to_string).collect(),
        )),
        _ => return None,
    })
}
