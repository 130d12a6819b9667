//! Finding roles on disk as Ansible does, and the files of a role's standard layout.
//!
//! A role name is searched in: `roles/` beside the playbook, each `roles_path` entry
//! (`ANSIBLE_ROLES_PATH`, ansible.cfg, else Ansible's defaults), then the playbook's own directory;
//! a name with a `/` is a path relative to the playbook. `ns.coll.role` is a collection role, found
//! under `ansible_collections/ns/coll/roles/role` in `collections/` beside the playbook and each
//! collections path (`ANSIBLE_COLLECTIONS_PATH`).

use std::path::{Path, PathBuf};

/// Where roles are looked for.
#[derive(Debug, Clone, Default)]
pub struct RoleSearch {
    pub playbook_dir: PathBuf,
    pub roles_path: Vec<PathBuf>,
    pub collections_paths: Vec<PathBuf>,
}

/// Ansible's default `roles_path` and collections paths, `~` expanded.
fn defaults(home: Option<&Path>, user: &str, system: &[&str]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = home.map(|h| h.join(user)).into_iter().collect();
    paths.extend(system.iter().map(PathBuf::from));
    paths
}

fn split_paths(list: &str) -> Vec<PathBuf> {
    list.split(':')
        .filter(|p| !p.is_empty())
        .map(|p| match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
            (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
            _ => PathBuf::from(p),
        })
        .collect()
}

impl RoleSearch {
    /// The search of a playbook in `playbook_dir`: `ANSIBLE_ROLES_PATH`, else `configured`
    /// (ansible.cfg's `roles_path`), else Ansible's defaults; the same for collections.
    pub fn new(playbook_dir: &Path, configured: Option<&str>) -> Self {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let roles_path = match std::env::var("ANSIBLE_ROLES_PATH") {
            Ok(list) if !list.is_empty() => split_paths(&list),
            _ => match configured {
                Some(list) => split_paths(list),
                None => defaults(
                    home.as_deref(),
                    ".ansible/roles",
                    &["/usr/share/ansible/roles", "/etc/ansible/roles"],
                ),
            },
        };
        let collections_paths = match std::env::var("ANSIBLE_COLLECTIONS_PATH")
            .or_else(|_| std::env::var("ANSIBLE_COLLECTIONS_PATHS"))
        {
            Ok(list) if !list.is_empty() => split_paths(&list),
            _ => defaults(
                home.as_deref(),
                ".ansible/collections",
                &["/usr/share/ansible/collections"],
            ),
        };
        RoleSearch {
            playbook_dir: playbook_dir.to_path_buf(),
            roles_path,
            collections_paths,
        }
    }

    /// The search of a playbook in `playbook_dir` with `roles_path` as the configuration resolved it
    /// (ansible.cfg or `ANSIBLE_ROLES_PATH`); without it, as [`RoleSearch::new`] finds it.
    pub fn with_roles_path(playbook_dir: &Path, roles_path: Option<&[PathBuf]>) -> Self {
        let mut search = RoleSearch::new(playbook_dir, None);
        if let Some(paths) = roles_path {
            search.roles_path = paths.to_vec();
        }
        search
    }

    /// Every directory `name` may be in, in the order they are tried. A name with a `/` is tried
    /// in the same places as any other (`nested/web` is `roles/nested/web`), then as a path of its
    /// own (Ansible's last resort, relative to the working directory).
    pub fn candidates(&self, name: &str) -> Vec<PathBuf> {
        if let Some((namespace, collection, role)) = collection_role(name) {
            let mut roots = vec![self.playbook_dir.join("collections")];
            roots.extend(self.collections_paths.iter().cloned());
            return roots
                .into_iter()
                .map(|root| {
                    root.join("ansible_collections")
                        .join(namespace)
                        .join(collection)
                        .join("roles")
                        .join(role)
                })
                .collect();
        }
        let mut dirs = vec![self.playbook_dir.join("roles").join(name)];
        dirs.extend(self.roles_path.iter().map(|p| p.join(name)));
        dirs.push(self.playbook_dir.join(name));
        if let Some(own) = as_own_path(name) {
            dirs.push(own);
        }
        dirs
    }

    /// Is `dir` (where `name` was found) only the name read as a path of its own? Then the role is
    /// named by its directory's name, as Ansible names it; otherwise by the name as written.
    pub fn found_as_own_path(&self, name: &str, dir: &Path) -> bool {
        let mut candidates = self.candidates(name);
        let own = as_own_path(name).and_then(|_| candidates.pop());
        own.is_some_and(|own| own == dir && !candidates.iter().any(|d| d.is_dir()))
    }

