//! What the network and volume modules share: a named object an engine cannot change in place.
//! Both inspect it in one query, create it when missing, remove it when unwanted, and recreate it
//! (remove, then create) when what the task names has drifted — they differ only in their flags
//! and in when drift is worth a recreate.

use super::cli::{self, Drift, Engine, EngineChoice};
use crate::{Cmd, Host, ModuleError, Plan, Step};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One module's view of its object: what it is called and how it is made and unmade.
pub trait NamedObject {
    /// The engine's word for it (`network`, `volume`), also the result key holding its inspect.
    const KIND: &'static str;
    fn name(&self) -> &str;
    fn engine_choice(&self) -> EngineChoice;
    /// `state: present`.
    fn wanted(&self) -> bool;
    fn create(&self, engine: Engine) -> Result<Cmd, ModuleError>;
    fn remove(&self, engine: Engine, current: &Value) -> Vec<Step>;
}

/// Where a plan stands after the object's presence is settled.
pub enum Start {
    /// Created, removed, or nothing to do: the whole plan.
    Settled(Plan),
    /// Present and wanted: the module compares its settings with `current`.
    Present {
        plan: Plan,
        engine: Engine,
        current: Value,
    },
}

/// Inspects the object and settles its presence; its inspect (or `{}`) is in the result.
pub async fn start<O: NamedObject>(o: &O, host: &mut dyn Host) -> Result<Start, ModuleError> {
    let query = cli::select_engine(o.engine_choice()).then(cli::inspect_section(
        O::KIND,
        &format!("{} inspect", O::KIND),
        o.name(),
    ));
    let out = host.query(&query).await?;
    let engine = cli::engine_of(&out, o.engine_choice())?;
    let current = cli::inspected(&out, O::KIND)?;
    let mut plan = Plan::ok().set(O::KIND, current.clone().unwrap_or(json!({})));
    let Some(current) = current else {
        if o.wanted() {
            plan.steps.push(Step::run(o.create(engine)?));
            plan = with_action(plan, "Created", o);
        }
        return Ok(Start::Settled(plan));
    };
    if !o.wanted() {
        plan.steps.extend(o.remove(engine, &current));
        return Ok(Start::Settled(with_action(plan, "Removed", o)));
    }
    Ok(Start::Present {
        plan,
        engine,
        current,
    })
}

/// Removes and creates the object again, with the drift as `--diff` output when asked.
pub fn recreate<O: NamedObject>(
    o: &O,
    mut plan: Plan,
    engine: Engine,
    current: &Value,
    drift: &Drift,
    diff_mode: bool,
) -> Result<Plan, ModuleError> {
    if diff_mode && !drift.is_empty() {
        plan.diffs
            .push(drift.diff(&format!("{} {}", O::KIND, o.name())));
    }
    plan.steps.extend(o.remove(engine, current));
    plan.steps.push(Step::run(o.create(engine)?));
    Ok(with_action(plan, "Recreated", o))
}

fn with_action<O: NamedObject>(plan: Plan, done: &str, o: &O) -> Plan {
    plan.set("actions", vec![format!("{done} {} {}", O::KIND, o.name())])
}

/// The drift both objects have in common: the labels and driver options the task names.
pub fn labels_and_options(
    d: &mut Drift,
    labels: &BTreeMap<String, String>,
    driver_options: &BTreeMap<String, String>,
    current: &Value,
) {
    d.map(
        "labels",
        labels,
        &cli::string_map_of(cli::field(current, &["Labels", "labels"])),
    );
    d.map(
        "driver_options",
        driver_options,
        &cli::string_map_of(cli::field(current, &["Options", "options"])),
    );
}

/// The driver the engine reports (empty when it reports none).
pub fn driver_of(current: &Value) -> &str {
    cli::field(current, &["Driver", "driver"])
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// `-o key=value` and `--label key=value`, as both `create` subcommands take them.
pub fn with_options_and_labels(
    mut c: Cmd,
    driver_options: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> Cmd {
    for (k, v) in driver_options {
        c = c.syntax("-o").arg(format!("{k}={v}"));
    }
    for (k, v) in labels {
        c = c.syntax("--label").arg(format!("{k}={v}"));
    }
    c
}
