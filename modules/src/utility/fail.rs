//! `fail`: fail the task with a message.

use crate::doc::Written;
use crate::{Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::Value;

pub struct Fail;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default)]
    pub msg: Option<Value>,
}

#[async_trait::async_trait]
impl Module for Fail {
    type Params = Params;
    const NAME: &'static str = "fail";
    const DOC: Written = Written {
        description: "Fails the host with a message.",
        example: "- fail:\n    msg: \"unsupported system\"\n  when: ansible_facts.os_family != 'Debian'\n",
        args: &[("msg", "Failed as requested from task", "The message.")],
    };

    async fn plan(&self, p: Params, _host: &mut dyn Host) -> Result<Plan, ModuleError> {
        Ok(Plan::fail(match p.msg {
            None => "Failed as requested from task".to_string(),
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
        }))
    }
}
