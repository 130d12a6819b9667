//! Roles placed in a play: `roles:` entries, `import_role` tasks and `meta/main.yml` dependencies
//! become task trees. Their tasks inherit the keywords of the place the role is named (play → role →
//! block → task) and know their role's variables ([`RoleScope`]). A role named again with the same
//! parameters and keywords runs once per play, as in Ansible, unless its meta allows duplicates.

use super::load::{Inherited, LoadError, Problems, invalid, load_handlers, load_nodes, mapping};
use super::raw::RawMap;
use super::role::{EntryPoints, Role, load_role};
use super::roles::RoleSearch;
use super::{Node, PlayRoles, RoleLink, RoleRepeat, RoleScope, Task};
use crate::yaml::{Origin, Spanned};
use drover_modules::suggest::did_you_mean;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Keywords a role entry passes to its tasks; every other key is a role parameter.
const ROLE_KEYWORDS: &[&str] = &[
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
];

/// Keywords Ansible accepts on a role that drover does not run yet.
const ROLE_KEYWORDS_LATER: &[&str] = &[
    "delegate_to",
    "delegate_facts",
    "connection",
    "run_once",
    "any_errors_fatal",
    "ignore_unreachable",
    "throttle",
    "module_defaults",
    "collections",
    "debugger",
];

/// The arguments `import_role` takes.
const IMPORT_ROLE_ARGS: &[&str] = &[
    "name",
    "role",
    "tasks_from",
    "vars_from",
    "defaults_from",
    "handlers_from",
    "allow_duplicates",
    "public",
    "rolespec_validate",
];

/// What placing roles in one play gathers as it goes.
#[derive(Debug, Default)]
pub(super) struct RoleState {
    pub search: RoleSearch,
    /// Roles already placed (their identity as Ansible compares roles): their handlers are the
    /// play's once.
    seen: HashSet<String>,
    /// Placements so far: each placed role gets its own number.
    placed: usize,
    /// The handlers of `import_role`ed roles, for the play's handler list.
    pub imported_handlers: Vec<Task>,
    pub play: PlayRoles,
    /// The play's `vars`, which templated role names see.
    play_vars: Map<String, Value>,
    /// Variables over the play's own when loading (import_playbook `vars`, extra vars).
    pub over_play_vars: Map<String, Value>,
}

impl RoleState {
    /// The play's `vars`, as loading knows them.
    pub fn play_vars(&self) -> &Map<String, Value> {
        &self.play_vars
    }

    /// Starts a new play (whose `vars` are `vars`, its `vars_files` named in `file`): nothing
    /// placed yet.
    pub fn start_play(
        &mut self,
        vars: Option<&Map<String, Value>>,
        file: &Path,
        vars_files: &[String],
    ) {
        self.play_vars = vars.cloned().unwrap_or_default();
        self.play_vars
            .extend(vars_files_for_names(file, vars_files));
        self.seen.clear();
        self.placed = 0;
        self.imported_handlers.clear();
        self.play = PlayRoles::default();
    }
}

/// The variables of the `vars_files` a templated role name sees, as Ansible's
/// `get_vars(play=play)` gives them when loading: the files whose names hold no template, read
/// from the play file's directory, over the play's `vars`. A file that cannot be read is left out
/// here: running the play reports it.
fn vars_files_for_names(file: &Path, names: &[String]) -> Map<String, Value> {
    let dir = file.parent().unwrap_or(Path::new(""));
    let mut vars = Map::new();
    for name in names
        .iter()
        .filter(|n| !n.contains("{{") && !n.contains("{%"))
    {
        let loaded: Option<Option<Value>> = crate::yaml::from_file(&dir.join(name)).ok();
        match loaded.flatten() {
            Some(Value::Object(map)) => vars.extend(map),
            Some(Value::Array(items)) => items.into_iter().for_each(|item| {
                if let Value::Object(map) = item {
                    vars.extend(map);
                }
            }),
            _ => {}
        }
    }
    vars
}

