//! What a task's banner shows: its name templated, as ansible-core's strategies template it
//! (`post_validate_attribute("name")`) with the variables of the first host that runs the task,
//! before the callbacks see it.

use super::RunContext;
use super::host::HostState;
use super::worker;
use crate::playbook::Task;
use crate::template::lookup_lists::python_str;
use std::borrow::Cow;

/// `task` with its name templated with `host`'s variables; the task itself when its name holds
/// no template. A name that cannot be rendered (an undefined variable, such as a loop's `item`
/// before the loop) is shown as written.
pub(super) fn shown<'t>(
    ctx: &RunContext<'_>,
    host: &mut HostState,
    task: &'t Task,
) -> Cow<'t, Task> {
    let Some(name) = task.name.as_deref().filter(|n| is_templated(n)) else {
        return Cow::Borrowed(task);
    };
    let vars = worker::task_vars(ctx, host, task);
    match ctx.templar.render_str(name, &vars) {
        Ok(rendered) => {
            let mut task = task.clone();
            task.name = Some(python_str(&rendered));
            Cow::Owned(task)
        }
        Err(_) => Cow::Borrowed(task),
    }
}

fn is_templated(name: &str) -> bool {
    name.contains("{{") || name.contains("{%")
}
