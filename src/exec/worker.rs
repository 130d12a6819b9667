//! Running one task on one host: variables → loop → when → template the arguments → module plan →
//! steps over the connection → changed_when/failed_when → register/notify.

use super::RunContext;
use super::r#become::{Become, Method};
use super::environment::Environment;
use super::host::{HostError, HostState, TaskHost};
use super::result::{Status, TaskResult};
use crate::playbook::{RoleScope, Task};
use crate::template::{TemplateError, Vars};
use drover_modules::{ModuleError, Plan, Then};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Ansible's `omit` placeholder: an argument rendered to this is dropped.
pub const OMIT: &str = "__omit_place_holder__drover__";

const CENSORED: &str =
    "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/// Runs `task` on `host` and records what it leaves behind (registered vars, facts, notifications).
///
/// `no_log` hides only what is shown: `register` keeps the real result, as Ansible does. A `no_log`
/// that cannot be evaluated fails the task unrun, its output hidden (Ansible fails closed).
pub async fn run_task(ctx: &RunContext<'_>, host: &mut HostState, task: &Task) -> TaskResult {
    let vars = task_vars(ctx, host, task);
    let vars: &Vars = &vars;
    let (mut result, no_log) = match no_log_of(ctx, task, vars) {
        Ok(no_log) => {
            let run = async {
                match &task.loop_ {
                    None => super::retry::run_pass(ctx, host, task, vars).await,
                    Some(spec) => super::loops::run_loop(ctx, host, task, spec, vars).await,
                }
            };
            // A no_log task's command lines and output stay out of the -vvv trace too.
            let result = if no_log {
                crate::report::trace::hidden(run).await
            } else {
                run.await
            };
            (result, no_log)
        }
        Err(msg) => (invalid_no_log(ctx, task, vars, msg), true),
    };
    // A task that failed before its module ran (arguments that do not render, a bad keyword) is
    // still subject to `ignore_errors`, as in ansible-core.
    if result.status == Status::Failed && !result.ignored {
        result.ignored = truthy(ctx, &task.ignore_errors, vars);
    }
    if let Some(name) = &task.register {
        host.facts.insert(name.clone(), registered_value(&result));
        host.scope = None;
    }
    if no_log {
        censor(&mut result);
    }
    if result.status == Status::Changed {
        result.notified = notifications(ctx, task, vars, &result);
        host.notified.extend(result.notified.iter().cloned());
    }
    result
}

/// The handler names a changed task notifies: `notify:` templated as ansible-core templates it,
/// with each loop item's variables (`notify: "restart {{ item }}"`); a name that does not render
/// stays as written (and is then reported as a handler that does not exist).
fn notifications(
    ctx: &RunContext<'_>,
    task: &Task,
    vars: &Vars,
    result: &TaskResult,
) -> Vec<String> {
    if !task
        .notify
        .iter()
        .any(|n| n.contains("{{") || n.contains("{%"))
    {
        return task.notify.clone();
    }
    let items = result.result.get("results").and_then(Value::as_array);
    let scopes: Vec<std::borrow::Cow<'_, Vars>> = match (&task.loop_, items) {
        (Some(spec), Some(items)) => items
            .iter()
            .map(|item| std::borrow::Cow::Owned(item_notify_vars(vars, spec, item)))
            .collect(),
        _ => vec![std::borrow::Cow::Borrowed(vars)],
    };
    let mut names = Vec::new();
    for scope in &scopes {
        for wanted in &task.notify {
            match ctx.templar.render_str(wanted, scope) {
                Ok(Value::String(name)) => names.push(name),
                Ok(Value::Array(list)) => names.extend(list.iter().map(|n| match n {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })),
                Ok(other) => names.push(other.to_string()),
                Err(_) => names.push(wanted.clone()),
            }
        }
    }
    names.dedup();
    names
}

/// `vars` with one loop item's variables, as its registered entry in `results` holds them.
fn item_notify_vars(vars: &Vars, spec: &crate::playbook::Loop, item: &Value) -> Vars {
    let mut scope = vars.clone();
    for name in [Some(&spec.loop_var), spec.index_var.as_ref()]
        .into_iter()
        .flatten()
    {
        if let Some(value) = item.get(name) {
            scope.insert(name.clone(), value.clone());
        }
    }
    scope
}