/// A role as named: by a `roles:` entry, a dependency or `import_role`.
struct Invocation {
    name: String,
    from: EntryPoints,
    params: Map<String, Value>,
    /// `vars:` given with the role: role variables, not task variables.
    vars: Map<String, Value>,
    /// `when`, `tags`, `become*`, …: inherited by every task of the role.
    keywords: RawMap,
    /// `allow_duplicates` of `import_role` (overrides the role's meta; on unless set false).
    allow_duplicates: Option<bool>,
    /// `public: false` keeps an imported role's variables to itself.
    public: bool,
    /// `rolespec_validate: false` of import_role/include_role: no argument validation task.
    validate: bool,
    file: PathBuf,
    origin: Origin,
}

/// A role with every dependency read, recursively.
struct Tree {
    invocation: Invocation,
    role: Role,
    deps: Vec<Tree>,
}

/// The tasks and handlers of a play's `roles:` (they run before the play's `tasks:`).
pub(super) fn play_roles(
    file: &Path,
    entries: &[Spanned<Value>],
    inherited: &Inherited,
    problems: &mut Problems,
) -> (Vec<Node>, Vec<Task>) {
    let mut nodes = Vec::new();
    let mut handlers = Vec::new();
    for entry in entries {
        let Some(invocation) = problems.take(role_entry(file, entry)) else {
            continue;
        };
        let Some(invocation) = problems.take(rendered(invocation, &Map::new(), &problems.roles))
        else {
            continue;
        };
        let mut ancestors = Vec::new();
        let Some(tree) = read_tree(invocation, &mut ancestors, problems) else {
            continue;
        };
        publish(&tree, problems);
        let placed = place(&tree, inherited, &[], &[], problems);
        nodes.extend(placed.0);
        handlers.extend(placed.1);
    }
    (nodes, handlers)
}

/// `import_role:` in a task list: the role's tasks, inline, with the task's keywords.
pub(super) fn import_role(
    file: &Path,
    raw: &Spanned<RawMap>,
    action: &Spanned<String>,
    inherited: &Inherited,
    problems: &mut Problems,
) -> Vec<Node> {
    let Some(invocation) = problems.take(import_entry(file, raw, action)) else {
        return Vec::new();
    };
    // Ansible renders an import_role's name with the play's variables and the task's
    // (`get_vars(play=play, task=ir)`): the enclosing blocks' and role's too.
    let mut local = Map::new();
    if let Some(role) = &inherited.role {
        local.extend(role.vars.clone());
    }
    local.extend(inherited.vars.clone());
    if let Some(Value::Object(own)) = raw.value.value("vars") {
        local.extend(own.clone());
    }
    let Some(invocation) = problems.take(rendered(invocation, &local, &problems.roles)) else {
        return Vec::new();
    };
    let mut ancestors: Vec<PathBuf> = inherited
        .role
        .iter()
        .flat_map(|r| r.chain.iter().map(|l| l.path.clone()))
        .collect();
    let Some(tree) = read_tree(invocation, &mut ancestors, problems) else {
        return Vec::new();
    };
    if tree.invocation.public {
        publish(&tree, problems);
    }
    let (chain, parents) = match &inherited.role {
        Some(role) => {
            let mut parents: Vec<String> = role.chain.iter().map(|l| l.name.clone()).collect();
            parents.reverse();
            (role.chain.clone(), parents)
        }
        None => (Vec::new(), Vec::new()),
    };
    let (nodes, handlers) = place(&tree, inherited, &chain, &parents, problems);
    problems.roles.imported_handlers.extend(handlers);
    nodes
}

/// A `roles:` entry or a dependency: a name, or a mapping with `role` (or `name`), keywords and
/// parameters.
fn role_entry(file: &Path, entry: &Spanned<Value>) -> Result<Invocation, LoadError> {
    let origin = Origin::of(file, entry);
    let (name, rest) = match &entry.value {
        Value::String(name) => (name.clone(), Map::new()),
        Value::Object(map) => {
            let mut rest = map.clone();
            let name = rest.remove("role").or_else(|| rest.remove("name"));
            match name {
                Some(Value::String(name)) => (name, rest),
                Some(other) => {
                    return Err(invalid(
                        &origin,
                        format!("a role name must be a string, not {other}"),
                    ));
                }
                None => {
                    return Err(invalid(
                        &origin,
                        "role definitions must contain a role name (`role:` or `name:`)",
                    ));
                }
            }
        }
        other => {
            return Err(invalid(
                &origin,
                format!("a role must be a name or a mapping, not {other}"),
            ));
        }
    };
    let mut keywords = Vec::new();
    let mut params = Map::new();
    for (key, value) in rest {
        if ROLE_KEYWORDS_LATER.contains(&key.as_str()) {
            return Err(LoadError::Unsupported {
                origin,
                what: format!("role keyword `{key}`"),
            });
        }
        if ROLE_KEYWORDS.contains(&key.as_str()) {
            keywords.push((key, value));
        } else {
            params.insert(key, value);
        }
    }
    invocation(
        file,
        name,
        EntryPoints::default(),
        params,
        keywords,
        &entry.referenced,
        origin,
    )
}

