//! Running a task once per loop item, as ansible-core's `TaskExecutor._run_loop` does: the items
//! (`loop:` or a `with_<lookup>:`), `loop_control` (`loop_var`, `index_var`, `label`, `pause`,
//! `extended`, `break_when`), and the combined result with `results`.

use super::RunContext;
use super::host::HostState;
use super::result::{ItemResult, Status, TaskResult};
use super::with_lookup;
use super::{retry, worker};
use crate::playbook::{Loop, Task};
use crate::template::lookup_lists::{python_str, python_type};
use crate::template::{TemplateError, Vars};
use serde_json::{Map, Value};
use std::time::Duration;

/// Runs `task` once per item of `spec` and combines the outcomes.
pub async fn run_loop(
    ctx: &RunContext<'_>,
    host: &mut HostState,
    task: &Task,
    spec: &Loop,
    vars: &Vars,
) -> TaskResult {
    let action = task.module.name();
    let named = with_rendered_names(ctx, spec, vars);
    let spec: &Loop = match &named {
        Ok(named) => named,
        Err(_) => spec,
    };
    let prepared = named.as_ref().map_err(Clone::clone).and_then(|_| {
        let settings = LoopSettings::of(ctx, spec, vars)?;
        Ok((settings, loop_items(ctx, task, spec, vars)?))
    });
    let (settings, items) = match prepared {
        Ok(prepared) => prepared,
        // ansible-core keeps an undefined loop for after `when`: a task whose condition is false
        // (evaluated without an item) is skipped, not failed.
        Err(msg)
            if msg.contains("is undefined")
                && let Some(skipped) = skipped_first(ctx, task, vars) =>
        {
            return skipped;
        }
        Err(msg) => {
            let mut failed = TaskResult::failed(msg, action);
            // Ansible's result of a loop that could not start has no `changed`.
            failed.result.remove("changed");
            failed.ignored = worker::truthy(ctx, &task.ignore_errors, vars);
            return failed;
        }
    };
    if items.is_empty() {
        return no_items(action);
    }
    // What later items see: the loop's variables, and the previous item's registered result.
    let mut scope = vars.clone();
    let mut outcomes = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        if index > 0 && !pause(ctx, settings.pause).await {
            break;
        }
        let item_vars = item_scope(&scope, spec, &settings, &items, index);
        let mut one = retry::run_pass(ctx, host, task, &item_vars).await;
        decorate(&mut one.result, spec, &item_vars, index, item);
        // A `set_fact` item's facts are seen by the next item (ansible-core applies them at once).
        if one.status != Status::Failed
            && let Some(Value::Object(facts)) = one.result.get("ansible_facts")
        {
            for (name, value) in facts {
                scope.insert(name.clone(), crate::template::untrusted(value.clone()));
            }
        }
        let mut label_vars = item_vars;
        if let Some(name) = &task.register {
            let registered = crate::template::untrusted(Value::Object(one.result.clone()));
            scope.insert(name.clone(), registered.clone());
            label_vars.insert(name.clone(), registered);
        }
        let label = match item_label(ctx, spec, &label_vars, item) {
            Ok(label) => label,
            Err(msg) => {
                mark_failed(&mut one, msg);
                python_str(item)
            }
        };
        let stop = matches!(one.status, Status::Unreachable | Status::Interrupted)
            || breaks(ctx, spec, &label_vars, &mut one);
        outcomes.push(ItemResult {
            label,
            status: one.status,
            ignored: one.ignored,
            result: one.result,
            diffs: one.diffs,
            retries: one.retries,
        });
        if stop {
            break;
        }
    }
    combine_items(outcomes, action)
}

/// `loop_control`'s templated settings, evaluated once per task and host.
pub(super) struct LoopSettings {
    pause: Duration,
    extended: bool,
    allitems: bool,
}

