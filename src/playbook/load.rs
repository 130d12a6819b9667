//! Reading a playbook file into plays and tasks, checking every keyword, module and argument. All
//! the problems of a file are collected and reported together, each with its file:line.

use super::args::{action_args, check_arg_names, check_static_args};
use super::flow::{PlayFlow, TaskFlow};
use super::keywords::{
    BLOCK_KEYWORDS, MODULES_LATER, PLAY_KEYWORDS, PLAY_KEYWORDS_LATER, TASK_KEYWORDS,
    TASK_KEYWORDS_LATER,
};
use super::play_roles::{self, RoleState};
use super::raw::{BLOCK_LISTS, RawMap, RawPlay, RawTask};
use super::roles::RoleSearch;
use super::tree::{self, Block};
use super::{
    BecomeKeywords, Loop, Node, Play, Playbook, Retry, RoleScope, Task, WithLookup,
    pattern_from_value,
};
use super::{engine, include, vars_prompt};
use crate::yaml::{self, Origin, Spanned};
use drover_modules::suggest::{closest, did_you_mean};
use drover_modules::{DynModule, lookup, registry::MODULES};
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A playbook that cannot be run as written.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Yaml(#[from] yaml::YamlError),
    #[error("{origin}: {message}")]
    Invalid { origin: Origin, message: String },
    #[error("{origin}: not supported yet: {what}")]
    Unsupported { origin: Origin, what: String },
    /// Every problem found in one file, in the order of the file.
    #[error("{}", Lines(.0))]
    Several(Vec<LoadError>),
}

impl LoadError {
    /// Each problem on its own (one, or each of [`LoadError::Several`]).
    pub fn problems(&self) -> Vec<&LoadError> {
        match self {
            LoadError::Several(all) => all.iter().flat_map(LoadError::problems).collect(),
            one => vec![one],
        }
    }

    /// Each problem on its own, owned.
    pub fn into_problems(self) -> Vec<LoadError> {
        match self {
            LoadError::Several(all) => all.into_iter().flat_map(LoadError::into_problems).collect(),
            one => vec![one],
        }
    }
}

struct Lines<'a>(&'a [LoadError]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

pub(super) fn invalid(origin: &Origin, message: impl Into<String>) -> LoadError {
    LoadError::Invalid {
        origin: origin.clone(),
        message: message.into(),
    }
}

pub(super) fn unsupported(origin: Origin, what: impl Into<String>) -> LoadError {
    LoadError::Unsupported {
        origin,
        what: what.into(),
    }
}

/// The problems found so far; loading goes on after each one, so a file's problems come together.
/// It also carries what placing roles in the current play has gathered.
#[derive(Default)]
pub(super) struct Problems {
    found: Vec<LoadError>,
    pub(super) roles: RoleState,
}

impl Problems {
    pub(super) fn add(&mut self, e: LoadError) {
        self.found.push(e);
    }

    pub(super) fn take<T>(&mut self, result: Result<T, LoadError>) -> Option<T> {
        result.map_err(|e| self.add(e)).ok()
    }

    /// How many problems are found so far: a mark for [`Problems::keep_gaps_since`].
    pub(super) fn mark(&self) -> usize {
        self.found.len()
    }

    /// Keeps, of the problems found since `mark`, only what drover cannot run ([`is_drover_gap`]).
    pub(super) fn keep_gaps_since(&mut self, mark: usize) {
        let later: Vec<LoadError> = self.found.drain(mark.min(self.found.len())..).collect();
        self.found.extend(
            later
                .into_iter()
                .flat_map(LoadError::into_problems)
                .filter(is_drover_gap),
        );
    }

    pub(super) fn finish<T>(mut self, value: T) -> Result<T, LoadError> {
        match self.found.len() {
            0 => Ok(value),
            1 => Err(self.found.remove(0)),
            _ => Err(LoadError::Several(self.found)),
        }
    }
}

/// Reads a playbook file: every play, task and handler, checked. Roles are searched where
/// `ANSIBLE_ROLES_PATH` (else Ansible's defaults) says.
pub fn load_playbook(path: &Path) -> Result<Playbook, LoadError> {
    load_playbook_with_roles(path, None)
}

/// [`load_playbook`] with ansible.cfg's `roles_path` (already joined with `ANSIBLE_ROLES_PATH`).
pub fn load_playbook_with_roles(
    path: &Path,
    roles_path: Option<&[PathBuf]>,
) -> Result<Playbook, LoadError> {
    load_playbook_with_vars(path, roles_path, &Map::new())
}

