//! Reading one role from disk: its defaults, vars, meta (dependencies, `allow_duplicates`), and its
//! task and handler files as written. Placing a role in a play (keywords, variables, dedup) is
//! `play_roles`' work; this part only knows the standard layout.
//!
//! Stable API for the static `roles:`/`import_role` and the dynamic `include_role`:
//! [`load_role`] with a [`RoleSearch`] and [`EntryPoints`].

use super::load::{LoadError, invalid};
use super::raw::RawTask;
use super::role_argspec::{self, ArgumentSpecs};
use super::roles::{RoleSearch, entry_files};
use crate::yaml::{self, Origin, Spanned};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Which file of each directory a role is entered by: `main` unless `tasks_from`, `vars_from`,
/// `defaults_from`, `handlers_from` say otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryPoints {
    pub tasks: String,
    pub vars: String,
    pub defaults: String,
    pub handlers: String,
}

impl Default for EntryPoints {
    fn default() -> Self {
        let main = || "main".to_string();
        EntryPoints {
            tasks: main(),
            vars: main(),
            defaults: main(),
            handlers: main(),
        }
    }
}

impl EntryPoints {
    /// Entry points named `tasks_from`, `vars_from`, `defaults_from`, `handlers_from` in `args`.
    pub fn from_args(args: &Map<String, Value>, origin: &Origin) -> Result<Self, LoadError> {
        let mut from = EntryPoints::default();
        for (key, slot) in [
            ("tasks_from", &mut from.tasks),
            ("vars_from", &mut from.vars),
            ("defaults_from", &mut from.defaults),
            ("handlers_from", &mut from.handlers),
        ] {
            match args.get(key) {
                None => {}
                Some(Value::String(s)) => *slot = s.clone(),
                Some(other) => {
                    return Err(invalid(
                        origin,
                        format!("Expected a string for {key} but got {other} instead"),
                    ));
                }
            }
        }
        Ok(from)
    }

    fn is_main(value: &str) -> bool {
        value == "main"
    }
}

/// A task file of a role, read but not yet checked (that needs the role's place in the play).
#[derive(Debug, Clone)]
pub struct TaskFile {
    pub path: PathBuf,
    pub tasks: Vec<RawTask>,
}

/// One entry of `dependencies:` in `meta/main.yml`, as written (a name, or a mapping with `role`
/// and parameters), with its place.
#[derive(Debug, Clone)]
pub struct Dependency {
    pub spec: Value,
    pub origin: Origin,
}

/// A role as its directory holds it.
#[derive(Debug, Clone)]
pub struct Role {
    /// `role_name`: the name as written, but `web` for the collection role `ns.coll.web` and for a
    /// path found only as a path of its own (`../elsewhere/web`).
    pub name: String,
    /// The name as written (messages, `ansible_role_names` of collection roles).
    pub written: String,
    /// `role_path`: the role's directory.
    pub path: PathBuf,
    pub defaults: Map<String, Value>,
    /// `vars/` of the role.
    pub vars: Map<String, Value>,
    pub tasks: Option<TaskFile>,
    pub handlers: Option<TaskFile>,
    pub dependencies: Vec<Dependency>,
    /// `allow_duplicates: true` in meta: the role runs again when named again with the same params.
    pub allow_duplicates: bool,
    /// `argument_specs` of meta: the role's arguments are validated before it runs.
    pub argument_specs: ArgumentSpecs,
}

impl Role {
    /// The name Ansible shows and lists (`ns.coll.web` for a collection role, else `web`).
    pub fn full_name(&self) -> String {
        let collection = !self.written.contains('/') && self.written.split('.').count() == 3;
        if collection {
            self.written.clone()
        } else {
            self.name.clone()
        }
    }
}

/// The parts of `meta/main.yml` drover acts on; the rest (`galaxy_info`, …) is documentation.
#[derive(Debug, Default, Deserialize)]
struct RawMeta {
    #[serde(default)]
    dependencies: Option<Vec<Spanned<Value>>>,
    #[serde(default)]
    allow_duplicates: Option<Value>,
    #[serde(default)]
    argument_specs: Option<Spanned<Value>>,
}