impl LoopSettings {
    pub(super) fn of(
        ctx: &RunContext<'_>,
        spec: &Loop,
        vars: &Vars,
    ) -> Result<LoopSettings, String> {
        Ok(LoopSettings {
            pause: match &spec.pause {
                None => Duration::ZERO,
                Some(v) => seconds(ctx, v, vars, "loop_control.pause")?,
            },
            extended: flag(ctx, spec.extended.as_ref(), vars, false, "extended")?,
            allitems: flag(
                ctx,
                spec.extended_allitems.as_ref(),
                vars,
                true,
                "extended_allitems",
            )?,
        })
    }
}

fn flag(
    ctx: &RunContext<'_>,
    value: Option<&Value>,
    vars: &Vars,
    default: bool,
    name: &str,
) -> Result<bool, String> {
    let Some(value) = value else {
        return Ok(default);
    };
    let rendered = ctx
        .templar
        .render_value(value, vars)
        .map_err(|e| format!("loop_control.{name}: {e}"))?;
    if rendered.is_null() {
        return Ok(default);
    }
    drover_modules::de::bool_from_value(&rendered)
        .ok_or_else(|| format!("loop_control.{name}: {rendered} is not a valid boolean"))
}

/// A number of seconds (`pause`, `delay`), possibly templated.
pub fn seconds(
    ctx: &RunContext<'_>,
    value: &Value,
    vars: &Vars,
    what: &str,
) -> Result<Duration, String> {
    let rendered = ctx
        .templar
        .render_value(value, vars)
        .map_err(|e| format!("{what}: {e}"))?;
    let number = match &rendered {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let number = number
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{what}: {rendered} is not a number"))?;
    Ok(Duration::from_secs_f64(number.max(0.0)))
}

/// Waits `pause` between items; false when the run was interrupted meanwhile.
async fn pause(ctx: &RunContext<'_>, pause: Duration) -> bool {
    if pause.is_zero() {
        return ctx.interrupt.requested().is_none();
    }
    tokio::select! {
        _ = tokio::time::sleep(pause) => true,
        _ = ctx.interrupt.wait() => false,
    }
}

/// `spec` with a templated `loop_var`/`index_var` rendered with the host's `vars` (Ansible
/// templates `loop_control` before the loop starts).
pub(super) fn with_rendered_names<'a>(
    ctx: &RunContext<'_>,
    spec: &'a Loop,
    vars: &Vars,
) -> Result<std::borrow::Cow<'a, Loop>, String> {
    let templated = |name: &str| name.contains("{{");
    if !templated(&spec.loop_var) && !spec.index_var.as_deref().is_some_and(templated) {
        return Ok(std::borrow::Cow::Borrowed(spec));
    }
    let render = |name: &str, what: &str| -> Result<String, String> {
        match ctx
            .templar
            .render_value(&Value::String(name.to_string()), vars)
        {
            Ok(Value::String(s)) => Ok(s),
            Ok(other) => Ok(other.to_string()),
            Err(e) => Err(format!("loop_control.{what}: {e}")),
        }
    };
    let mut named = spec.clone();
    named.loop_var = render(&spec.loop_var, "loop_var")?;
    if let Some(index_var) = &spec.index_var {
        named.index_var = Some(render(index_var, "index_var")?);
    }
    Ok(std::borrow::Cow::Owned(named))
}

/// The items to loop over: `loop:` must render to a list; `with_<lookup>:` terms go through the
/// lookup (a string is templated first, a single value becomes a one-term list).
pub(super) fn loop_items(
    ctx: &RunContext<'_>,
    task: &Task,
    spec: &Loop,
    vars: &Vars,
) -> Result<Vec<Value>, String> {
    let rendered = match spec.with {
        Some(lookup) if lookup.name() == "first_found" => {
            first_found_terms(ctx, &spec.items, vars)?
        }
        _ => ctx
            .templar
            .render_value(&spec.items, vars)
            .map_err(|e| e.to_string())?,
    };
    let Some(lookup) = spec.with else {
        return match rendered {
            Value::Array(items) => Ok(items),
            other => Err(format!(
                "The `loop` value must resolve to a 'list', not '{}'. Provide a list of items/templates, or a template resolving to a list.",
                python_type(&other)
            )),
        };
    };
    let terms = match rendered {
        Value::Array(terms) => terms,
        other => vec![other],
    };
    with_lookup::expand(ctx, &task.action, lookup, terms, vars)
        .map_err(|e| format!("The lookup plugin '{}' failed: {e}", lookup.name()))
}