/// [`load_playbook_with_roles`] with the extra vars (`-e`), which templated role names may use.
pub fn load_playbook_with_vars(
    path: &Path,
    roles_path: Option<&[PathBuf]>,
    extra_vars: &Map<String, Value>,
) -> Result<Playbook, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(&Origin::new(path, 0), format!("cannot read playbook: {e}")))?;
    parse_playbook_from(&text, path, &[], roles_path, extra_vars)
}

/// Reads playbook text as if it were the file `path` (named in errors).
#[cfg(test)]
pub(super) fn parse_playbook(text: &str, path: &Path) -> Result<Playbook, LoadError> {
    parse_playbook_from(text, path, &[], None, &Map::new())
}

/// [`parse_playbook`] of a playbook imported through `chain` (the importing playbooks), with roles
/// looked for along `roles_path` too. `over` are the variables above each play's own when loading
/// (import_playbook `vars`, extra vars): templated role names see them.
pub(super) fn parse_playbook_from(
    text: &str,
    path: &Path,
    chain: &[PathBuf],
    roles_path: Option<&[PathBuf]>,
    over: &Map<String, Value>,
) -> Result<Playbook, LoadError> {
    let plays: Option<Vec<Spanned<RawPlay>>> = yaml::from_str(text, path)?;
    let Some(plays) = plays else {
        return Err(invalid(&Origin::new(path, 0), "the playbook is empty"));
    };
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut problems = Problems::default();
    problems.roles.search = RoleSearch::with_roles_path(&dir, roles_path);
    problems.roles.over_play_vars = over.clone();
    let mut loaded = Vec::new();
    for play in &plays {
        if include::is_playbook_import(play) {
            loaded.extend(include::import_playbook(
                path,
                play,
                chain,
                roles_path,
                over,
                &mut problems,
            ));
        } else {
            loaded.extend(load_play(path, play, &mut problems));
        }
    }
    let plays = loaded;
    problems.finish(Playbook {
        path: path.to_path_buf(),
        dir,
        plays,
    })
}

fn load_play(file: &Path, raw: &Spanned<RawPlay>, problems: &mut Problems) -> Option<Play> {
    let origin = Origin::of(file, raw);
    let keywords = &raw.value.keywords;
    for (key, _) in keywords.iter() {
        if let Some(problem) = play_keyword_problem(file, key) {
            problems.add(problem);
        }
    }
    if let Some(problem) = super::flow::strategy_problem(file, keywords) {
        problems.add(problem);
    }
    let hosts = keywords.value("hosts").and_then(pattern_from_value);
    if hosts.is_none() {
        problems.add(invalid(
            &origin,
            "the play has no `hosts:` (a host pattern is required)",
        ));
    }
    let name = match keywords.value("name") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
        None => hosts.clone(),
    };
    let vars = problems.take(mapping(keywords.value("vars"), "vars", &origin));
    let vars_files = problems.take(string_list(
        keywords.value("vars_files"),
        "vars_files",
        &origin,
    ));
    let prompts = problems.take(vars_prompt::load(
        keywords.value("vars_prompt"),
        &keywords
            .get("vars_prompt")
            .map_or_else(|| origin.clone(), |v| Origin::of(file, v)),
    ));
    let mut inherited = Inherited {
        imports: vec![file.to_path_buf()],
        play_dir: include::search_dirs(file, Path::new("."))[0].clone(),
        ..Inherited::default()
    }
    .with(file, keywords, &origin, problems);
    // Play `vars` are a layer of their own (below `vars_files`), not task vars.
    inherited.vars.clear();
    let files = vars_files.as_deref().unwrap_or_default();
    problems.roles.start_play(vars.as_ref(), file, files);
    let pre_tasks = load_nodes(
        file,
        raw.value.tasks("pre_tasks"),
        false,
        &inherited,
        problems,
    );
    // Roles run after `pre_tasks` (and their handlers), before `tasks`, as in Ansible.
    let (mut tasks, mut handlers) =
        play_roles::play_roles(file, raw.value.roles(), &inherited, problems);
    tasks.extend(load_nodes(
        file,
        raw.value.tasks("tasks"),
        false,
        &inherited,
        problems,
    ));
    let post_tasks = load_nodes(
        file,
        raw.value.tasks("post_tasks"),
        false,
        &inherited,
        problems,
    );
    let sections = vec![Arc::new(pre_tasks), Arc::new(tasks), Arc::new(post_tasks)];
    handlers.extend(load_handlers(
        file,
        raw.value.tasks("handlers"),
        &inherited,
        problems,
    ));
    handlers.append(&mut problems.roles.imported_handlers);
    let roles = std::mem::take(&mut problems.roles.play);
    let gather_facts = problems
        .take(fact_gathering(
            keywords.value("gather_facts"),
            keywords.value("gather_subset"),
            keywords.value("gather_timeout"),
            &origin,
        ))
        .map(|task| {
            task.map(|task| Task {
                flow: inherited.flow.clone(),
                // Ansible gathers facts with the play's environment (`ansible_env` shows it).
                environment: inherited.environment.clone(),
                ..task
            })
        });
    Some(Play {
        name: name?,
        hosts: hosts?,
        vars: vars?,
        vars_files: vars_files?,
        prompts: prompts?,
        gather_facts: gather_facts?,
        sections,
        handlers,
        tags: inherited.tags,
        tags_error: None,
        flow: PlayFlow::of(keywords),
        roles,
        origin,
    })
}

