//! The items of a `with_<lookup>:` loop, from its (templated) terms: ports of ansible-core's lookup
//! plugins as `TaskExecutor._get_loop_items` calls them (`wantlist=True`). Pure functions, except
//! `fileglob`/`first_found`, which read the controller's directories.
//!
//! Kept apart from `src/template` (where `lookup()`/`query()` live) on purpose: a loop only needs
//! the term expansion, and the two can share it later.

use crate::playbook::{KvError, WithLookup, parse_kv};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// What a lookup may need beyond its terms.
#[derive(Debug, Clone, Default)]
pub struct LookupEnv {
    /// Ansible's `ansible_search_path`: where relative paths are looked for (the playbook's
    /// directory, for a task outside roles).
    pub search_paths: Vec<PathBuf>,
    /// The task's action (`first_found` searches `templates/`, `vars/` or `files/` after it).
    pub action: String,
}

/// The loop items `lookup` gives for `terms` (already templated).
pub fn expand(
    lookup: WithLookup,
    terms: Vec<Value>,
    env: &LookupEnv,
) -> Result<Vec<Value>, String> {
    match lookup {
        WithLookup::Items => Ok(flatten_once(terms)),
        WithLookup::List => Ok(terms),
        WithLookup::Dict => dict_items(terms),
        WithLookup::Together => together(terms),
        WithLookup::Nested | WithLookup::Cartesian => nested(terms, lookup),
        WithLookup::Sequence => sequence(&terms),
        WithLookup::Fileglob => fileglob(&terms, &env.search_paths),
        WithLookup::Subelements => subelements(terms),
        WithLookup::FirstFound => first_found(&terms, env),
        WithLookup::IndexedItems => Ok(indexed_items(terms)),
        WithLookup::Flattened => Ok(flatten_deep(terms)),
        WithLookup::RandomChoice => random_choice(terms),
    }
}

/// Ansible's `LookupBase._flatten`: lists among the terms are spliced in, one level.
pub fn flatten_once(terms: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        match term {
            Value::Array(inner) => out.extend(inner),
            other => out.push(other),
        }
    }
    out
}

/// `with_dict`: each mapping becomes `{key, value}` items, in the mapping's order.
fn dict_items(terms: Vec<Value>) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for term in terms {
        let Value::Object(map) = term else {
            return Err(format!(
                "the 'dict' lookup plugin expects a dictionary, got '{}' of type {}",
                super::loops::python_str(&term),
                python_type(&term)
            ));
        };
        for (key, value) in map {
            let mut item = Map::new();
            item.insert("key".into(), Value::String(key));
            item.insert("value".into(), value);
            out.push(Value::Object(item));
        }
    }
    Ok(out)
}

/// `with_together`: the lists transposed, shorter ones padded with `None`.
fn together(terms: Vec<Value>) -> Result<Vec<Value>, String> {
    if terms.is_empty() {
        return Err("with_together requires at least one element in each list".into());
    }
    let lists: Vec<Vec<Value>> = terms.into_iter().map(as_sequence).collect();
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    Ok((0..longest)
        .map(|i| {
            let row = lists
                .iter()
                .map(|l| l.get(i).cloned().unwrap_or(Value::Null))
                .collect();
            Value::Array(flatten_once(row))
        })
        .collect())
}

/// `with_nested` / `with_cartesian`: every combination, the first list varying slowest.
fn nested(terms: Vec<Value>, lookup: WithLookup) -> Result<Vec<Value>, String> {
    let mut lists = terms.into_iter().map(as_sequence);
    let Some(first) = lists.next() else {
        return Err(format!(
            "with_{} requires at least one element in the nested list",
            lookup.name()
        ));
    };
    let mut combos: Vec<Value> = first;
    for list in lists {
        let mut next = Vec::with_capacity(combos.len() * list.len());
        for x in &combos {
            for y in &list {
                next.push(Value::Array(flatten_once(vec![x.clone(), y.clone()])));
            }
        }
        combos = next;
    }
    Ok(combos
        .into_iter()
        .map(|c| Value::Array(flatten_once(as_sequence(c))))
        .collect())
}

