//! Inventory: hosts, groups and their variables, read from Ansible INI or YAML files (or directories
//! of them), with `group_vars/` and `host_vars/` next to the inventory and the playbook.
//!
//! Variable precedence for a host, lowest first (Ansible's default `precedence` setting):
//! inventory file `all` vars < inventory file vars of other groups (parents before children, then by
//! `ansible_group_priority`, then name) < `group_vars/all` next to the inventory < next to the playbook
//! < `group_vars/<group>` next to the inventory < next to the playbook < inventory file host vars <
//! `host_vars/<host>` next to the inventory < next to the playbook.

mod ini;
mod pattern;
mod range;
mod vars_dirs;
mod yaml;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use vars_dirs::VarsDir;

pub type Vars = Map<String, Value>;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("{origin}: {message}")]
    Parse {
        origin: crate::yaml::Origin,
        message: String,
    },
    #[error(transparent)]
    Yaml(#[from] crate::yaml::YamlError),
    #[error("{0}")]
    Other(String),
}

/// `line` 0: the file as a whole (YAML structure errors, where the parser gave no line).
fn parse_error(file: &Path, line: usize, message: impl Into<String>) -> InventoryError {
    InventoryError::Parse {
        origin: crate::yaml::Origin::new(file, line as u64),
        message: message.into(),
    }
}

#[derive(Debug, Default, Clone)]
struct Group {
    hosts: Vec<String>,
    children: Vec<String>,
    vars: Vars,
}

#[derive(Debug, Default)]
pub struct Inventory {
    /// Hosts in the order they were first defined, with their inventory-file vars.
    hosts: IndexMap<String, Vars>,
    groups: IndexMap<String, Group>,
    /// `group_vars/`/`host_vars/` next to the inventory sources, then next to playbooks.
    inventory_dirs: Vec<VarsDir>,
    playbook_dirs: Vec<VarsDir>,
}

impl Inventory {
    fn empty() -> Self {
        let mut inv = Inventory::default();
        inv.groups.insert("all".into(), Group::default());
        inv.groups.insert("ungrouped".into(), Group::default());
        inv
    }

    /// Reads every source (file or directory) and the `group_vars`/`host_vars` next to each.
    pub fn load(sources: &[PathBuf]) -> Result<Inventory, InventoryError> {
        let mut inv = Inventory::empty();
        for source in sources {
            if source.is_dir() {
                for file in inventory_files_in(source)? {
                    inv.read_file(&file)?;
                }
                inv.inventory_dirs.push(VarsDir::load(source)?);
            } else if source.is_file() {
                inv.read_file(source)?;
                let dir = source.parent().unwrap_or(Path::new("."));
                inv.inventory_dirs.push(VarsDir::load(dir)?);
            } else if source.to_string_lossy().contains(',') {
                // `-i host1,host2,`: a host list, as Ansible accepts.
                for host in source
                    .to_string_lossy()
                    .split(',')
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                {
                    inv.add_host(host, Vars::new());
                }
            } else {
                return Err(InventoryError::Other(format!(
                    "the inventory source {} does not exist",
                    source.display()
                )));
            }
        }
        inv.finish()?;
        Ok(inv)
    }

    /// An INI inventory from text (tests, `-i` strings).
    pub fn from_ini_str(text: &str, origin: &Path) -> Result<Inventory, InventoryError> {
        let mut inv = Inventory::empty();
        ini::parse(&mut inv, text, origin)?;
        inv.finish()?;
        Ok(inv)
    }

    /// Adds the `group_vars`/`host_vars` next to a playbook (above the inventory's own).
    pub fn add_vars_dirs(&mut self, dir: &Path) -> Result<(), InventoryError> {
        if self.playbook_dirs.iter().any(|d| d.dir == dir)
            || self.inventory_dirs.iter().any(|d| d.dir == dir)
        {
            return Ok(());
        }
        self.playbook_dirs.push(VarsDir::load(dir)?);
        Ok(())
    }