/// `import_role: {name: x, tasks_from: y}` with the task's keywords.
fn import_entry(
    file: &Path,
    raw: &Spanned<RawMap>,
    action: &Spanned<String>,
) -> Result<Invocation, LoadError> {
    let origin = Origin::of(file, raw);
    let args = match raw.value.value(&action.value) {
        Some(Value::Object(args)) => args.clone(),
        Some(Value::String(kv)) => {
            super::kv::parse_kv(kv, false).map_err(|e| invalid(&origin, e.to_string()))?
        }
        _ => {
            return Err(invalid(
                &origin,
                "'name' is a required field for import_role.",
            ));
        }
    };
    if args.contains_key("apply") {
        return Err(invalid(&origin, "Invalid options for import_role: apply"));
    }
    let bad: Vec<&String> = args
        .keys()
        .filter(|k| !IMPORT_ROLE_ARGS.contains(&k.as_str()))
        .collect();
    if let Some(key) = bad.first() {
        return Err(invalid(
            &origin,
            format!(
                "Invalid options for import_role: {key}{}",
                did_you_mean(key, IMPORT_ROLE_ARGS.iter().copied())
            ),
        ));
    }
    let name = match args.get("name").or_else(|| args.get("role")) {
        Some(Value::String(name)) => name.clone(),
        _ => {
            return Err(invalid(
                &origin,
                "'name' is a required field for import_role.",
            ));
        }
    };
    let mut keywords = Vec::new();
    for (key, value) in raw.value.iter() {
        let k = key.value.as_str();
        if k == action.value || k == "name" {
            continue;
        }
        if k == "loop" || k.starts_with("with_") {
            return Err(invalid(
                &Origin::of(file, key),
                "You cannot use loops on 'import_role' statements. You should use 'include_role' instead.",
            ));
        }
        if ROLE_KEYWORDS.contains(&k) {
            keywords.push((k.to_string(), value.value.clone()));
        } else if ROLE_KEYWORDS_LATER.contains(&k) {
            return Err(LoadError::Unsupported {
                origin: Origin::of(file, key),
                what: format!("keyword `{k}` on import_role"),
            });
        } else {
            return Err(invalid(
                &Origin::of(file, key),
                format!("`{k}` is not a valid keyword for import_role"),
            ));
        }
    }
    let flag = |key: &str| -> Result<Option<bool>, LoadError> {
        args.get(key)
            .map(|v| {
                drover_modules::de::bool_from_value(v)
                    .ok_or_else(|| invalid(&origin, format!("`{key}` must be a boolean, not {v}")))
            })
            .transpose()
    };
    let allow_duplicates = flag("allow_duplicates")?;
    let public = flag("public")?.unwrap_or(true);
    let validate = flag("rolespec_validate")?.unwrap_or(true);
    let from = EntryPoints::from_args(&args, &origin)?;
    let mut invocation = invocation(
        file,
        name,
        from,
        Map::new(),
        keywords,
        &raw.referenced,
        origin,
    )?;
    // `import_role` allows duplicates unless told otherwise (ansible-core's IncludeRole default).
    invocation.allow_duplicates = Some(allow_duplicates.unwrap_or(true));
    invocation.public = public;
    invocation.validate = validate;
    Ok(invocation)
}

