//! Inventory: hosts, groups and their variables, read from Ansible INI or YAML files (or directories
//! of them), with `group_vars/` and `host_vars/` next to the inventory and the playbook.
//!
//! Variable precedence for a host, lowest first (Ansible's default `precedence` setting):
//! inventory file `all` vars < inventory file vars of other groups (parents before children, then by
//! `ansible_group_priority`, then name) < `group_vars/all` next to the inventory < next to the playbook
//! < `group_vars/<group>` next to the inventory < next to the playbook < inventory file host vars <
//! `host_vars/<host>` next to the inventory < next to the playbook.

mod graph;
mod ini;
mod output;
mod pattern;
mod pyliteral;
mod pyshlex;
mod range;
mod runtime;
mod vars_dirs;
mod yaml;

use indexmap::{IndexMap, IndexSet};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use vars_dirs::VarsDir;

pub type Vars = Map<String, Value>;

pub use output::ansible_json;
pub use range::MAX_HOSTS_PER_PATTERN;

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

#[derive(Debug, Clone)]
struct Group {
    /// Hosts listed in the group itself (not its children's), in the order they were added.
    hosts: IndexSet<String>,
    children: IndexSet<String>,
    vars: Vars,
    /// `ansible_group_priority`: a property of the group, not a variable (as in ansible-core).
    priority: i64,
}

