//! `add_host` and `group_by`: engine actions that change the in-memory inventory. The task's
//! result says what to change (Ansible's own result fields: `add_host`, `add_group`,
//! `parent_groups`); once a round is over the runner applies every such result, so later tasks
//! (`groups`, `group_names`, `hostvars`) and later plays' host patterns see the new hosts and groups.
//! `add_host` runs once per round, on the first host, as Ansible's `BYPASS_HOST_LOOP` actions do.

use super::result::{Status, TaskResult};
use super::{Run, delegate, magic};
use crate::inventory::Inventory;
use crate::playbook::Task;
use crate::playbook::{ADD_HOST_GROUPS, ADD_HOST_NAME};
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use std::sync::Arc;

/// Is `task` one whose results change the inventory?
pub fn changes_inventory(task: &Task) -> bool {
    matches!(task.module.name(), "add_host" | "group_by")
}

/// Runs once for the whole round (on its first host), as Ansible runs `add_host`.
pub fn bypasses_host_loop(task: &Task) -> bool {
    task.module.name() == "add_host"
}

/// The result of an `add_host` or `group_by` with these (rendered) arguments.
pub fn run(action: &'static str, args: Map<String, Value>) -> TaskResult {
    let outcome = match action {
        "add_host" => add_host(args),
        _ => group_by(args),
    };
    match outcome {
        Ok(mut result) => {
            result.insert("changed".into(), Value::Bool(true));
            TaskResult::new(Status::Changed, result, action)
        }
        Err(msg) => TaskResult::failed(msg, action),
    }
}

fn add_host(mut args: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let name = take_first(&mut args, ADD_HOST_NAME)
        .ok_or("(add_host) module: missing required arguments: name")?;
    let name = scalar(&name, "name")?;
    let groups = match take_first(&mut args, ADD_HOST_GROUPS) {
        None => Vec::new(),
        Some(groups) => name_list(&groups, "groups")?,
    };
    let (host_name, port) = split_port(&name);
    if let Some(port) = port {
        args.entry("ansible_port").or_insert(Value::from(port));
    }
    let mut result = Map::new();
    result.insert(
        "add_host".into(),
        json!({"groups": groups, "host_name": host_name, "host_vars": args}),
    );
    Ok(result)
}

fn group_by(args: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let key = args
        .get("key")
        .ok_or("(group_by) module: missing required arguments: key")?;
    // As Ansible: spaces in group names become dashes.
    let key = scalar(key, "key")?.replace(' ', "-");
    let parents = match args.get("parents") {
        None | Some(Value::Null) => vec!["all".to_string()],
        Some(parents) => name_list(parents, "parents")?,
    };
    let parents: Vec<String> = parents.iter().map(|p| p.replace(' ', "-")).collect();
    let mut result = Map::new();
    result.insert("add_group".into(), Value::from(key));
    result.insert("parent_groups".into(), Value::from(parents));
    Ok(result)
}

fn take_first(args: &mut Map<String, Value>, names: &[&str]) -> Option<Value> {
    names.iter().find_map(|n| args.remove(*n))
}

fn scalar(value: &Value, what: &str) -> Result<String, String> {
    let text = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        other => return Err(format!("{what} must be a string, not {other}")),
    };
    if text.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    Ok(text)
}

/// A list, or a comma-separated string (`groups: web,db`).
fn name_list(value: &Value, what: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = match value {
        Value::Array(items) => items
            .iter()
            .map(|v| scalar(v, what))
            .collect::<Result<_, _>>()?,
        other => scalar(other, what)?
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    Ok(names)
}

/// `host:2222` names the port as Ansible reads it (an IPv6 address keeps its colons).
fn split_port(name: &str) -> (String, Option<u16>) {
    match name.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host.to_string(), Some(port)),
            Err(_) => (name.to_string(), None),
        },
        _ => (name.to_string(), None),
    }
}

/// One change a result asks for.
#[derive(Debug, Clone, PartialEq)]
enum Change {
    AddHost {
        name: String,
        groups: Vec<String>,
        vars: Map<String, Value>,
    },
    GroupBy {
        host: String,
        group: String,
        parents: Vec<String>,
    },
}

/// The changes in `host`'s result (each item's, for a loop); failed and skipped ones ask none.
fn changes_of(host: &str, result: &TaskResult) -> Vec<Change> {
    if result.status == Status::Skipped || (result.status == Status::Failed) {
        return Vec::new();
    }
    let items: Vec<&Map<String, Value>> = match result.result.get("results") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        _ => vec![&result.result],
    };
    items
        .into_iter()
        .filter(|item| item.get("failed") != Some(&Value::Bool(true)))
        .filter_map(|item| change_in(host, item))
        .collect()
}

