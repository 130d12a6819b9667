//! `set_fact`: variables for this host for the rest of the run (returned as `ansible_facts`).

use crate::doc::Written;
use crate::{Host, Module, ModuleError, Plan};
use serde_json::{Map, Value};

pub struct SetFact;

#[async_trait::async_trait]
impl Module for SetFact {
    type Params = Map<String, Value>;
    const NAME: &'static str = "set_fact";
    const DOC: Written = Written {
        description: "Sets variables on the host for the rest of the run (every later play too).",
        example: "- set_fact:\n    app_port: 8080\n    app_url: \"http://{{ inventory_hostname }}:8080\"\n",
        args: &[],
    };

    fn validate(&self, facts: &Map<String, Value>) -> Result<(), ModuleError> {
        let mut names = facts.keys().filter(|k| *k != "cacheable").peekable();
        if names.peek().is_none() {
            return Err(ModuleError::Params(
                "set_fact needs at least one variable".into(),
            ));
        }
        if let Some(bad) = names.find(|k| !is_variable_name(k)) {
            return Err(ModuleError::Params(format!(
                "Invalid variable name '{bad}'. Variable names must be strings starting with a letter or underscore character, and contain only letters, numbers and underscores."
            )));
        }
        Ok(())
    }

    async fn plan(
        &self,
        mut facts: Map<String, Value>,
        _host: &mut dyn Host,
    ) -> Result<Plan, ModuleError> {
        self.validate(&facts)?;
        facts.remove("cacheable");
        Ok(Plan::ok().set("ansible_facts", Value::Object(facts)))
    }
}

/// Names Jinja gives a meaning of its own: they can never be read back as variables.
const JINJA_KEYWORDS: [&str; 7] = ["true", "false", "none", "True", "False", "None", "not"];

/// ansible-core's `validate_variable_name`: an ASCII identifier that is no Jinja keyword.
fn is_variable_name(name: &str) -> bool {
    is_identifier(name) && !JINJA_KEYWORDS.contains(&name)
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