    fn read_file(&mut self, file: &Path) -> Result<(), InventoryError> {
        let text = std::fs::read_to_string(file).map_err(|e| {
            InventoryError::Other(format!("cannot read inventory {}: {e}", file.display()))
        })?;
        let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "yml" | "yaml" | "json") || looks_like_yaml(&text) {
            yaml::parse(self, &text, file)
        } else {
            ini::parse(self, &text, file)
        }
    }

    fn add_host(&mut self, name: &str, vars: Vars) {
        self.hosts.entry(name.to_string()).or_default().extend(vars);
    }

    fn group_mut(&mut self, name: &str) -> &mut Group {
        self.groups.entry(name.to_string()).or_default()
    }

    fn add_to_group(&mut self, group: &str, host: &str) {
        let g = self.group_mut(group);
        if !g.hosts.iter().any(|h| h == host) {
            g.hosts.push(host.to_string());
        }
    }

    fn add_child(&mut self, parent: &str, child: &str) {
        self.group_mut(child);
        let g = self.group_mut(parent);
        if !g.children.iter().any(|c| c == child) {
            g.children.push(child.to_string());
        }
    }

    /// Implicit groups and checks: every group is a child of `all` (unless it has a parent), hosts in
    /// no group are `ungrouped`, no cycles.
    fn finish(&mut self) -> Result<(), InventoryError> {
        let names: Vec<String> = self.groups.keys().cloned().collect();
        for name in &names {
            if name == "all" {
                continue;
            }
            let has_parent = self
                .groups
                .iter()
                .any(|(p, g)| p != "all" && g.children.contains(name));
            if !has_parent {
                self.add_child("all", name);
            }
        }
        for name in &names {
            self.check_cycle(name, &mut Vec::new())?;
        }
        let grouped: Vec<String> = self
            .groups
            .iter()
            .filter(|(n, _)| *n != "all" && *n != "ungrouped")
            .flat_map(|(_, g)| g.hosts.clone())
            .collect();
        let hosts: Vec<String> = self.hosts.keys().cloned().collect();
        for host in hosts {
            if !grouped.contains(&host) {
                self.add_to_group("ungrouped", &host);
            }
        }
        Ok(())
    }

    fn check_cycle(&self, name: &str, path: &mut Vec<String>) -> Result<(), InventoryError> {
        if path.iter().any(|p| p == name) {
            path.push(name.to_string());
            return Err(InventoryError::Other(format!(
                "group cycle: {}",
                path.join(" -> ")
            )));
        }
        path.push(name.to_string());
        if let Some(g) = self.groups.get(name) {
            for child in &g.children {
                self.check_cycle(child, path)?;
            }
        }
        path.pop();
        Ok(())
    }

    pub fn host_names(&self) -> Vec<String> {
        self.hosts.keys().cloned().collect()
    }

    /// Hosts of a group, its descendants' included, in inventory order.
    fn hosts_of_group(&self, group: &str) -> Vec<String> {
        if group == "all" {
            return self.host_names();
        }
        let mut members = Vec::new();
        self.collect_hosts(group, &mut members);
        self.hosts
            .keys()
            .filter(|h| members.contains(h))
            .cloned()
            .collect()
    }

    fn collect_hosts(&self, group: &str, into: &mut Vec<String>) {
        if let Some(g) = self.groups.get(group) {
            into.extend(g.hosts.iter().cloned());
            for child in &g.children {
                self.collect_hosts(child, into);
            }
        }
    }

    /// Every group a host is in (directly or through a child group), `all` included.
    fn groups_of(&self, host: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (name, g) in &self.groups {
            if g.hosts.iter().any(|h| h == host) {
                self.add_with_ancestors(name, &mut out);
            }
        }
        if !out.iter().any(|g| g == "all") {
            out.push("all".into());
        }
        out
    }

    fn add_with_ancestors(&self, group: &str, out: &mut Vec<String>) {
        if out.iter().any(|g| g == group) {
            return;
        }
        out.push(group.to_string());
        for (name, g) in &self.groups {
            if g.children.iter().any(|c| c == group) {
                self.add_with_ancestors(name, out);
            }
        }
    }

    fn depth(&self, group: &str) -> usize {
        if group == "all" {
            return 0;
        }
        self.groups
            .iter()
            .filter(|(_, g)| g.children.iter().any(|c| c == group))
            .map(|(parent, _)| self.depth(parent) + 1)
            .max()
            .unwrap_or(1)
    }

    /// The host's groups in the order their variables apply: `all` first, then by depth, priority, name.
    fn groups_in_precedence_order(&self, host: &str) -> Vec<String> {
        let mut groups: Vec<String> = self
            .groups_of(host)
            .into_iter()
            .filter(|g| g != "all")
            .collect();
        let priority = |g: &str| {
            self.groups
                .get(g)
                .and_then(|g| g.vars.get("ansible_group_priority"))
                .and_then(|p| {
                    p.as_i64()
                        .or_else(|| p.as_str().and_then(|s| s.parse().ok()))
                })
                .unwrap_or(1)
        };
        groups
            .sort_by(|a, b| (self.depth(a), priority(a), a).cmp(&(self.depth(b), priority(b), b)));
        groups
    }

    /// The host's variables, merged by precedence (see the module documentation).
    pub fn host_vars(&self, host: &str) -> Vars {
        let groups = self.groups_in_precedence_order(host);
        let mut vars = Vars::new();
        let mut merge = |layer: Option<&Vars>| {
            if let Some(layer) = layer {
                vars.extend(layer.clone());
            }
        };
        merge(self.groups.get("all").map(|g| &g.vars));
        for g in &groups {
            merge(self.groups.get(g).map(|g| &g.vars));
        }
        for dir in self.inventory_dirs.iter().chain(&self.playbook_dirs) {
            merge(dir.group("all"));
        }
        for dir in self.inventory_dirs.iter().chain(&self.playbook_dirs) {
            for g in &groups {
                merge(dir.group(g));
            }
        }
        merge(self.hosts.get(host));
        for dir in self.inventory_dirs.iter().chain(&self.playbook_dirs) {
            merge(dir.host(host));
        }
        vars
    }

    /// Ansible's `group_names`: the host's groups, sorted, without `all`.
    pub fn group_names(&self, host: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .groups_of(host)
            .into_iter()
            .filter(|g| g != "all")
            .collect();
        names.sort();
        names
    }

    /// Ansible's `groups`: every group with its hosts.
    pub fn groups(&self) -> Map<String, Value> {
        self.groups
            .keys()
            .map(|g| (g.clone(), Value::from(self.hosts_of_group(g))))
            .collect()
    }

    /// Host names matching a pattern (`web*:&prod:!web3`), in inventory order.
    pub fn select(&self, pattern: &str) -> Result<Vec<String>, InventoryError> {
        pattern::select(self, pattern)
    }

    /// `ansible-inventory --list`.
    pub fn to_list_json(&self) -> Value {
        let hostvars: Map<String, Value> = self
            .hosts
            .keys()
            .map(|h| (h.clone(), Value::Object(self.host_vars(h))))
            .collect();
        let mut doc = Map::new();
        doc.insert("_meta".into(), json!({ "hostvars": hostvars }));
        for (name, g) in &self.groups {
            let mut entry = Map::new();
            if !g.children.is_empty() {
                entry.insert("children".into(), Value::from(g.children.clone()));
            }
            if !g.hosts.is_empty() {
                entry.insert("hosts".into(), Value::from(g.hosts.clone()));
            }
            if name == "all" || !entry.is_empty() {
                doc.insert(name.clone(), Value::Object(entry));
            }
        }
        Value::Object(doc)
    }

    /// `ansible-inventory --host NAME`.
    pub fn to_host_json(&self, host: &str) -> Option<Value> {
        self.hosts
            .contains_key(host)
            .then(|| Value::Object(self.host_vars(host)))
    }

    /// `ansible-inventory --graph [GROUP]`.
    pub fn graph(&self, group: Option<&str>) -> String {
        let mut out = String::new();
        self.graph_group(group.unwrap_or("all"), 0, &mut out);
        out
    }

    fn graph_group(&self, name: &str, depth: usize, out: &mut String) {
        let indent = |d: usize| {
            if d == 0 {
                String::new()
            } else {
                format!("  {}|--", "|  ".repeat(d - 1))
            }
        };
        let Some(g) = self.groups.get(name) else {
            return;
        };
        if name == "ungrouped" && g.hosts.is_empty() {
            return;
        }
        out.push_str(&format!("{}@{name}:\n", indent(depth)));
        for child in &g.children {
            self.graph_group(child, depth + 1, out);
        }
        for host in &g.hosts {
            out.push_str(&format!("{}{host}\n", indent(depth + 1)));
        }
    }
}

/// A YAML inventory starts with a mapping key (`all:`); INI with `[` or a host line.
fn looks_like_yaml(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .is_some_and(|l| l.ends_with(':') || l.starts_with("---") || l.starts_with('{'))
}

fn inventory_files_in(dir: &Path) -> Result<Vec<PathBuf>, InventoryError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        InventoryError::Other(format!(
            "cannot read inventory directory {}: {e}",
            dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            !name.starts_with('.')
                && !name.ends_with('~')
                && ![".orig", ".ini~", ".retry", ".pyc", ".md", ".cfg"]
                    .iter()
                    .any(|s| name.ends_with(s))
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests;