/// The variables a task sees. Without task `vars:` they are the host's resolved scope, computed
/// once and reused (by the following tasks of the same role, or of none) until a `register` or
/// `set_fact` changes it.
pub fn task_vars(ctx: &RunContext<'_>, host: &mut HostState, task: &Task) -> Arc<Vars> {
    let vars = role_or_host_vars(ctx, host, task);
    with_task_file_dir(vars, task)
}

/// Ansible's search path ends with the directory of the task's own file (`Task.get_search_path`):
/// a role's task from a file beside `tasks/main.yml`'s directory (an included
/// `tasks/subdir/main.yml`) looks there, not in `tasks/` (ansible-core's `lookup_first_found`).
fn with_task_file_dir(vars: Arc<Vars>, task: &Task) -> Arc<Vars> {
    let Some(role) = task.role.as_deref() else {
        return vars;
    };
    let Some(dir) = task
        .origin
        .file
        .parent()
        .filter(|d| *d != role.path.join("tasks"))
    else {
        return vars;
    };
    let dir = Value::from(dir.display().to_string());
    let Some(Value::Array(search)) = vars.get(crate::template::search_path::SEARCH_PATH_VAR) else {
        return vars;
    };
    if search.contains(&dir) {
        return vars;
    }
    let mut search = search.clone();
    search.pop();
    search.push(dir);
    let mut owned = Vars::clone(&vars);
    owned.insert(
        crate::template::search_path::SEARCH_PATH_VAR.into(),
        Value::Array(search),
    );
    Arc::new(owned)
}

fn role_or_host_vars(ctx: &RunContext<'_>, host: &mut HostState, task: &Task) -> Arc<Vars> {
    let role = task.role.as_deref();
    if !task.vars.is_empty() {
        return Arc::new(vars_in_role_scope(
            ctx,
            host,
            &host.play_vars,
            &task.vars,
            role,
        ));
    }
    let same_role = match (&host.scope_role, &task.role) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    };
    if let Some(scope) = &host.scope
        && same_role
    {
        return Arc::clone(scope);
    }
    let scope = Arc::new(vars_in_role_scope(
        ctx,
        host,
        &host.play_vars,
        &Map::new(),
        role,
    ));
    host.scope = Some(Arc::clone(&scope));
    host.scope_role = task.role.clone();
    scope
}

/// A host's variables with `play` and `task` layers, lowest precedence first: inventory, magic
/// variables, play, task, registered results and facts, extra vars.
pub fn vars_in_scope(ctx: &RunContext<'_>, host: &HostState, play: &Vars, task: &Vars) -> Vars {
    vars_in_role_scope(ctx, host, play, task, None)
}

/// [`vars_in_scope`] for a task of `role`, in Ansible's order: the play's roles' defaults, the
/// role's own defaults, inventory, magic variables, play vars (with the play's roles' `vars/`), the
/// role's variables, task vars, registered results and facts, role parameters, extra vars, then
/// the role's magic variables (`role_name`, `role_path`, `ansible_search_path`).
pub fn vars_in_role_scope(
    ctx: &RunContext<'_>,
    host: &HostState,
    play: &Vars,
    task: &Vars,
    role: Option<&RoleScope>,
) -> Vars {
    let mut vars = if host.role_defaults.is_empty() && role.is_none() {
        host.inventory_vars.clone()
    } else {
        let mut vars = host.role_defaults.clone();
        vars.extend(role.map(|r| r.defaults.clone()).unwrap_or_default());
        vars.extend(host.inventory_vars.clone());
        vars
    };
    vars.extend(ctx.magic_vars(&host.name));
    vars.extend(play.clone());
    if let Some(role) = role {
        vars.extend(role.vars.clone());
    }
    vars.extend(task.clone());
    vars.extend(host.included_vars.clone());
    vars.extend(host.facts.clone());
    if let Some(role) = role {
        vars.extend(role.params.clone());
    }
    vars.extend(ctx.options.extra_vars.clone());
    if let Some(role) = role {
        vars.extend(role.magic_vars());
    }
    default_ansible_host(&mut vars, &host.name);
    ctx.templar.resolve_vars(&mut vars);
    vars
}

/// A task sees `ansible_host` even when the inventory does not set it: the address Ansible's
/// connection uses (`ansible_ssh_host`, else the inventory name). `hostvars` does not have it.
fn default_ansible_host(vars: &mut Vars, host: &str) {
    if !vars.contains_key("ansible_host") {
        let address = vars
            .get("ansible_ssh_host")
            .cloned()
            .unwrap_or_else(|| Value::from(host));
        vars.insert("ansible_host".into(), address);
    }
}

