//! `include_vars` on the controller, as Ansible's action plugin does it: one file (looked for in
//! `vars/` beside the task's file and then as named there, then the same in the playbook's
//! directory) or every file of a `dir` (beside the task's file; `depth`, `files_matching`,
//! `ignore_files`, `extensions`, `ignore_unknown_extensions`), merged in name order, optionally under
//! `name`. Vault-encrypted files are decrypted; their values are never shown.

use super::RunContext;
use super::result::{Status, TaskResult};
use crate::playbook::Task;
use crate::playbook::include::{find_file, search_dirs};
use crate::playbook::include_vars_params;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

const ACTION: &str = "include_vars";
const DEFAULT_EXTENSIONS: [&str; 3] = ["json", "yaml", "yml"];

/// What `include_vars` read on the controller.
pub struct Included {
    pub result: TaskResult,
    /// A file was vault-encrypted: the result must not be shown.
    pub secret: bool,
}

/// Runs `include_vars` with its rendered `args`; the result's `ansible_facts` are the variables.
pub fn run(
    ctx: &RunContext<'_>,
    task: &Task,
    args: Map<String, Value>,
    existing: &Map<String, Value>,
) -> Included {
    if names_no_file(&args) {
        return failed(
            "Could not find file on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option".into(),
            false,
        );
    }
    let params = match include_vars_params(Value::Object(args)) {
        Ok(params) => params,
        Err(msg) => return failed(msg, false),
    };
    let mut reader = Reader::default();
    let outcome = match (
        &params.dir,
        params.file.as_ref().or(params.raw_params.as_ref()),
    ) {
        (Some(dir), _) => {
            let filters = match Filters::new(
                params.files_matching.as_deref(),
                params.ignore_files.as_ref(),
                params.extensions.clone(),
                params.ignore_unknown_extensions.unwrap_or(false),
            ) {
                Ok(filters) => filters,
                Err(msg) => return failed(msg, false),
            };
            let root = beside_task(task, dir);
            reader.dir(&root, params.depth.unwrap_or(0), &filters)
        }
        // A folded `include_vars: >` line ends in a newline Ansible strips.
        (None, Some(file)) => match find_vars_file(ctx, task, file.trim_end_matches('\n')) {
            Ok(path) => reader.file(&path),
            Err(msg) => Err(msg),
        },
        (None, None) => Err("no file or dir specified".into()),
    };
    if let Err(msg) = outcome {
        return failed(msg, reader.secret);
    }
    let facts = match params.name {
        Some(name) => Map::from_iter([(name, Value::Object(reader.vars))]),
        None => reader.vars,
    };
    let facts = if params.hash_behaviour.as_deref() == Some("merge") {
        merged_into(existing, facts)
    } else {
        facts
    };
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(false));
    result.insert("ansible_facts".into(), Value::Object(facts));
    result.insert(
        "ansible_included_var_files".into(),
        Value::from(
            reader
                .files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>(),
        ),
    );
    Included {
        result: TaskResult::new(Status::Ok, result, ACTION),
        secret: reader.secret,
    }
}

/// `file:` given but null (a `first_found` with `errors='ignore'` that found nothing), with
/// nothing else to read: Ansible looks for a file named by nothing, and does not find it.
fn names_no_file(args: &Map<String, Value>) -> bool {
    let null_or_absent = |k: &str| args.get(k).is_none_or(Value::is_null);
    args.get("file").is_some_and(Value::is_null)
        && null_or_absent("_raw_params")
        && null_or_absent("dir")
}

/// `hash_behaviour: merge`: each variable read, merged recursively into the host's variable of the
/// same name (Ansible's `combine_vars(existing, results, merge=True)`).
fn merged_into(existing: &Map<String, Value>, read: Map<String, Value>) -> Map<String, Value> {
    let before: Map<String, Value> = read
        .keys()
        .filter_map(|k| Some((k.clone(), existing.get(k)?.clone())))
        .collect();
    match crate::template::merge_hash(Value::Object(before), read.clone(), true, "replace") {
        Ok(Value::Object(merged)) => merged,
        // "replace" is a valid list mode and both sides are mappings: nothing else can come back.
        _ => read,
    }
}

/// Ansible's include_vars fails with `message` (not `msg`), which playbooks test; drover sets both
/// (its `msg` is what the failure shows).
fn failed(msg: String, secret: bool) -> Included {
    let mut result = TaskResult::failed(msg.clone(), ACTION);
    result.result.insert("message".into(), Value::String(msg));
    result.result.insert(
        "ansible_included_var_files".into(),
        Value::Array(Vec::new()),
    );
    Included { result, secret }
}

/// A `dir` is relative to the directory of the task's file, or in a role to the role's `vars/`
/// (`vars/x` and absolute dirs as they are), as Ansible's `_set_root_dir` has it.
fn beside_task(task: &Task, dir: &str) -> PathBuf {
    if let Some(role) = &task.role {
        let as_written = role.path.join(dir);
        return if dir.split('/').next() == Some("vars") {
            if as_written.exists() {
                as_written
            } else {
                PathBuf::from(dir)
            }
        } else {
            role.path.join("vars").join(dir)
        };
    }
    match task.origin.file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(dir),
        _ => PathBuf::from(dir),
    }
}