/// A term iterated as Python would: a list as it is, a string by characters, anything else alone.
fn as_sequence(term: Value) -> Vec<Value> {
    match term {
        Value::Array(items) => items,
        Value::String(s) => s.chars().map(|c| Value::String(c.to_string())).collect(),
        Value::Object(map) => map.into_iter().map(|(k, _)| Value::String(k)).collect(),
        other => vec![other],
    }
}

/// `with_indexed_items`: `[index, item]` pairs of the flattened terms.
fn indexed_items(terms: Vec<Value>) -> Vec<Value> {
    flatten_once(terms)
        .into_iter()
        .enumerate()
        .map(|(i, item)| Value::Array(vec![Value::from(i), item]))
        .collect()
}

/// `with_flattened` (community.general): nested lists flattened at every depth.
fn flatten_deep(terms: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::new();
    for term in terms {
        match term {
            Value::Array(inner) => out.extend(flatten_deep(inner)),
            Value::Null => {}
            other => out.push(other),
        }
    }
    out
}

fn random_choice(terms: Vec<Value>) -> Result<Vec<Value>, String> {
    if terms.is_empty() {
        return Ok(terms);
    }
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| format!("Unable to choose random term: {e}"))?;
    let index = (u64::from_le_bytes(bytes) % terms.len() as u64) as usize;
    Ok(terms.into_iter().nth(index).into_iter().collect())
}

/// `with_subelements: [list_or_dict, "key.sub", {skip_missing: bool}]`: `[parent, element]` pairs,
/// the parent without the key it was taken from (ansible-core pops it).
fn subelements(terms: Vec<Value>) -> Result<Vec<Value>, String> {
    let expects = "subelements lookup expects a list of two or three items, ";
    if !(2..=3).contains(&terms.len()) {
        return Err(expects.to_string());
    }
    let mut terms = terms.into_iter();
    let (Some(parents), Some(Value::String(path))) = (terms.next(), terms.next()) else {
        return Err(format!(
            "{expects}first a dict or a list, second a string pointing to the subkey"
        ));
    };
    let flags = match terms.next() {
        None => Map::new(),
        Some(Value::Object(flags)) if flags.keys().all(|k| k == "skip_missing") => flags,
        Some(_) => {
            return Err(format!(
                "{expects}the optional third item must be a dict with flags ['skip_missing']"
            ));
        }
    };
    let skip_missing = flags
        .get("skip_missing")
        .and_then(drover_modules::de::bool_from_value)
        .unwrap_or(false);
    let parents = match parents {
        Value::Array(list) => list,
        Value::Object(map) => {
            if map.get("skipped").is_some_and(|s| s != &Value::Bool(false)) {
                return Ok(Vec::new());
            }
            map.into_iter().map(|(_, v)| v).collect()
        }
        _ => {
            return Err(format!(
                "{expects}first a dict or a list, second a string pointing to the subkey"
            ));
        }
    };
    let keys: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    for parent in parents {
        let Value::Object(_) = &parent else {
            return Err(format!(
                "subelements lookup expects a dictionary, got '{}'",
                super::loops::python_str(&parent)
            ));
        };
        if parent
            .get("skipped")
            .is_some_and(|s| s != &Value::Bool(false))
        {
            continue;
        }
        let mut parent = parent;
        let Some(elements) = take_subelements(&mut parent, &keys, skip_missing)? else {
            continue;
        };
        for element in elements {
            out.push(Value::Array(vec![parent.clone(), element]));
        }
    }
    Ok(out)
}

