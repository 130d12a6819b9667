//! The items of a `with_<lookup>:` loop: ansible-core's `with_X: terms` is
//! `lookup('X', terms, wantlist=True)`, so the loop calls the one lookup registry
//! (`template::lookups`) with the task's variables, search path and action.

use super::RunContext;
use crate::playbook::WithLookup;
use crate::template::Vars;
use crate::template::lookups::{self, LookupContext, TemplateJob};
use crate::template::search_path;
use serde_json::Value;

/// The loop items `lookup` gives for `terms` (already templated), for a task running `action`.
pub fn expand(
    ctx: &RunContext<'_>,
    action: &str,
    lookup: WithLookup,
    terms: Vec<Value>,
    vars: &Vars,
) -> Result<Vec<Value>, String> {
    let var = |name: &str| {
        vars.get(name)
            .and_then(|raw| ctx.templar.render_value(raw, vars).ok())
    };
    let search_dirs = search_path::search_path(vars, ctx.playbook_dir);
    let render = |job: &TemplateJob| {
        let mut scope = vars.clone();
        scope.extend(job.extra.clone());
        let (env, dirs) = (ctx.templar.env(), job.include_dirs);
        crate::template::render_file_in(env, job.name, job.text, &scope, dirs, job.syntax)
            .map_err(|e| e.to_string())
    };
    let names = || vars.keys().cloned().collect();
    let lookup_ctx = LookupContext {
        var: &var,
        names: &names,
        search_dirs: search_dirs.clone(),
        render: &render,
        subdir: LookupContext::subdir_for_action(action),
    };
    lookups::run(lookup.name(), &terms, &lookup_ctx)
}
