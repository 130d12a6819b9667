//! Task files and playbooks brought in by other files.
//!
//! - `import_tasks` is static: the file is read when the playbook is loaded and becomes a block whose
//!   tasks inherit the import's keywords (`when`, `tags`, `vars`, `become`, …), as Ansible does.
//! - `include_tasks` is dynamic: the runner reads the file per host at run time ([`Include::load`]).
//!   Its own `when`/`loop`/`tags` decide whether and how often the file is included; the included
//!   tasks inherit the enclosing blocks' keywords and `apply:`, not the include's own.
//! - `import_playbook` is static: its plays join the playbook, with the import's `when`, `tags` and
//!   `vars`.
//!
//! A relative file name is looked for beside the file that names it, then in the playbook's
//! directory (Ansible's order outside roles).

use super::engine::{self, IncludeTasksParams};
use super::keywords::BLOCK_KEYWORDS;
use super::load::{Inherited, Problems, invalid, load_handlers, load_nodes, unsupported};
pub use super::play_roles::{IncludedRole, RoleRequest};
use super::raw::{BLOCK_LISTS, RawMap, RawPlay, RawTask};
use super::roles::RoleSearch;
use super::tree::{self, Block};
use super::{Node, Play, TagSelection, Task};
use crate::yaml::{self, Origin, Spanned};
use drover_modules::suggest::did_you_mean;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Keys an `import_tasks` may carry besides the file: the keywords every imported task
/// inherits.
const INHERITED_KEYWORDS: &[&str] = &[
    "name",
    "when",
    "tags",
    "vars",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "become_exe",
    "ignore_errors",
    "no_log",
    "check_mode",
    "diff",
    "timeout",
    "environment",
    "remote_user",
    "port",
    "notify",
    "run_once",
    "delegate_to",
    "delegate_facts",
    "any_errors_fatal",
    "ignore_unreachable",
    "throttle",
    "connection",
];

/// Keys an `import_playbook` entry may carry.
const IMPORT_PLAYBOOK_KEYWORDS: &[&str] = &["name", "vars", "when", "tags"];

/// An `include_tasks` as loaded: what its tasks will inherit when the runner includes the file.
#[derive(Debug, Clone)]
pub struct Include {
    inherited: Inherited,
    handlers: bool,
    /// `--tags`/`--skip-tags`: included tasks are selected like the play's ([`Play::select_tags`]).
    selection: TagSelection,
    /// The play's variables its templated tags are rendered with ([`Play::render_tags`]).
    tag_vars: Arc<Map<String, Value>>,
    /// `include_role`: where its roles are found (`None` for `include_tasks`).
    roles: Option<Arc<RoleSearch>>,
    /// What an unnamed include shows (`include_role : ROLE`).
    pub title: Option<String>,
}

impl Include {
    /// Is this include a handler (its tasks shown and run as handlers)?
    pub fn is_handler(&self) -> bool {
        self.handlers
    }

    /// The tasks of `file` for one include (one loop item): `vars` are the include's variables
    /// (its `vars:` and the loop variable), seen by every included task.
    pub fn load(&self, file: &Path, vars: &Map<String, Value>) -> Result<Vec<Node>, LoadError> {
        let raw = read_task_file(file, &Origin::new(file, 0))?;
        let mut inherited = self.inherited.clone();
        inherited.vars.extend(vars.clone());
        inherited.imports.push(file.to_path_buf());
        let mut problems = Problems::default();
        let nodes = load_nodes(file, &raw, self.handlers, &inherited, &mut problems);
        let nodes = problems.finish(nodes)?;
        self.selected(nodes, vars)
    }

    /// An `include_role` whose role's tasks inherit `inherited`.
    pub(super) fn for_role(inherited: Inherited, search: RoleSearch, title: String) -> Include {
        Include {
            inherited,
            handlers: false,
            selection: TagSelection::default(),
            tag_vars: Arc::default(),
            roles: Some(Arc::new(search)),
            title: Some(title),
        }
    }