/// Removes and returns the list at `keys` inside `parent`; `None` when a key is missing and
/// `skip_missing` is set.
fn take_subelements(
    parent: &mut Value,
    keys: &[&str],
    skip_missing: bool,
) -> Result<Option<Vec<Value>>, String> {
    let mut node = parent;
    for (i, key) in keys.iter().enumerate() {
        let last = i + 1 == keys.len();
        let Value::Object(map) = node else {
            return Ok(None);
        };
        let Some(value) = map.get(*key) else {
            if skip_missing {
                return Ok(None);
            }
            return Err(format!(
                "could not find '{key}' key in iterated item '{}'",
                super::loops::python_str(&Value::Object(map.clone()))
            ));
        };
        if last {
            let Value::Array(_) = value else {
                return Err(format!(
                    "the key {key} should point to a list, got '{}'",
                    super::loops::python_str(value)
                ));
            };
            let Some(Value::Array(list)) = map.shift_remove(*key) else {
                return Ok(None);
            };
            return Ok(Some(list));
        }
        if !value.is_object() {
            if skip_missing {
                return Ok(None);
            }
            return Err(format!(
                "the key {key} should point to a dictionary, got '{}'",
                super::loops::python_str(value)
            ));
        }
        let Some(next) = map.get_mut(*key) else {
            return Ok(None);
        };
        node = next;
    }
    Ok(None)
}

/// `with_sequence`: `start=1 end=10 stride=2 format=host%02d`, `count=5`, or the shortcut
/// `[start-]end[/stride][:format]`; every number is a decimal integer (ansible-core 2.19 refuses
/// `0x0a` too).
pub fn sequence(terms: &[Value]) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for term in terms {
        let text = match term {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let spec = SequenceSpec::parse(&text)?;
        out.extend(spec.generate()?.into_iter().map(Value::String));
    }
    Ok(out)
}

#[derive(Debug, Default)]
struct SequenceSpec {
    start: Option<String>,
    end: Option<String>,
    stride: Option<String>,
    count: Option<String>,
    format: Option<String>,
}

impl SequenceSpec {
    fn parse(term: &str) -> Result<SequenceSpec, String> {
        if let Some(spec) = Self::shortcut(term) {
            return Ok(spec);
        }
        let args = parse_kv(term, false).map_err(|e| match e {
            // ansible-core passes a word that is not `k=v` on as `_raw_params`.
            KvError::NotKeyValue { .. } => {
                "unrecognized arguments to with_sequence: ['_raw_params']".to_string()
            }
            other => format!(
                "unknown error parsing with_sequence arguments: {term:?}. Error was: {other}"
            ),
        })?;
        let mut spec = SequenceSpec::default();
        let mut unknown = Vec::new();
        for (key, value) in args {
            let text = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            match key.as_str() {
                "start" => spec.start = Some(text),
                "end" => spec.end = Some(text),
                "stride" => spec.stride = Some(text),
                "count" => spec.count = Some(text),
                "format" => spec.format = Some(text),
                _ => unknown.push(format!("'{key}'")),
            }
        }
        if !unknown.is_empty() {
            return Err(format!(
                "unrecognized arguments to with_sequence: [{}]",
                unknown.join(", ")
            ));
        }
        Ok(spec)
    }

    fn shortcut(term: &str) -> Option<SequenceSpec> {
        let pattern = regex::RegexBuilder::new(
            r"^((0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(/(0?x?[0-9a-f]+))?(:(.+))?$",
        )
        .case_insensitive(true)
        .build()
        .ok()?;
        let caps = pattern.captures(term)?;
        let group = |i: usize| caps.get(i).map(|m| m.as_str().to_string());
        Some(SequenceSpec {
            start: group(2),
            end: group(3),
            stride: group(5),
            count: None,
            format: group(7),
        })
    }

