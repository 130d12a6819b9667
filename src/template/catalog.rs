//! Which of ansible-core's filters, tests and lookups drover's template environment has: asked of
//! the environment itself, so the compatibility table (`src/compat.rs`) cannot claim a plugin that
//! is not registered.

use super::{Templar, lookups, plugins};
use minijinja::ErrorKind;

/// Every ansible-core filter, with whether drover's environment has it.
pub fn filters() -> Vec<(String, bool)> {
    let templar = Templar::new();
    plugins::ansible_names("filter")
        .into_iter()
        .map(|name| {
            let has = templar.has_plugin(&name, ErrorKind::UnknownFilter);
            (name, has)
        })
        .collect()
}

/// Every ansible-core test, with whether drover's environment has it.
pub fn tests() -> Vec<(String, bool)> {
    let templar = Templar::new();
    plugins::ansible_names("test")
        .into_iter()
        .map(|name| {
            let has = templar.has_plugin(&name, ErrorKind::UnknownTest);
            (name, has)
        })
        .collect()
}

/// Every lookup ansible-core ships and every one drover runs, with whether drover runs it.
pub fn lookups() -> Vec<(String, bool)> {
    let mut names = plugins::ansible_names("lookup");
    names.extend(lookups::LOOKUPS.iter().map(|(name, _)| name.to_string()));
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let has = lookups::find(&name).is_some();
            (name, has)
        })
        .collect()
}

impl Templar {
    /// Whether the environment has the filter or test `name`. minijinja has no public registry to
    /// read, so the plugin is called without arguments: only a missing plugin fails with `missing`
    /// (a present one fails on its arguments, or runs harmlessly).
    fn has_plugin(&self, name: &str, missing: ErrorKind) -> bool {
        let Ok(template) = self.env.template_from_str("") else {
            return false;
        };
        let mut state = template.new_state();
        let outcome = match missing {
            ErrorKind::UnknownTest => state.perform_test(name, &[]).map(|_| ()),
            _ => state.apply_filter(name, &[]).map(|_| ()),
        };
        !matches!(outcome, Err(e) if e.kind() == missing)
    }
}
