//! Control-flow keywords as written: how a play is cut into batches (`serial`, `order`,
//! `max_fail_percentage`), when a failure stops everyone (`any_errors_fatal`), where a task runs
//! (`delegate_to`, `connection`, `run_once`), and the `meta:` action. Values stay untemplated; the
//! runner renders them per host.

use super::raw::RawMap;
use drover_modules::{FreeForm, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::Value;

/// Task keywords about where and how often a task runs; inherited from blocks and the play where a
/// task sets none (Ansible's keyword inheritance).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFlow {
    pub run_once: Option<Value>,
    pub delegate_to: Option<Value>,
    pub delegate_facts: Option<Value>,
    pub any_errors_fatal: Option<Value>,
    pub ignore_unreachable: Option<Value>,
    pub throttle: Option<Value>,
    pub connection: Option<Value>,
    /// `remote_user` and `port`: below the host's `ansible_user`/`ansible_port`, above `-u` and
    /// ansible.cfg (as Ansible ranks them).
    pub remote_user: Option<Value>,
    pub port: Option<Value>,
}

impl TaskFlow {
    /// The keywords `keys` sets.
    pub fn of(keys: &RawMap) -> TaskFlow {
        let value = |key: &str| keys.value(key).cloned();
        TaskFlow {
            run_once: value("run_once"),
            delegate_to: value("delegate_to"),
            delegate_facts: value("delegate_facts"),
            any_errors_fatal: value("any_errors_fatal"),
            ignore_unreachable: value("ignore_unreachable"),
            throttle: value("throttle"),
            connection: value("connection"),
            remote_user: value("remote_user"),
            port: value("port"),
        }
    }

    /// `self`'s values, else `parent`'s.
    pub fn or(&self, parent: &TaskFlow) -> TaskFlow {
        let pick =
            |own: &Option<Value>, inherited: &Option<Value>| own.clone().or(inherited.clone());
        TaskFlow {
            run_once: pick(&self.run_once, &parent.run_once),
            delegate_to: pick(&self.delegate_to, &parent.delegate_to),
            delegate_facts: pick(&self.delegate_facts, &parent.delegate_facts),
            any_errors_fatal: pick(&self.any_errors_fatal, &parent.any_errors_fatal),
            ignore_unreachable: pick(&self.ignore_unreachable, &parent.ignore_unreachable),
            throttle: pick(&self.throttle, &parent.throttle),
            connection: pick(&self.connection, &parent.connection),
            remote_user: pick(&self.remote_user, &parent.remote_user),
            port: pick(&self.port, &parent.port),
        }
    }
}

/// How a play walks its hosts: in batches (`serial`), in which `order`, and when it gives up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlayFlow {
    /// `serial`: batch sizes (numbers or `"N%"`), the last one repeating; empty: one batch.
    pub serial: Vec<Value>,
    /// `order`: inventory (default), reverse_inventory, sorted, reverse_sorted, shuffle.
    pub order: Option<Value>,
    pub max_fail_percentage: Option<Value>,
    /// `force_handlers`: notified handlers run even on hosts that failed.
    pub force_handlers: Option<Value>,
    /// `strategy:` how hosts move through the tasks.
    pub strategy: Strategy,
    /// A templated `strategy:`: the runner renders it with the play's and the extra vars (as
    /// Ansible templates play keywords) and it replaces `strategy`.
    pub strategy_template: Option<Value>,
}

/// Ansible's strategies drover runs (`debug` is refused at load time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Every host finishes a task before any starts the next.
    #[default]
    Linear,
    /// Each host goes through the tasks as fast as it can, at most `--forks` tasks at once.
    Free,
    /// `free`, with at most `--forks` hosts under way: a host, once started, keeps its slot until
    /// it is through the play.
    HostPinned,
}

impl Strategy {
    fn named(keys: &RawMap) -> Strategy {
        match keys.value("strategy") {
            Some(Value::String(s)) => Strategy::parse(s).unwrap_or_default(),
            _ => Strategy::Linear,
        }
    }

    /// A strategy by its (short or `ansible.builtin.`) name; `None` for any other name.
    pub fn parse(name: &str) -> Option<Strategy> {
        let name = name.trim();
        match name.strip_prefix("ansible.builtin.").unwrap_or(name) {
            "linear" => Some(Strategy::Linear),
            "free" => Some(Strategy::Free),
            "host_pinned" => Some(Strategy::HostPinned),
            _ => None,
        }
    }
}

