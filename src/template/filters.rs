//! Ansible's filters, tests and lookups, on top of minijinja's built-ins.

use base64::Engine as _;
use minijinja::value::{Kwargs, Rest, Serde, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, Value};
use serde_json::Value as Json;
use sha1::Digest as _;
use std::collections::HashSet;
use std::path::Path;

use super::dump_json::{self, JsonStyle};
use super::dump_yaml::{self, YamlStyle};

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("d", default_filter);
    env.add_filter("default", default_filter);
    env.add_filter("mandatory", mandatory);
    env.add_filter("bool", to_bool);
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("from_json", from_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", |s: String| regex::escape(&s));
    env.add_filter("basename", |s: String| {
        Path::new(&s)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    env.add_filter("dirname", dirname);
    env.add_filter("splitext", splitext);
    env.add_filter("expanduser", expanduser);
    env.add_filter("quote", |s: String| shell_quote(&s));
    env.add_filter("b64encode", |s: String| {
        base64::engine::general_purpose::STANDARD.encode(s)
    });
    env.add_filter("b64decode", b64decode);
    env.add_filter("hash", hash);
    env.add_filter("checksum", |s: String| {
        hex::encode(sha1::Sha1::digest(s.as_bytes()))
    });
    env.add_filter("combine", combine);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("ternary", ternary);
    env.add_filter("flatten", flatten);
    env.add_filter("difference", |a: Vec<Value>, b: Vec<Value>| {
        let b: HashSet<Value> = b.into_iter().collect();
        unique(a.into_iter().filter(|x| !b.contains(x)).collect())
    });
    env.add_filter("intersect", |a: Vec<Value>, b: Vec<Value>| {
        let b: HashSet<Value> = b.into_iter().collect();
        unique(a.into_iter().filter(|x| b.contains(x)).collect())
    });
    env.add_filter("union", |a: Vec<Value>, b: Vec<Value>| {
        unique(a.into_iter().chain(b).collect())
    });
    env.add_filter("symmetric_difference", |a: Vec<Value>, b: Vec<Value>| {
        let (in_a, in_b): (HashSet<&Value>, HashSet<&Value>) =
            (a.iter().collect(), b.iter().collect());
        let left = a.iter().filter(|x| !in_b.contains(x));
        let right = b.iter().filter(|x| !in_a.contains(x));
        unique(left.chain(right).cloned().collect())
    });
    env.add_filter("unique", unique);
    env.add_filter("zip", |a: Vec<Value>, rest: Rest<Vec<Value>>| {
        let n = rest
            .iter()
            .map(Vec::len)
            .chain([a.len()])
            .min()
            .unwrap_or(0);
        (0..n)
            .map(|i| {
                Value::from(
                    std::iter::once(a[i].clone())
                        .chain(rest.iter().map(|r| r[i].clone()))
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    });
    env.add_filter("type_debug", type_debug);
    env.add_filter("int", to_int);
    env.add_filter("float", to_float);
    env.add_filter("string", |v: Value| -> Result<String, Error> {
        super::limits::check_shape(&v)?;
        Ok(v.to_string())
    });
    env.add_test("changed", |v: Value| field_true(&v, "changed"));
    env.add_test("failed", |v: Value| field_true(&v, "failed"));
    env.add_test("succeeded", |v: Value| !field_true(&v, "failed"));
    env.add_test("success", |v: Value| !field_true(&v, "failed"));
    env.add_test("skipped", |v: Value| field_true(&v, "skipped"));
    env.add_test("match", |s: String, pattern: String| {
        regex_at_start(&s, &pattern)
    });
    env.add_test("search", |s: String, pattern: String| {
        regex::Regex::new(&pattern).is_ok_and(|r| r.is_match(&s))
    });
    env.add_test("regex", |s: String, pattern: String| {
        regex::Regex::new(&pattern).is_ok_and(|r| r.is_match(&s))
    });
    env.add_test("truthy", |v: Value| v.is_true());
    env.add_test("falsy", |v: Value| !v.is_true());
    env.add_test("version", version_test);
    env.add_test("version_compare", version_test);
    env.add_function("lookup", lookup);
    env.add_function("query", query);
    env.add_function("q", query);
}

fn err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

fn default_filter(value: Value, default: Option<Value>, boolean: Option<bool>) -> Value {
    let missing = value.is_undefined() || (boolean.unwrap_or(false) && !value.is_true());
    if missing {
        default.unwrap_or_else(|| Value::from(""))
    } else {
        value
    }
}

fn mandatory(value: Value, msg: Option<String>) -> Result<Value, Error> {
    if value.is_undefined() {
        Err(Error::new(
            ErrorKind::UndefinedError,
            msg.unwrap_or_else(|| "Mandatory variable not defined.".into()),
        ))
    } else {
        Ok(value)
    }
}

/// Ansible's `bool`: `yes/on/true/1` (any case) are true, everything else false.
fn to_bool(value: Value) -> bool {
    match value.kind() {
        ValueKind::Bool => value.is_true(),
        ValueKind::Number => value.to_string() != "0",
        ValueKind::String => {
            matches!(
                value.to_string().trim().to_ascii_lowercase().as_str(),
                "yes" | "on" | "1" | "true" | "y" | "t"
            )
        }
        _ => false,
    }
}

fn to_int(value: Value, default: Option<i64>) -> i64 {
    let text = value.to_string();
    let text = text.trim();
    text.parse::<i64>()
        .ok()
        .or_else(|| text.parse::<f64>().ok().map(|f| f as i64))
        .or_else(|| (value.kind() == ValueKind::Bool).then(|| i64::from(value.is_true())))
        .unwrap_or(default.unwrap_or(0))
}

fn to_float(value: Value, default: Option<f64>) -> f64 {
    value
        .to_string()
        .trim()
        .parse::<f64>()
        .unwrap_or(default.unwrap_or(0.0))
}

fn json_of(value: &Value) -> Result<Json, Error> {
    super::limits::check_shape(value)?;
    serde_json::to_value(value).map_err(|e| err(e.to_string()))
}

/// Ansible's `to_json`: Python's `json.dumps` (`indent`, `sort_keys`, `ensure_ascii` as given).
fn to_json(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let style = JsonStyle {
        indent: kwargs.get::<Option<usize>>("indent")?,
        sort_keys: kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(false),
        ensure_ascii: kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true),
    };
    kwargs.assert_all_used()?;
    Ok(dump_json::dump(&json_of(&value)?, style))
}

/// Ansible's `to_nice_json`: 4-space indent, sorted keys.
fn to_nice_json(value: Value, indent: Option<usize>, kwargs: Kwargs) -> Result<String, Error> {
    let indent = kwargs
        .get::<Option<usize>>("indent")?
        .or(indent)
        .unwrap_or(4);
    let style = JsonStyle {
        indent: Some(indent),
        sort_keys: kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(true),
        ensure_ascii: kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true),
    };
    kwargs.assert_all_used()?;
    Ok(dump_json::dump(&json_of(&value)?, style))
}

fn from_json(text: String) -> Result<Value, Error> {
    let parsed: Json = serde_json::from_str(&text).map_err(|e| err(format!("from_json: {e}")))?;
    Ok(Value::from(Serde(&parsed)))
}

/// Ansible's `to_yaml`: PyYAML's dump, leaf collections in flow style.
fn to_yaml(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    yaml_text(value, kwargs, None, 2)
}

/// Ansible's `to_nice_yaml`: block style, 4-space indent.
fn to_nice_yaml(value: Value, indent: Option<usize>, kwargs: Kwargs) -> Result<String, Error> {
    yaml_text(value, kwargs, Some(false), indent.unwrap_or(4))
}

fn yaml_text(
    value: Value,
    kwargs: Kwargs,
    flow: Option<bool>,
    indent: usize,
) -> Result<String, Error> {
    let style = YamlStyle {
        indent: kwargs.get::<Option<usize>>("indent")?.unwrap_or(indent),
        flow: match kwargs.get::<Option<Value>>("default_flow_style")? {
            Some(v) if v.is_none() => None,
            Some(v) => Some(v.is_true()),
            None => flow,
        },
    };
    kwargs.assert_all_used()?;
    Ok(dump_yaml::dump(&json_of(&value)?, style))
}

fn from_yaml(text: String) -> Result<Value, Error> {
    let parsed: Json =
        crate::yaml::from_str(&text, Path::new("<from_yaml>")).map_err(|e| err(e.to_string()))?;
    Ok(Value::from(Serde(&parsed)))
}

fn compile(pattern: &str, kwargs: &Kwargs) -> Result<regex::Regex, Error> {
    let ignorecase = kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false);
    let multiline = kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false);
    regex::RegexBuilder::new(pattern)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .build()
        .map_err(|e| err(format!("invalid regular expression {pattern:?}: {e}")))
}

/// Python's `\1` / `\g<name>` backreferences become the regex crate's `${1}` / `${name}`.
fn python_replacement(replacement: &str) -> String {
    let re = regex::Regex::new(r"\\(\d+)|\\g<(\w+)>|\$").expect("static regex");
    re.replace_all(replacement, |c: &regex::Captures| {
        match (c.get(1), c.get(2)) {
            (Some(n), _) | (_, Some(n)) => format!("${{{}}}", n.as_str()),
            _ => "$$".to_string(),
        }
    })
    .into_owned()
}

fn regex_replace(
    value: String,
    pattern: String,
    replacement: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let re = compile(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(re
        .replace_all(
            &value,
            python_replacement(&replacement.unwrap_or_default()).as_str(),
        )
        .into_owned())
}

fn regex_search(
    value: String,
    pattern: String,
    groups: Rest<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let re = compile(&pattern, &kwargs)?;
    let Some(caps) = re.captures(&value) else {
        return Ok(Value::from(()));
    };
    if groups.is_empty() {
        return Ok(Value::from(caps.get(0).map(|m| m.as_str()).unwrap_or("")));
    }
    let picked: Vec<Value> = groups
        .iter()
        .map(|g| {
            let g = g.trim_start_matches('\\');
            let m = match g.parse::<usize>() {
                Ok(n) => caps.get(n),
                Err(_) => caps.name(g.trim_start_matches("g<").trim_end_matches('>')),
            };
            Value::from(m.map(|m| m.as_str()).unwrap_or(""))
        })
        .collect();
    Ok(Value::from(picked))
}

fn regex_findall(value: String, pattern: String, kwargs: Kwargs) -> Result<Vec<String>, Error> {
    let re = compile(&pattern, &kwargs)?;
    Ok(re
        .captures_iter(&value)
        .map(|c| {
            c.get(1)
                .or_else(|| c.get(0))
                .map(|m| m.as_str().to_string())
                .unwrap_or_default()
        })
        .collect())
}

fn regex_at_start(s: &str, pattern: &str) -> bool {
    regex::Regex::new(&format!("^(?:{pattern})")).is_ok_and(|r| r.is_match(s))
}

fn dirname(s: String) -> String {
    match s.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => s[..i].trim_end_matches('/').to_string(),
        None => String::new(),
    }
}

fn splitext(s: String) -> Vec<String> {
    let base_start = s.rfind('/').map(|i| i + 1).unwrap_or(0);
    match s[base_start..].rfind('.') {
        Some(i) if i > 0 => vec![
            s[..base_start + i].to_string(),
            s[base_start + i..].to_string(),
        ],
        _ => vec![s, String::new()],
    }
}

fn expanduser(s: String) -> String {
    match (s.strip_prefix('~'), std::env::home_dir()) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{}{rest}", home.display())
        }
        _ => s,
    }
}

