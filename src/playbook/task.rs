//! A task as drover runs it: the module to call with its (untemplated) arguments, and the engine
//! keywords around it. Keywords live here and never reach a module.

use crate::yaml::Origin;
use drover_modules::{DynModule, FreeForm};
use serde_json::{Map, Value};

/// What a task iterates over: the untemplated `loop:` or `with_<lookup>:` value and `loop_control`.
#[derive(Debug, Clone)]
pub struct Loop {
    pub items: Value,
    /// `None` for `loop:`; the lookup of `with_<lookup>:` otherwise.
    pub with: Option<WithLookup>,
    pub loop_var: String,
    /// `loop_control.label`: how an item is shown.
    pub label: Option<String>,
    /// `loop_control.index_var`: the name of the item's 0-based index.
    pub index_var: Option<String>,
    /// `loop_control.pause`: seconds between items (may be a template).
    pub pause: Option<Value>,
    /// `loop_control.extended`: `ansible_loop` is set (may be a template).
    pub extended: Option<Value>,
    /// `loop_control.extended_allitems`: `ansible_loop.allitems` is set (default true).
    pub extended_allitems: Option<Value>,
    /// `loop_control.break_when`: conditions that end the loop after an item.
    pub break_when: Vec<Value>,
}

/// The lookups drover runs as `with_<lookup>:` loops (ansible-core's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithLookup {
    Items,
    List,
    Dict,
    Together,
    Nested,
    Cartesian,
    Sequence,
    Fileglob,
    Subelements,
    FirstFound,
    IndexedItems,
    Flattened,
    RandomChoice,
}

impl WithLookup {
    pub const ALL: &[WithLookup] = &[
        WithLookup::Items,
        WithLookup::List,
        WithLookup::Dict,
        WithLookup::Together,
        WithLookup::Nested,
        WithLookup::Cartesian,
        WithLookup::Sequence,
        WithLookup::Fileglob,
        WithLookup::Subelements,
        WithLookup::FirstFound,
        WithLookup::IndexedItems,
        WithLookup::Flattened,
        WithLookup::RandomChoice,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WithLookup::Items => "items",
            WithLookup::List => "list",
            WithLookup::Dict => "dict",
            WithLookup::Together => "together",
            WithLookup::Nested => "nested",
            WithLookup::Cartesian => "cartesian",
            WithLookup::Sequence => "sequence",
            WithLookup::Fileglob => "fileglob",
            WithLookup::Subelements => "subelements",
            WithLookup::FirstFound => "first_found",
            WithLookup::IndexedItems => "indexed_items",
            WithLookup::Flattened => "flattened",
            WithLookup::RandomChoice => "random_choice",
        }
    }

    /// The lookup of a `with_<name>` keyword.
    pub fn from_keyword(keyword: &str) -> Option<WithLookup> {
        let name = keyword.strip_prefix("with_")?;
        WithLookup::ALL.iter().copied().find(|l| l.name() == name)
    }
}

/// `until`/`retries`/`delay`: a task pass repeated until its conditions hold.
#[derive(Debug, Clone, Default)]
pub struct Retry {
    /// `until:` (all must hold); empty: retried while the pass fails (`retries` alone).
    pub until: Vec<Value>,
    /// `retries:` (default 3 when `until` is set); may be a template.
    pub retries: Option<Value>,
    /// `delay:` seconds between attempts (default 5); may be a template.
    pub delay: Option<Value>,
}

/// `become`, `become_user`, `become_method`, `become_flags`, `become_exe` as written (templated per
/// host when the task runs); a task's own value wins over the block's and the play's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BecomeKeywords {
    /// `become`
    pub enabled: Option<Value>,
    pub user: Option<Value>,
    pub method: Option<Value>,
    pub flags: Option<Value>,
    pub exe: Option<Value>,
}

impl BecomeKeywords {
    /// `self`'s values, else `parent`'s.
    pub fn or(&self, parent: &BecomeKeywords) -> BecomeKeywords {
        let pick =
            |own: &Option<Value>, inherited: &Option<Value>| own.clone().or(inherited.clone());
        BecomeKeywords {
            enabled: pick(&self.enabled, &parent.enabled),
            user: pick(&self.user, &parent.user),
            method: pick(&self.method, &parent.method),
            flags: pick(&self.flags, &parent.flags),
            exe: pick(&self.exe, &parent.exe),
        }
    }
}

#[derive(Clone)]
pub struct Task {
    pub name: Option<String>,
    pub module: &'static dyn DynModule,
    /// The module name as written (`ansible.builtin.copy`), for messages.
    pub action: String,
    pub args: Map<String, Value>,
    pub when: Vec<Value>,
    pub loop_: Option<Loop>,
    /// `until`/`retries`/`delay`, when `until` or `retries` is set.
    pub retry: Option<Retry>,
    pub register: Option<String>,
    pub notify: Vec<String>,
    /// Names a handler also answers to.
    pub listen: Vec<String>,
    pub vars: Map<String, Value>,
    pub ignore_errors: Value,
    pub changed_when: Option<Vec<Value>>,
    pub failed_when: Option<Vec<Value>>,
    pub no_log: Value,
    /// Per-task `check_mode:` (None: follow `--check`).
    pub check_mode: Option<Value>,
    pub diff: Option<Value>,
    /// `timeout:` seconds (may be a template); each pass (loop item) fails after it.
    pub timeout: Option<Value>,
    /// The task's tags with those of its blocks and play (`--tags`/`--skip-tags` select on them).
    pub tags: Vec<String>,
    /// `become*`: privilege escalation.
    pub escalation: BecomeKeywords,
    pub origin: Origin,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.display_name())
            .field("args", &self.args)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Task {
    /// What the output shows: the task's name, else its action (Ansible shows `copy`).
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.action.clone())
    }

    /// The keys a handler is notified by: its name and its `listen` topics.
    pub fn answers_to(&self, notification: &str) -> bool {
        self.name.as_deref() == Some(notification)
            || self.listen.iter().any(|l| l == notification)
            || self.action == notification
    }

    pub fn free_form(&self) -> FreeForm {
        self.module.free_form()
    }
}