impl Default for Group {
    fn default() -> Self {
        Group {
            hosts: IndexSet::new(),
            children: IndexSet::new(),
            vars: Vars::new(),
            priority: 1,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Inventory {
    /// Hosts in the order they were first defined, with their inventory-file vars.
    hosts: IndexMap<String, Vars>,
    groups: IndexMap<String, Group>,
    /// `group_vars/`/`host_vars/` next to the inventory sources, then next to playbooks.
    inventory_dirs: Vec<VarsDir>,
    playbook_dirs: Vec<VarsDir>,
    /// The inventory file that first defined each host (Ansible's `inventory_file`).
    sources: HashMap<String, PathBuf>,
    /// Group ancestry and membership, computed once when loading ends.
    index: graph::Index,
}

impl Inventory {
    fn empty() -> Self {
        let mut inv = Inventory::default();
        inv.groups.insert("all".into(), Group::default());
        inv.groups.insert("ungrouped".into(), Group::default());
        // As in ansible-core, `ungrouped` is the first child of `all`, whatever the sources say.
        inv.add_child("all", "ungrouped");
        inv
    }

    /// Reads every source (file or directory) and the `group_vars`/`host_vars` next to each.
    pub fn load(sources: &[PathBuf]) -> Result<Inventory, InventoryError> {
        let mut inv = Inventory::empty();
        for source in sources {
            if source.is_dir() {
                for file in inventory_files_in(source)? {
                    inv.read_source_file(&file)?;
                }
                inv.inventory_dirs.push(VarsDir::load(source)?);
            } else if source.is_file() || (source.exists() && !source.is_dir()) {
                // A regular file, or `-i /dev/null` (an empty inventory, as Ansible allows).
                inv.read_source_file(source)?;
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

    /// A YAML inventory from text (tests).
    pub fn from_yaml_str(text: &str, origin: &Path) -> Result<Inventory, InventoryError> {
        let mut inv = Inventory::empty();
        yaml::parse(&mut inv, text, origin)?;
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

    /// [`Inventory::read_file`], remembering the file as the source of the hosts it adds.
    fn read_source_file(&mut self, file: &Path) -> Result<(), InventoryError> {
        let known = self.hosts.len();
        self.read_file(file)?;
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        for (name, _) in self.hosts.iter().skip(known) {
            self.sources.insert(name.clone(), absolute.clone());
        }
        Ok(())
    }

    /// The inventory file that defined `host`; none for a host from a host list (`-i a,b,`).
    pub fn source_of(&self, host: &str) -> Option<&Path> {
        self.sources.get(host).map(PathBuf::as_path)
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
        match self.hosts.get_mut(name) {
            Some(existing) => existing.extend(vars),
            None => {
                self.hosts.insert(name.to_string(), vars);
            }
        }
    }

    fn group_mut(&mut self, name: &str) -> &mut Group {
        let index = match self.groups.get_index_of(name) {
            Some(index) => index,
            None => {
                self.groups
                    .insert_full(name.to_string(), Group::default())
                    .0
            }
        };
        &mut self.groups[index]
    }

    fn add_to_group(&mut self, group: &str, host: &str) {
        let g = self.group_mut(group);
        if !g.hosts.contains(host) {
            g.hosts.insert(host.to_string());
        }
    }

    fn add_child(&mut self, parent: &str, child: &str) {
        self.group_mut(child);
        let g = self.group_mut(parent);
        if !g.children.contains(child) {
            g.children.insert(child.to_string());
        }
    }

    /// Ansible's reconciliation, then the ancestry index: every group without a parent is a child of
    /// `all`; hosts in no group but `all` are `ungrouped`, and only those; no cycles.
    fn finish(&mut self) -> Result<(), InventoryError> {
        self.take_group_priorities()?;
        self.adopt_orphan_groups();
        self.reconcile_ungrouped();
        self.index = graph::Index::build(self)?;
        Ok(())
    }

    fn take_group_priorities(&mut self) -> Result<(), InventoryError> {
        for (name, group) in &mut self.groups {
            let Some(value) = group.vars.shift_remove("ansible_group_priority") else {
                continue;
            };
            let priority = value
                .as_i64()
                .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()));
            group.priority = priority.ok_or_else(|| {
                InventoryError::Other(format!(
                    "ansible_group_priority of group {name:?} must be an integer, not {value}"
                ))
            })?;
        }
        Ok(())
    }

    fn adopt_orphan_groups(&mut self) {
        let with_parent: HashSet<&str> = self
            .groups
            .values()
            .flat_map(|g| g.children.iter().map(String::as_str))
            .collect();
        let orphans: Vec<String> = self
            .groups
            .keys()
            .filter(|name| *name != "all" && !with_parent.contains(name.as_str()))
            .cloned()
            .collect();
        for name in orphans {
            self.add_child("all", &name);
        }
    }

    fn reconcile_ungrouped(&mut self) {
        let grouped: HashSet<String> = self
            .groups
            .iter()
            .filter(|(n, _)| *n != "all" && *n != "ungrouped")
            .flat_map(|(_, g)| g.hosts.iter().cloned())
            .collect();
        let ungrouped = self.group_mut("ungrouped");
        ungrouped.hosts.retain(|h| !grouped.contains(h));
        let alone: Vec<String> = self
            .hosts
            .keys()
            .filter(|h| !grouped.contains(*h))
            .cloned()
            .collect();
        for host in alone {
            self.add_to_group("ungrouped", &host);
        }
    }

    pub fn host_names(&self) -> Vec<String> {
        self.hosts.keys().cloned().collect()
    }

    /// Hosts of a group, its descendants' included, in inventory order.
    fn hosts_of_group(&self, group: &str) -> Vec<String> {
        self.host_indices_of_group(group)
            .map(|hosts| self.names_of(&hosts))
            .unwrap_or_default()
    }

    /// Host indices (inventory order) of a group with its descendants; `None` for an unknown group.
    fn host_indices_of_group(&self, group: &str) -> Option<Vec<usize>> {
        let g = self.groups.get_index_of(group)?;
        Some(self.index.group_hosts(g))
    }

    fn names_of(&self, hosts: &[usize]) -> Vec<String> {
        hosts
            .iter()
            .filter_map(|&h| self.hosts.get_index(h).map(|(name, _)| name.clone()))
            .collect()
    }

    /// The host's groups other than `all`, in the order their variables apply (depth, priority, name).
    fn groups_in_precedence_order(&self, host: &str) -> Vec<&str> {
        let Some(h) = self.hosts.get_index_of(host) else {
            return Vec::new();
        };
        self.index
            .host_groups(h)
            .into_iter()
            .filter_map(|g| self.groups.get_index(g).map(|(name, _)| name.as_str()))
            .collect()
    }

    /// The host's variables, merged by precedence (see the module documentation).
    pub fn host_vars(&self, host: &str) -> Vars {
        let groups = self.groups_in_precedence_order(host);
        let mut vars = Vars::new();
        let mut merge = |layer: Option<&Vars>| {
            if let Some(layer) = layer {
                vars.extend(layer.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        };
        merge(self.groups.get("all").map(|g| &g.vars));
        for g in &groups {
            merge(self.groups.get(*g).map(|g| &g.vars));
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
            .groups_in_precedence_order(host)
            .into_iter()
            .map(String::from)
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
mod fuzz;
#[cfg(test)]
mod tests;