/// A file: `vars/NAME` then `NAME`, in the task's role directory (as Ansible's search path starts
/// there), beside the task's file and then in the playbook's directory.
fn find_vars_file(ctx: &RunContext<'_>, task: &Task, name: &str) -> Result<PathBuf, String> {
    let mut dirs = Vec::new();
    let role_dir = task.role.as_ref().map(|role| role.path.clone());
    for dir in role_dir
        .into_iter()
        .chain(search_dirs(&task.origin.file, ctx.playbook_dir))
    {
        dirs.push(dir.join("vars"));
        dirs.push(dir);
    }
    find_file(name, &dirs).map_err(|tried| {
        let tried: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
        format!(
            "Could not find or access '{name}'\nSearched in:\n\t{} on the controller.",
            tried.join("\n\t")
        )
    })
}

/// Which files of a `dir` are read.
struct Filters {
    matching: Option<regex::Regex>,
    ignore: Vec<regex::Regex>,
    extensions: Vec<String>,
    ignore_unknown_extensions: bool,
}

impl Filters {
    fn new(
        matching: Option<&str>,
        ignore: Option<&Value>,
        extensions: Option<Vec<String>>,
        ignore_unknown_extensions: bool,
    ) -> Result<Filters, String> {
        let regex = |p: &str| {
            regex::Regex::new(p).map_err(|e| format!("Invalid regular expression: {p}: {e}"))
        };
        let ignore_list: Vec<String> = match ignore {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| i.to_string())
                })
                .collect(),
            Some(other) => return Err(format!("ignore_files must be a list, not {other}")),
        };
        Ok(Filters {
            matching: matching.map(regex).transpose()?,
            // Ansible anchors each pattern at the end of the name (`re.search(p + '$')`).
            ignore: ignore_list
                .iter()
                .map(|p| regex(&format!("(?:{p})$")))
                .collect::<Result<_, _>>()?,
            extensions: extensions.unwrap_or_else(|| DEFAULT_EXTENSIONS.map(String::from).to_vec()),
            ignore_unknown_extensions,
        })
    }

    /// A name without extension has the extension `""` (Python's `splitext`), which
    /// `extensions: ['']` accepts.
    fn has_valid_extension(&self, name: &str) -> bool {
        let extension = Path::new(name).extension().map_or(Some(""), |e| e.to_str());
        extension.is_some_and(|e| self.extensions.iter().any(|x| x == e))
    }

    /// Whether a file of the directory is read; an unknown extension is an error unless ignored.
    fn wants(&self, name: &str) -> Result<bool, String> {
        if self.matching.as_ref().is_some_and(|m| !m.is_match(name)) {
            return Ok(false);
        }
        if self.ignore.iter().any(|i| i.is_match(name)) {
            return Ok(false);
        }
        if self.has_valid_extension(name) {
            return Ok(true);
        }
        if self.ignore_unknown_extensions {
            return Ok(false);
        }
        Err(format!(
            "{name} does not have a valid extension: {}",
            self.extensions.join(", ")
        ))
    }
}

/// The variables read so far, from which files.
#[derive(Default)]
struct Reader {
    vars: Map<String, Value>,
    files: Vec<PathBuf>,
    secret: bool,
}

impl Reader {
    fn file(&mut self, path: &Path) -> Result<(), String> {
        if let Ok(bytes) = std::fs::read(path) {
            self.secret |= crate::vault::is_vault(&bytes);
        }
        let loaded: Option<Value> = crate::yaml::from_file(path).map_err(|e| e.to_string())?;
        match loaded {
            None => {}
            Some(Value::Object(vars)) => self.vars.extend(vars),
            Some(_) => {
                return Err(format!(
                    "{} must be stored as a dictionary/hash",
                    path.display()
                ));
            }
        }
        self.files.push(path.to_path_buf());
        Ok(())
    }

    /// Every wanted file under `root`, directories in path order and files by name in each, down
    /// to `depth` levels (1: the directory itself; 0: all).
    fn dir(&mut self, root: &Path, depth: u32, filters: &Filters) -> Result<(), String> {
        if !root.exists() {
            return Err(format!("{} directory does not exist", root.display()));
        }
        if !root.is_dir() {
            return Err(format!("{} is not a directory", root.display()));
        }
        let mut dirs = vec![(root.to_path_buf(), 1u32)];
        collect_dirs(root, 1, depth, &mut dirs);
        // Ansible sorts the walked directories by their path string.
        dirs.sort_by_key(|(dir, _)| dir.to_string_lossy().into_owned());
        for (dir, _) in dirs {
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().to_str().map(String::from))
                .collect();
            names.sort();
            for name in names {
                if filters.wants(&name)? {
                    self.file(&dir.join(&name))?;
                }
            }
        }
        Ok(())
    }
}

fn collect_dirs(dir: &Path, level: u32, depth: u32, out: &mut Vec<(PathBuf, u32)>) {
    if depth != 0 && level >= depth {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.is_dir() {
            out.push((path.clone(), level + 1));
            collect_dirs(&path, level + 1, depth, out);
        }
    }
}