/// `with_first_found:` terms as ansible-core's lookup takes them, lazily: each term (and each
/// file or path a term's mapping lists) rendered on its own, one that reads an undefined variable
/// left out (`"{{ missing_var }}foo1"` is no candidate), any other error failing the task.
fn first_found_terms(ctx: &RunContext<'_>, items: &Value, vars: &Vars) -> Result<Value, String> {
    let Value::Array(terms) = items else {
        return ctx
            .templar
            .render_value(items, vars)
            .map_err(|e| e.to_string());
    };
    let mut kept = Vec::with_capacity(terms.len());
    for term in terms {
        let rendered = match term {
            Value::Object(spec) => {
                let mut rendered = Map::new();
                for (key, value) in spec {
                    let value = match value {
                        Value::Array(list) => Value::Array(defined_only(ctx, list, vars)?),
                        other => match render_defined(ctx, other, vars)? {
                            Some(value) => value,
                            None => continue,
                        },
                    };
                    rendered.insert(key.clone(), value);
                }
                Some(Value::Object(rendered))
            }
            other => render_defined(ctx, other, vars)?,
        };
        kept.extend(rendered);
    }
    Ok(Value::Array(kept))
}

fn defined_only(ctx: &RunContext<'_>, list: &[Value], vars: &Vars) -> Result<Vec<Value>, String> {
    let mut kept = Vec::with_capacity(list.len());
    for item in list {
        kept.extend(render_defined(ctx, item, vars)?);
    }
    Ok(kept)
}

