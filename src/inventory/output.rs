//! What `ansible-inventory` prints: `--list`, `--host`, `--graph`, in its exact layout (Python's
//! `json.dumps(sort_keys=True, indent=4)`, ASCII only), so the two can be compared as text.

use super::{Inventory, pyliteral};
use serde_json::{Map, Value, json};
use std::fmt::Write;

impl Inventory {
    /// `ansible-inventory --list`: groups with their direct hosts and children (empty groups left
    /// out), and every host's merged variables under `_meta` (hosts without variables left out).
    pub fn to_list_json(&self) -> Value {
        let mut hostvars = Map::new();
        for host in self.hosts.keys() {
            let vars = self.host_vars(host);
            if !vars.is_empty() {
                hostvars.insert(host.clone(), Value::Object(vars));
            }
        }
        let mut doc = Map::new();
        doc.insert(
            "_meta".into(),
            json!({ "hostvars": hostvars, "profile": "inventory_legacy" }),
        );
        if let Value::Object(groups) = self.to_list_json_without_hostvars() {
            doc.extend(groups);
        }
        Value::Object(doc)
    }

    fn to_list_json_without_hostvars(&self) -> Value {
        let mut doc = Map::new();
        for (name, g) in &self.groups {
            let mut entry = Map::new();
            if !g.children.is_empty() {
                entry.insert("children".into(), strings(&g.children));
            }
            if !g.hosts.is_empty() && name != "all" {
                entry.insert("hosts".into(), strings(&g.hosts));
            }
            if !entry.is_empty() {
                doc.insert(name.clone(), Value::Object(entry));
            }
        }
        Value::Object(doc)
    }

    /// `--list` as [`ansible_json`] of [`Inventory::to_list_json`] would print it, written host by
    /// host: the document of a large inventory (100 MB for 10,000 hosts with a few hundred variables
    /// each) is never held in memory.
    pub fn write_list_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let Value::Object(mut doc) = self.to_list_json_without_hostvars() else {
            return Ok(());
        };
        doc.insert("_meta".into(), Value::Null);
        let mut keys: Vec<String> = doc.keys().cloned().collect();
        keys.sort();
        out.write_all(b"{")?;
        for (i, key) in keys.iter().enumerate() {
            let mut text = String::from(if i == 0 { "\n" } else { ",\n" });
            push_indent(1, &mut text);
            write_string(key, &mut text);
            text.push_str(": ");
            if key == "_meta" {
                out.write_all(text.as_bytes())?;
                self.write_meta(out)?;
            } else {
                write_value(&doc[key], 1, &mut text);
                out.write_all(text.as_bytes())?;
            }
        }
        out.write_all(b"\n}\n")
    }

    /// `"_meta": {"hostvars": {...}, "profile": ...}`, hosts in name order, one at a time.
    fn write_meta(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut hosts: Vec<&String> = self.hosts.keys().collect();
        hosts.sort();
        out.write_all(b"{\n        \"hostvars\": {")?;
        let mut written = 0usize;
        for host in hosts {
            let vars = self.host_vars(host);
            if vars.is_empty() {
                continue;
            }
            let mut text = String::from(if written == 0 { "\n" } else { ",\n" });
            push_indent(3, &mut text);
            write_string(host, &mut text);
            text.push_str(": ");
            write_value(&Value::Object(vars), 3, &mut text);
            out.write_all(text.as_bytes())?;
            written += 1;
        }
        if written > 0 {
            out.write_all(b"\n        ")?;
        }
        out.write_all(b"},\n        \"profile\": \"inventory_legacy\"\n    }")
    }

    /// `ansible-inventory --host NAME`.
    pub fn to_host_json(&self, host: &str) -> Option<Value> {
        self.hosts
            .contains_key(host)
            .then(|| Value::Object(self.host_vars(host)))
    }

    /// `ansible-inventory --graph [GROUP]`: the group tree, every path printed (as Ansible does),
    /// `@ungrouped:` included even when empty, hosts under every group but `all`. `None`: no such group.
    pub fn graph(&self, group: Option<&str>) -> Option<String> {
        let root = group.unwrap_or("all");
        self.groups.get(root)?;
        let mut out = String::new();
        // An explicit stack, not recursion: a chain of thousands of groups must not overflow it.
        // A group's hosts go on the stack below its children, so they print after the subtrees.
        let mut stack = vec![GraphEntry::Group(root, 0)];
        while let Some(entry) = stack.pop() {
            match entry {
                GraphEntry::Host(host, depth) => {
                    let _ = writeln!(out, "{}{host}", indent(depth));
                }
                GraphEntry::Group(name, depth) => {
                    let Some(g) = self.groups.get(name) else {
                        continue;
                    };
                    let _ = writeln!(out, "{}@{name}:", indent(depth));
                    if name != "all" {
                        stack.extend(g.hosts.iter().rev().map(|h| GraphEntry::Host(h, depth + 1)));
                    }
                    stack.extend(
                        g.children
                            .iter()
                            .rev()
                            .map(|c| GraphEntry::Group(c, depth + 1)),
                    );
                }
            }
        }
        Some(out)
    }
}

enum GraphEntry<'a> {
    Group(&'a str, usize),
    Host(&'a str, usize),
}

fn strings(items: &indexmap::IndexSet<String>) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

fn indent(depth: usize) -> String {
    if depth == 0 {
        String::new()
    } else {
        format!("{}--", "  |".repeat(depth))
    }
}

/// JSON as Python's `json.dumps(value, sort_keys=True, indent=4)` writes it (what ansible-inventory
/// prints): keys sorted, four-space indent, non-ASCII escaped, floats in Python's `repr`.
pub fn ansible_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, 0, &mut out);
    out
}

fn write_value(value: &Value, level: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => out.push_str(&pyliteral::float_repr(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => write_string(s, out),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                push_indent(level + 1, out);
                write_value(item, level + 1, out);
            }
            out.push('\n');
            push_indent(level, out);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                push_indent(level + 1, out);
                write_string(key, out);
                out.push_str(": ");
                write_value(&map[key], level + 1, out);
            }
            out.push('\n');
            push_indent(level, out);
            out.push('}');
        }
    }
}

fn push_indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}
