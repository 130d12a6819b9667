//! Ansible's INI inventory, read as ansible-core's `ini` plugin reads it: `[group]` host lines cut
//! by Python's `shlex` (with `#` comments), `[group:vars]` lines `key = value`, `[group:children]`
//! lines naming groups, which must be declared (`[g]` or `[g:children]`) somewhere in the file.
//! Every value is a Python literal when it reads as one (`8080` an int, `True` a bool, `[1, 2]` a
//! list), else the text as written.

use super::{Inventory, InventoryError, Vars, parse_error, pyliteral, pyshlex, range};
use indexmap::IndexMap;
use regex::Regex;
use serde_json::Value;
use std::path::Path;
use std::sync::LazyLock;

enum Section {
    Hosts(String),
    Vars(String),
    Children(String),
}

/// `[name]`, `[name:kind]`, optionally followed by a comment.
static SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$").expect("a constant pattern compiles")
});
static GROUP_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([^:\]\s]+)\s*(?:#.*)?$").expect("a constant pattern compiles"));

/// A group used before it is declared: `[g:vars]`, or a child named in `[p:children]`.
enum Pending {
    Vars { line: usize },
    Children { line: usize, parents: Vec<String> },
}

pub fn parse(inv: &mut Inventory, text: &str, file: &Path) -> Result<(), InventoryError> {
    let mut section = Section::Hosts("ungrouped".into());
    let mut pending: IndexMap<String, Pending> = IndexMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let error = |message: String| parse_error(file, line_no, message);
        if let Some(header) = SECTION.captures(line) {
            section = parse_header(&header).map_err(error)?;
            declare(inv, &section, &mut pending, line_no);
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            return Err(error(format!(
                "invalid section entry {line:?}: no spaces or other invalid characters are allowed in a section name"
            )));
        }
        match &section {
            Section::Hosts(group) => {
                let group = group.clone();
                parse_host_line(inv, &group, line).map_err(error)?;
            }
            Section::Vars(group) => {
                let (key, value) = line.split_once('=').ok_or_else(|| {
                    error(format!(
                        "expected key=value in [{group}:vars], found {line:?}"
                    ))
                })?;
                let value = typed_value(value.trim());
                inv.group_mut(group)
                    .vars
                    .insert(key.trim().to_string(), value);
            }
            Section::Children(group) => {
                let child = GROUP_NAME
                    .captures(line)
                    .and_then(|c| c.get(1))
                    .ok_or_else(|| error(format!("expected a group name, found {line:?}")))?
                    .as_str();
                if inv.groups.contains_key(child) {
                    inv.add_child(group, child);
                } else {
                    match pending.get_mut(child) {
                        Some(Pending::Children { parents, .. }) => parents.push(group.clone()),
                        _ => {
                            let parents = vec![group.clone()];
                            let entry = Pending::Children {
                                line: line_no,
                                parents,
                            };
                            pending.insert(child.to_string(), entry);
                        }
                    }
                }
            }
        }
    }
    match pending.into_iter().next() {
        None => Ok(()),
        Some((name, Pending::Vars { line })) => Err(parse_error(
            file,
            line,
            format!("section [{name}:vars] is not valid for undefined group {name:?}"),
        )),
        Some((name, Pending::Children { line, parents })) => Err(parse_error(
            file,
            line,
            format!(
                "section [{}:children] includes undefined group {name:?}",
                parents.last().map_or("", String::as_str)
            ),
        )),
    }
}

/// A value as ansible-core types it: a Python literal, or the text.
fn typed_value(text: &str) -> Value {
    pyliteral::literal_eval(text).unwrap_or_else(|| Value::String(text.to_string()))
}

fn parse_header(header: &regex::Captures) -> Result<Section, String> {
    let group = header.get(1).map_or("", |m| m.as_str()).to_string();
    Ok(match header.get(2).map(|m| m.as_str()) {
        None | Some("hosts") => Section::Hosts(group),
        Some("vars") => Section::Vars(group),
        Some("children") => Section::Children(group),
        Some(kind) => return Err(format!("section [{group}:{kind}] has unknown type: {kind}")),
    })
}

/// A `[g]` or `[g:children]` header declares `g` (and settles children waiting for it); `[g:vars]`
/// alone does not.
fn declare(
    inv: &mut Inventory,
    section: &Section,
    pending: &mut IndexMap<String, Pending>,
    line: usize,
) {
    let (Section::Hosts(group) | Section::Vars(group) | Section::Children(group)) = section;
    let is_vars = matches!(section, Section::Vars(_));
    if !inv.groups.contains_key(group.as_str()) {
        if is_vars && !pending.contains_key(group.as_str()) {
            pending.insert(group.clone(), Pending::Vars { line });
        }
        inv.group_mut(group);
    }
    if is_vars {
        return;
    }
    let mut settle = vec![group.clone()];
    while let Some(name) = settle.pop() {
        match pending.shift_remove(&name) {
            Some(Pending::Children { parents, .. }) => {
                for parent in parents {
                    inv.add_child(&parent, &name);
                    if matches!(pending.get(&parent), Some(Pending::Children { .. })) {
                        settle.push(parent);
                    }
                }
            }
            Some(Pending::Vars { .. }) | None => {}
        }
    }
}

fn parse_host_line(inv: &mut Inventory, group: &str, line: &str) -> Result<(), String> {
    let words =
        pyshlex::split(line).map_err(|e| format!("cannot parse host definition {line:?}: {e}"))?;
    let Some((pattern, assignments)) = words.split_first() else {
        return Ok(());
    };
    let mut vars = Vars::new();
    for word in assignments {
        let (key, value) = word.split_once('=').ok_or_else(|| {
            format!("expected key=value host variable assignment, found {word:?}")
        })?;
        vars.insert(key.to_string(), typed_value(value));
    }
    let (names, port) = range::expand_host_pattern(pattern)?;
    if pattern.trim().ends_with(':') && port.is_none() {
        return Err(format!(
            "invalid host pattern {pattern:?}: a trailing ':' is reserved for a port"
        ));
    }
    if names.iter().any(|n| n.trim() == "---") {
        return Err(format!(
            "invalid host pattern {pattern:?}: '---' is normally a sign this is a YAML file"
        ));
    }
    if let Some(port) = port {
        vars.entry("ansible_port").or_insert(Value::from(port));
    }
    inv.group_mut(group);
    for name in names {
        inv.add_host(&name, vars.clone());
        inv.add_to_group(group, &name);
    }
    Ok(())
}