    /// Is this an `include_role` (else an `include_tasks`)?
    pub fn is_role(&self) -> bool {
        self.roles.is_some()
    }

    /// The role `request` names, for one include (one loop item) at `origin`: `vars` are the
    /// include's variables (its `vars:` and the loop variable), seen by every task of the role.
    pub fn load_role(
        &self,
        request: &RoleRequest,
        origin: &Origin,
        vars: &Map<String, Value>,
    ) -> Result<IncludedRole, LoadError> {
        let search = self.roles.as_deref().cloned().unwrap_or_default();
        let mut inherited = self.inherited.clone();
        inherited.vars.extend(vars.clone());
        let mut role =
            super::play_roles::include_role(&search, request, &origin.file, origin, &inherited)?;
        role.nodes = self.selected(std::mem::take(&mut role.nodes), vars)?;
        Ok(role)
    }

    /// The included tasks `--tags`/`--skip-tags` select, their templated tags rendered with the
    /// play's variables and the include's `vars`.
    fn selected(
        &self,
        nodes: Vec<Node>,
        vars: &Map<String, Value>,
    ) -> Result<Vec<Node>, LoadError> {
        let mut scope = self.tag_vars.as_ref().clone();
        scope.extend(vars.clone());
        let templar = crate::template::Templar::new();
        let failed: std::cell::RefCell<Option<LoadError>> = Default::default();
        let render = |task: &Arc<Task>| {
            if !task.tags.iter().any(|t| super::tags::is_templated(t)) {
                return Arc::clone(task);
            }
            let mut task = Task::clone(task);
            match super::tags::render(&task.tags, &templar, &scope) {
                Ok(rendered) => task.tags = rendered,
                Err(e) => {
                    failed
                        .borrow_mut()
                        .get_or_insert_with(|| invalid(&task.origin, format!("`tags`: {e}")));
                }
            }
            Arc::new(task)
        };
        let nodes = tree::map_tasks(&nodes, &render);
        if let Some(e) = failed.into_inner() {
            return Err(e);
        }
        let selection = &self.selection;
        Ok(tree::retain(nodes, &|task: &Task| {
            selection.runs(&task.tags)
        }))
    }

    pub(super) fn with_selection(&self, selection: &TagSelection) -> Include {
        Include {
            selection: selection.clone(),
            ..self.clone()
        }
    }

    pub(super) fn with_tag_vars(&self, vars: &Arc<Map<String, Value>>) -> Include {
        Include {
            tag_vars: Arc::clone(vars),
            ..self.clone()
        }
    }
}

pub use super::load::LoadError;

/// Where a relative task or vars file named in `from` is looked for: beside `from`, then in the
/// playbook's directory.
pub fn search_dirs(from: &Path, playbook_dir: &Path) -> Vec<PathBuf> {
    // An empty directory is the working directory; joined paths then read as written (`a.yml`).
    let beside = from.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut dirs = vec![beside];
    if !dirs.iter().any(|d| same_dir(d, playbook_dir)) {
        dirs.push(playbook_dir.to_path_buf());
    }
    dirs
}

/// The first existing `name` in `dirs` (an absolute name is taken as it is), or every path tried.
pub fn find_file(name: &str, dirs: &[PathBuf]) -> Result<PathBuf, Vec<PathBuf>> {
    let path = Path::new(name);
    if path.is_absolute() {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(vec![path.to_path_buf()])
        };
    }
    let tried: Vec<PathBuf> = dirs.iter().map(|d| d.join(path)).collect();
    tried.iter().find(|p| p.is_file()).cloned().ok_or(tried)
}

fn not_found(name: &str, tried: &[PathBuf]) -> String {
    let tried: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    format!(
        "Could not find or access '{name}' on the controller (searched {})",
        tried.join(", ")
    )
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let dot = |p: &Path| {
        if p.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            p.to_path_buf()
        }
    };
    same_file(&dot(a), &dot(b))
}

