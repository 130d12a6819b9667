//! Ansible's filters, tests and lookups, on top of minijinja's built-ins.

use base64::Engine as _;
use minijinja::value::{Kwargs, Rest, Serde, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Value};
use serde_json::Value as Json;
use sha1::Digest as _;
use std::collections::HashSet;
use std::path::Path;

use super::dump_json::{self, JsonStyle};
use super::dump_yaml::{self, YamlStyle};

pub fn register(env: &mut Environment<'static>) {
    let env = &mut super::limits::Guarded::new(env);
    env.add_filter("d", default_filter);
    env.add_filter("default", default_filter);
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("from_json", from_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("from_yaml_all", from_yaml_all);
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", regex_escape);
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
    env.add_filter("unique", unique_filter);
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
    let json = json_of(&value)?;
    let indent = style.indent.unwrap_or(0);
    super::limits::check_text_len(super::limits::indentation_bytes(&json, indent), "to_json")?;
    Ok(dump_json::dump(&json, style))
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
    let json = json_of(&value)?;
    let indent = style.indent.unwrap_or(0);
    super::limits::check_text_len(
        super::limits::indentation_bytes(&json, indent),
        "to_nice_json",
    )?;
    Ok(dump_json::dump(&json, style))
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

/// Every document of a YAML stream, as a list (ansible-core gives a generator; `| list` of it is
/// the same).
fn from_yaml_all(text: String) -> Result<Value, Error> {
    let parsed: Vec<Json> = crate::yaml::documents_from_str(&text, Path::new("<from_yaml_all>"))
        .map_err(|e| err(e.to_string()))?;
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

/// A Python `re.sub` template in the regex crate's syntax: `\1`/`\g<1>`/`\g<name>` are groups,
/// `\\` a backslash, `\n`/`\t`/`\r` those characters, `$` literal.
fn python_replacement(replacement: &str) -> String {
    let mut out = String::with_capacity(replacement.len() + 8);
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.next() {
                Some(d) if d.is_ascii_digit() => {
                    let mut group = d.to_string();
                    if let Some(e) = chars.next_if(char::is_ascii_digit) {
                        group.push(e);
                    }
                    out.push_str(&format!("${{{group}}}"));
                }
                Some('g') if chars.peek() == Some(&'<') => {
                    chars.next();
                    let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                    out.push_str(&format!("${{{name}}}"));
                }
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('\\') => out.push('\\'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

fn regex_replace(
    value: String,
    pattern: String,
    replacement: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let re = compile(&pattern, &kwargs)?;
    let count = kwargs.get::<Option<usize>>("count")?.unwrap_or(0);
    kwargs.assert_all_used()?;
    let replacement = python_replacement(&replacement.unwrap_or_default());
    replace_capped(&re, &value, count, &replacement)
}

/// `re.replacen(value, count, replacement)`, refused as soon as the text it builds passes
/// MAX_OUTPUT: every match of a long text replaced by another long one is a product of the two.
fn replace_capped(
    re: &regex::Regex,
    value: &str,
    count: usize,
    replacement: &str,
) -> Result<String, Error> {
    let mut out = String::with_capacity(value.len());
    let mut copied = 0;
    let limit = if count == 0 { usize::MAX } else { count };
    for caps in re.captures_iter(value).take(limit) {
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(&value[copied..whole.start()]);
        caps.expand(replacement, &mut out);
        copied = whole.end();
        super::limits::check_text_len((out.len() + value.len() - copied) as u128, "regex_replace")?;
    }
    out.push_str(&value[copied..]);
    Ok(out)
}

fn regex_search(
    value: String,
    pattern: String,
    groups: Rest<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let re = compile(&pattern, &kwargs)?;
    let Some(caps) = re.captures(&value) else {
        if !groups.is_empty() {
            // ansible-core fails the same way ('NoneType' object has no attribute 'group').
            return Err(err(format!(
                "regex_search: {pattern:?} does not match, so its groups cannot be read"
            )));
        }
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

/// Python's `re.findall`: the whole match without groups, the group with one, a list of the
/// groups with several.
fn regex_findall(value: String, pattern: String, kwargs: Kwargs) -> Result<Vec<Value>, Error> {
    let re = compile(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    let text = |m: Option<regex::Match>| Value::from(m.map(|m| m.as_str()).unwrap_or(""));
    Ok(re
        .captures_iter(&value)
        .map(|c| match c.len() {
            1 => text(c.get(0)),
            2 => text(c.get(1)),
            n => Value::from((1..n).map(|i| text(c.get(i))).collect::<Vec<_>>()),
        })
        .collect())
}

/// `regex_escape(re_type='python'|'posix_basic')`.
fn regex_escape(s: String, re_type: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let re_type = re_type.or(kwargs.get("re_type")?);
    kwargs.assert_all_used()?;
    match re_type.as_deref().unwrap_or("python") {
        "python" => Ok(python_re_escape(&s)),
        "posix_basic" => Ok(s
            .chars()
            .flat_map(|c| {
                let special = "[]$.^*\\".contains(c);
                special.then_some('\\').into_iter().chain([c])
            })
            .collect()),
        other => Err(err(format!("Regex type ({other}) not yet implemented"))),
    }
}

/// Python's `re.escape`: every character that is special in a pattern, and whitespace.
fn python_re_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = "()[]{}?*+-|^$\\.&~# \t\n\r\x0b\x0c".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
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

/// First occurrences, in order, as ansible-core's `unique` (Jinja2's `do_unique`): strings
/// compare without case unless `case_sensitive=true`, or by their `attribute`. Hashing keeps
/// it linear (lists of 100,000 items are common enough, and quadratic work there is not bounded
/// by the render's fuel). Lists of dicts or lists (unhashable in Python) fall back to
/// ansible-core's own version: exact equality, refused with `case_sensitive=false` or `attribute`.
fn unique_filter(value: Value, kwargs: Kwargs) -> Result<Vec<Value>, Error> {
    let case_sensitive = kwargs.get::<Option<bool>>("case_sensitive")?;
    let attribute = kwargs.get::<Option<Value>>("attribute")?;
    kwargs.assert_all_used()?;
    if !matches!(
        value.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::String | ValueKind::Iterable
    ) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("'{}' object is not iterable", type_debug(value)),
        ));
    }
    let items: Vec<Value> = value.try_iter()?.collect();
    let key_of = |item: &Value| -> Result<Value, Error> {
        let key = match &attribute {
            Some(path) => attribute_of(item, path)?,
            None => item.clone(),
        };
        Ok(match key.as_str() {
            Some(text) if !case_sensitive.unwrap_or(false) => Value::from(text.to_lowercase()),
            _ => key,
        })
    };
    let keys = items.iter().map(key_of).collect::<Result<Vec<_>, _>>()?;
    if let Some(unhashable) = keys
        .iter()
        .find(|k| matches!(k.kind(), ValueKind::Map | ValueKind::Seq))
    {
        if case_sensitive == Some(false) || attribute.is_some() {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "Jinja2's unique filter failed and we cannot fall back to Ansible's version as it does not support the parameters supplied: unhashable type: '{}'",
                    type_debug(unhashable.clone())
                ),
            ));
        }
        let mut out: Vec<Value> = Vec::new();
        for item in items {
            if !out.contains(&item) {
                out.push(item);
            }
        }
        return Ok(out);
    }
    let mut seen: HashSet<Value> = HashSet::with_capacity(items.len());
    Ok(items
        .into_iter()
        .zip(keys)
        .filter(|(_, key)| seen.insert(key.clone()))
        .map(|(item, _)| item)
        .collect())
}

/// First occurrences, in order (the set filters' results).
fn unique(items: Vec<Value>) -> Vec<Value> {
    let mut seen: HashSet<Value> = HashSet::with_capacity(items.len());
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}

/// Jinja2's `make_attrgetter`: `a.b.0` walks attributes, items and list indexes.
fn attribute_of(item: &Value, path: &Value) -> Result<Value, Error> {
    let Some(path) = path.as_str() else {
        return item.get_item(path);
    };
    let mut at = item.clone();
    for part in path.split('.') {
        at = match part.parse::<i64>() {
            Ok(i) => at.get_item(&Value::from(i))?,
            Err(_) => at.get_attr(part)?,
        };
    }
    Ok(at)
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
        _ => super::datetime::type_name(&value).unwrap_or("object"),
    }
}