/// Python's `shlex.quote`.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./-_".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\"'\"'"))
    }
}

fn b64decode(s: String) -> Result<String, Error> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| err(format!("b64decode: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn hash(s: String, algorithm: Option<String>) -> Result<String, Error> {
    match algorithm.as_deref().unwrap_or("sha1") {
        "sha1" => Ok(hex::encode(sha1::Sha1::digest(s.as_bytes()))),
        "sha256" => Ok(hex::encode(sha2::Sha256::digest(s.as_bytes()))),
        "sha512" => Ok(hex::encode(sha2::Sha512::digest(s.as_bytes()))),
        other => Err(err(format!(
            "hash: unsupported algorithm {other:?} (sha1, sha256, sha512)"
        ))),
    }
}

fn combine(base: Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive = kwargs.get::<Option<bool>>("recursive")?.unwrap_or(false);
    let mut merged = json_of(&base)?;
    for other in others.iter() {
        let other = json_of(other)?;
        match other {
            Json::Array(items) => {
                for item in items {
                    merge(&mut merged, item, recursive);
                }
            }
            item => merge(&mut merged, item, recursive),
        }
    }
    Ok(Value::from(Serde(&merged)))
}

fn merge(into: &mut Json, from: Json, recursive: bool) {
    match (into, from) {
        (Json::Object(a), Json::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing @ Json::Object(_)) if recursive && v.is_object() => {
                        merge(existing, v, true)
                    }
                    _ => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, from) => *slot = from,
    }
}