    /// The role's directory, or the list of places searched (for the error message).
    pub fn find(&self, name: &str) -> Result<PathBuf, Vec<PathBuf>> {
        let candidates = self.candidates(name);
        candidates
            .iter()
            .find(|d| d.is_dir())
            .cloned()
            .ok_or(candidates)
    }
}

/// A role name with a `/` (or `~`) as a directory: `~/` expanded, relative to the working directory.
fn as_own_path(name: &str) -> Option<PathBuf> {
    if !(name.contains('/') || name.starts_with('~')) {
        return None;
    }
    split_paths(name).pop()
}

/// `ns.coll.role` → its three parts (a plain role name has no dots to split on).
pub(crate) fn collection_role(name: &str) -> Option<(&str, &str, &str)> {
    let mut parts = name.splitn(3, '.');
    let (ns, coll, role) = (parts.next()?, parts.next()?, parts.next()?);
    let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (valid(ns) && valid(coll) && valid(role)).then_some((ns, coll, role))
}

/// The files of one of a role's directories (`tasks`, `handlers`, `defaults`, `vars`, `meta`) for
/// the entry point `from` (`main`, or `tasks_from`/`vars_from`/…): `from.yml`, `from.yaml`, `from`,
/// or — for variables — every YAML file of a `from/` directory, in name order.
pub fn entry_files(role_dir: &Path, sub: &str, from: &str) -> Vec<PathBuf> {
    let base = role_dir.join(sub);
    let named = |ext: &str| {
        let file = if ext.is_empty() {
            base.join(from)
        } else {
            base.join(format!("{from}.{ext}"))
        };
        file.is_file().then_some(file)
    };
    // `tasks_from: setup.yml` names the file with its extension.
    if let Some(found) = named("yml").or_else(|| named("yaml")).or_else(|| named("")) {
        return vec![found];
    }
    let dir = base.join(from);
    if !dir.is_dir() {
        return Vec::new();
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && matches!(
                            p.extension().and_then(|e| e.to_str()),
                            Some("yml" | "yaml" | "json")
                        )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkdir(path: &Path) {
        std::fs::create_dir_all(path).unwrap_or_else(|e| panic!("{e}"));
    }

    fn touch(path: &Path) {
        if let Some(parent) = path.parent() {
            mkdir(parent);
        }
        std::fs::write(path, "---\n").unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn roles_dir_beside_the_playbook_wins_then_roles_path_then_playbook_dir() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let play = tmp.path().join("play");
        let shared = tmp.path().join("shared");
        mkdir(&play.join("roles/web"));
        mkdir(&shared.join("web"));
        mkdir(&shared.join("db"));
        mkdir(&play.join("cache"));
        let search = RoleSearch {
            playbook_dir: play.clone(),
            roles_path: vec![shared.clone()],
            collections_paths: Vec::new(),
        };
        assert_eq!(search.find("web").ok(), Some(play.join("roles/web")));
        assert_eq!(search.find("db").ok(), Some(shared.join("db")));
        assert_eq!(search.find("cache").ok(), Some(play.join("cache")));
        let missing = search.find("nope").err().unwrap_or_default();
        assert_eq!(missing.len(), 3, "{missing:?}");
    }

    #[test]
    fn collection_roles_and_paths() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let play = tmp.path().join("play");
        let coll = play.join("collections/ansible_collections/acme/web/roles/nginx");
        mkdir(&coll);
        mkdir(&play.join("local/role"));
        let search = RoleSearch {
            playbook_dir: play.clone(),
            roles_path: Vec::new(),
            collections_paths: Vec::new(),
        };
        assert_eq!(search.find("acme.web.nginx").ok(), Some(coll));
        assert_eq!(
            search.find("local/role").ok(),
            Some(play.join("local/role"))
        );
    }

    #[test]
    fn entry_points_and_main_directories() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let role = tmp.path();
        touch(&role.join("tasks/main.yml"));
        touch(&role.join("tasks/setup.yaml"));
        touch(&role.join("vars/main/b.yml"));
        touch(&role.join("vars/main/a.yaml"));
        touch(&role.join("vars/main/notes.txt"));
        assert_eq!(
            entry_files(role, "tasks", "main"),
            vec![role.join("tasks/main.yml")]
        );
        assert_eq!(
            entry_files(role, "tasks", "setup"),
            vec![role.join("tasks/setup.yaml")]
        );
        assert_eq!(
            entry_files(role, "tasks", "setup.yaml"),
            vec![role.join("tasks/setup.yaml")]
        );
        assert_eq!(
            entry_files(role, "vars", "main"),
            vec![role.join("vars/main/a.yaml"), role.join("vars/main/b.yml")]
        );
        assert!(entry_files(role, "defaults", "main").is_empty());
    }
}