fn same_file(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    canonical(a) == canonical(b)
}

/// `a.yml -> b.yml -> a.yml`, for a recursion error.
fn chain_text(chain: &[PathBuf], again: &Path) -> String {
    chain
        .iter()
        .map(|p| p.display().to_string())
        .chain(std::iter::once(again.display().to_string()))
        .collect::<Vec<_>>()
        .join(" -> ")
}

fn read_task_file(path: &Path, origin: &Origin) -> Result<Vec<RawTask>, LoadError> {
    if !path.is_file() {
        return Err(invalid(
            origin,
            format!("Could not find or access '{}'", path.display()),
        ));
    }
    let tasks: Option<Vec<RawTask>> = yaml::from_file(path)?;
    Ok(tasks.unwrap_or_default())
}

/// The file an import or include names: free form, `file=…`, or `file:`.
fn target_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => {
            let s = s.trim();
            Some(s.strip_prefix("file=").unwrap_or(s).to_string())
        }
        Value::Object(map) => map
            .get("file")
            .or_else(|| map.get("_raw_params"))
            .and_then(Value::as_str)
            .map(String::from),
        _ => None,
    }
}

fn is_templated(name: &str) -> bool {
    name.contains("{{") || name.contains("{%")
}

/// Checks the keys beside an import's file name; a loop is Ansible's own error.
fn check_import_keys(file: &Path, raw: &RawTask, action: &str, problems: &mut Problems) {
    for (key, _) in raw.value.iter() {
        let name = key.value.as_str();
        if name == action || INHERITED_KEYWORDS.contains(&name) {
            continue;
        }
        let at = Origin::of(file, key);
        if name == "loop" || name.starts_with("with_") {
            problems.add(invalid(
                &at,
                "You cannot use loops on 'import_tasks' statements. You should use 'include_tasks' instead.",
            ));
        } else {
            problems.add(invalid(
                &at,
                format!(
                    "`{name}` is not a valid attribute for import_tasks{}",
                    did_you_mean(name, INHERITED_KEYWORDS.iter().copied())
                ),
            ));
        }
    }
}

/// An `import_tasks` entry read: the file's tasks and what they inherit.
fn imported(
    file: &Path,
    raw: &RawTask,
    inherited: &Inherited,
    problems: &mut Problems,
) -> Option<(PathBuf, Vec<RawTask>, Inherited)> {
    let (action, value) = raw
        .value
        .iter()
        .find(|(k, _)| engine::is_import_tasks(&k.value))?;
    check_import_keys(file, raw, &action.value, problems);
    let at = Origin::of(file, value);
    let Some(name) = target_of(&value.value) else {
        problems.add(invalid(&at, "import_tasks needs a file name"));
        return None;
    };
    let name = if is_templated(&name) {
        problems.take(rendered_import_name(&name, inherited, problems, &at))?
    } else {
        name
    };
    let path = match find_file(&name, &search_dirs(file, &inherited.play_dir)) {
        Ok(path) => path,
        Err(tried) => {
            problems.add(invalid(&at, not_found(&name, &tried)));
            return None;
        }
    };
    if inherited.imports.iter().any(|p| same_file(p, &path)) {
        problems.add(invalid(
            &at,
            format!(
                "import_tasks recursion: {}",
                chain_text(&inherited.imports, &path)
            ),
        ));
        return None;
    }
    let tasks = problems.take(read_task_file(&path, &at))?;
    let origin = Origin::of(file, raw);
    let mut inside = inherited.with(file, &raw.value, &origin, problems);
    inside.imports.push(path.clone());
    Some((path, tasks, inside))
}

