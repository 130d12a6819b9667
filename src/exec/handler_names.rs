//! Templated handler names (`name: restart {{ service }}`), rendered once per play as
//! ansible-core renders them when a notification first looks for them: with the variables that do
//! not depend on a host — the handler's role defaults, the play's `vars`, the role's `vars/` and
//! parameters, the extra vars. A name that cannot be rendered stays as written.

use super::RunContext;
use crate::playbook::{Play, Task};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The host-independent variables of `play` a handler name may use (its role's are added per
/// handler).
pub(super) fn play_name_vars(play: &Play) -> Map<String, Value> {
    let mut vars = play.vars.clone();
    // The play's roles' `vars/` are play-wide in drover (see `play_vars`).
    vars.extend(play.roles.vars.clone());
    vars
}

/// `handler` with its name rendered (shared as it is when the name has no template), and
/// ansible-core's warning when the name cannot be rendered and no `listen` topic reaches it.
pub(super) fn named(
    handler: &Task,
    play_vars: &Map<String, Value>,
    ctx: &RunContext<'_>,
) -> (Arc<Task>, Option<String>) {
    let Some(name) = handler.name.as_deref().filter(|n| is_template(n)) else {
        return (Arc::new(handler.clone()), None);
    };
    let mut named = handler.clone();
    let mut unusable = None;
    match ctx
        .templar
        .render_str(name, &name_vars(handler, play_vars, ctx))
    {
        Ok(Value::String(rendered)) => named.name = Some(rendered),
        Ok(other) => named.name = Some(other.to_string()),
        Err(e) if handler.listen.is_empty() => {
            unusable = Some(format!(
                "Handler '{name}' is unusable because it has no listen topics and the name could not be templated (host-specific variables are not supported in handler names). The error: {e}"
            ));
        }
        Err(_) => {}
    }
    (Arc::new(named), unusable)
}

fn is_template(name: &str) -> bool {
    name.contains("{{") || name.contains("{%")
}

/// Role defaults < play vars < role vars < role params < extra vars, as ansible-core layers the
/// variables of a task without a host.
fn name_vars(
    handler: &Task,
    play_vars: &Map<String, Value>,
    ctx: &RunContext<'_>,
) -> Map<String, Value> {
    let mut vars = Map::new();
    if let Some(role) = &handler.role {
        vars.extend(role.defaults.clone());
    }
    vars.extend(play_vars.clone());
    if let Some(role) = &handler.role {
        vars.extend(role.vars.clone());
        vars.extend(role.params.clone());
    }
    vars.extend(ctx.options.extra_vars.clone());
    vars
}