/// One pass of a task (one loop item, or the task itself): one attempt, without retries.
/// `attempt` is the try of an `until` loop: its result holds `attempts` before `changed_when` and
/// `failed_when` see it, as in ansible-core.
pub(super) async fn run_once(
    ctx: &RunContext<'_>,
    host: &mut HostState,
    task: &Task,
    vars: &Vars,
    attempt: Option<u64>,
) -> TaskResult {
    let action = task.module.name();
    match first_false_condition(ctx, &task.when, vars) {
        Ok(None) => {}
        Ok(Some(condition)) => {
            let mut r = skipped("Conditional result was False", action);
            r.result.insert("false_condition".into(), condition.clone());
            return r;
        }
        Err(msg) => return TaskResult::failed(msg, action),
    }
    if action == "set_fact"
        && let Some(message) = set_fact_name_of_other_type(ctx, task, vars)
    {
        return TaskResult::failed(message, action);
    }
    let args = match ctx
        .templar
        .render_value(&Value::Object(task.args.clone()), vars)
    {
        Ok(Value::Object(args)) => drop_omitted(args),
        Ok(_) => {
            return TaskResult::failed(
                "module arguments did not render to a mapping".into(),
                action,
            );
        }
        Err(e) => return TaskResult::failed(arguments_error(ctx, task, vars, &e), action),
    };
    if task.module.name() == "include_vars" {
        return run_include_vars(ctx, host, task, args, vars);
    }
    if action == "async_status" {
        let outcome = super::async_job::status(ctx, host, &args).await;
        if outcome.status == Status::Unreachable {
            return outcome;
        }
        return apply_overrides(ctx, task, vars, outcome);
    }
    if action == "set_stats" {
        return apply_overrides(ctx, task, vars, super::stats::run(args));
    }
    if super::inventory_change::changes_inventory(task) {
        let outcome = super::inventory_change::run(action, args);
        return apply_overrides(ctx, task, vars, outcome);
    }
    let check_mode = match &task.check_mode {
        Some(v) => truthy(ctx, v, vars),
        None => ctx.options.check,
    };
    let diff_mode = match &task.diff {
        Some(v) => truthy(ctx, v, vars),
        None => ctx.options.diff,
    };
    let limit = match super::timeout::limit(ctx, task, vars) {
        Ok(limit) => limit,
        Err(msg) => return TaskResult::failed(msg, action),
    };
    let escalation = match become_for(ctx, task, vars) {
        Ok(escalation) => escalation,
        Err(msg) => return TaskResult::failed(msg, action),
    };
    let environment = match environment_for(ctx, task, vars) {
        Ok(environment) => environment,
        Err(msg) => return TaskResult::failed(msg, action),
    };
    let async_mode = match super::asynchronous::mode(ctx, task, vars) {
        Ok(mode) => mode,
        Err(msg) => return TaskResult::failed(msg, action),
    };
    // In check mode nothing runs, so there is no job to start: the task reports as without async.
    let background = async_mode == Some(super::asynchronous::Mode::Background) && !check_mode;
    let mut launched = None;
    let run = async {
        if super::reconnect::handles(action, check_mode) {
            if let Err(e) = task.module.check_args(Value::Object(args.clone())) {
                let msg = format!("{e}. The error appears to be in '{}'", task.origin);
                return TaskResult::failed(msg, action);
            }
            let wrapping = super::reconnect::Wrapping {
                escalation: escalation.as_ref(),
                environment: &environment,
                interrupt: ctx.interrupt,
            };
            return super::reconnect::run(&host.link, action, Value::Object(args), wrapping).await;
        }
        let mut view = TaskHost {
            link: &host.link,
            interrupt: ctx.interrupt,
            escalation: escalation.as_ref(),
            environment: &environment,
            templar: ctx.templar,
            vars,
            playbook_dir: ctx.playbook_dir,
            task_origin: &task.origin,
            check_mode,
            diff_mode,
        };
        match task.module.plan_json(Value::Object(args), &mut view).await {
            Ok(plan) if background => {
                let wrapping = (escalation.as_ref(), &environment);
                let (result, job) =
                    super::async_job::launch(ctx, host, wrapping, plan, action).await;
                launched = job;
                result
            }
            Ok(plan) => {
                let wrapping = (escalation.as_ref(), &environment);
                apply_plan(ctx, host, wrapping, plan, check_mode, action).await
            }
            Err(ModuleError::Host(msg)) => TaskResult::unreachable(msg, action),
            Err(ModuleError::Params(msg)) => TaskResult::failed(
                format!("{msg}. The error appears to be in '{}'", task.origin),
                action,
            ),
            Err(e) => TaskResult::failed(e.to_string(), action),
        }
    };
    let async_limit = match async_mode {
        Some(super::asynchronous::Mode::Polled(limit)) => Some(limit),
        _ => None,
    };
    // The nearer deadline wins: `timeout:` or `async:`, each failing with Ansible's own message.
    let deadline = match (limit, async_limit) {
        (Some(t), Some(a)) if a < t => Some((a, true)),
        (Some(t), _) => Some((t, false)),
        (None, a) => a.map(|a| (a, true)),
    };
    let outcome = match deadline {
        None => run.await,
        Some((limit, is_async)) => match tokio::time::timeout(limit, run).await {
            Ok(outcome) => outcome,
            // As in Ansible, a timeout is not subject to failed_when, only to ignore_errors.
            Err(_) => {
                let mut result = if is_async {
                    super::asynchronous::timed_out(action)
                } else {
                    super::timeout::timed_out(limit, action)
                };
                result.ignored = truthy(ctx, &task.ignore_errors, vars);
                return result;
            }
        },
    };
    if let Some((jid, job)) = launched {
        host.jobs.insert(jid, job);
    }
    if outcome.status == Status::Unreachable {
        return outcome;
    }
    let mut outcome = outcome;
    if let Some(attempt) = attempt {
        outcome
            .result
            .insert("attempts".into(), Value::from(attempt));
    }
    let outcome = apply_overrides(ctx, task, vars, outcome);
    apply_set_fact(host, &outcome);
    outcome
}