/// `invocation` with its templated role name rendered, as Ansible renders it when loading
/// (`RoleDefinition._load_role_name`, `import_role`): with the play's `vars`, then `local` (an
/// import_role's enclosing variables), then the import_playbook `vars` and extra vars.
fn rendered(
    mut invocation: Invocation,
    local: &Map<String, Value>,
    state: &RoleState,
) -> Result<Invocation, LoadError> {
    if !invocation.name.contains("{{") && !invocation.name.contains("{%") {
        return Ok(invocation);
    }
    let mut vars = state.play_vars.clone();
    vars.extend(local.clone());
    vars.extend(state.over_play_vars.clone());
    let templar = crate::template::Templar::new();
    templar.resolve_vars(&mut vars);
    let name = match templar.render_str(&invocation.name, &vars) {
        Ok(Value::String(name)) => name,
        Ok(other) => {
            return Err(invalid(
                &invocation.origin,
                format!("a role name must be a string, not {other}"),
            ));
        }
        Err(e) => {
            return Err(invalid(
                &invocation.origin,
                format!(
                    "role name {}: {e} (a role is named when the playbook is loaded: only the \
                     play's vars, the import's and the extra vars are known)",
                    invocation.name
                ),
            ));
        }
    };
    invocation.name = name;
    Ok(invocation)
}

fn invocation(
    file: &Path,
    name: String,
    from: EntryPoints,
    params: Map<String, Value>,
    keywords: Vec<(String, Value)>,
    at: &serde_saphyr::Location,
    origin: Origin,
) -> Result<Invocation, LoadError> {
    let vars = mapping(
        keywords.iter().find(|(k, _)| k == "vars").map(|(_, v)| v),
        "vars",
        &origin,
    )?;
    let keywords = RawMap::from_entries(
        keywords
            .into_iter()
            .filter(|(k, _)| k != "vars")
            .map(|(k, v)| (Spanned::new(k, *at, *at), Spanned::new(v, *at, *at)))
            .collect(),
    );
    Ok(Invocation {
        name,
        from,
        params,
        vars,
        keywords,
        allow_duplicates: None,
        public: true,
        validate: true,
        file: file.to_path_buf(),
        origin,
    })
}

/// Reads a role and its dependencies; a role that depends on itself is an error.
fn read_tree(
    invocation: Invocation,
    ancestors: &mut Vec<PathBuf>,
    problems: &mut Problems,
) -> Option<Tree> {
    let role = problems.take(load_role(
        &problems.roles.search,
        &invocation.name,
        &invocation.from,
        &invocation.origin,
    ))?;
    if ancestors.contains(&role.path) {
        problems.add(invalid(
            &invocation.origin,
            format!("the role '{}' depends on itself", invocation.name),
        ));
        return None;
    }
    ancestors.push(role.path.clone());
    let mut deps = Vec::new();
    for dep in &role.dependencies {
        let entry = Spanned::new(
            dep.spec.clone(),
            serde_saphyr::Location::UNKNOWN,
            serde_saphyr::Location::UNKNOWN,
        );
        let parsed = role_entry(&dep.origin.file, &entry).map(|mut inv| {
            inv.origin = dep.origin.clone();
            inv
        });
        let parsed = parsed.and_then(|inv| rendered(inv, &Map::new(), &problems.roles));
        if let Some(inv) = problems.take(parsed)
            && let Some(tree) = read_tree(inv, ancestors, problems)
        {
            problems.roles.play.dependencies.push(tree.role.full_name());
            deps.push(tree);
        }
    }
    ancestors.pop();
    Some(Tree {
        invocation,
        role,
        deps,
    })
}

/// A role the play names itself (not a dependency) gives every task of the play its defaults and
/// `vars/` (Ansible's public roles).
fn publish(tree: &Tree, problems: &mut Problems) {
    let play = &mut problems.roles.play;
    play.names.push(tree.role.full_name());
    play.defaults.extend(all_defaults(tree));
    play.vars.extend(exported_vars(tree));
}

/// Defaults of a role and its dependencies (theirs first): Ansible's `get_default_vars()`.
fn all_defaults(tree: &Tree) -> Map<String, Value> {
    let mut vars = Map::new();
    for dep in &tree.deps {
        vars.extend(all_defaults(dep));
    }
    vars.extend(tree.role.defaults.clone());
    vars
}

/// `vars/` of a role and its dependencies (theirs first): what a public role exports to the play.
fn exported_vars(tree: &Tree) -> Map<String, Value> {
    let mut vars = Map::new();
    for dep in &tree.deps {
        vars.extend(exported_vars(dep));
    }
    vars.extend(tree.role.vars.clone());
    vars
}

