//! `set_fact`: variables for this host for the rest of the run (returned as `ansible_facts`).

use crate::{Host, Module, ModuleError, Plan};
use serde_json::{Map, Value};

pub struct SetFact;

#[async_trait::async_trait]
impl Module for SetFact {
    type Params = Map<String, Value>;
    const NAME: &'static str = "set_fact";

    async fn plan(
        &self,
        mut facts: Map<String, Value>,
        _host: &mut dyn Host,
    ) -> Result<Plan, ModuleError> {
        facts.remove("cacheable");
        if facts.is_empty() {
            return Err(ModuleError::Params(
                "set_fact needs at least one variable".into(),
            ));
        }
        if let Some(bad) = facts.keys().find(|k| !is_identifier(k)) {
            return Err(ModuleError::Params(format!(
                "the variable name '{bad}' is not valid"
            )));
        }
        Ok(Plan::ok().set("ansible_facts", Value::Object(facts)))
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