    fn generate(&self) -> Result<Vec<String>, String> {
        let int = |name: &str, value: &Option<String>, default: Option<i64>| {
            match value {
            None => Ok(default),
            Some(text) => text.trim().parse::<i64>().map(Some).map_err(|_| {
                format!(
                    "Config '{name}' for 'sequence' lookup plugin has an invalid value: Invalid value provided for 'integer': '{text}'"
                )
            }),
        }
        };
        let start = int("start", &self.start, Some(1))?.unwrap_or(1);
        let stride = int("stride", &self.stride, Some(1))?.unwrap_or(1);
        let count = int("count", &self.count, None)?;
        let end = match (int("end", &self.end, None)?, count) {
            (None, None) => return Err("must specify count or end in with_sequence".into()),
            (Some(_), Some(_)) => {
                return Err("can't specify both count and end in with_sequence".into());
            }
            (Some(end), None) => end,
            (None, Some(0)) => return Ok(Vec::new()),
            (None, Some(count)) => start + count * stride - 1,
        };
        if stride > 0 && end < start {
            return Err("to count backwards make stride negative".into());
        }
        if stride < 0 && end > start {
            return Err("to count forward don't make stride negative".into());
        }
        if stride == 0 {
            return Ok(Vec::new());
        }
        let format = self.format.as_deref().unwrap_or("%d");
        if format.matches('%').count() != 1 {
            return Err(format!("bad formatting string: {format}"));
        }
        let mut out = Vec::new();
        let mut i = start;
        while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
            out.push(printf_int(format, i)?);
            i += stride;
        }
        Ok(out)
    }
}

/// Python's `format % n` for a format holding exactly one conversion (`host%02d`, `%x`, `%5s`).
pub fn printf_int(format: &str, n: i64) -> Result<String, String> {
    let problem = || format!("problem formatting {n} with '{format}'");
    let (prefix, spec) = format.split_once('%').ok_or_else(problem)?;
    let flags_end = spec
        .find(|c: char| !"-+ 0#".contains(c))
        .ok_or_else(problem)?;
    let flags = &spec[..flags_end];
    let rest = &spec[flags_end..];
    let width_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let width: usize = rest[..width_end].parse().unwrap_or(0);
    let rest = &rest[width_end..];
    let (precision, rest) = match rest.strip_prefix('.') {
        Some(p) => {
            let end = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
            (p[..end].parse::<usize>().ok(), &p[end..])
        }
        None => (None, rest),
    };
    let mut chars = rest.chars();
    let conversion = chars.next().ok_or_else(problem)?;
    let suffix: String = chars.collect();
    let alternate = flags.contains('#');
    let digits = match conversion {
        'd' | 'i' | 'u' | 's' | 'r' => n.unsigned_abs().to_string(),
        'x' => format!(
            "{}{:x}",
            if alternate { "0x" } else { "" },
            n.unsigned_abs()
        ),
        'X' => format!(
            "{}{:X}",
            if alternate { "0X" } else { "" },
            n.unsigned_abs()
        ),
        'o' => format!(
            "{}{:o}",
            if alternate { "0o" } else { "" },
            n.unsigned_abs()
        ),
        _ => return Err(problem()),
    };
    let digits = match precision {
        Some(p) if digits.len() < p && !matches!(conversion, 's' | 'r') => {
            format!("{}{digits}", "0".repeat(p - digits.len()))
        }
        _ => digits,
    };
    let sign = if n < 0 {
        "-"
    } else if flags.contains('+') && !matches!(conversion, 's' | 'r') {
        "+"
    } else if flags.contains(' ') && !matches!(conversion, 's' | 'r') {
        " "
    } else {
        ""
    };
    let body_len = sign.len() + digits.len();
    let padded = if body_len >= width {
        format!("{sign}{digits}")
    } else if flags.contains('-') {
        format!("{sign}{digits}{}", " ".repeat(width - body_len))
    } else if flags.contains('0') && !matches!(conversion, 's' | 'r') {
        format!("{sign}{}{digits}", "0".repeat(width - body_len))
    } else {
        format!("{}{sign}{digits}", " ".repeat(width - body_len))
    };
    Ok(format!("{prefix}{padded}{suffix}"))
}