/// Ansible compares roles by name, path, parameters, keywords, entry points and vars.
fn identity(tree: &Tree) -> String {
    let inv = &tree.invocation;
    let keywords: Vec<(String, Value)> = inv
        .keywords
        .iter()
        .map(|(k, v)| (k.value.clone(), v.value.clone()))
        .collect();
    serde_json::json!({
        "path": tree.role.path.display().to_string(),
        "params": inv.params,
        "vars": inv.vars,
        "keywords": keywords,
        "from": [inv.from.tasks, inv.from.vars, inv.from.defaults, inv.from.handlers],
    })
    .to_string()
}

/// The tasks and handlers of a role (after those of its dependencies) within the roles `chain`.
fn place(
    tree: &Tree,
    inherited: &Inherited,
    chain: &[RoleLink],
    parents: &[String],
    problems: &mut Problems,
) -> (Vec<Node>, Vec<Task>) {
    let inv = &tree.invocation;
    let role = &tree.role;
    let mut chain = chain.to_vec();
    chain.push(RoleLink {
        name: role.name.clone(),
        path: role.path.clone(),
        defaults: role.defaults.clone(),
        role_vars: role.vars.clone(),
        vars_keyword: inv.vars.clone(),
        params: inv.params.clone(),
    });
    let mut inside = inherited.with(&inv.file, &inv.keywords, &inv.origin, problems);
    // A role's `vars:` are role variables (in its scope), not task variables.
    inside.vars = inherited.vars.clone();
    let mut nodes = Vec::new();
    let mut handlers = Vec::new();
    let allow_duplicates = inv.allow_duplicates.unwrap_or(role.allow_duplicates);
    let identity = identity(tree);
    let first_time = problems.roles.seen.insert(identity.clone());
    let for_deps = literal_own_tags(&inside, inherited.tags.len());
    for dep in &tree.deps {
        let (n, h) = place(dep, &for_deps, &chain, &[], problems);
        nodes.extend(n);
        handlers.extend(h);
    }
    problems.roles.placed += 1;
    let mut scope = scope(tree, chain, parents);
    // Whether a repeated role runs is decided once tags have selected the tasks (a role whose
    // tasks were all left out has not run, so its next appearance does): see `Play::select_tags`.
    scope.repeat = (!allow_duplicates).then_some(RoleRepeat {
        identity,
        placement: problems.roles.placed,
    });
    inside.role = Some(Arc::new(scope));
    nodes.extend(argument_validation(tree, &inside, problems));
    if let Some(tasks) = &role.tasks {
        nodes.extend(load_nodes(
            &tasks.path,
            &tasks.tasks,
            false,
            &inside,
            problems,
        ));
    }
    if let Some(file) = &role.handlers
        && (first_time || allow_duplicates)
    {
        handlers.extend(load_handlers(&file.path, &file.tasks, &inside, problems));
    }
    (nodes, handlers)
}

/// What a role's dependencies inherit: its tags (those after the first `inherited` ones) reach
/// them as written, a template untemplated. Ansible renders only the tags of a task's own role,
/// blocks and play; a dependency gets its dependent's through the dependency chain, where a
/// templated tag stays the literal `{{ t }}` (ansible-core's `tags` target checks a role's
/// templated tags on its own tasks and on the roles it imports, which do get them rendered).
fn literal_own_tags(inside: &Inherited, inherited: usize) -> Inherited {
    let mut for_deps = inside.clone();
    for tag in for_deps.tags.iter_mut().skip(inherited) {
        if super::tags::is_templated(tag) && !tag.starts_with(RAW) {
            *tag = format!("{RAW}{tag}{{% endraw %}}");
        }
    }
    for_deps
}

/// Marks a tag to render as written (`{% raw %}…{% endraw %}`).
const RAW: &str = "{% raw %}";

/// The `validate_argument_spec` task Ansible puts first in a role whose entry point has a spec.
fn argument_validation(tree: &Tree, inside: &Inherited, problems: &mut Problems) -> Vec<Node> {
    let (inv, role) = (&tree.invocation, &tree.role);
    if !inv.validate {
        return Vec::new();
    }
    let validated = super::role_argspec::Validated {
        role_name: &role.name,
        role_path: &role.path,
        entry_point: &inv.from.tasks,
        params: &inv.params,
    };
    let task = super::role_argspec::validation_task(&role.argument_specs, &validated);
    match problems.take(task) {
        Some(Some(task)) => load_nodes(
            &role.argument_specs.file,
            std::slice::from_ref(&task),
            false,
            inside,
            problems,
        ),
        _ => Vec::new(),
    }
}

