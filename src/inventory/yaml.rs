//! Ansible's YAML inventory: `all: {hosts: {...}, vars: {...}, children: {group: {...}}}`.

use super::{Inventory, InventoryError, Vars, parse_error, range};
use serde_json::{Map, Value};
use std::path::Path;

pub fn parse(inv: &mut Inventory, text: &str, file: &Path) -> Result<(), InventoryError> {
    let doc: Option<Map<String, Value>> = crate::yaml::from_str(text, file)?;
    for (name, body) in doc.unwrap_or_default() {
        parse_group(inv, &name, &body, file)?;
    }
    Ok(())
}

fn parse_group(
    inv: &mut Inventory,
    name: &str,
    body: &Value,
    file: &Path,
) -> Result<(), InventoryError> {
    inv.group_mut(name);
    let body = match body {
        Value::Null => return Ok(()),
        Value::Object(map) => map,
        other => {
            return Err(parse_error(
                file,
                0,
                format!("group {name:?} must be a mapping, not {other}"),
            ));
        }
    };
    for key in body.keys() {
        if !["hosts", "vars", "children"].contains(&key.as_str()) {
            return Err(parse_error(
                file,
                0,
                format!("group {name:?}: unknown key {key:?} (expected hosts, vars, children)"),
            ));
        }
    }
    match body.get("vars") {
        None | Some(Value::Null) => {}
        Some(Value::Object(vars)) => inv.group_mut(name).vars.extend(vars.clone()),
        Some(other) => {
            return Err(parse_error(
                file,
                0,
                format!("group {name:?}: vars must be a mapping, not {other}"),
            ));
        }
    }
    match body.get("hosts") {
        None | Some(Value::Null) => {}
        Some(Value::Object(hosts)) => {
            for (pattern, vars) in hosts {
                let vars: Vars = match vars {
                    Value::Null => Vars::new(),
                    Value::Object(v) => v.clone(),
                    other => {
                        return Err(parse_error(
                            file,
                            0,
                            format!("host {pattern:?}: vars must be a mapping, not {other}"),
                        ));
                    }
                };
                let (names, port) =
                    range::expand_host_pattern(pattern).map_err(|e| parse_error(file, 0, e))?;
                let mut vars = vars;
                if let Some(port) = port {
                    vars.entry("ansible_port").or_insert(Value::from(port));
                }
                for host in names {
                    inv.add_host(&host, vars.clone());
                    if name != "all" && name != "ungrouped" {
                        inv.add_to_group(name, &host);
                    } else if name == "ungrouped" {
                        inv.add_to_group("ungrouped", &host);
                    }
                }
            }
        }
        Some(other) => {
            return Err(parse_error(
                file,
                0,
                format!("group {name:?}: hosts must be a mapping, not {other}"),
            ));
        }
    }
    match body.get("children") {
        None | Some(Value::Null) => {}
        Some(Value::Object(children)) => {
            for (child, child_body) in children {
                inv.add_child(name, child);
                parse_group(inv, child, child_body, file)?;
            }
        }
        Some(other) => {
            return Err(parse_error(
                file,
                0,
                format!("group {name:?}: children must be a mapping, not {other}"),
            ));
        }
    }
    Ok(())
}
