//! Where a relative file a task names is looked for (`copy src=`, `template src=`, `lookup('file')`,
//! `lookup('template')`): ansible-core's `path_dwim_relative_stack`, the one place drover decides it.
//!
//! A task's search path (`ansible_search_path`) is its role's directory, the directories of the roles
//! that pulled that role in (nearest first), then the directory of the task's own file. Each entry is
//! tried with the kind's subdirectory (`files`, `templates`) then bare; the playbook directory comes
//! last, the same way.

use super::Vars;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The variable holding a task's search path (a list of directories), as in Ansible.
pub const SEARCH_PATH_VAR: &str = "ansible_search_path";

/// The search path in a task's variables; without one (a task of the playbook itself) the
/// playbook's directory.
pub fn search_path(vars: &Vars, playbook_dir: &Path) -> Vec<PathBuf> {
    from_value(vars.get(SEARCH_PATH_VAR), playbook_dir)
}

/// The search path from the value of `ansible_search_path` (the one reader of that variable).
pub fn from_value(value: Option<&Value>, playbook_dir: &Path) -> Vec<PathBuf> {
    match value {
        Some(Value::Array(dirs)) => dirs
            .iter()
            .filter_map(Value::as_str)
            .map(PathBuf::from)
            .collect(),
        _ => vec![playbook_dir.to_path_buf()],
    }
}

/// Every place `source` may be, in the order tried; an absolute `source` is itself.
pub fn candidates(
    search_path: &[PathBuf],
    playbook_dir: &Path,
    sub: &str,
    source: &str,
) -> Vec<PathBuf> {
    let wanted = Path::new(source);
    if wanted.is_absolute() {
        return vec![wanted.to_path_buf()];
    }
    // Ansible does not add `files/` again when the source already starts with it.
    let names_sub = source.split('/').next() == Some(sub);
    let mut found = Vec::new();
    for dir in search_path
        .iter()
        .map(PathBuf::as_path)
        .chain([playbook_dir])
    {
        // A task file in `tasks/` of a role also finds the role's `files/`.
        if let Some(parent) = dir.parent()
            && parent.ends_with("tasks")
            && let Some(role) = parent.parent()
        {
            found.push(role.join(sub).join(wanted));
            found.push(parent.join(wanted));
        }
        if !names_sub {
            found.push(dir.join(sub).join(wanted));
        }
        found.push(dir.join(wanted));
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|p| seen.insert(p.clone()));
    found
}

/// The first candidate that exists, or the list searched (for the error message).
pub fn find(
    search_path: &[PathBuf],
    playbook_dir: &Path,
    sub: &str,
    source: &str,
) -> Result<PathBuf, Vec<PathBuf>> {
    let all = candidates(search_path, playbook_dir, sub, source);
    all.iter().find(|p| p.exists()).cloned().ok_or(all)
}

/// Where `{% include %}` and `{% import %}` of a template file look: each directory of the search
/// path and the playbook's, with `templates/` then bare, then the template's own directory.
pub fn template_dirs(
    search_path: &[PathBuf],
    playbook_dir: &Path,
    template: &Path,
) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let own = template.parent().map(Path::to_path_buf);
    for dir in search_path
        .iter()
        .map(PathBuf::as_path)
        .chain([playbook_dir])
        .chain(own.as_deref())
    {
        dirs.push(dir.join("templates"));
        dirs.push(dir.to_path_buf());
    }
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|p| seen.insert(p.clone()));
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_task_looks_in_its_role_then_the_roles_above_then_the_playbook() {
        let play = Path::new("/p");
        let search = [
            PathBuf::from("/p/roles/app"),
            PathBuf::from("/p/roles/base"),
            PathBuf::from("/p/roles/app/tasks"),
        ];
        let found = candidates(&search, play, "files", "a.conf");
        let shown: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            shown,
            [
                "/p/roles/app/files/a.conf",
                "/p/roles/app/a.conf",
                "/p/roles/base/files/a.conf",
                "/p/roles/base/a.conf",
                "/p/roles/app/tasks/files/a.conf",
                "/p/roles/app/tasks/a.conf",
                "/p/files/a.conf",
                "/p/a.conf",
            ]
        );
    }

    #[test]
    fn playbook_tasks_keep_files_then_the_playbook_dir_and_absolute_paths_stay() {
        let play = Path::new("/p");
        let found = candidates(&[play.to_path_buf()], play, "templates", "t.j2");
        assert_eq!(found, [play.join("templates/t.j2"), play.join("t.j2")]);
        let found = candidates(&[play.to_path_buf()], play, "files", "files/x");
        assert_eq!(found, [play.join("files/x")]);
        assert_eq!(
            candidates(&[], play, "files", "/etc/x"),
            [PathBuf::from("/etc/x")]
        );
    }
}