/// What the tasks of `tree` see of their role, Ansible's `get_default_vars(dep_chain)`,
/// `get_vars(dep_chain, include_params=False)` and `get_role_params(dep_chain)`.
fn scope(tree: &Tree, chain: Vec<RoleLink>, parents: &[String]) -> RoleScope {
    let mut defaults = Map::new();
    for dep in &tree.deps {
        defaults.extend(all_defaults(dep));
    }
    let mut vars = Map::new();
    let mut params = Map::new();
    for link in &chain {
        defaults.extend(link.defaults.clone());
        vars.extend(link.vars_keyword.clone());
        vars.extend(link.role_vars.clone());
        params.extend(link.params.clone());
    }
    for dep in &tree.deps {
        vars.extend(exported_vars(dep));
    }
    vars.extend(tree.role.vars.clone());
    vars.extend(tree.invocation.vars.clone());
    RoleScope {
        name: tree.role.name.clone(),
        full_name: tree.role.full_name(),
        path: tree.role.path.clone(),
        defaults,
        vars,
        params,
        search: chain.iter().rev().map(|l| l.path.clone()).collect(),
        parent_names: parents.to_vec(),
        chain,
        repeat: None,
    }
}

/// What one `include_role` asks for on a host, its arguments templated with the host's variables.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleRequest {
    pub name: String,
    pub from: EntryPoints,
    /// `public: true`: the role's defaults and `vars/` stay visible to the play after the include.
    pub public: bool,
    /// `allow_duplicates: false`: the role runs once per play for its identity.
    pub allow_duplicates: bool,
    /// `rolespec_validate: false`: the role's arguments are not validated.
    pub validate: bool,
}

impl RoleRequest {
    /// The request `args` (the include's arguments, templated) make; `origin` is the include.
    pub fn from_args(args: &Map<String, Value>, origin: &Origin) -> Result<Self, LoadError> {
        let name = match args.get("name").or_else(|| args.get("role")) {
            Some(Value::String(name)) if !name.trim().is_empty() => name.trim().to_string(),
            Some(other) if !other.is_string() => {
                return Err(invalid(
                    origin,
                    format!("a role name must be a string, not {other}"),
                ));
            }
            _ => {
                return Err(invalid(
                    origin,
                    "'name' is a required field for include_role.",
                ));
            }
        };
        let flag = |key: &str, default: bool| -> Result<bool, LoadError> {
            match args.get(key) {
                None => Ok(default),
                Some(v) => drover_modules::de::bool_from_value(v)
                    .ok_or_else(|| invalid(origin, format!("`{key}` must be a boolean, not {v}"))),
            }
        };
        Ok(RoleRequest {
            validate: flag("rolespec_validate", true)?,
            from: EntryPoints::from_args(args, origin)?,
            public: flag("public", false)?,
            // ansible-core's IncludeRole allows duplicates unless told otherwise.
            allow_duplicates: flag("allow_duplicates", true)?,
            name,
        })
    }
}

/// A role `include_role` brought in for some hosts: its tasks (its dependencies' first), its
/// handlers, and what a public include leaves to the rest of the play.
#[derive(Debug)]
pub struct IncludedRole {
    pub name: String,
    pub nodes: Vec<Node>,
    pub handlers: Vec<Task>,
    /// The identity of every role placed (itself and its dependencies): a later once-per-play
    /// role with one of them has run already.
    pub placed: Vec<String>,
    /// Defaults and `vars/` of the role and its dependencies (theirs first), for `public: true`.
    pub defaults: Map<String, Value>,
    pub vars: Map<String, Value>,
}