/// The implicit `setup` task a play starts with, as in Ansible: unless `gather_facts` is false.
/// A templated value becomes the task's condition.
fn fact_gathering(
    wanted: Option<&Value>,
    subset: Option<&Value>,
    timeout: Option<&Value>,
    origin: &Origin,
) -> Result<Option<Task>, LoadError> {
    let condition = match wanted {
        None => None,
        Some(Value::String(s)) if s.contains("{{") => Some(Value::String(s.clone())),
        Some(v) => match drover_modules::de::bool_from_value(v) {
            Some(true) => None,
            Some(false) => return Ok(None),
            None => {
                return Err(invalid(
                    origin,
                    format!("gather_facts must be a boolean, got {v}"),
                ));
            }
        },
    };
    let mut args = Map::new();
    if let Some(subset) = subset {
        args.insert("gather_subset".into(), subset.clone());
    }
    if let Some(timeout) = timeout {
        args.insert("gather_timeout".into(), timeout.clone());
    }
    let mut task = adhoc_task("setup", Value::Object(args))?;
    task.name = Some("Gathering Facts".into());
    task.origin = origin.clone();
    task.when.extend(condition);
    Ok(Some(task))
}

/// What is wrong with one play keyword, if anything.
fn play_keyword_problem(file: &Path, key: &Spanned<String>) -> Option<LoadError> {
    let at = Origin::of(file, key);
    let name = key.value.as_str();
    if PLAY_KEYWORDS_LATER.contains(&name) {
        return Some(unsupported(at, format!("play keyword `{name}`")));
    }
    if PLAY_KEYWORDS.contains(&name) {
        return None;
    }
    let known = PLAY_KEYWORDS.iter().chain(PLAY_KEYWORDS_LATER).copied();
    Some(invalid(
        &at,
        format!(
            "`{name}` is not a valid attribute for a play{}",
            did_you_mean(name, known)
        ),
    ))
}

/// What a play or block passes down to every task inside it (Ansible's keyword inheritance):
/// conditions and tags add up, variables merge, the other keywords apply where a task sets none.
#[derive(Debug, Clone, Default)]
pub(super) struct Inherited {
    pub(super) when: Vec<Value>,
    pub(super) tags: Vec<String>,
    pub(super) vars: Map<String, Value>,
    escalation: BecomeKeywords,
    /// `environment:` of the play, roles and blocks around, outermost first.
    environment: Vec<Value>,
    ignore_errors: Option<Value>,
    no_log: Option<Value>,
    check_mode: Option<Value>,
    diff: Option<Value>,
    timeout: Option<Value>,
    /// `notify:` of the blocks around: a task that names no handler of its own notifies these.
    notify: Option<Vec<String>>,
    /// The task files being imported or included, the playbook first (recursion is an error).
    pub(super) imports: Vec<PathBuf>,
    /// The play's directory: relative task files are looked for there after the including file's.
    pub(super) play_dir: PathBuf,
    flow: TaskFlow,
    /// The role the tasks belong to.
    pub(super) role: Option<Arc<RoleScope>>,
}