/// `include_vars` runs on the controller; its variables go to the host's `include_vars` layer.
fn run_include_vars(
    ctx: &RunContext<'_>,
    host: &mut HostState,
    task: &Task,
    args: Map<String, Value>,
    vars: &Vars,
) -> TaskResult {
    let included = super::include_vars::run(ctx, task, args, vars);
    let mut outcome = apply_overrides(ctx, task, vars, included.result);
    apply_set_fact(host, &outcome);
    if included.secret {
        censor(&mut outcome);
    }
    outcome
}

pub(super) fn skipped(reason: &str, action: &'static str) -> TaskResult {
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(false));
    result.insert("skipped".into(), Value::Bool(true));
    result.insert("skip_reason".into(), Value::String(reason.into()));
    TaskResult::new(Status::Skipped, result, action)
}

/// A `set_fact` key templated to something else than a string (`"{{ 1 }}": x`) is refused, naming
/// its type, as ansible-core's `validate_variable_name` does; rendered args hold string keys only.
fn set_fact_name_of_other_type(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> Option<String> {
    task.args.keys().find_map(|key| {
        let name = ctx.templar.render_str(key, vars).ok()?;
        let (shown, kind) = match &name {
            Value::String(_) => return None,
            Value::Number(n) if n.is_f64() => (Some(n.to_string()), "float"),
            Value::Number(n) => (Some(n.to_string()), "int"),
            Value::Bool(b) => (Some(if *b { "True" } else { "False" }.to_string()), "bool"),
            Value::Null => (Some("None".to_string()), "NoneType"),
            Value::Array(_) => (None, "list"),
            Value::Object(_) => (None, "dict"),
        };
        let described = shown.map_or("name".to_string(), |s| format!("name '{s}'"));
        Some(format!(
            "Invalid variable {described} of type '{kind}'. Variable names must be strings starting with a letter or underscore character, and contain only letters, numbers and underscores."
        ))
    })
}

fn drop_omitted(args: Map<String, Value>) -> Map<String, Value> {
    super::magic::without_omitted(args, OMIT)
}

/// Runs the plan's steps (unless in check mode) and shapes Ansible's result.
async fn apply_plan(
    ctx: &RunContext<'_>,
    host: &HostState,
    (escalation, environment): (Option<&Become>, &Environment),
    plan: Plan,
    check_mode: bool,
    action: &'static str,
) -> TaskResult {
    let mut result = plan.result.clone();
    if let Some(reason) = plan.skipped {
        // A module that skips itself (Ansible's `exit_json(skipped=True, msg=…)`) says why in
        // `msg`; `skip_reason` is the engine's, for a `when:` that does not hold.
        let mut r = skipped(&reason, action);
        r.result.remove("skip_reason");
        r.result.insert("msg".into(), Value::String(reason));
        r.result.extend(result);
        return r;
    }
    if let Some(msg) = plan.failed {
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::String(msg));
        result.entry("changed").or_insert(Value::Bool(false));
        let mut r = TaskResult::new(Status::Failed, result, action);
        r.diffs = plan.diffs;
        return r;
    }
    let changed = plan.changes();
    result.insert("changed".into(), Value::Bool(changed));
    let mut status = if changed { Status::Changed } else { Status::Ok };
    if !check_mode {
        for step in &plan.steps {
            let out = match host
                .link
                .exec_as(
                    &step.cmd.to_shell(),
                    step.stdin.as_deref(),
                    escalation,
                    environment,
                    ctx.interrupt,
                )
                .await
            {
                Ok(out) => out,
                Err(HostError::Become(msg)) => return TaskResult::failed(msg, action),
                Err(e) => return TaskResult::unreachable(e.to_string(), action),
            };
            if absorb_step_output(ctx, step, &out, &mut result, &mut status) {
                break;
            }
        }
    }
    let mut r = TaskResult::new(status, result, action);
    r.diffs = plan.diffs;
    r
}

