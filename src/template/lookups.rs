//! Ansible's lookup plugins as small pure functions over a [`LookupContext`], in one registry
//! ([`LOOKUPS`]) that `lookup()`/`query()`/`q()` use and that `with_<name>` loops can reuse.
//! `lookup()` returns what ansible-core's `_invoke_lookup` returns: one value for one result, the
//! results joined with commas when all are strings, else the list; `wantlist=True` and `query()`
//! always a list; `errors='ignore'|'warn'` turn a failure into `None` (`[]` for a list).

use minijinja::value::{Kwargs, Rest, Serde};
use minijinja::{Environment, Error, ErrorKind, State, Value};
use serde_json::{Map, Value as Json};
use std::path::{Path, PathBuf};

/// What a lookup may read: variables, the directories relative paths are found in, and a way to
/// render a template file.
pub struct LookupContext<'a> {
    pub var: &'a dyn Fn(&str) -> Option<Json>,
    /// `ansible_search_path`, else the playbook directory (first match wins).
    pub search_dirs: Vec<PathBuf>,
    /// Renders `text` (the file `name`) with the current variables plus `extra`.
    pub render: &'a RenderFn<'a>,
}

/// Renders a template's text (file name, text, extra variables).
pub type RenderFn<'a> = dyn Fn(&str, &str, &Map<String, Json>) -> Result<String, String> + 'a;

pub type LookupFn = fn(&[Json], &Map<String, Json>, &LookupContext) -> Result<Vec<Json>, String>;

/// Every lookup drover runs, by its short name (`ansible.builtin.` is accepted too).
pub const LOOKUPS: &[(&str, LookupFn)] = &[
    ("config", config),
    ("dict", dict),
    ("env", env),
    ("file", file),
    ("fileglob", fileglob),
    ("first_found", first_found),
    ("indexed_items", indexed_items),
    ("items", items),
    ("lines", lines),
    ("list", list),
    ("pipe", pipe),
    ("sequence", sequence),
    ("template", template),
    ("vars", vars),
];