/// `key_name=`/`value_name=` of `dict2items` and `items2dict`.
fn item_names(kwargs: &Kwargs) -> Result<(String, String), Error> {
    let key = kwargs
        .get::<Option<String>>("key_name")?
        .unwrap_or_else(|| "key".into());
    let value = kwargs
        .get::<Option<String>>("value_name")?
        .unwrap_or_else(|| "value".into());
    Ok((key, value))
}

fn dict2items(value: Value, kwargs: Kwargs) -> Result<Vec<Value>, Error> {
    let (key_name, value_name) = item_names(&kwargs)?;
    let Json::Object(map) = json_of(&value)? else {
        return Err(err("dict2items requires a dictionary"));
    };
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let mut item = serde_json::Map::new();
            item.insert(key_name.clone(), Json::String(k));
            item.insert(value_name.clone(), v);
            Value::from(Serde(&item))
        })
        .collect())
}

fn items2dict(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let (key_name, value_name) = item_names(&kwargs)?;
    let Json::Array(items) = json_of(&value)? else {
        return Err(err("items2dict requires a list"));
    };
    let mut map = serde_json::Map::new();
    for item in items {
        let key = match item.get(&key_name) {
            Some(Json::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => return Err(err(format!("items2dict: an item has no {key_name:?}"))),
        };
        map.insert(key, item.get(&value_name).cloned().unwrap_or(Json::Null));
    }
    Ok(Value::from(Serde(&map)))
}

fn ternary(value: Value, yes: Value, no: Value, none: Option<Value>) -> Value {
    match none {
        Some(none) if value.is_none() => none,
        _ if value.is_true() => yes,
        _ => no,
    }
}

fn flatten(value: Value, levels: Option<usize>, kwargs: Kwargs) -> Result<Value, Error> {
    let levels = levels.or(kwargs.get::<Option<usize>>("levels")?);
    fn go(v: Json, depth: Option<usize>, out: &mut Vec<Json>) {
        match v {
            Json::Array(items) if depth != Some(0) => {
                for i in items {
                    go(i, depth.map(|d| d - 1), out);
                }
            }
            Json::Null => {}
            other => out.push(other),
        }
    }
    let mut out = Vec::new();
    match json_of(&value)? {
        Json::Array(items) => {
            for i in items {
                go(i, levels, &mut out);
            }
        }
        other => out.push(other),
    }
    Ok(Value::from(Serde(&out)))
}

/// First occurrences, in order; hashing keeps it linear (lists of 100,000 items are common
/// enough, and quadratic work there is not bounded by the render's fuel).
fn unique(items: Vec<Value>) -> Vec<Value> {
    let mut seen: HashSet<Value> = HashSet::with_capacity(items.len());
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}

fn type_debug(value: Value) -> &'static str {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number => {
            if value.as_i64().is_some() {
                "int"
            } else {
                "float"
            }
        }
        ValueKind::String => "str",
        ValueKind::Seq => "list",
        ValueKind::Map => "dict",
        _ => "object",
    }
}