/// Takes one step's output into the task's result as Ansible shapes it; true when the plan stops
/// there (the step failed). Shared by steps run now and those an async job ran (`async_status`).
pub(super) fn absorb_step_output(
    ctx: &RunContext<'_>,
    step: &drover_modules::Step,
    out: &crate::transport::ExecOutput,
    result: &mut Map<String, Value>,
    status: &mut Status,
) -> bool {
    if step.register_output {
        register_output(result, &step.cmd.display(), out);
    }
    match after_step(ctx, step, out, result) {
        AfterStep::Done => {}
        AfterStep::Read(verdict) => {
            if let Some(changed) = verdict {
                *status = if changed { Status::Changed } else { Status::Ok };
                result.insert("changed".into(), Value::Bool(changed));
            }
            return false;
        }
        AfterStep::Failed(msg) => {
            *status = Status::Failed;
            result.insert("failed".into(), Value::Bool(true));
            result.insert("msg".into(), Value::String(msg));
            changed_only_for_commands(result, step.register_output);
            return true;
        }
    }
    if out.rc != 0 {
        *status = Status::Failed;
        result.insert("failed".into(), Value::Bool(true));
        let msg = if step.register_output {
            "non-zero return code".to_string()
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
            format!(
                "command failed (rc={}): {}: {stderr}",
                out.rc,
                step.cmd.display()
            )
        };
        result.insert("msg".into(), Value::String(msg));
        result.insert("rc".into(), Value::from(out.rc));
        changed_only_for_commands(result, step.register_output);
        return true;
    }
    false
}

/// What a step's `then` made of its output.
enum AfterStep {
    /// Nothing to add: the exit code decides.
    Done,
    /// The module read the output, the exit code included, and may say whether anything changed.
    Read(Option<bool>),
    Failed(String),
}