fn change_in(host: &str, item: &Map<String, Value>) -> Option<Change> {
    if let Some(Value::Object(added)) = item.get("add_host") {
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        return Some(Change::AddHost {
            name: added.get("host_name")?.as_str()?.to_string(),
            groups: strings(added.get("groups")),
            vars: added
                .get("host_vars")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        });
    }
    let group = item.get("add_group")?.as_str()?.to_string();
    let parents = item
        .get("parent_groups")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_else(|| vec!["all".to_string()]);
    Some(Change::GroupBy {
        host: host.to_string(),
        group,
        parents,
    })
}

/// Applies `changes` to `inventory`; the hosts whose groups or variables changed.
fn apply(inventory: &mut Inventory, changes: &[Change]) -> Result<HashSet<String>, String> {
    let mut touched = HashSet::new();
    for change in changes {
        match change {
            Change::AddHost { name, groups, vars } => {
                inventory
                    .add_runtime_host(name, groups, vars.clone())
                    .map_err(|e| format!("add_host {name}: {e}"))?;
                touched.insert(name.clone());
            }
            Change::GroupBy {
                host,
                group,
                parents,
            } => {
                inventory
                    .add_runtime_group(host, group, parents)
                    .map_err(|e| format!("group_by {group}: {e}"))?;
                touched.insert(host.clone());
            }
        }
    }
    Ok(touched)
}

impl Run<'_> {
    /// Applies what the round's `add_host`/`group_by` results ask for; true when the inventory
    /// changed (the caller refreshes what it derived from it).
    pub(super) fn change_inventory(
        &mut self,
        task: &Task,
        results: &[(String, TaskResult)],
    ) -> bool {
        if !changes_inventory(task) {
            return false;
        }
        let changes: Vec<Change> = results
            .iter()
            .flat_map(|(host, result)| changes_of(host, result))
            .collect();
        if changes.is_empty() {
            return false;
        }
        let inventory = Arc::make_mut(&mut self.inventory);
        let touched = match apply(inventory, &changes) {
            Ok(touched) => touched,
            Err(msg) => {
                self.reporter.warning(&msg);
                return false;
            }
        };
        for name in &touched {
            let mut base = self.inventory.host_vars(name);
            base.extend(magic::host_magic(&self.inventory, name));
            base.entry("ansible_facts")
                .or_insert_with(|| Value::Object(Map::new()));
            self.hostvars.set_base(name, base);
            if let Some(host) = self.hosts.get_mut(name) {
                host.inventory_vars = delegate::implicit_host_vars(&self.inventory, name);
                host.scope = None;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: Value) -> Map<String, Value> {
        pairs.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn add_host_result_is_ansibles() {
        let r = run(
            "add_host",
            args(json!({"name": "new1", "groups": "dyn,extra", "foo": "bar"})),
        );
        assert_eq!(r.status, Status::Changed);
        assert_eq!(
            Value::Object(r.result.clone()),
            json!({"add_host": {"host_name": "new1", "groups": ["dyn", "extra"],
                   "host_vars": {"foo": "bar"}}, "changed": true})
        );
        let change = changes_of("w1", &r);
        assert_eq!(
            change,
            [Change::AddHost {
                name: "new1".into(),
                groups: vec!["dyn".into(), "extra".into()],
                vars: args(json!({"foo": "bar"})),
            }]
        );
    }

    #[test]
    fn add_host_takes_a_port_from_the_name_and_aliases() {
        let r = run(
            "add_host",
            args(json!({"hostname": "db:2222", "group": ["a"]})),
        );
        assert_eq!(r.result["add_host"]["host_name"], "db");
        assert_eq!(r.result["add_host"]["host_vars"]["ansible_port"], 2222);
        assert_eq!(r.result["add_host"]["groups"], json!(["a"]));
        let r = run("add_host", args(json!({"groups": "a"})));
        assert_eq!(r.status, Status::Failed);
    }

    #[test]
    fn group_by_defaults_to_all_and_dashes_spaces() {
        let r = run("group_by", args(json!({"key": "os Debian 12"})));
        assert_eq!(r.result["add_group"], "os-Debian-12");
        assert_eq!(r.result["parent_groups"], json!(["all"]));
        assert_eq!(
            changes_of("h", &r),
            [Change::GroupBy {
                host: "h".into(),
                group: "os-Debian-12".into(),
                parents: vec!["all".into()],
            }]
        );
    }

    #[test]
    fn a_loop_adds_each_item_and_skipped_items_nothing() {
        let mut r = TaskResult::new(Status::Changed, Map::new(), "add_host");
        let one = run("add_host", args(json!({"name": "a"}))).result;
        let skipped = json!({"skipped": true, "changed": false});
        r.result
            .insert("results".into(), json!([Value::Object(one), skipped]));
        assert_eq!(changes_of("h", &r).len(), 1);
    }
}
