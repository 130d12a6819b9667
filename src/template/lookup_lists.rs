//! The lookups that shape their terms into a list (`items`, `dict`, `together`, `nested`,
//! `subelements`, `sequence`…): ports of ansible-core's plugins, pure functions of the terms. They
//! are in the one registry (`lookups::LOOKUPS`), which `lookup()`, `query()` and `with_<name>:` use.

use super::lookups::LookupContext;
use crate::playbook::{KvError, parse_kv};
use serde_json::{Map, Value};

type Options = Map<String, Value>;
type Items = Result<Vec<Value>, String>;

/// A bound on one sequence, so a typo in `end` cannot exhaust the controller's memory.
const MAX_SEQUENCE: usize = 1_000_000;

pub fn items(terms: &[Value], _: &Options, _: &LookupContext) -> Items {
    Ok(flatten_once(terms.to_vec()))
}

pub fn list(terms: &[Value], _: &Options, _: &LookupContext) -> Items {
    Ok(terms.to_vec())
}

pub fn dict(terms: &[Value], _: &Options, _: &LookupContext) -> Items {
    dict_items(terms.to_vec())
}

pub fn together(terms: &[Value], _: &Options, _: &LookupContext) -> Items {
    together_lists(terms.to_vec())
}

pub fn nested(terms: &[Value], _: &Options, _: &LookupContext) -> Items {
    product(terms.to_vec(), "nested")
}

pub fn cartesian(terms: &[Value], _: &Options, _: &LookupContext) -> Items {
    product(terms.to_vec(), "cartesian")
}

pub fn subelements(terms: &[Value], _: &Options, _: &LookupContext) -> Items {
    subelement_pairs(terms.to_vec())
}

pub fn indexed_items(terms: &[Value], _: &Options, _: &LookupContext) -> Items {
    Ok(indexed(terms.to_vec()))
}

pub fn flattened(terms: &[Value], _: &Options, _: &LookupContext) -> Items {
    Ok(flatten_deep(terms.to_vec()))
}

pub fn random_choice(terms: &[Value], _: &Options, _: &LookupContext) -> Items {
    pick_one(terms.to_vec())
}

/// `sequence`: options given as keywords are the defaults each term's own settings override
/// (ansible-core's `set_options(direct=kwargs)` then `parse_kv(term)`); keywords alone make one
/// sequence.
pub fn sequence(terms: &[Value], options: &Options, _: &LookupContext) -> Items {
    let defaults = SequenceSpec::from_options(options)?;
    let only_keywords = [Value::String(String::new())];
    let terms = if terms.is_empty() && !options.is_empty() {
        &only_keywords[..]
    } else {
        terms
    };
    let mut out = Vec::new();
    for term in terms {
        let text = match term {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let spec = defaults.overridden_by(SequenceSpec::parse(&text)?);
        out.extend(spec.generate()?.into_iter().map(Value::String));
    }
    Ok(out)
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
                python_str(&term),
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
fn together_lists(terms: Vec<Value>) -> Result<Vec<Value>, String> {
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
fn product(terms: Vec<Value>, name: &str) -> Result<Vec<Value>, String> {
    let mut lists = terms.into_iter().map(as_sequence);
    let Some(first) = lists.next() else {
        return Err(format!(
            "with_{} requires at least one element in the nested list",
            name
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
fn indexed(terms: Vec<Value>) -> Vec<Value> {
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

fn pick_one(terms: Vec<Value>) -> Result<Vec<Value>, String> {
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
fn subelement_pairs(terms: Vec<Value>) -> Result<Vec<Value>, String> {
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
                python_str(&parent)
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
                python_str(&Value::Object(map.clone()))
            ));
        };
        if last {
            let Value::Array(_) = value else {
                return Err(format!(
                    "the key {key} should point to a list, got '{}'",
                    python_str(value)
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
                python_str(value)
            ));
        }
        let Some(next) = map.get_mut(*key) else {
            return Ok(None);
        };
        node = next;
    }
    Ok(None)
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
    /// The keyword options of `lookup('sequence', start=1, end=3)`.
    fn from_options(options: &Options) -> Result<SequenceSpec, String> {
        let mut spec = SequenceSpec::default();
        let mut unknown = Vec::new();
        for (key, value) in options {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if !spec.set(key, text) {
                unknown.push(format!("'{key}'"));
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

    /// These settings, each replaced by the one `term` gives.
    fn overridden_by(&self, term: SequenceSpec) -> SequenceSpec {
        SequenceSpec {
            start: term.start.or_else(|| self.start.clone()),
            end: term.end.or_else(|| self.end.clone()),
            stride: term.stride.or_else(|| self.stride.clone()),
            count: term.count.or_else(|| self.count.clone()),
            format: term.format.or_else(|| self.format.clone()),
        }
    }

    /// Sets the setting `key`; false when there is no such setting.
    fn set(&mut self, key: &str, text: String) -> bool {
        let slot = match key {
            "start" => &mut self.start,
            "end" => &mut self.end,
            "stride" => &mut self.stride,
            "count" => &mut self.count,
            "format" => &mut self.format,
            _ => return false,
        };
        *slot = Some(text);
        true
    }

    /// One term: `start=1 end=10 stride=2 format=host%02d`, `count=5`, or the shortcut
    /// `[start-]end[/stride][:format]`; every number is a decimal integer (ansible-core 2.19
    /// refuses `0x0a` too).
    fn parse(term: &str) -> Result<SequenceSpec, String> {
        if term.trim().is_empty() {
            return Ok(SequenceSpec::default());
        }
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
            if !spec.set(&key, text) {
                unknown.push(format!("'{key}'"));
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
            if out.len() > MAX_SEQUENCE {
                return Err(format!("sequence: more than {MAX_SEQUENCE} items"));
            }
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

/// Python's type name of a JSON value, for messages.
pub use drover_modules::de::python_type;

/// A value as Python's `str()` shows it (Ansible prints loop labels so): strings bare, containers
/// as their `repr` (`['a', 1]`, `{'key': 'x'}`, `None`, `True`).
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => float_repr(f),
            _ => n.to_string(),
        },
        Value::String(s) => string_repr(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", string_repr(k), python_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn float_repr(f: f64) -> String {
    let text = f.to_string();
    if text.contains(['.', 'e', 'i', 'N']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// Python's `repr` of a string: single quotes unless the text holds one and no double quote.
fn string_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
#[path = "lookup_lists_tests.rs"]
mod tests;