/// Does what the module asked with a step's output: reads it into the result, or saves it on the
/// controller (only once the step succeeded).
fn after_step(
    ctx: &RunContext<'_>,
    step: &drover_modules::Step,
    out: &crate::transport::ExecOutput,
    result: &mut Map<String, Value>,
) -> AfterStep {
    match &step.then {
        None => AfterStep::Done,
        Some(Then::Parse(parser)) => {
            let parsed = parser.parse(&drover_modules::CmdOutput {
                rc: out.rc,
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
            result.extend(parsed.fields);
            match parsed.failed {
                Some(msg) => AfterStep::Failed(msg),
                None => AfterStep::Read(parsed.changed),
            }
        }
        Some(Then::SaveLocal { .. }) if out.rc != 0 => AfterStep::Done,
        Some(Then::SaveLocal { path, sha1 }) => {
            let at = super::host::controller_path(ctx.playbook_dir, path);
            match super::host::save_local(&at, &out.stdout, sha1.as_deref()) {
                Ok(()) => AfterStep::Done,
                Err(msg) => AfterStep::Failed(msg),
            }
        }
    }
}

fn register_output(result: &mut Map<String, Value>, cmd: &str, out: &crate::transport::ExecOutput) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Ansible strips one trailing newline from command output.
    let stdout = stdout.strip_suffix('\n').unwrap_or(&stdout).to_string();
    let stderr = stderr.strip_suffix('\n').unwrap_or(&stderr).to_string();
    let lines = |s: &str| Value::Array(s.lines().map(|l| Value::String(l.to_string())).collect());
    result
        .entry("cmd")
        .or_insert_with(|| Value::String(cmd.to_string()));
    result.insert("rc".into(), Value::from(out.rc));
    result.insert("stdout_lines".into(), lines(&stdout));
    result.insert("stderr_lines".into(), lines(&stderr));
    result.insert("stdout".into(), Value::String(stdout));
    result.insert("stderr".into(), Value::String(stderr));
}

/// `changed_when`, `failed_when`, `ignore_errors`: evaluated with the result registered.
fn apply_overrides(
    ctx: &RunContext<'_>,
    task: &Task,
    vars: &Vars,
    mut r: TaskResult,
) -> TaskResult {
    if r.status == Status::Skipped {
        return r;
    }
    let mut scope = vars.clone();
    if let Some(name) = &task.register {
        let registered = crate::template::untrusted(Value::Object(r.result.clone()));
        scope.insert(name.clone(), registered);
    }
    if let Some(conds) = &task.changed_when {
        match task_conditions_hold(ctx, conds, &scope) {
            Ok(changed) => {
                r.result.insert("changed".into(), Value::Bool(changed));
                if r.status != Status::Failed {
                    r.status = if changed { Status::Changed } else { Status::Ok };
                }
            }
            Err(msg) => return condition_error(r, "changed", &msg),
        }
    }
    if let Some(conds) = &task.failed_when {
        match task_conditions_hold(ctx, conds, &scope) {
            Ok(true) => {
                r.status = Status::Failed;
                r.result.insert("failed".into(), Value::Bool(true));
                r.result
                    .insert("failed_when_result".into(), Value::Bool(true));
                r.result
                    .entry("msg")
                    .or_insert_with(|| Value::String("failed_when condition was true".into()));
            }
            Ok(false) => {
                if r.status == Status::Failed {
                    let changed = r
                        .result
                        .get("changed")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    r.status = if changed { Status::Changed } else { Status::Ok };
                    // ansible-core 2.19 keeps the failure it suppressed: the module's
                    // `exception` moves to `failed_when_suppressed_exception`.
                    r.result.insert(
                        "failed_when_suppressed_exception".into(),
                        Value::String(EXCEPTION_SUMMARY.into()),
                    );
                }
                r.result.insert("failed".into(), Value::Bool(false));
                r.result
                    .insert("failed_when_result".into(), Value::Bool(false));
            }
            Err(msg) => return condition_error(r, "failed", &msg),
        }
    }
    if r.status == Status::Failed && truthy(ctx, &task.ignore_errors, vars) {
        r.ignored = true;
    }
    r
}

/// What ansible-core 2.19 registers as a failed result's `exception` (and a suppressed one's
/// `failed_when_suppressed_exception`) unless tracebacks are asked for; never displayed.
pub(super) const EXCEPTION_SUMMARY: &str = "(traceback unavailable)";

/// A `changed_when`/`failed_when` that cannot be evaluated fails the task but keeps the module's
/// result, the error in `changed_when_result`/`failed_when_result` (ansible-core's TaskExecutor);
/// a `changed_when` error leaves `failed_when` unevaluated.
fn condition_error(mut r: TaskResult, keyword: &str, msg: &str) -> TaskResult {
    let error = msg
        .split_once(". The error was: ")
        .map_or(msg, |(_, inner)| inner);
    r.status = Status::Failed;
    r.result.insert("failed".into(), Value::Bool(true));
    r.result.insert(
        format!("{keyword}_when_result"),
        Value::String(format!("Error while evaluating conditional: {error}")),
    );
    r
}

/// The value `register` stores: ansible-core 2.19 gives a failed result (and each failed loop
/// item) an `exception`, which its callbacks never show.
fn registered_value(result: &TaskResult) -> Value {
    let mut value = result.result.clone();
    if result.status == Status::Failed {
        value
            .entry("exception")
            .or_insert_with(|| Value::String(EXCEPTION_SUMMARY.into()));
    }
    if let Some(Value::Array(items)) = value.get_mut("results") {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            if item.get("failed") == Some(&Value::Bool(true)) {
                item.entry("exception")
                    .or_insert_with(|| Value::String(EXCEPTION_SUMMARY.into()));
            }
        }
    }
    crate::template::untrusted(Value::Object(value))
}