/// Loads the role an `include_role` at `origin` (in `file`) asks for: placed under the roles of
/// `inherited` (an include in a role has that role as its parent), its tasks inheriting the
/// enclosing keywords and `apply:`.
pub(super) fn include_role(
    search: &RoleSearch,
    request: &RoleRequest,
    file: &Path,
    origin: &Origin,
    inherited: &Inherited,
) -> Result<IncludedRole, LoadError> {
    let mut problems = Problems::default();
    problems.roles.search = search.clone();
    let placed = place_included(request, file, origin, inherited, &mut problems);
    match placed {
        Some(role) => problems.finish(role),
        None => Err(problems.finish(()).err().unwrap_or_else(|| {
            invalid(
                origin,
                format!("the role '{}' could not be loaded", request.name),
            )
        })),
    }
}

fn place_included(
    request: &RoleRequest,
    file: &Path,
    origin: &Origin,
    inherited: &Inherited,
    problems: &mut Problems,
) -> Option<IncludedRole> {
    let at = serde_saphyr::Location::UNKNOWN;
    let mut invocation = problems.take(invocation(
        file,
        request.name.clone(),
        request.from.clone(),
        Map::new(),
        Vec::new(),
        &at,
        origin.clone(),
    ))?;
    invocation.allow_duplicates = Some(request.allow_duplicates);
    invocation.public = request.public;
    invocation.validate = request.validate;
    let mut ancestors = role_ancestors(inherited);
    let tree = read_tree(invocation, &mut ancestors, problems)?;
    let (chain, parents) = parent_chain(inherited);
    let (nodes, own_handlers) = place(&tree, inherited, &chain, &parents, problems);
    // Roles its tasks import add their handlers as they load, before the role's own (as
    // ansible-core appends them to the play).
    let mut handlers = std::mem::take(&mut problems.roles.imported_handlers);
    handlers.extend(own_handlers);
    Some(IncludedRole {
        name: tree.role.full_name(),
        nodes,
        handlers,
        placed: problems.roles.seen.iter().cloned().collect(),
        defaults: all_defaults(&tree),
        vars: exported_vars(&tree),
    })
}

/// The directories of the roles the tasks of `inherited` run within (a role may not pull itself in).
fn role_ancestors(inherited: &Inherited) -> Vec<PathBuf> {
    inherited
        .role
        .iter()
        .flat_map(|r| r.chain.iter().map(|l| l.path.clone()))
        .collect()
}

/// The role chain of `inherited`, and `ansible_parent_role_names` (nearest first).
fn parent_chain(inherited: &Inherited) -> (Vec<RoleLink>, Vec<String>) {
    match &inherited.role {
        Some(role) => {
            let mut parents: Vec<String> = role.chain.iter().map(|l| l.name.clone()).collect();
            parents.reverse();
            (role.chain.clone(), parents)
        }
        None => (Vec::new(), Vec::new()),
    }
}

/// Makes a loaded `include_role` task an include: what the role's tasks inherit (the enclosing
/// keywords and `apply:`), and — when nothing in its arguments is templated — the role loaded once
/// now, so its problems are reported before any host is touched.
pub(super) fn attach_include_role(
    file: &Path,
    task: &mut Task,
    handlers: bool,
    inherited: &Inherited,
    problems: &mut Problems,
) {
    if handlers {
        problems.add(LoadError::Unsupported {
            origin: task.origin.clone(),
            what: "include_role among handlers (import_role works)".into(),
        });
        return;
    }
    let Some(inside) = super::include::with_apply(file, task, inherited, "include_role", problems)
    else {
        return;
    };
    let templated = task.args.values().any(|v| v.to_string().contains("{{"));
    if !templated
        && let Some(request) = problems.take(RoleRequest::from_args(&task.args, &task.origin))
    {
        let recursive = problems
            .roles
            .search
            .find(&request.name)
            .is_ok_and(|path| role_ancestors(&inside).contains(&path));
        if !recursive {
            let mut check = Problems::default();
            check.roles.search = problems.roles.search.clone();
            let mut vars_inside = inside.clone();
            vars_inside.vars.extend(task.vars.clone());
            place_included(&request, file, &task.origin, &vars_inside, &mut check);
            if let Err(e) = check.finish(()) {
                problems.add(e);
            }
        }
    }
    // Ansible shows an unnamed include as `include_role : ROLE` (the name as written), even in a
    // role.
    let written = task
        .args
        .get("name")
        .or_else(|| task.args.get("role"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let title = format!("include_role : {written}");
    task.include = Some(Arc::new(super::include::Include::for_role(
        inside,
        problems.roles.search.clone(),
        title,
    )));
}