/// Finds the role `name` and reads its files for the entry points `from`. `origin` is where the role
/// is named (errors about finding it point there).
pub fn load_role(
    search: &RoleSearch,
    name: &str,
    from: &EntryPoints,
    origin: &Origin,
) -> Result<Role, LoadError> {
    let path = search.find(name).map_err(|searched| {
        invalid(
            origin,
            format!(
                "the role '{name}' was not found in {}",
                searched
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(":")
            ),
        )
    })?;
    let meta = read_meta(&path)?;
    // A collection role `ns.coll.web` is `web`; `geerlingguy.nginx` from a roles path keeps its
    // dots, as in Ansible.
    let short = super::roles::collection_role(name).map_or(name, |(_, _, role)| role);
    let short = if search.found_as_own_path(name, &path) {
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(short)
            .to_string()
    } else {
        short.to_string()
    };
    Ok(Role {
        name: short,
        written: name.to_string(),
        defaults: read_vars(&path, "defaults", &from.defaults, origin)?,
        vars: read_vars(&path, "vars", &from.vars, origin)?,
        tasks: read_tasks(&path, "tasks", &from.tasks, origin)?,
        handlers: read_tasks(&path, "handlers", &from.handlers, origin)?,
        dependencies: meta.dependencies,
        allow_duplicates: meta.allow_duplicates,
        argument_specs: meta.argument_specs,
        path,
    })
}

struct Meta {
    dependencies: Vec<Dependency>,
    allow_duplicates: bool,
    argument_specs: ArgumentSpecs,
}

fn read_meta(role: &Path) -> Result<Meta, LoadError> {
    let files = entry_files(role, "meta", "main");
    let Some(file) = files.first() else {
        return Ok(Meta {
            dependencies: Vec::new(),
            allow_duplicates: false,
            argument_specs: role_argspec::read(role, None)?,
        });
    };
    let meta: Option<RawMeta> = yaml::from_file(file)?;
    let meta = meta.unwrap_or_default();
    let argument_specs = role_argspec::read(
        role,
        meta.argument_specs
            .as_ref()
            .map(|specs| (file.as_path(), &specs.value)),
    )?;
    let allow_duplicates = match &meta.allow_duplicates {
        None => false,
        Some(v) => drover_modules::de::bool_from_value(v).ok_or_else(|| {
            invalid(
                &Origin::new(file, 0),
                format!("allow_duplicates must be a boolean, got {v}"),
            )
        })?,
    };
    let dependencies = meta
        .dependencies
        .unwrap_or_default()
        .into_iter()
        .map(|d| Dependency {
            origin: Origin::of(file, &d),
            spec: d.value,
        })
        .collect();
    Ok(Meta {
        dependencies,
        allow_duplicates,
        argument_specs,
    })
}

/// `defaults/` or `vars/` for the entry point `from`: every file merged in name order.
fn read_vars(
    role: &Path,
    sub: &str,
    from: &str,
    origin: &Origin,
) -> Result<Map<String, Value>, LoadError> {
    let files = entry_files(role, sub, from);
    if files.is_empty() && !EntryPoints::is_main(from) {
        return Err(not_found(role, sub, from, origin));
    }
    let mut vars = Map::new();
    for file in files {
        let loaded: Option<Value> = yaml::from_file(&file)?;
        match loaded {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => vars.extend(map),
            Some(other) => {
                return Err(invalid(
                    &Origin::new(&file, 1),
                    format!(
                        "role {sub} must be a mapping of variables, not {}",
                        kind(&other)
                    ),
                ));
            }
        }
    }
    Ok(vars)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "a list",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "nothing",
        Value::Object(_) => "a mapping",
    }
}

fn read_tasks(
    role: &Path,
    sub: &str,
    from: &str,
    origin: &Origin,
) -> Result<Option<TaskFile>, LoadError> {
    let files = entry_files(role, sub, from);
    let Some(path) = files.into_iter().next() else {
        if EntryPoints::is_main(from) {
            return Ok(None);
        }
        return Err(not_found(role, sub, from, origin));
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| invalid(&Origin::new(&path, 0), format!("cannot read: {e}")))?;
    let tasks: Option<Vec<RawTask>> = yaml::from_str(&text, &path)?;
    Ok(Some(TaskFile {
        path,
        tasks: tasks.unwrap_or_default(),
    }))
}