/// A module's failure (Ansible's `fail_json`) reports `changed: false`; only command-like steps
/// (`command`, `shell`, `raw`, `script`, whose output is the result) keep `changed: true` when they
/// fail, as ansible-core's do. It matters: an ignored failure that changed counts as changed.
fn changed_only_for_commands(result: &mut Map<String, Value>, command_like: bool) {
    if !command_like {
        result.insert("changed".into(), Value::Bool(false));
    }
}

/// `set_fact` returns `ansible_facts`; they become host variables for the rest of the run.
/// `setup`'s `ansible_*` facts also fill the `ansible_facts` variable, without the prefix, as
/// Ansible's `inject_facts_as_vars` keeps both.
fn apply_set_fact(host: &mut HostState, r: &TaskResult) {
    // `debug: var=ansible_facts` shows the facts under that key; it sets none (ansible-core's
    // `_ACTION_DEBUG` exception).
    if r.status == Status::Failed || r.action == "debug" {
        return;
    }
    let Some(Value::Object(facts)) = r.result.get("ansible_facts") else {
        return;
    };
    if r.action == "include_vars" {
        host.included_vars.extend(facts.clone());
        host.scope = None;
        return;
    }
    host.facts.extend(
        facts
            .iter()
            .map(|(k, v)| (k.clone(), crate::template::untrusted(v.clone()))),
    );
    host.scope = None;
    // Facts a module returns (`setup`, `package_facts`, `hostname`, …) are also `ansible_facts.*`,
    // as Ansible stores them; `set_fact`'s are variables only.
    if r.action == "set_fact" {
        return;
    }
    let entry = host
        .facts
        .entry("ansible_facts")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(all) = entry {
        for (name, value) in facts {
            let short = name.strip_prefix("ansible_").unwrap_or(name);
            all.insert(short.to_string(), crate::template::untrusted(value.clone()));
        }
    }
}

/// The task's `environment:` on this host. `raw` runs without it, as in Ansible (which warns).
fn environment_for(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> Result<Environment, String> {
    if task.module.name() == "raw" {
        return Ok(Environment::default());
    }
    Environment::of_layers(ctx.templar, &task.environment, vars)
}

/// The task's become settings on this host: its keywords (inherited from blocks and the play), else
/// the host's `ansible_become*` variables, else `--become`/`-b` from the command line.
fn become_for(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> Result<Option<Become>, String> {
    let keywords = &task.escalation;
    let setting = |keyword: &Option<Value>, var: &str| -> Result<Option<Value>, String> {
        let raw = keyword.clone().or_else(|| vars.get(var).cloned());
        raw.map(|v| {
            ctx.templar
                .render_value(&v, vars)
                .map_err(|e| format!("{var}: {e}"))
        })
        .transpose()
    };
    let enabled = setting(&keywords.enabled, "ansible_become")?
        .and_then(|v| drover_modules::de::bool_from_value(&v))
        .unwrap_or(ctx.options.become_default);
    if !enabled {
        return Ok(None);
    }
    let text = |v: Option<Value>| {
        v.and_then(|v| match v {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => Some(other.to_string()),
        })
    };
    let user = text(setting(&keywords.user, "ansible_become_user")?)
        .or_else(|| ctx.options.become_user.clone())
        .unwrap_or_else(|| "root".into());
    let method_name =
        text(setting(&keywords.method, "ansible_become_method")?).unwrap_or_else(|| "sudo".into());
    let method = Method::parse(&method_name).ok_or_else(|| {
        format!("become_method `{method_name}` is not supported yet (drover has sudo and su)")
    })?;
    let password = text(setting(&None, "ansible_become_password")?)
        .or(text(setting(&None, "ansible_become_pass")?))
        .or_else(|| ctx.options.become_password.clone());
    Ok(Some(Become {
        user,
        method,
        flags: text(setting(&keywords.flags, "ansible_become_flags")?),
        password,
        exe: text(setting(&keywords.exe, "ansible_become_exe")?),
    }))
}

/// A task's arguments that cannot be rendered, in ansible-core 2.19's words (users grep them),
/// naming the argument that fails, then the task's place.
fn arguments_error(ctx: &RunContext<'_>, task: &Task, vars: &Vars, e: &TemplateError) -> String {
    let module = task.module.name();
    let module = if module.contains('.') {
        module.to_string()
    } else {
        format!("ansible.builtin.{module}")
    };
    let failing = task
        .args
        .iter()
        .find(|(_, value)| ctx.templar.render_value(value, vars).is_err());
    let cause = match failing {
        Some((key, _)) => format!("Error while resolving value for '{key}': {e}"),
        None => e.to_string(),
    };
    format!(
        "Task failed: Finalization of task args for '{module}' failed: {cause}. Origin: {}",
        task.origin
    )
}

/// Every condition holds (Ansible's `when:` list is an AND). Booleans are taken as they are.
pub(super) fn task_conditions_hold(
    ctx: &RunContext<'_>,
    conds: &[Value],
    vars: &Vars,
) -> Result<bool, String> {
    Ok(first_false_condition(ctx, conds, vars)?.is_none())
}

/// The first condition that does not hold (Ansible's `false_condition`), if any.
pub(super) fn first_false_condition<'c>(
    ctx: &RunContext<'_>,
    conds: &'c [Value],
    vars: &Vars,
) -> Result<Option<&'c Value>, String> {
    for cond in conds {
        let holds = match cond {
            Value::Bool(b) => *b,
            Value::String(expr) => ctx
                .templar
                .eval_bool(expr, vars)
                .map_err(|e| format!("Task failed: Error while evaluating conditional: {e}"))?,
            Value::Null => false,
            other => drover_modules::de::bool_from_value(other).unwrap_or(true),
        };
        if !holds {
            return Ok(Some(cond));
        }
    }
    Ok(None)
}