/// `value` rendered; `None` when it reads an undefined variable.
fn render_defined(
    ctx: &RunContext<'_>,
    value: &Value,
    vars: &Vars,
) -> Result<Option<Value>, String> {
    match ctx.templar.render_value(value, vars) {
        Ok(value) => Ok(Some(value)),
        Err(TemplateError::Undefined { .. }) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// The variables one item runs with: the loop variable, `ansible_loop_var`, the index variable
/// and `ansible_loop`.
fn item_scope(
    scope: &Vars,
    spec: &Loop,
    settings: &LoopSettings,
    items: &[Value],
    index: usize,
) -> Vars {
    let mut vars = scope.clone();
    vars.extend(loop_vars(spec, settings, items, index));
    vars
}

/// Only the variables the loop gives item `index` (what a looped include passes on to the tasks
/// it includes, as ansible-core's include loops do).
pub(super) fn loop_vars(
    spec: &Loop,
    settings: &LoopSettings,
    items: &[Value],
    index: usize,
) -> Vars {
    let mut vars = Vars::new();
    vars.insert(
        "ansible_loop_var".into(),
        Value::String(spec.loop_var.clone()),
    );
    vars.insert(spec.loop_var.clone(), items[index].clone());
    if let Some(name) = &spec.index_var {
        vars.insert("ansible_index_var".into(), Value::String(name.clone()));
        vars.insert(name.clone(), Value::from(index));
    }
    if settings.extended {
        vars.insert(
            "ansible_loop".into(),
            loop_info(items, index, settings.allitems),
        );
    }
    vars
}

/// `ansible_loop` for item `index` (Ansible's keys; `previtem`/`nextitem` only where they exist).
pub fn loop_info(items: &[Value], index: usize, allitems: bool) -> Value {
    let length = items.len();
    let mut info = Map::new();
    info.insert("index".into(), Value::from(index + 1));
    info.insert("index0".into(), Value::from(index));
    info.insert("first".into(), Value::Bool(index == 0));
    info.insert("last".into(), Value::Bool(index + 1 == length));
    info.insert("length".into(), Value::from(length));
    info.insert("revindex".into(), Value::from(length - index));
    info.insert("revindex0".into(), Value::from(length - index - 1));
    if allitems {
        info.insert("allitems".into(), Value::Array(items.to_vec()));
    }
    if let Some(next) = items.get(index + 1) {
        info.insert("nextitem".into(), next.clone());
    }
    if index > 0 {
        info.insert("previtem".into(), items[index - 1].clone());
    }
    Value::Object(info)
}

/// What Ansible adds to each item's result: the item under its variable's name, and the loop's
/// bookkeeping variables.
fn decorate(result: &mut Map<String, Value>, spec: &Loop, vars: &Vars, index: usize, item: &Value) {
    result.insert(spec.loop_var.clone(), item.clone());
    result.insert(
        "ansible_loop_var".into(),
        Value::String(spec.loop_var.clone()),
    );
    if let Some(name) = &spec.index_var {
        result.insert(name.clone(), Value::from(index));
        result.insert("ansible_index_var".into(), Value::String(name.clone()));
    }
    if let Some(info) = vars.get("ansible_loop") {
        result.insert("ansible_loop".into(), info.clone());
    }
}

/// How an item is shown: `loop_control.label` rendered, else the item, as Python prints it.
pub(super) fn item_label(
    ctx: &RunContext<'_>,
    spec: &Loop,
    vars: &Vars,
    item: &Value,
) -> Result<String, String> {
    let Some(label) = &spec.label else {
        return Ok(python_str(item));
    };
    ctx.templar
        .render_str(label, vars)
        .map(|v| python_str(&v))
        .map_err(|e| format!("Failed to template loop_control.label: {e}"))
}

fn mark_failed(one: &mut TaskResult, msg: String) {
    one.status = Status::Failed;
    one.result.insert("failed".into(), Value::Bool(true));
    one.result.insert("msg".into(), Value::String(msg));
}

/// `loop_control.break_when`: true when the loop ends after this item. An error fails the item.
fn breaks(ctx: &RunContext<'_>, spec: &Loop, vars: &Vars, one: &mut TaskResult) -> bool {
    if spec.break_when.is_empty() {
        return false;
    }
    match worker::task_conditions_hold(ctx, &spec.break_when, vars) {
        Ok(holds) => holds,
        Err(msg) => {
            mark_failed(one, msg);
            true
        }
    }
}

/// An empty loop: the task is skipped (Ansible's result).
/// The task's skipped result when its `when` is false without an item, else `None`.
fn skipped_first(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> Option<TaskResult> {
    let condition = worker::first_false_condition(ctx, &task.when, vars).ok()??;
    let mut r = worker::skipped("Conditional result was False", task.module.name());
    r.result.insert("false_condition".into(), condition.clone());
    Some(r)
}

fn no_items(action: &'static str) -> TaskResult {
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(false));
    result.insert("results".into(), Value::Array(Vec::new()));
    result.insert("skipped".into(), Value::Bool(true));
    result.insert(
        "skipped_reason".into(),
        Value::String("No items in the list".into()),
    );
    TaskResult::new(Status::Skipped, result, action)
}

/// A loop's result as Ansible builds it: `results` holds every item's; the task is changed or
/// failed if any item is, skipped only if every item is.
pub fn combine_items(items: Vec<ItemResult>, action: &'static str) -> TaskResult {
    let any = |s: Status| items.iter().any(|i| i.status == s);
    let all_skipped = items.iter().all(|i| i.status == Status::Skipped);
    let status = if any(Status::Interrupted) {
        Status::Interrupted
    } else if any(Status::Unreachable) {
        Status::Unreachable
    } else if any(Status::Failed) {
        Status::Failed
    } else if any(Status::Changed) {
        Status::Changed
    } else if all_skipped {
        Status::Skipped
    } else {
        Status::Ok
    };
    let changed = items
        .iter()
        .any(|i| i.result.get("changed") == Some(&Value::Bool(true)));
    let failed: Vec<&ItemResult> = items
        .iter()
        .filter(|i| i.status == Status::Failed)
        .collect();
    let ignored = !failed.is_empty() && failed.iter().all(|i| i.ignored);
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(changed));
    let msg = if !failed.is_empty() {
        result.insert("failed".into(), Value::Bool(true));
        "One or more items failed"
    } else if all_skipped {
        "All items skipped"
    } else {
        "All items completed"
    };
    result.insert("msg".into(), Value::String(msg.into()));
    if any(Status::Unreachable) {
        result.insert("unreachable".into(), Value::Bool(true));
    }
    result.insert(
        "results".into(),
        Value::Array(
            items
                .iter()
                .map(|i| Value::Object(i.result.clone()))
                .collect(),
        ),
    );
    result.insert("skipped".into(), Value::Bool(all_skipped));
    let mut combined = TaskResult::new(status, result, action);
    combined.ignored = ignored;
    combined.items = items;
    combined
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_are_printed_as_python_prints_them() {
        assert_eq!(python_str(&json!("web")), "web");
        assert_eq!(python_str(&json!([1, "a", null])), "[1, 'a', None]");
        assert_eq!(
            python_str(&json!({"key": "alice", "value": {"uid": 1}})),
            "{'key': 'alice', 'value': {'uid': 1}}"
        );
        assert_eq!(python_str(&json!([true, 1.5, 2.0])), "[True, 1.5, 2.0]");
        assert_eq!(python_str(&json!(["it's"])), "[\"it's\"]");
        assert_eq!(python_str(&json!(["a\nb"])), "['a\\nb']");
    }

    #[test]
    fn ansible_loop_has_ansibles_keys() {
        let items = vec![json!("a"), json!("b"), json!("c")];
        assert_eq!(
            loop_info(&items, 1, true),
            json!({"index": 2, "index0": 1, "first": false, "last": false, "length": 3,
                   "revindex": 2, "revindex0": 1, "allitems": ["a", "b", "c"],
                   "nextitem": "c", "previtem": "a"})
        );
        let first = loop_info(&items, 0, false);
        assert!(first.get("previtem").is_none() && first.get("allitems").is_none());
        assert_eq!(first["first"], json!(true));
        let last = loop_info(&items, 2, true);
        assert!(last.get("nextitem").is_none());
        assert_eq!(last["last"], json!(true));
        assert_eq!(last["revindex0"], json!(0));
    }

    fn item(status: Status, result: Value) -> ItemResult {
        let Value::Object(result) = result else {
            unreachable!("test items are mappings")
        };
        ItemResult {
            label: String::new(),
            status,
            ignored: false,
            result,
            diffs: Vec::new(),
            retries: Vec::new(),
        }
    }

    #[test]
    fn combined_results_are_ansibles() {
        let ok = combine_items(
            vec![
                item(Status::Ok, json!({"changed": false, "failed": false})),
                item(Status::Skipped, json!({"changed": false, "skipped": true})),
            ],
            "debug",
        );
        assert_eq!(ok.status, Status::Ok);
        assert_eq!(ok.result["msg"], "All items completed");
        assert_eq!(ok.result["skipped"], false);
        assert!(ok.result.get("failed").is_none());

        let skipped = combine_items(
            vec![item(
                Status::Skipped,
                json!({"changed": false, "skipped": true}),
            )],
            "debug",
        );
        assert_eq!(skipped.status, Status::Skipped);
        assert_eq!(skipped.result["msg"], "All items skipped");
        assert_eq!(skipped.result["skipped"], true);

        let failed = combine_items(
            vec![
                item(Status::Failed, json!({"changed": true, "failed": true})),
                item(Status::Changed, json!({"changed": true, "failed": false})),
            ],
            "command",
        );
        assert_eq!(failed.status, Status::Failed);
        assert_eq!(failed.result["msg"], "One or more items failed");
        assert_eq!(failed.result["failed"], true);
        assert_eq!(failed.result["changed"], true);
    }

    #[test]
    fn an_empty_loop_is_skipped() {
        let none = no_items("debug");
        assert_eq!(none.status, Status::Skipped);
        assert_eq!(
            Value::Object(none.result),
            json!({"changed": false, "results": [], "skipped": true,
                   "skipped_reason": "No items in the list"})
        );
    }
}