impl Inherited {
    /// These keywords, with those of a play or block (`keys`) added.
    pub(super) fn with(
        &self,
        file: &Path,
        keys: &RawMap,
        origin: &Origin,
        problems: &mut Problems,
    ) -> Self {
        let at = |key: &str| {
            keys.get(key)
                .map_or_else(|| origin.clone(), |v| Origin::of(file, v))
        };
        let mut next = self.clone();
        next.when.extend(conditions(keys.value("when")));
        if let Some(tags) = problems.take(tag_list(keys.value("tags"), &at("tags"))) {
            next.tags.extend(tags);
        }
        if let Some(vars) = problems.take(mapping(keys.value("vars"), "vars", &at("vars"))) {
            next.vars.extend(vars);
        }
        next.escalation = become_keywords(keys).or(&self.escalation);
        next.environment.extend(keys.value("environment").cloned());
        let own = |key: &str, parent: &Option<Value>| keys.value(key).cloned().or(parent.clone());
        next.ignore_errors = own("ignore_errors", &self.ignore_errors);
        next.no_log = own("no_log", &self.no_log);
        next.check_mode = own("check_mode", &self.check_mode);
        next.diff = own("diff", &self.diff);
        next.timeout = own("timeout", &self.timeout);
        if keys.contains_key("notify") {
            next.notify = problems.take(string_list(keys.value("notify"), "notify", &at("notify")));
        }
        next.flow = TaskFlow::of(keys).or(&self.flow);
        next
    }
}

fn become_keywords(keys: &RawMap) -> BecomeKeywords {
    let value = |key: &str| keys.value(key).cloned();
    BecomeKeywords {
        enabled: value("become"),
        user: value("become_user"),
        method: value("become_method"),
        flags: value("become_flags"),
        exe: value("become_exe"),
    }
}

/// `tags:` as Ansible takes it: a list, or a string of comma-separated tags.
pub(super) fn tag_list(value: Option<&Value>, origin: &Origin) -> Result<Vec<String>, LoadError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
    };
    let mut tags = Vec::new();
    for item in items {
        match item {
            Value::String(s) => tags.extend(
                s.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from),
            ),
            Value::Number(n) => tags.push(n.to_string()),
            other => {
                return Err(invalid(
                    origin,
                    format!("`tags` must be strings or a list of them, not {other}"),
                ));
            }
        }
    }
    Ok(tags)
}

/// The task with `action:`/`local_action:` written as `MODULE: ARGS` (borrowed when it has
/// neither); `None`, with the problem added, when they cannot name a module.
fn new_style<'a>(
    file: &Path,
    raw: &'a RawTask,
    problems: &mut Problems,
) -> Option<std::borrow::Cow<'a, RawTask>> {
    match super::old_style::new_style(raw) {
        None => Some(std::borrow::Cow::Borrowed(raw)),
        Some(Ok(task)) => Some(std::borrow::Cow::Owned(task)),
        Some(Err(msg)) => {
            problems.add(invalid(&Origin::of(file, raw), msg));
            None
        }
    }
}

/// A task list: tasks and blocks.
pub(super) fn load_nodes(
    file: &Path,
    raw: &[RawTask],
    handlers: bool,
    inherited: &Inherited,
    problems: &mut Problems,
) -> Vec<Node> {
    raw.iter()
        .filter_map(|entry| new_style(file, entry, problems))
        .collect::<Vec<_>>()
        .iter()
        .flat_map(|entry| {
            let entry = entry.as_ref();
            if let Some(action) = import_role_key(entry) {
                play_roles::import_role(file, entry, action, inherited, problems)
            } else {
                load_node(file, entry, handlers, inherited, problems)
                    .into_iter()
                    .collect()
            }
        })
        .collect()
}

/// The `import_role` key of a task, when it is one.
fn import_role_key(entry: &RawTask) -> Option<&Spanned<String>> {
    entry.value.iter().map(|(k, _)| k).find(|k| {
        matches!(
            k.value.as_str(),
            "import_role" | "ansible.builtin.import_role"
        )
    })
}

