//! Which handlers a notification runs, as ansible-core resolves it: the first handler the name
//! names, and every handler that listens to it as a topic (one per handler name), each in its
//! place in the handler list.

use crate::playbook::Task;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

/// Whether `handlers[index]` runs for a host whose pending notifications are `notified`. When
/// it does, the notifications it answers are spent, except those a later handler answers too
/// (they still run that one). Notifications it does not answer stay for later flushes.
pub fn take(handlers: &[Arc<Task>], index: usize, notified: &mut BTreeSet<String>) -> bool {
    let answers = |n: &String| answering(handlers, n).contains(&index);
    if !notified.iter().any(answers) {
        return false;
    }
    notified.retain(|n| {
        let who = answering(handlers, n);
        !who.contains(&index) || who.iter().any(|&i| i > index)
    });
    true
}

/// Whether any of `handlers` answers `notification`.
pub fn answered<'a>(mut handlers: impl Iterator<Item = &'a Arc<Task>>, notification: &str) -> bool {
    handlers.any(|h| named(h, notification) || listens(h, notification))
}

/// The places of the handlers `notification` runs.
fn answering(handlers: &[Arc<Task>], notification: &str) -> Vec<usize> {
    let mut found: Vec<usize> = handlers
        .iter()
        .position(|h| named(h, notification))
        .into_iter()
        .collect();
    let mut listener_names = HashSet::new();
    for (index, handler) in handlers.iter().enumerate() {
        if !listens(handler, notification) || found.contains(&index) {
            continue;
        }
        // Listeners sharing a name run once, as ansible-core dedupes them by name.
        if handler
            .name
            .as_deref()
            .is_some_and(|name| !listener_names.insert(name))
        {
            continue;
        }
        found.push(index);
    }
    found
}

/// `notification` names the handler: its name (or `ROLE : name`), or its module when unnamed.
fn named(handler: &Task, notification: &str) -> bool {
    handler.name.as_deref() == Some(notification)
        || handler.action == notification
        || in_role(handler, notification).is_some_and(|rest| handler.name.as_deref() == Some(rest))
}

/// The handler listens to `notification` (or `ROLE : topic`).
fn listens(handler: &Task, notification: &str) -> bool {
    let topic = |t: &str| handler.listen.iter().any(|l| l == t);
    topic(notification) || in_role(handler, notification).is_some_and(topic)
}

/// What follows `ROLE : ` in `notification` when ROLE is the handler's role, by its full name or,
/// for a collection's role (`ns.col.role`), its short one.
fn in_role<'a>(handler: &Task, notification: &'a str) -> Option<&'a str> {
    let role = handler.role.as_ref()?;
    let (prefix, rest) = notification.split_once(" : ")?;
    let short = role.full_name.rsplit('.').next();
    (prefix == role.full_name || short == Some(prefix)).then_some(rest)
}
