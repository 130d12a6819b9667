//! `group_vars/` and `host_vars/` directories: `name`, `name.yml`, `name.yaml`, `name.json`, or a
//! directory `name/` of such files merged in name order.

use super::{InventoryError, Vars};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone)]
pub struct VarsDir {
    pub dir: PathBuf,
    groups: BTreeMap<String, Vars>,
    hosts: BTreeMap<String, Vars>,
}

impl VarsDir {
    pub fn load(dir: &Path) -> Result<VarsDir, InventoryError> {
        Ok(VarsDir {
            dir: dir.to_path_buf(),
            groups: load_all(&dir.join("group_vars"))?,
            hosts: load_all(&dir.join("host_vars"))?,
        })
    }

    pub fn group(&self, name: &str) -> Option<&Vars> {
        self.groups.get(name)
    }

    pub fn host(&self, name: &str) -> Option<&Vars> {
        self.hosts.get(name)
    }
}

fn load_all(dir: &Path) -> Result<BTreeMap<String, Vars>, InventoryError> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if file_name.starts_with('.') || file_name.ends_with('~') {
            continue;
        }
        let name = strip_ext(&file_name).to_string();
        let vars = if path.is_dir() {
            load_dir(&path)?
        } else if is_vars_file(&file_name) {
            load_file(&path)?
        } else {
            continue;
        };
        out.entry(name).or_insert_with(Vars::new).extend(vars);
    }
    Ok(out)
}

fn is_vars_file(name: &str) -> bool {
    let ext = name.rsplit_once('.').map(|(_, e)| e);
    matches!(ext, None | Some("yml" | "yaml" | "json"))
}

fn strip_ext(name: &str) -> &str {
    for ext in [".yml", ".yaml", ".json"] {
        if let Some(stem) = name.strip_suffix(ext) {
            return stem;
        }
    }
    name
}

fn load_dir(dir: &Path) -> Result<Vars, InventoryError> {
    let mut vars = Vars::new();
    for (_, v) in load_all_files(dir)? {
        vars.extend(v);
    }
    Ok(vars)
}

fn load_all_files(dir: &Path) -> Result<Vec<(PathBuf, Vars)>, InventoryError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InventoryError::Other(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && is_vars_file(
                    &p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                )
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| load_file(&p).map(|v| (p, v)))
        .collect()
}

fn load_file(path: &Path) -> Result<Vars, InventoryError> {
    let vars: Option<Vars> = crate::yaml::from_file(path)?;
    Ok(vars.unwrap_or_default())
}