/// Whether the task's output must be hidden; an error when `no_log` cannot be evaluated.
fn no_log_of(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> Result<bool, String> {
    let rendered = match &task.no_log {
        Value::String(s) => ctx
            .templar
            .render_str(s, vars)
            .map_err(|e| format!("Error processing keyword 'no_log': {e}"))?,
        other => other.clone(),
    };
    if rendered.is_null() {
        return Ok(false);
    }
    drover_modules::de::bool_from_value(&rendered).ok_or_else(|| {
        format!("Error processing keyword 'no_log': {rendered} is not a valid boolean")
    })
}

/// The task that never ran because its `no_log` could not be evaluated (Ansible's wording).
fn invalid_no_log(ctx: &RunContext<'_>, task: &Task, vars: &Vars, msg: String) -> TaskResult {
    let warning = format!("Invalid no_log value for task, output will be masked: {msg}");
    let mut result = TaskResult::failed(format!("Task failed: {msg}"), task.module.name());
    result.result.insert(
        "warnings".into(),
        Value::Array(vec![Value::String(warning)]),
    );
    result.ignored = truthy(ctx, &task.ignore_errors, vars);
    result
}

/// A keyword value that may be a boolean or a template (`ignore_errors: "{{ x }}"`).
pub(super) fn truthy(ctx: &RunContext<'_>, value: &Value, vars: &Vars) -> bool {
    let rendered = match value {
        Value::String(s) => ctx
            .templar
            .render_str(s, vars)
            .unwrap_or(Value::Bool(false)),
        other => other.clone(),
    };
    drover_modules::de::bool_from_value(&rendered).unwrap_or(false)
}

fn censor(r: &mut TaskResult) {
    let changed = r
        .result
        .get("changed")
        .cloned()
        .unwrap_or(Value::Bool(false));
    let mut censored = Map::new();
    censored.insert("censored".into(), Value::String(CENSORED.into()));
    censored.insert("changed".into(), changed);
    if r.status == Status::Failed {
        censored.insert("failed".into(), Value::Bool(true));
    }
    r.result = censored;
    r.diffs.clear();
    let hidden = || Map::from_iter([("censored".to_string(), Value::String(CENSORED.into()))]);
    for retry in &mut r.retries {
        retry.result = hidden();
    }
    for item in &mut r.items {
        item.result = hidden();
        item.diffs.clear();
        item.label = "(censored due to no_log)".into();
        for retry in &mut item.retries {
            retry.result = hidden();
        }
    }
}