/// `with_fileglob`: files (not directories) matching each pattern; a bare pattern is looked for in
/// `files/` then the directory itself, along the search path, the first place with a match
/// winning. Sorted by name (Python's `glob` gives the directory's order).
fn fileglob(terms: &[Value], search_paths: &[PathBuf]) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for term in terms {
        let Value::String(term) = term else {
            return Err(format!(
                "with_fileglob: a pattern must be a string, not {term}"
            ));
        };
        let (dir_part, file_part) = match term.rsplit_once('/') {
            Some((dir, file)) => (Some(if dir.is_empty() { "/" } else { dir }), file),
            None => (None, term.as_str()),
        };
        let candidates: Vec<PathBuf> = match dir_part {
            Some(dir) if Path::new(dir).is_absolute() => vec![PathBuf::from(dir)],
            Some(dir) => search_paths
                .iter()
                .flat_map(|p| [p.join("files").join(dir), p.join(dir)])
                .filter(|p| p.is_dir())
                .take(1)
                .collect(),
            None => search_paths
                .iter()
                .flat_map(|p| [p.join("files"), p.clone()])
                .collect(),
        };
        let matcher = globset::GlobBuilder::new(file_part)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("with_fileglob: bad pattern {term:?}: {e}"))?
            .compile_matcher();
        for dir in candidates {
            let found = matching_files(&dir, file_part, &matcher);
            if !found.is_empty() {
                out.extend(found.into_iter().map(Value::String));
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
        .map(|e| e.path().display().to_string())
        .collect();
    found.sort();
    found
}

/// `with_first_found`: the first existing file among the terms (strings, lists, or
/// `{files, paths, skip}` mappings), looked for in the search path's `files/` (`templates/` for a
/// template task, `vars/` for include_vars) then the directory itself.
fn first_found(terms: &[Value], env: &LookupEnv) -> Result<Vec<Value>, String> {
    let mut skip = false;
    let candidates = first_found_candidates(terms, &mut skip)?;
    let subdir = ["template", "var", "file"]
        .into_iter()
        .find(|s| env.action.contains(s))
        .unwrap_or("file");
    let subdir = format!("{subdir}s");
    for name in &candidates {
        let path = Path::new(name);
        let found = if path.is_absolute() {
            path.exists().then(|| path.to_path_buf())
        } else {
            env.search_paths
                .iter()
                .flat_map(|p| [p.join(&subdir).join(path), p.join(path)])
                .find(|p| p.exists())
        };
        if let Some(found) = found {
            return Ok(vec![Value::String(found.display().to_string())]);
        }
    }
    if skip {
        return Ok(Vec::new());
    }
    Err("No file was found when using first_found.".into())
}

fn first_found_candidates(terms: &[Value], skip: &mut bool) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for term in terms {
        match term {
            Value::String(s) => out.push(s.clone()),
            Value::Array(inner) => out.extend(first_found_candidates(inner, skip)?),
            Value::Object(options) => {
                let files = split_names(options.get("files"), &[',', ';']);
                let paths = split_names(options.get("paths"), &[',', ':', ';']);
                if let Some(s) = options.get("skip") {
                    *skip = drover_modules::de::bool_from_value(s).unwrap_or(false);
                }
                if paths.is_empty() {
                    out.extend(files);
                } else {
                    for path in &paths {
                        out.extend(files.iter().map(|f| format!("{path}/{f}")));
                    }
                }
            }
            Value::Null => {}
            other => {
                return Err(format!(
                    "Invalid term supplied. A string, dict or list is required, not '{}').",
                    python_type(other)
                ));
            }
        }
    }
    Ok(out)
}

/// A `files`/`paths` option: a list, or a string split on the separators (Ansible's deprecated
/// "magic splitting").
fn split_names(value: Option<&Value>, separators: &[char]) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.split(separators).map(String::from).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .flat_map(|i| split_names(Some(i), separators))
            .collect(),
        Some(other) => vec![other.to_string()],
    }
}

/// Python's type name of a JSON value, for messages.
pub fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
#[path = "with_lookup_tests.rs"]
mod tests;
