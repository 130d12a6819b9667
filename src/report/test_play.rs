//! A play for reporters' tests: a name and nothing else, as a reporter sees it.

use crate::playbook::Play;

/// A play named `name` on `all` with no tasks.
pub(crate) fn named(name: &str) -> Play {
    Play {
        name: name.into(),
        hosts: "all".into(),
        vars: Default::default(),
        vars_files: Vec::new(),
        prompts: Vec::new(),
        gather_facts: None,
        tags: Vec::new(),
        tags_error: None,
        sections: Vec::new(),
        handlers: Vec::new(),
        flow: Default::default(),
        roles: Default::default(),
        origin: Default::default(),
    }
}