fn load_node(
    file: &Path,
    entry: &RawTask,
    handlers: bool,
    inherited: &Inherited,
    problems: &mut Problems,
) -> Option<Node> {
    if entry.value.is_block() {
        return load_block(file, entry, handlers, inherited, problems);
    }
    if let Some(key) = BLOCK_LISTS[1..]
        .iter()
        .find_map(|k| entry.value.list_key(k))
    {
        problems.add(invalid(
            &Origin::of(file, key),
            format!("`{}` is only valid next to `block:`", key.value),
        ));
        return None;
    }
    if include::is_import(entry) {
        return include::import_tasks(file, entry, handlers, inherited, problems);
    }
    let mut task = load_task(file, entry, handlers, inherited, problems)?;
    match task.module.name() {
        "include_tasks" => include::attach_include(file, &mut task, handlers, inherited, problems),
        "include_role" => {
            play_roles::attach_include_role(file, &mut task, handlers, inherited, problems)
        }
        _ => {}
    }
    Some(tree::Node::Task(Arc::new(task)))
}

/// `block:` with `rescue:`/`always:`; its keywords go down to every task inside.
fn load_block(
    file: &Path,
    raw: &RawTask,
    handlers: bool,
    inherited: &Inherited,
    problems: &mut Problems,
) -> Option<Node> {
    let origin = Origin::of(file, raw);
    for (key, _) in raw.value.iter() {
        let name = key.value.as_str();
        if BLOCK_KEYWORDS.contains(&name) {
            continue;
        }
        let at = Origin::of(file, key);
        if TASK_KEYWORDS_LATER.contains(&name) || name.starts_with("with_") {
            problems.add(unsupported(at, format!("block keyword `{name}`")));
        } else {
            problems.add(invalid(
                &at,
                format!(
                    "`{name}` is not a valid attribute for a block{}",
                    did_you_mean(name, BLOCK_KEYWORDS.iter().copied())
                ),
            ));
        }
    }
    let inside = inherited.with(file, &raw.value, &origin, problems);
    let list = |key: &str, problems: &mut Problems| {
        load_nodes(
            file,
            raw.value.tasks(key).unwrap_or_default(),
            handlers,
            &inside,
            problems,
        )
    };
    let block = Block {
        block: list("block", problems),
        rescue: list("rescue", problems),
        always: list("always", problems),
    };
    Some(tree::Node::Block(Arc::new(block)))
}

/// Handlers are a flat list: a block among them is not run yet, and says so.
pub(super) fn load_handlers(
    file: &Path,
    raw: &[RawTask],
    inherited: &Inherited,
    problems: &mut Problems,
) -> Vec<Task> {
    let mut handlers = Vec::new();
    let raw: Vec<_> = raw
        .iter()
        .filter_map(|entry| new_style(file, entry, problems))
        .collect();
    for entry in raw.iter().map(|e| e.as_ref()) {
        if let Some(key) = entry.value.list_key("block") {
            problems.add(unsupported(Origin::of(file, key), "a block among handlers"));
        } else if include::is_import(entry) {
            handlers.extend(include::import_handlers(file, entry, inherited, problems));
        } else if let Some(mut task) = load_task(file, entry, true, inherited, problems) {
            if task.module.name() == "include_tasks" {
                // Notified by its own name or `listen`; its file's tasks run as the handler.
                include::attach_include(file, &mut task, true, inherited, problems);
                handlers.push(task);
            } else if task.module.name() == "include_role" {
                play_roles::attach_include_role(file, &mut task, true, inherited, problems);
            } else {
                handlers.push(task);
            }
        }
    }
    handlers
}

