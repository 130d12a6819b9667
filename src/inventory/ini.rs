//! Ansible's INI inventory: `[group]` host lines, `[group:vars]`, `[group:children]`.

use super::{Inventory, InventoryError, Vars, parse_error, range};
use serde_json::Value;
use std::path::Path;

enum Section {
    Hosts(String),
    Vars(String),
    Children(String),
}

pub fn parse(inv: &mut Inventory, text: &str, file: &Path) -> Result<(), InventoryError> {
    let mut section = Section::Hosts("ungrouped".into());
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            section = parse_header(line).ok_or_else(|| {
                parse_error(file, line_no, format!("invalid section header {line:?}"))
            })?;
            let (Section::Hosts(g) | Section::Vars(g) | Section::Children(g)) = &section;
            inv.group_mut(g);
            continue;
        }
        match &section {
            Section::Hosts(group) => {
                let group = group.clone();
                parse_host_line(inv, &group, line, file, line_no)?;
            }
            Section::Vars(group) => {
                let (key, value) = line.split_once('=').ok_or_else(|| {
                    parse_error(
                        file,
                        line_no,
                        format!("expected key=value in [{group}:vars], found {line:?}"),
                    )
                })?;
                let value = strip_comment(value.trim());
                inv.group_mut(group)
                    .vars
                    .insert(key.trim().to_string(), Value::String(unquote(value)));
            }
            Section::Children(group) => {
                let child = line.split_whitespace().next().unwrap_or(line);
                inv.add_child(group, child);
            }
        }
    }
    Ok(())
}

fn parse_header(line: &str) -> Option<Section> {
    let line = line.split(['#', ';']).next().unwrap_or(line).trim_end();
    let inner = line.strip_prefix('[')?.strip_suffix(']')?.trim();
    if inner.is_empty() {
        return None;
    }
    Some(match inner.split_once(':') {
        Some((g, "vars")) => Section::Vars(g.to_string()),
        Some((g, "children")) => Section::Children(g.to_string()),
        Some(_) => return None,
        None => Section::Hosts(inner.to_string()),
    })
}

fn parse_host_line(
    inv: &mut Inventory,
    group: &str,
    line: &str,
    file: &Path,
    line_no: usize,
) -> Result<(), InventoryError> {
    let words = shlex::split(line)
        .ok_or_else(|| parse_error(file, line_no, format!("unbalanced quotes in {line:?}")))?;
    let Some((first, rest)) = words.split_first() else {
        return Ok(());
    };
    let mut vars = Vars::new();
    for word in rest {
        if word.starts_with('#') {
            break;
        }
        let (key, value) = word.split_once('=').ok_or_else(|| {
            parse_error(
                file,
                line_no,
                format!("expected key=value after the host name, found {word:?}"),
            )
        })?;
        vars.insert(key.to_string(), literal(value));
    }
    let (pattern, port) = split_port(first);
    if let Some(port) = port {
        vars.entry("ansible_port").or_insert(Value::from(port));
    }
    let names = range::expand(pattern).map_err(|e| parse_error(file, line_no, e))?;
    if group != "ungrouped" {
        inv.group_mut(group);
    }
    for name in names {
        inv.add_host(&name, vars.clone());
        if group != "ungrouped" {
            inv.add_to_group(group, &name);
        }
    }
    Ok(())
}

/// `host:2222` → port; IPv6 addresses (several colons) are left alone.
fn split_port(word: &str) -> (&str, Option<u16>) {
    match word.rsplit_once(':') {
        Some((host, port))
            if !host.contains(':') && !host.ends_with(']')
                || host.ends_with(']') && !host.contains(':') =>
        {
            match port.parse() {
                Ok(p) => (host, Some(p)),
                Err(_) => (word, None),
            }
        }
        _ => (word, None),
    }
}

/// Host-line values are Python literals in Ansible: numbers, True/False/None, quoted strings, lists.
fn literal(value: &str) -> Value {
    match value {
        "True" | "true" => return Value::Bool(true),
        "False" | "false" => return Value::Bool(false),
        "None" => return Value::Null,
        _ => {}
    }
    if let Ok(i) = value.parse::<i64>()
        && !(value.len() > 1 && value.starts_with('0'))
    {
        return Value::from(i);
    }
    if let Ok(f) = value.parse::<f64>()
        && value.contains('.')
    {
        return Value::from(f);
    }
    let structured = (value.starts_with('[') && value.ends_with(']'))
        || (value.starts_with('{') && value.ends_with('}'));
    if structured
        && let Ok(v) = crate::yaml::from_str::<Value>(value, Path::new("<inventory value>"))
    {
        return v;
    }
    Value::String(value.to_string())
}

fn strip_comment(value: &str) -> &str {
    match value.find(" #") {
        Some(i) if !value.starts_with('"') && !value.starts_with('\'') => value[..i].trim_end(),
        _ => value,
    }
}

fn unquote(value: &str) -> String {
    let b = value.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        value[1..value.len() - 1].to_string()
    } else {
        value.to_string()
    }
}