fn field_true(v: &Value, key: &str) -> bool {
    v.get_attr(key).is_ok_and(|f| f.is_true())
}

fn version_test(value: String, other: String, op: Option<String>) -> Result<bool, Error> {
    let parse = |s: &str| -> Vec<u64> {
        s.split(['.', '-', '+'])
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let (a, b) = (parse(&value), parse(&other));
    let len = a.len().max(b.len());
    let pad = |mut v: Vec<u64>| {
        v.resize(len, 0);
        v
    };
    let ord = pad(a).cmp(&pad(b));
    use std::cmp::Ordering::*;
    Ok(match op.as_deref().unwrap_or("eq") {
        "<" | "lt" => ord == Less,
        "<=" | "le" => ord != Greater,
        ">" | "gt" => ord == Greater,
        ">=" | "ge" => ord != Less,
        "==" | "=" | "eq" => ord == Equal,
        "!=" | "<>" | "ne" => ord != Equal,
        other => return Err(err(format!("version: unknown operator {other:?}"))),
    })
}

/// `lookup('env', 'HOME')`, `lookup('file', 'path')`: joined with commas like Ansible's lookup.
fn lookup(state: &State, name: String, terms: Rest<String>) -> Result<Value, Error> {
    let values = run_lookup(state, &name, &terms)?;
    Ok(Value::from(values.join(",")))
}

fn query(state: &State, name: String, terms: Rest<String>) -> Result<Value, Error> {
    Ok(Value::from(run_lookup(state, &name, &terms)?))
}

/// Where `lookup('file', t)` reads: the task's search path (its role's `files/` first), then the
/// playbook's directory; the last candidate when none exists (the error names it).
fn lookup_path(state: &State, term: &str) -> std::path::PathBuf {
    let base = state
        .lookup("playbook_dir")
        .map(|d| d.to_string())
        .unwrap_or_default();
    let search: Vec<std::path::PathBuf> = state
        .lookup(super::search_path::SEARCH_PATH_VAR)
        .and_then(|v| {
            v.try_iter()
                .ok()
                .map(|it| it.map(|d| d.to_string().into()).collect())
        })
        .unwrap_or_else(|| vec![base.clone().into()]);
    match super::search_path::find(&search, Path::new(&base), "files", term) {
        Ok(found) => found,
        Err(tried) => tried.last().cloned().unwrap_or_else(|| term.into()),
    }
}

fn run_lookup(state: &State, name: &str, terms: &[String]) -> Result<Vec<String>, Error> {
    match name {
        "env" | "ansible.builtin.env" => Ok(terms
            .iter()
            .map(|t| std::env::var(t).unwrap_or_default())
            .collect()),
        "file" | "ansible.builtin.file" => terms
            .iter()
            .map(|t| {
                let path = lookup_path(state, t);
                std::fs::read_to_string(&path)
                    .map(|s| s.trim_end_matches('\n').to_string())
                    .map_err(|e| {
                        err(format!(
                            "lookup('file', {t:?}): could not read {}: {e}",
                            path.display()
                        ))
                    })
            })
            .collect(),
        other => Err(err(format!(
            "lookup plugin {other:?} is not supported yet (supported: env, file)"
        ))),
    }
}