impl PlayFlow {
    pub fn of(keys: &RawMap) -> PlayFlow {
        let serial = match keys.value("serial") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(one) => vec![one.clone()],
        };
        PlayFlow {
            serial,
            order: keys.value("order").cloned(),
            max_fail_percentage: keys.value("max_fail_percentage").cloned(),
            force_handlers: keys.value("force_handlers").cloned(),
            strategy: Strategy::named(keys),
            strategy_template: keys
                .value("strategy")
                .filter(|v| matches!(v, Value::String(s) if s.contains("{{")))
                .cloned(),
        }
    }
}

/// Ansible's strategy plugins; drover runs all but `debug`.
const STRATEGIES: &[&str] = &["linear", "free", "host_pinned", "debug"];

/// `strategy:` of a play: `linear` (the default), `free` and `host_pinned` run; `debug` (an
/// interactive debugger) is not supported yet, and any other name is an error — each where it is
/// written. A templated name is judged when the play starts, once rendered.
pub fn strategy_problem(file: &std::path::Path, keys: &RawMap) -> Option<super::LoadError> {
    let value = keys.get("strategy")?;
    let at = crate::yaml::Origin::of(file, value);
    let name = match &value.value {
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    };
    let short = name.strip_prefix("ansible.builtin.").unwrap_or(&name);
    if Strategy::parse(short).is_some() || name.contains("{{") {
        return None;
    }
    if STRATEGIES.contains(&short) {
        return Some(super::load::unsupported(
            at,
            format!(
                "play keyword `strategy: {name}` (drover runs `linear`, `free` and `host_pinned`)"
            ),
        ));
    }
    Some(super::load::invalid(&at, invalid_strategy(&name)))
}

/// Ansible's words for a strategy it has no plugin for.
pub fn invalid_strategy(name: &str) -> String {
    format!(
        "Invalid play strategy specified: {name} (Ansible's are {})",
        STRATEGIES.join(", ")
    )
}

/// The `meta:` actions drover runs.
pub const META_ACTIONS: &[&str] = &[
    "flush_handlers",
    "end_play",
    "end_host",
    "end_batch",
    "noop",
    "clear_host_errors",
    "clear_facts",
    "refresh_inventory",
    "reset_connection",
];

/// `meta:` — an instruction to the runner, not a module: it has no plan. Registered with the
/// loader so its argument is checked at load time like any module's.
pub struct Meta;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaParams {
    #[serde(rename = "_raw_params")]
    pub action: String,
}

#[async_trait::async_trait]
impl Module for Meta {
    type Params = MetaParams;
    const NAME: &'static str = "meta";
    const FREE_FORM: FreeForm = FreeForm::RawParams;

    fn validate(&self, p: &MetaParams) -> Result<(), ModuleError> {
        let templated = p.action.contains("{{");
        if templated || META_ACTIONS.contains(&p.action.as_str()) {
            return Ok(());
        }
        Err(ModuleError::Params(format!(
            "invalid meta action requested: {} (drover runs {})",
            p.action,
            META_ACTIONS.join(", ")
        )))
    }

    async fn plan(&self, p: MetaParams, _host: &mut dyn Host) -> Result<Plan, ModuleError> {
        // The runner handles meta tasks before they reach a host; reaching this is a bug there.
        Err(ModuleError::Failed(format!(
            "meta: {} cannot run as a module",
            p.action
        )))
    }
}

pub static META: Meta = Meta;

/// The `meta:` action of a task, if it is one.
pub fn meta_action(task: &super::Task) -> Option<&str> {
    if task.module.name() != Meta::NAME {
        return None;
    }
    task.args.get("_raw_params").and_then(Value::as_str)
}

/// `--start-at-task NAME`: drops every task before the first one whose name matches (exactly, or
/// as a glob), across the playbooks in order. False when no task matches.
pub fn start_at_task(playbooks: &mut [super::Playbook], name: &str) -> bool {
    let glob = globset::Glob::new(name).ok().map(|g| g.compile_matcher());
    let matches = |task: &super::Task| {
        let shown = task.display_name();
        shown == name || glob.as_ref().is_some_and(|g| g.is_match(&shown))
    };
    let found = std::cell::Cell::new(false);
    for play in playbooks.iter_mut().flat_map(|p| p.plays.iter_mut()) {
        for section in &mut play.sections {
            let nodes: Vec<super::Node> = section.iter().cloned().collect();
            let kept = super::tree::retain(nodes, &|task: &super::Task| {
                if !found.get() && matches(task) {
                    found.set(true);
                }
                found.get()
            });
            *section = std::sync::Arc::new(kept);
        }
    }
    found.get()
}