/// A templated `import_tasks` name, rendered as Ansible renders it when loading: no host is known
/// yet, so only the enclosing role's defaults, the play's vars, the role's vars, the enclosing
/// blocks' and imports' vars, the role's params, then the import_playbook vars and the extra vars
/// (with `role_path`, `role_name` and `playbook_dir`).
fn rendered_import_name(
    name: &str,
    inherited: &Inherited,
    problems: &Problems,
    at: &Origin,
) -> Result<String, LoadError> {
    let role = inherited.role.as_deref();
    let mut vars = role.map(|r| r.defaults.clone()).unwrap_or_default();
    vars.extend(problems.roles.play_vars().clone());
    if let Some(role) = role {
        vars.extend(role.vars.clone());
    }
    vars.extend(inherited.vars.clone());
    if let Some(role) = role {
        vars.extend(role.params.clone());
        vars.insert("role_name".into(), Value::from(role.name.as_str()));
        vars.insert(
            "role_path".into(),
            Value::from(role.path.display().to_string()),
        );
    }
    vars.extend(problems.roles.over_play_vars.clone());
    vars.insert(
        "playbook_dir".into(),
        Value::from(
            std::path::absolute(&inherited.play_dir)
                .unwrap_or_default()
                .display()
                .to_string(),
        ),
    );
    let templar = crate::template::Templar::new();
    templar.resolve_vars(&mut vars);
    match templar.render_str(name, &vars) {
        Ok(Value::String(rendered)) => Ok(rendered),
        Ok(other) => Err(invalid(
            at,
            format!("an import_tasks file name must be a string, not {other}"),
        )),
        Err(e) => Err(invalid(
            at,
            format!(
                "import_tasks {name}: {e} (an import is read when the playbook is loaded: only \
                 the play's and its roles' variables and the extra vars are known; use \
                 include_tasks for host variables)"
            ),
        )),
    }
}

/// Is this task list entry an `import_tasks`?
pub(super) fn is_import(raw: &RawTask) -> bool {
    raw.value
        .iter()
        .any(|(k, _)| engine::is_import_tasks(&k.value))
}

/// `import_tasks` in a task list: the file's tasks as a block carrying the import's keywords.
pub(super) fn import_tasks(
    file: &Path,
    raw: &RawTask,
    handlers: bool,
    inherited: &Inherited,
    problems: &mut Problems,
) -> Option<Node> {
    let (path, tasks, inside) = imported(file, raw, inherited, problems)?;
    let block = load_nodes(&path, &tasks, handlers, &inside, problems);
    Some(tree::Node::Block(Arc::new(Block {
        block,
        rescue: Vec::new(),
        always: Vec::new(),
    })))
}

/// `import_tasks` among handlers: the file's handlers join the list.
pub(super) fn import_handlers(
    file: &Path,
    raw: &RawTask,
    inherited: &Inherited,
    problems: &mut Problems,
) -> Vec<Task> {
    match imported(file, raw, inherited, problems) {
        Some((path, tasks, inside)) => load_handlers(&path, &tasks, &inside, problems),
        None => Vec::new(),
    }
}

/// Makes a loaded `include_tasks` task an include: what its tasks inherit (the enclosing keywords
/// and `apply:`), and — when the file is named without a template — the file checked now, so what
/// drover does not support in it is reported before any host is touched.
pub(super) fn attach_include(
    file: &Path,
    task: &mut Task,
    handlers: bool,
    inherited: &Inherited,
    problems: &mut Problems,
) {
    let inside = with_apply(file, task, inherited, "include_tasks", problems)
        .unwrap_or_else(|| inherited.clone());
    let params: Option<IncludeTasksParams> =
        serde_json::from_value(Value::Object(task.args.clone())).ok();
    if let Some(name) = params.as_ref().and_then(|p| p.target())
        && !is_templated(name)
        && let Ok(path) = find_file(name, &search_dirs(file, &inside.play_dir))
        && !inside.imports.iter().any(|p| same_file(p, &path))
    {
        check_included(&path, &inside, task.vars.clone(), problems);
    }
    task.include = Some(Arc::new(Include {
        inherited: inside,
        handlers,
        selection: TagSelection::default(),
        tag_vars: Arc::default(),
        roles: None,
        title: None,
    }));
}

