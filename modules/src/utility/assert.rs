//! `assert`: every expression in `that` must hold, or the task fails.

use crate::de::truthy;
use crate::doc::Written;
use crate::{Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::Value;

pub struct Assert;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub that: Value,
    #[serde(default, alias = "msg")]
    pub fail_msg: Option<Value>,
    #[serde(default)]
    pub success_msg: Option<Value>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub quiet: bool,
}

#[async_trait::async_trait]
impl Module for Assert {
    type Params = Params;
    const NAME: &'static str = "assert";
    const DOC: Written = Written {
        description: "Fails the host when a condition does not hold.",
        example: "- assert:\n    that:\n      - app_port | int > 1024\n    fail_msg: \"app_port must not be privileged\"\n",
        args: &[
            (
                "that",
                "",
                "One condition or a list of them (Jinja expressions without braces).",
            ),
            (
                "fail_msg",
                "Assertion failed",
                "The message when a condition is false.",
            ),
            (
                "success_msg",
                "All assertions passed",
                "The message when all hold.",
            ),
            ("quiet", "false", "Shows less on success."),
        ],
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let conditions = match p.that {
            Value::Array(items) => items,
            other => vec![other],
        };
        for condition in conditions {
            let holds = match &condition {
                Value::String(expr) => truthy(&host.evaluate(expr)?),
                other => truthy(other),
            };
            if !holds {
                let msg = p
                    .fail_msg
                    .clone()
                    .unwrap_or_else(|| Value::from("Assertion failed"));
                let mut plan = Plan::fail(match &msg {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                plan = plan.set("assertion", condition).set("evaluated_to", false);
                return Ok(plan);
            }
        }
        let msg = p
            .success_msg
            .unwrap_or_else(|| Value::from("All assertions passed"));
        Ok(if p.quiet {
            Plan::ok()
        } else {
            Plan::ok().set("msg", msg)
        })
    }
}