fn load_task(
    file: &Path,
    raw: &RawTask,
    is_handler: bool,
    inherited: &Inherited,
    problems: &mut Problems,
) -> Option<Task> {
    let origin = Origin::of(file, raw);
    let expanded = new_style(file, raw, problems)?;
    let raw = expanded.as_ref();
    let keys = &raw.value;
    let (action, action_value) = find_action(file, raw, problems)?;
    let module = resolve_module(file, action, problems)?;
    let args_origin = Origin::of(file, action_value);
    let args = problems.take(task_args(module, action_value, keys, &origin))?;
    let names_ok = problems.take(check_arg_names(module, &action.value, &args, &args_origin));
    if names_ok.is_some() {
        problems.take(check_static_args(module, &args, &args_origin));
    }
    if !is_handler && keys.contains_key("listen") {
        problems.add(invalid(&origin, "`listen` is only valid on handlers"));
    }
    let field = |key: &str| keys.value(key);
    // A keyword's value is wrong where it is written.
    let at = |key: &str| {
        keys.get(key)
            .map_or_else(|| origin.clone(), |v| Origin::of(file, v))
    };
    let loop_ = problems.take(load_loop(file, keys, &origin));
    let retry = problems.take(load_retry(keys, &at("until")));
    let register = problems.take(optional_string(
        field("register"),
        "register",
        &at("register"),
    ));
    let notify = problems.take(string_list(field("notify"), "notify", &at("notify")));
    let listen = problems.take(string_list(field("listen"), "listen", &at("listen")));
    let vars = problems.take(mapping(field("vars"), "vars", &at("vars")));
    let own_tags = problems.take(tag_list(field("tags"), &at("tags")));
    let mut when = inherited.when.clone();
    when.extend(conditions(field("when")));
    let mut tags = inherited.tags.clone();
    tags.extend(own_tags?);
    let own_or_inherited =
        |key: &str, parent: &Option<Value>| field(key).cloned().or(parent.clone());
    Some(Task {
        name: field("name").map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        module,
        action: action.value.clone(),
        args,
        when,
        loop_: loop_?,
        retry: retry?,
        register: register?,
        notify: match (keys.contains_key("notify"), &inherited.notify) {
            (false, Some(around)) => around.clone(),
            _ => notify?,
        },
        listen: listen?,
        vars: {
            let mut all = inherited.vars.clone();
            all.extend(vars?);
            all
        },
        ignore_errors: own_or_inherited("ignore_errors", &inherited.ignore_errors)
            .unwrap_or(Value::Bool(false)),
        changed_when: field("changed_when").map(|v| conditions(Some(v))),
        failed_when: field("failed_when").map(|v| conditions(Some(v))),
        no_log: own_or_inherited("no_log", &inherited.no_log).unwrap_or(Value::Bool(false)),
        check_mode: own_or_inherited("check_mode", &inherited.check_mode),
        diff: own_or_inherited("diff", &inherited.diff),
        timeout: own_or_inherited("timeout", &inherited.timeout),
        async_seconds: field("async").cloned(),
        poll: field("poll").cloned(),
        tags,
        escalation: become_keywords(keys).or(&inherited.escalation),
        environment: {
            let mut layers = inherited.environment.clone();
            layers.extend(field("environment").cloned());
            layers
        },
        include: None,
        flow: TaskFlow::of(keys).or(&inherited.flow),
        role: inherited.role.clone(),
        origin,
    })
}

/// The module's arguments with the `args:` keyword merged in.
fn task_args(
    module: &dyn DynModule,
    action_value: &Spanned<Value>,
    keys: &RawMap,
    origin: &Origin,
) -> Result<Map<String, Value>, LoadError> {
    let mut args = action_args(
        module.free_form(),
        &action_value.value,
        &Origin::of(origin.file.as_path(), action_value),
    )?;
    if let Some(extra) = keys.value("args") {
        args.extend(mapping(Some(extra), "args", origin)?);
    }
    Ok(args)
}

/// Is a task key the name of a module (one drover runs, or one it knows it does not run yet)?
fn is_module_name(key: &str) -> bool {
    lookup(key).is_some()
        || engine::lookup(key).is_some()
        || MODULES_LATER.contains(&short_name(key))
}

fn short_name(action: &str) -> &str {
    action.rsplit('.').next().unwrap_or(action)
}

fn module_names() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|m| m.name())
}