/// What an include's tasks inherit: the enclosing keywords with its `apply:` (taken out of the
/// task's arguments); `None` when `apply` is not a mapping (a problem added).
pub(super) fn with_apply(
    file: &Path,
    task: &mut Task,
    inherited: &Inherited,
    action: &str,
    problems: &mut Problems,
) -> Option<Inherited> {
    match task.args.remove("apply") {
        None => Some(inherited.clone()),
        Some(Value::Object(keys)) => {
            let raw = keywords_map(keys);
            check_apply_keys(&raw, &task.origin, action, problems);
            Some(inherited.with(file, &raw, &task.origin, problems))
        }
        Some(other) => {
            problems.add(invalid(
                &task.origin,
                format!("`apply` must be a mapping of task keywords, not {other}"),
            ));
            None
        }
    }
}

/// Loads an include's file once at load time for what drover does not support yet (the runner
/// loads it again per host). Its other problems are left to the run, as Ansible leaves them: an
/// include that never runs (a failed host, a false `when`) never reads its file.
fn check_included(
    path: &Path,
    inherited: &Inherited,
    vars: Map<String, Value>,
    problems: &mut Problems,
) {
    let mark = problems.mark();
    let origin = Origin::new(path, 0);
    if let Some(raw) = problems.take(read_task_file(path, &origin)) {
        let mut inside = inherited.clone();
        inside.vars.extend(vars);
        inside.imports.push(path.to_path_buf());
        load_nodes(path, &raw, false, &inside, problems);
    }
    problems.keep_gaps_since(mark);
}

fn keywords_map(keys: Map<String, Value>) -> RawMap {
    let unknown = serde_saphyr::Location::UNKNOWN;
    RawMap::from_entries(
        keys.into_iter()
            .map(|(k, v)| {
                (
                    Spanned::new(k, unknown, unknown),
                    Spanned::new(v, unknown, unknown),
                )
            })
            .collect(),
    )
}

/// `apply` takes what a block takes (Ansible applies it as a block around the included tasks).
fn check_apply_keys(raw: &RawMap, origin: &Origin, action: &str, problems: &mut Problems) {
    for (key, _) in raw.iter() {
        let name = key.value.as_str();
        if !BLOCK_KEYWORDS.contains(&name) || BLOCK_LISTS.contains(&name) {
            problems.add(unsupported(
                origin.clone(),
                format!("`{name}` in {action} `apply`"),
            ));
        }
    }
}

/// Is this playbook entry an `import_playbook`?
pub(super) fn is_playbook_import(raw: &Spanned<RawPlay>) -> bool {
    raw.value
        .keywords
        .iter()
        .any(|(k, _)| engine::is_import_playbook(&k.value))
}