pub fn find(name: &str) -> Option<LookupFn> {
    let short = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name);
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
    let render =
        |file: &str, text: &str, extra: &Map<String, Json>| render_with(state, file, text, extra);
    let ctx = LookupContext {
        var: &var,
        search_dirs: search_dirs(&var),
        render: &render,
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

fn search_dirs(var: &dyn Fn(&str) -> Option<Json>) -> Vec<PathBuf> {
    if let Some(Json::Array(dirs)) = var(super::search_path::SEARCH_PATH_VAR) {
        return dirs
            .iter()
            .filter_map(Json::as_str)
            .map(PathBuf::from)
            .collect();
    }
    var("playbook_dir")
        .and_then(|d| d.as_str().map(PathBuf::from))
        .into_iter()
        .collect()
}

fn render_with(
    state: &State,
    file: &str,
    text: &str,
    extra: &Map<String, Json>,
) -> Result<String, String> {
    let mut ctx: Map<String, Json> = Map::new();
    for name in state.known_variables() {
        if let Some(v) = state.lookup(&name).and_then(|v| to_json(&v).ok()) {
            ctx.insert(name.into_owned(), v);
        }
    }
    ctx.extend(extra.clone());
    let prepared = super::source::prepare(text, false);
    let template = state
        .env()
        .template_from_named_str(file, &prepared)
        .map_err(|e| e.to_string())?;
    template.render(Serde(&ctx)).map_err(|e| e.to_string())
}

fn text_of(term: &Json) -> String {
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
    let playbook_dir = (ctx.var)("playbook_dir")
        .and_then(|d| d.as_str().map(PathBuf::from))
        .unwrap_or_default();
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

fn template(
    terms: &[Json],
    options: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    let extra = match options.get("template_vars") {
        Some(Json::Object(m)) => m.clone(),
        Some(other) => return Err(format!("template_vars must be a dictionary, not {other}")),
        None => Map::new(),
    };
    if let Some(bad) = options
        .keys()
        .find(|k| !["template_vars", "convert_data", "jinja2_native"].contains(&k.as_str()))
    {
        return Err(format!(
            "option '{bad}' of the template lookup is not supported yet"
        ));
    }
    terms
        .iter()
        .map(|t| {
            let name = text_of(t);
            let path = find_file(ctx, Some("templates"), &name).ok_or_else(|| {
                format!("the template file {name} could not be found for the lookup")
            })?;
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            (ctx.render)(&name, &text, &extra).map(Json::from)
        })
        .collect()
}

fn vars(
    terms: &[Json],
    options: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    terms
        .iter()
        .map(|t| {
            let name = text_of(t);
            (ctx.var)(&name)
                .or_else(|| options.get("default").cloned())
                .ok_or_else(|| format!("No variable named '{name}' was found."))
        })
        .collect()
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
    let split = |v: &Json| -> Vec<String> {
        match v {
            Json::String(s) => s
                .split([',', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            Json::Array(items) => items.iter().map(text_of).collect(),
            _ => Vec::new(),
        }
    };
    let mut skip = flag(options, "skip", false);
    let global_files = options.get("files").map(split).unwrap_or_default();
    let global_paths = options.get("paths").map(split).unwrap_or_default();
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
                    .map(split)
                    .unwrap_or_else(|| global_paths.clone());
                skip = skip || spec.get("skip").is_some_and(drover_modules::de::truthy);
                add(files, &paths);
            }
            other => add(split(other), &global_paths),
        }
    }
    for name in candidates {
        if let Some(path) = find_file(ctx, None, &name) {
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

/// Files matching the pattern in the first search directory (under `files/` or itself) whose
/// directory exists, as ansible-core's `fileglob`.
fn fileglob(
    terms: &[Json],
    _: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    let mut out = Vec::new();
    for term in terms {
        let pattern = text_of(term);
        let (dir_part, file_part) = match pattern.rfind('/') {
            Some(i) => (&pattern[..i], &pattern[i + 1..]),
            None => ("", pattern.as_str()),
        };
        let dirs: Vec<PathBuf> = if Path::new(&pattern).is_absolute() {
            vec![PathBuf::from(dir_part)]
        } else {
            ctx.search_dirs
                .iter()
                .flat_map(|d| [d.join("files").join(dir_part), d.join(dir_part)])
                .collect()
        };
        let Some(dir) = dirs.into_iter().find(|d| d.is_dir()) else {
            continue;
        };
        let matcher = globset::Glob::new(file_part)
            .map_err(|e| format!("fileglob: bad pattern {pattern:?}: {e}"))?
            .compile_matcher();
        let mut found: Vec<(std::time::SystemTime, String)> = Vec::new();
        for entry in std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if matcher.is_match(&name) && entry.path().is_file() {
                found.push((
                    entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .unwrap_or(std::time::UNIX_EPOCH),
                    normalize(&entry.path()),
                ));
            }
        }
        // Python's glob returns directory order; drover sorts by name for a stable answer.
        found.sort_by(|a, b| a.1.cmp(&b.1));
        out.extend(found.into_iter().map(|(_, p)| Json::from(p)));
    }
    Ok(out)
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

/// `items`: the terms flattened one level (`with_items`).
fn items(terms: &[Json], _: &Map<String, Json>, _: &LookupContext) -> Result<Vec<Json>, String> {
    Ok(terms
        .iter()
        .flat_map(|t| match t {
            Json::Array(items) => items.clone(),
            other => vec![other.clone()],
        })
        .collect())
}

fn list(terms: &[Json], _: &Map<String, Json>, _: &LookupContext) -> Result<Vec<Json>, String> {
    Ok(terms.to_vec())
}

fn dict(terms: &[Json], _: &Map<String, Json>, _: &LookupContext) -> Result<Vec<Json>, String> {
    let mut out = Vec::new();
    for t in terms {
        let Json::Object(map) = t else {
            return Err(format!("with_dict expects a dict, got {t}"));
        };
        out.extend(
            map.iter()
                .map(|(k, v)| serde_json::json!({"key": k, "value": v})),
        );
    }
    Ok(out)
}

fn indexed_items(
    terms: &[Json],
    options: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    Ok(items(terms, options, ctx)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| Json::Array(vec![Json::from(i), v]))
        .collect())
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

/// `sequence`: `start=N end=N|count=N stride=N format=F`, or the shortcut `[start-]end[/stride][:format]`.
fn sequence(
    terms: &[Json],
    options: &Map<String, Json>,
    _: &LookupContext,
) -> Result<Vec<Json>, String> {
    let mut out = Vec::new();
    let terms: Vec<String> = if terms.is_empty() {
        vec![String::new()]
    } else {
        terms.iter().map(text_of).collect()
    };
    for term in terms {
        let mut spec = SequenceSpec {
            start: 1,
            ..SequenceSpec::default()
        };
        for (k, v) in options {
            spec.set(k, &text_of(v))?;
        }
        spec.parse(&term)?;
        out.extend(spec.generate()?.into_iter().map(Json::from));
    }
    Ok(out)
}

#[derive(Default)]
struct SequenceSpec {
    start: i64,
    end: Option<i64>,
    count: Option<i64>,
    stride: Option<i64>,
    format: Option<String>,
}

impl SequenceSpec {
    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let int = || {
            value.trim().parse::<i64>().map_err(|_| {
                format!("Config '{key}' for 'sequence' lookup plugin from 'Direct' has an invalid value: Invalid value provided for 'integer': '{value}'")
            })
        };
        match key {
            "start" => self.start = int()?,
            "end" => self.end = Some(int()?),
            "count" => self.count = Some(int()?),
            "stride" => self.stride = Some(int()?),
            "format" => self.format = Some(value.to_string()),
            other => {
                return Err(format!(
                    "unrecognized arguments to with_sequence: ['{other}']"
                ));
            }
        }
        Ok(())
    }

    fn parse(&mut self, term: &str) -> Result<(), String> {
        let term = term.trim();
        if term.is_empty() {
            return Ok(());
        }
        if term.contains('=') {
            for word in term.split_whitespace() {
                let (k, v) = word
                    .split_once('=')
                    .ok_or_else(|| format!("can't parse arg {word:?} in sequence"))?;
                self.set(k, v)?;
            }
            return Ok(());
        }
        let re = regex::Regex::new(r"^(?:(-?\d+)-)?(-?\d+)(?:/(-?\d+))?(?::(.+))?$")
            .expect("static regex");
        let c = re
            .captures(term)
            .ok_or_else(|| format!("can't parse arg {term:?} in sequence"))?;
        if let Some(start) = c.get(1) {
            self.start = start
                .as_str()
                .parse()
                .map_err(|_| format!("bad start in {term:?}"))?;
        }
        self.end = Some(c[2].parse().map_err(|_| format!("bad end in {term:?}"))?);
        if let Some(stride) = c.get(3) {
            self.stride = Some(
                stride
                    .as_str()
                    .parse()
                    .map_err(|_| format!("bad stride in {term:?}"))?,
            );
        }
        if let Some(f) = c.get(4) {
            self.format = Some(f.as_str().to_string());
        }
        Ok(())
    }

    fn generate(&self) -> Result<Vec<String>, String> {
        let mut stride = self.stride.unwrap_or(1);
        let end = match (self.count, self.end) {
            (Some(_), Some(_)) => {
                return Err("can't specify both count and end in with_sequence".into());
            }
            (Some(count), None) => {
                if count == 0 {
                    return Ok(Vec::new());
                }
                if self.stride.is_none() {
                    stride = 1;
                }
                self.start + (count - 1) * stride
            }
            (None, Some(end)) => end,
            (None, None) => return Err("must specify count or end in with_sequence".into()),
        };
        if stride > 0 && end < self.start {
            return Err("to count backwards make stride negative".into());
        }
        if stride < 0 && end > self.start {
            return Err("to count forward don't make stride negative".into());
        }
        if stride == 0 {
            return Ok(Vec::new());
        }
        let format = self.format.as_deref().unwrap_or("%d");
        let mut out = Vec::new();
        let mut i = self.start;
        while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
            out.push(printf_int(format, i)?);
            if out.len() > 1_000_000 {
                return Err("sequence: more than 1,000,000 items".into());
            }
            i += stride;
        }
        Ok(out)
    }
}

/// Python's `format % i` for the integer conversions `with_sequence` formats use.
fn printf_int(format: &str, i: i64) -> Result<String, String> {
    let re = regex::Regex::new(r"%(-?)(0?)(\d*)([dixXo])|%%").expect("static regex");
    let mut used = false;
    let out = re.replace_all(format, |c: &regex::Captures| {
        if &c[0] == "%%" {
            return "%".to_string();
        }
        used = true;
        let digits = match &c[4] {
            "x" => format!("{i:x}"),
            "X" => format!("{i:X}"),
            "o" => format!("{i:o}"),
            _ => i.to_string(),
        };
        let width: usize = c[3].parse().unwrap_or(0);
        if &c[1] == "-" {
            format!("{digits:<width$}")
        } else if &c[2] == "0" {
            format!("{digits:0>width$}")
        } else {
            format!("{digits:>width$}")
        }
    });
    if !used {
        return Err(format!("bad formatting string: {format}"));
    }
    Ok(out.into_owned())
}