fn with_lookup_names() -> String {
    WithLookup::all()
        .map(|l| format!("with_{}", l.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn task_keyword_names() -> impl Iterator<Item = &'static str> {
    TASK_KEYWORDS.iter().chain(TASK_KEYWORDS_LATER).copied()
}

/// The one key of a task that names its module. Every other key must be a keyword drover runs;
/// each one that is not is a problem of its own, at its own line.
fn find_action<'a>(
    file: &Path,
    raw: &'a RawTask,
    problems: &mut Problems,
) -> Option<(&'a Spanned<String>, &'a Spanned<Value>)> {
    let mut candidates = Vec::new();
    let mut unsupported_keywords = false;
    for (key, value) in raw.value.iter() {
        let name = key.value.as_str();
        if TASK_KEYWORDS.contains(&name) || WithLookup::from_keyword(name).is_some() {
            continue;
        }
        if let Some(lookup) = name.strip_prefix("with_") {
            problems.add(unsupported(
                Origin::of(file, key),
                format!(
                    "lookup `{lookup}` (task keyword `{name}`): drover loops over {}",
                    with_lookup_names()
                ),
            ));
            unsupported_keywords = true;
            continue;
        }
        if TASK_KEYWORDS_LATER.contains(&name) {
            problems.add(unsupported(
                Origin::of(file, key),
                format!("task keyword `{name}`"),
            ));
            unsupported_keywords = true;
            continue;
        }
        candidates.push((key, value));
    }
    let modules: Vec<_> = candidates
        .iter()
        .filter(|(k, _)| is_module_name(&k.value))
        .collect();
    if let [first, second, ..] = modules.as_slice() {
        problems.add(invalid(
            &Origin::of(file, second.0),
            format!(
                "conflicting action statements: `{}` and `{}` (a task runs one module)",
                first.0.value, second.0.value
            ),
        ));
        return None;
    }
    if let Some(&&(key, value)) = modules.first() {
        for (other, _) in candidates.iter().filter(|(k, _)| k.value != key.value) {
            problems.add(invalid(
                &Origin::of(file, other),
                format!(
                    "`{}` is not a valid task keyword{}",
                    other.value,
                    did_you_mean(&other.value, task_keyword_names())
                ),
            ));
        }
        return Some((key, value));
    }
    match candidates.as_slice() {
        // `block:` and its kind hold tasks, not a module: the keyword is the whole problem.
        [] if unsupported_keywords => None,
        [] => {
            problems.add(invalid(
                &Origin::of(file, raw),
                "no module/action detected in this task",
            ));
            None
        }
        [only] => Some(*only),
        several => {
            for (key, _) in several {
                problems.add(unknown_module(file, key));
            }
            None
        }
    }
}

/// The module a task's action names; drover's own, or a problem.
fn resolve_module(
    file: &Path,
    action: &Spanned<String>,
    problems: &mut Problems,
) -> Option<&'static dyn DynModule> {
    if let Some(module) = lookup(&action.value).or_else(|| engine::lookup(&action.value)) {
        return Some(module);
    }
    if engine::is_import_playbook(&action.value) {
        problems.add(invalid(
            &Origin::of(file, action),
            "import_playbook is only valid at the top level of a playbook, not as a task",
        ));
    } else if MODULES_LATER.contains(&short_name(&action.value)) {
        problems.add(unsupported(
            Origin::of(file, action),
            format!("module `{}`", action.value),
        ));
    } else {
        problems.add(unknown_module(file, action));
    }
    None
}

fn unknown_module(file: &Path, action: &Spanned<String>) -> LoadError {
    let name = action.value.as_str();
    let hint = match closest(short_name(name), module_names()) {
        Some(module) => format!(" (did you mean `{module}`?)"),
        None => did_you_mean(name, task_keyword_names()),
    };
    invalid(
        &Origin::of(file, action),
        format!("{UNKNOWN_MODULE} `{name}`: no such module in drover{hint}"),
    )
}

const UNKNOWN_MODULE: &str = "couldn't resolve module/action";

/// What drover cannot run: a keyword or module it does not support yet, or a module it does not
/// have — refused at load time even in a file only an include reads.
fn is_drover_gap(e: &LoadError) -> bool {
    match e {
        LoadError::Unsupported { .. } => true,
        LoadError::Invalid { message, .. } => message.starts_with(UNKNOWN_MODULE),
        _ => false,
    }
}

/// The task of an ad-hoc run (`drover run all -m copy -a "src=a dest=/b"`), checked like a
/// playbook task.
pub fn adhoc_task(module: &str, args: Value) -> Result<Task, LoadError> {
    let file = Path::new("<command line>");
    let unknown = serde_saphyr::Location::UNKNOWN;
    let raw = RawMap::from_entries(vec![(
        Spanned::new(module.to_string(), unknown, unknown),
        Spanned::new(args, unknown, unknown),
    )]);
    let mut problems = Problems::default();
    let task = load_task(
        file,
        &Spanned::new(raw, unknown, unknown),
        false,
        &Inherited::default(),
        &mut problems,
    );
    match (task, problems.finish(())) {
        (_, Err(e)) => Err(e),
        (Some(task), Ok(())) => Ok(task),
        (None, Ok(())) => Err(invalid(
            &Origin::new(file, 0),
            format!("cannot run module `{module}`"),
        )),
    }
}

/// The keys of a task that make it loop: `loop` and the `with_<lookup>` drover runs.
fn loop_keys(keys: &RawMap) -> Vec<&Spanned<String>> {
    keys.iter()
        .map(|(k, _)| k)
        .filter(|k| k.value == "loop" || WithLookup::from_keyword(&k.value).is_some())
        .collect()
}