/// `import_playbook`: the plays of the named playbook (relative to the importing one's directory),
/// each with the import's `vars` (over the play's own), `tags`, and `when` on every task and the
/// fact gathering, as Ansible does.
pub(super) fn import_playbook(
    file: &Path,
    raw: &Spanned<RawPlay>,
    chain: &[PathBuf],
    roles_path: Option<&[PathBuf]>,
    over: &Map<String, Value>,
    problems: &mut Problems,
) -> Vec<Play> {
    let keys = &raw.value.keywords;
    let Some((action, value)) = keys
        .iter()
        .find(|(k, _)| engine::is_import_playbook(&k.value))
    else {
        return Vec::new();
    };
    let at = Origin::of(file, value);
    for (key, _) in keys.iter() {
        let name = key.value.as_str();
        if name != action.value && !IMPORT_PLAYBOOK_KEYWORDS.contains(&name) {
            problems.add(invalid(
                &Origin::of(file, key),
                format!("`{name}` is not a valid attribute for import_playbook"),
            ));
        }
    }
    if let Some((key, _)) = raw.value.lists.first() {
        problems.add(invalid(
            &Origin::of(file, key),
            format!(
                "`{}` is not a valid attribute for import_playbook",
                key.value
            ),
        ));
    }
    let vars = match keys.value("vars") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(vars)) => vars.clone(),
        Some(other) => {
            problems.add(invalid(
                &at,
                format!("`vars` must be a mapping, not {other}"),
            ));
            return Vec::new();
        }
    };
    let Some(name) = value.value.as_str().map(str::trim) else {
        problems.add(invalid(&at, "import_playbook needs a playbook file name"));
        return Vec::new();
    };
    let mut name_vars = vars.clone();
    name_vars.extend(over.clone());
    let name = match render_name(name, &name_vars) {
        Ok(name) => name,
        Err(msg) => {
            problems.add(invalid(&at, msg));
            return Vec::new();
        }
    };
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let path = base.join(&name);
    if chain.iter().any(|p| same_file(p, &path)) || same_file(file, &path) {
        let mut all = chain.to_vec();
        all.push(file.to_path_buf());
        problems.add(invalid(
            &at,
            format!("import_playbook recursion: {}", chain_text(&all, &path)),
        ));
        return Vec::new();
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            problems.add(invalid(
                &at,
                format!("cannot read playbook '{}': {e}", path.display()),
            ));
            return Vec::new();
        }
    };
    let mut inner_chain = chain.to_vec();
    inner_chain.push(file.to_path_buf());
    // The import's vars end up over each imported play's own; the outer ones over them.
    let mut inner_over = vars.clone();
    inner_over.extend(over.clone());
    let Some(playbook) = problems.take(super::load::parse_playbook_from(
        &text,
        &path,
        &inner_chain,
        roles_path,
        &inner_over,
    )) else {
        return Vec::new();
    };
    let origin = Origin::of(file, raw);
    let when = super::load::conditions(keys.value("when"));
    let tags = problems
        .take(super::load::tag_list(keys.value("tags"), &origin))
        .unwrap_or_default();
    playbook
        .plays
        .into_iter()
        .map(|play| with_import_keywords(play, &vars, &when, &tags))
        .collect()
}

/// An import_playbook's name may use its own `vars` (`import_playbook: "{{ stage }}.yml"`).
fn render_name(name: &str, vars: &Map<String, Value>) -> Result<String, String> {
    if !is_templated(name) {
        return Ok(name.to_string());
    }
    let templar = crate::template::Templar::new();
    match templar.render_str(name, vars) {
        Ok(Value::String(s)) => Ok(s),
        Ok(other) => Ok(other.to_string()),
        Err(e) => Err(format!(
            "import_playbook {name}: {e} (only the import's own vars are known when loading)"
        )),
    }
}

fn with_import_keywords(
    mut play: Play,
    vars: &Map<String, Value>,
    when: &[Value],
    tags: &[String],
) -> Play {
    play.vars.extend(vars.clone());
    for tag in tags {
        if !play.tags.contains(tag) {
            play.tags.push(tag.clone());
        }
    }
    if let Some(gather) = &mut play.gather_facts {
        gather.when.splice(0..0, when.iter().cloned());
    }
    let adjust = |task: &Arc<Task>| {
        let mut task = Task::clone(task);
        task.when.splice(0..0, when.iter().cloned());
        if let Some(include) = &task.include {
            // Included tasks inherit them too (Ansible puts them on the play's blocks).
            let mut include = Include::clone(include);
            include.inherited.when.splice(0..0, when.iter().cloned());
            include.inherited.tags.extend(tags.iter().cloned());
            task.include = Some(Arc::new(include));
        }
        for tag in tags {
            if !task.tags.contains(tag) {
                task.tags.push(tag.clone());
            }
        }
        Arc::new(task)
    };
    play.sections = play
        .sections
        .iter()
        .map(|section| Arc::new(tree::map_tasks(section, &adjust)))
        .collect();
    play.handlers = play
        .handlers
        .iter()
        .map(|h| {
            let mut h = h.clone();
            for tag in tags {
                if !h.tags.contains(tag) {
                    h.tags.push(tag.clone());
                }
            }
            h
        })
        .collect();
    play
}
