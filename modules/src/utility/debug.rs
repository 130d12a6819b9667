//! `debug`: print a message or a variable's value.

use crate::doc::Written;
use crate::{Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::Value;

pub struct Debug;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `msg: null` (`msg={{ none }}`) is a message, shown as null: only an absent one is the default.
    #[serde(default, deserialize_with = "present")]
    pub msg: Option<Value>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub var: Option<String>,
    #[serde(default)]
    pub verbosity: Option<Value>,
}

#[async_trait::async_trait]
impl Module for Debug {
    type Params = Params;
    const NAME: &'static str = "debug";
    const DOC: Written = Written {
        description: "Prints a message or a variable; never touches the target.",
        example: "- debug:\n    msg: \"{{ inventory_hostname }} runs {{ ansible_facts.distribution }}\"\n\n- debug: var=result verbosity=1\n",
        args: &[
            ("msg", "Hello world!", "The message (any value)."),
            ("var", "", "A variable's name (or an expression) to show."),
            ("verbosity", "0", "Shown only from this many `-v` on."),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.msg.is_some() && p.var.is_some() {
            return Err(ModuleError::Params(
                "parameters are mutually exclusive: msg|var".into(),
            ));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        if verbosity_not_met(p.verbosity.as_ref(), host) {
            return Ok(Plan::skip("Verbosity threshold not met."));
        }
        // validate() has made msg and var exclusive.
        match (p.msg, p.var) {
            (_, Some(var)) => {
                let value = match host.evaluate(&var) {
                    Ok(value) => value,
                    Err(e) => shown_instead(e)?,
                };
                Ok(Plan::ok().set(&var, value))
            }
            (msg, None) => {
                Ok(Plan::ok().set("msg", msg.unwrap_or_else(|| Value::from("Hello world!"))))
            }
        }
    }
}

/// `verbosity: N` above the run's `-v` count: ansible-core's debug action skips the task.
fn verbosity_not_met(wanted: Option<&Value>, host: &mut dyn Host) -> bool {
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let Some(wanted) = wanted.and_then(number).filter(|w| *w > 0) else {
        return false;
    };
    let current = host
        .evaluate("ansible_verbosity")
        .ok()
        .as_ref()
        .and_then(number)
        .unwrap_or(0);
    wanted > current
}

/// Any value given, null included, as `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// What `var:` shows when it cannot be evaluated. ansible-core 2.19 replaces an undefined value
/// by its error marker (`<< error 1 - 'x' is undefined >>`); its debug action numbers the errors
/// of one `var`, and a single undefined name makes one. Any other error (a filter that fails,
/// `urlsplit('bad')`) fails the task, as in ansible-core 2.19.
fn shown_instead(error: ModuleError) -> Result<Value, ModuleError> {
    match &error {
        ModuleError::Failed(message)
            if (message.starts_with('\'') && message.ends_with("' is undefined"))
                || (message.starts_with("object of type '")
                    && message.contains("' has no attribute ")) =>
        {
            Ok(Value::from(format!("<< error 1 - {message} >>")))
        }
        ModuleError::Failed(message)
            if message.contains("undefined") || message.contains("has no attribute") =>
        {
            Ok(Value::from("VARIABLE IS NOT DEFINED!"))
        }
        _ => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_var_that_fails_for_another_reason_than_undefined_fails_the_task() {
        let failed = |m: &str| ModuleError::Failed(m.to_string());
        assert_eq!(
            shown_instead(failed("'x' is undefined")).ok(),
            Some(Value::from("<< error 1 - 'x' is undefined >>"))
        );
        assert!(shown_instead(failed("urlsplit: unknown URL component: bad")).is_err());
    }
}