/// `loop:` or `with_<lookup>:` with its `loop_control`.
fn load_loop(file: &Path, keys: &RawMap, origin: &Origin) -> Result<Option<Loop>, LoadError> {
    let found = loop_keys(keys);
    let Some(key) = found.first() else {
        return Ok(None);
    };
    if let Some(second) = found.get(1) {
        // Ansible names the second one, without its `with_`.
        let name = second.value.strip_prefix("with_").unwrap_or(&second.value);
        return Err(invalid(
            &Origin::of(file, *second),
            format!("duplicate loop in task: {name}"),
        ));
    }
    let items = keys.value(&key.value).cloned().unwrap_or(Value::Null);
    let with = WithLookup::from_keyword(&key.value);
    let control_at = keys
        .get("loop_control")
        .map_or_else(|| origin.clone(), |v| Origin::of(file, v));
    let control = mapping(keys.value("loop_control"), "loop_control", &control_at)?;
    for name in control.keys() {
        if !LOOP_CONTROL.contains(&name.as_str()) {
            return Err(invalid(
                &control_at,
                format!(
                    "`{name}` is not a valid attribute for a LoopControl{}",
                    did_you_mean(name, LOOP_CONTROL.iter().copied())
                ),
            ));
        }
    }
    let name_of = |what: &str| -> Result<Option<String>, LoadError> {
        match control.get(what) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(other) => Err(invalid(
                &control_at,
                format!("loop_control.{what} must be a variable name, not {other}"),
            )),
        }
    };
    let loop_var = name_of("loop_var")?.unwrap_or_else(|| "item".to_string());
    let index_var = name_of("index_var")?;
    let label = control.get("label").map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    Ok(Some(Loop {
        items,
        with,
        loop_var,
        label,
        index_var,
        pause: control.get("pause").cloned(),
        extended: control.get("extended").cloned(),
        extended_allitems: control.get("extended_allitems").cloned(),
        break_when: conditions(control.get("break_when")),
    }))
}

/// What `loop_control` may hold (ansible-core's LoopControl attributes).
const LOOP_CONTROL: &[&str] = &[
    "loop_var",
    "index_var",
    "label",
    "pause",
    "extended",
    "extended_allitems",
    "break_when",
];

/// `until`, `retries`, `delay`: a retry loop when `until` or `retries` is set (`delay` alone does
/// nothing, as in Ansible).
fn load_retry(keys: &RawMap, origin: &Origin) -> Result<Option<Retry>, LoadError> {
    let until = conditions(keys.value("until"));
    let retries = keys.value("retries").filter(|v| !v.is_null()).cloned();
    let delay = keys.value("delay").filter(|v| !v.is_null()).cloned();
    for (name, value) in [("retries", &retries), ("delay", &delay)] {
        if let Some(v) = value
            && !is_number_or_template(v)
        {
            return Err(invalid(
                origin,
                format!("`{name}` must be a number, not {v}"),
            ));
        }
    }
    if until.is_empty() && retries.is_none() {
        return Ok(None);
    }
    Ok(Some(Retry {
        until,
        retries,
        delay,
    }))
}

fn is_number_or_template(v: &Value) -> bool {
    match v {
        Value::Number(_) => true,
        Value::String(s) => s.contains("{{") || s.trim().parse::<f64>().is_ok(),
        _ => false,
    }
}

/// `when:` / `changed_when:` / `failed_when:`: one condition or a list (all must hold).
pub(super) fn conditions(value: Option<&Value>) -> Vec<Value> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
    }
}

pub(super) fn mapping(
    value: Option<&Value>,
    what: &str,
    origin: &Origin,
) -> Result<Map<String, Value>, LoadError> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(other) => Err(invalid(
            origin,
            format!("`{what}` must be a mapping, not {other}"),
        )),
    }
}

fn string_list(
    value: Option<&Value>,
    what: &str,
    origin: &Origin,
) -> Result<Vec<String>, LoadError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(invalid(
                    origin,
                    format!("`{what}` entries must be strings, not {other}"),
                )),
            })
            .collect(),
        Some(other) => Err(invalid(
            origin,
            format!("`{what}` must be a string or a list, not {other}"),
        )),
    }
}

fn optional_string(
    value: Option<&Value>,
    what: &str,
    origin: &Origin,
) -> Result<Option<String>, LoadError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(invalid(
            origin,
            format!("`{what}` must be a name, not {other}"),
        )),
    }
}
