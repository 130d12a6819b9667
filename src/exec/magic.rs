//! Ansible's magic variables that are not a play's business: the per-host ones
//! (`inventory_hostname`, `group_names`, `inventory_file`, …), the run-wide ones
//! (`ansible_version`, `ansible_forks`, `ansible_run_tags`, …) and `hostvars`, which the engine
//! keeps current by publishing each host's facts and registered results between tasks.

use super::RunOptions;
use super::host::HostState;
use crate::inventory::Inventory;
use crate::template::{Hostvars, HostvarsStore, Templar, Vars};
use serde_json::{Value, json};
use std::sync::Arc;

/// The ansible-core release whose language drover follows: what `ansible_version` reports, so
/// that roles checking `ansible_version.full is version('2.10', '>=')` take their modern path.
pub const ANSIBLE_LANGUAGE_VERSION: (u64, u64, u64) = (2, 19, 0);

/// The magic variables of one host, as ansible-core 2.19 sets them.
pub fn host_magic(inventory: &Inventory, host: &str) -> Vars {
    let mut vars = Vars::new();
    vars.insert("inventory_hostname".into(), Value::from(host));
    let short = host.split('.').next().unwrap_or(host);
    vars.insert("inventory_hostname_short".into(), Value::from(short));
    vars.insert(
        "group_names".into(),
        Value::from(inventory.group_names(host)),
    );
    if let Some(file) = inventory.source_of(host) {
        vars.insert(
            "inventory_file".into(),
            Value::from(file.display().to_string()),
        );
        if let Some(dir) = file.parent() {
            vars.insert(
                "inventory_dir".into(),
                Value::from(dir.display().to_string()),
            );
        }
    }
    vars
}

/// The run-wide magic variables every play shares (template globals, see `play_globals`).
pub fn run_globals(options: &RunOptions) -> Vars {
    let (major, minor, revision) = ANSIBLE_LANGUAGE_VERSION;
    let version = format!("{major}.{minor}.{revision}");
    let mut vars = Vars::new();
    vars.insert(
        "ansible_version".into(),
        json!({"string": version, "full": version, "major": major, "minor": minor, "revision": revision}),
    );
    vars.insert("ansible_forks".into(), Value::from(options.forks));
    let run_tags = if options.run_tags.is_empty() {
        vec!["all".to_string()]
    } else {
        options.run_tags.clone()
    };
    vars.insert("ansible_run_tags".into(), Value::from(run_tags));
    vars.insert(
        "ansible_skip_tags".into(),
        Value::from(options.skip_tags.clone()),
    );
    vars
}

/// Every inventory host with its inventory and magic variables: what `hostvars` starts from.
pub fn hostvars_store(inventory: &Inventory) -> Arc<HostvarsStore> {
    let hosts = inventory
        .host_names()
        .into_iter()
        .map(|name| {
            let mut vars = inventory.host_vars(&name);
            vars.extend(host_magic(inventory, &name));
            // Defined (empty) until facts are gathered, as in Ansible.
            vars.entry("ansible_facts")
                .or_insert_with(|| Value::Object(Vars::new()));
            (name, vars)
        })
        .collect();
    HostvarsStore::new(hosts)
}

/// The play's globals that are about a play, not a host: `hostvars[x]` does not show them.
const PLAY_ONLY: [&str; 5] = [
    "play_hosts",
    "ansible_play_hosts",
    "ansible_play_batch",
    "ansible_play_hosts_all",
    "omit",
];

/// A play's templates: `templar` with the play's `globals`, plus `hostvars`, which resolves other
/// hosts' variables with those globals (and shows the run-wide ones among each host's variables).
pub fn play_templar(
    templar: &Templar,
    globals: &Vars,
    store: &Arc<HostvarsStore>,
    options: &RunOptions,
) -> Templar {
    let shared = Arc::new(templar.with_globals(globals));
    let mut layers = globals.clone();
    layers.retain(|name, _| !PLAY_ONLY.contains(&name.as_str()));
    layers.extend(options.extra_vars.clone());
    let hostvars = Hostvars::new(Arc::clone(store), Arc::new(layers), Arc::clone(&shared));
    shared.with_global_object("hostvars", hostvars)
}

/// Makes the hosts' latest facts and registered results visible through `hostvars`. Only hosts
/// whose variables changed since their last task (their scope was cleared) are published again:
/// a cost per changed host, never per host of the fleet per task.
pub fn publish_changed<'a>(store: &HostvarsStore, hosts: impl Iterator<Item = &'a HostState>) {
    for host in hosts.filter(|h| h.scope.is_none()) {
        store.publish(&host.name, &host.facts);
    }
}

/// `path` from the current directory, as Ansible shows `playbook_dir` (`""` for a playbook in it).
pub fn absolute(path: &std::path::Path) -> std::path::PathBuf {
    let here = std::env::current_dir().unwrap_or_default();
    // Through components: no trailing `/` from an empty `path`, no `./` inside.
    here.join(path).components().collect()
}

/// Module arguments without the values rendered to `omit`, at any depth — in maps and in lists —
/// as ansible-core 2.19 removes them (`{a: omit, b: [1, omit, {c: omit}]}` → `{b: [1, {}]}`).
pub fn without_omitted(args: Vars, omit: &str) -> Vars {
    args.into_iter()
        .filter(|(_, v)| v.as_str() != Some(omit))
        .map(|(k, v)| (k, value_without_omitted(v, omit)))
        .collect()
}

fn value_without_omitted(value: Value, omit: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(without_omitted(map, omit)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|v| v.as_str() != Some(omit))
                .map(|v| value_without_omitted(v, omit))
                .collect(),
        ),
        other => other,
    }
}