fn not_found(role: &Path, sub: &str, from: &str, origin: &Origin) -> LoadError {
    invalid(
        origin,
        format!(
            "Could not find specified file in role: {sub}/{from} (in {})",
            role.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    }

    fn search(dir: &Path) -> RoleSearch {
        RoleSearch {
            playbook_dir: dir.to_path_buf(),
            roles_path: Vec::new(),
            collections_paths: Vec::new(),
        }
    }

    #[test]
    fn reads_the_standard_layout() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let role = tmp.path().join("roles/web");
        write(&role.join("defaults/main.yml"), "port: 80\nname: web\n");
        write(&role.join("vars/main/a.yml"), "a: 1\n");
        write(&role.join("vars/main/b.yaml"), "a: 2\nb: 2\n");
        write(
            &role.join("tasks/main.yml"),
            "- debug: msg=hi\n- debug: msg=ho\n",
        );
        write(&role.join("tasks/other.yml"), "- debug: msg=other\n");
        write(
            &role.join("handlers/main.yaml"),
            "- name: restart\n  debug: msg=r\n",
        );
        write(
            &role.join("meta/main.yml"),
            "galaxy_info: {author: me}\nallow_duplicates: yes\ndependencies:\n  - common\n  - role: db\n    port: 5432\n",
        );
        let at = Origin::new(&tmp.path().join("site.yml"), 3);
        let loaded = load_role(&search(tmp.path()), "web", &EntryPoints::default(), &at)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.name, "web");
        assert_eq!(loaded.path, role);
        assert_eq!(loaded.defaults["port"], 80);
        assert_eq!(
            loaded.vars["a"], 2,
            "files of vars/main/ merge in name order"
        );
        assert_eq!(loaded.vars["b"], 2);
        assert_eq!(loaded.tasks.as_ref().map(|t| t.tasks.len()), Some(2));
        assert_eq!(loaded.handlers.as_ref().map(|t| t.tasks.len()), Some(1));
        assert!(loaded.allow_duplicates);
        assert_eq!(loaded.dependencies.len(), 2);
        assert_eq!(loaded.dependencies[0].spec, "common");
        assert_eq!(loaded.dependencies[1].origin.line, 5);

        let from = EntryPoints {
            tasks: "other".into(),
            ..EntryPoints::default()
        };
        let other =
            load_role(&search(tmp.path()), "web", &from, &at).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            other.tasks.map(|t| t.path),
            Some(role.join("tasks/other.yml"))
        );
    }

    #[test]
    fn missing_roles_and_entry_points_name_the_place() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        write(&tmp.path().join("roles/web/tasks/main.yml"), "[]\n");
        let at = Origin::new(&tmp.path().join("site.yml"), 7);
        let err = load_role(&search(tmp.path()), "nope", &EntryPoints::default(), &at)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("site.yml:7: the role 'nope' was not found in"),
            "{err}"
        );
        let from = EntryPoints {
            vars: "prod".into(),
            ..EntryPoints::default()
        };
        let err = load_role(&search(tmp.path()), "web", &from, &at)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("site.yml:7: Could not find specified file in role: vars/prod"),
            "{err}"
        );
    }

    #[test]
    fn argument_specs_are_read_from_their_own_file_before_meta_main() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        write(
            &tmp.path().join("roles/web/meta/main.yml"),
            "argument_specs:\n  main:\n    options: {a: {}}\n",
        );
        let at = Origin::new(&tmp.path().join("site.yml"), 7);
        let load = || load_role(&search(tmp.path()), "web", &EntryPoints::default(), &at);
        let role = load().unwrap_or_else(|e| panic!("{e}"));
        assert!(role.argument_specs.entry_points.contains_key("main"));
        write(
            &tmp.path().join("roles/web/meta/argument_specs.yml"),
            "argument_specs:\n  other: {options: {}}\n",
        );
        let role = load().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            role.argument_specs
                .file
                .ends_with("meta/argument_specs.yml")
        );
        assert_eq!(
            role.argument_specs.entry_points.keys().collect::<Vec<_>>(),
            ["other"]
        );
    }
}
