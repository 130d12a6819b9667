//! `ping`: prove that drover can run commands on the host (one round trip).

use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::Value;

pub struct Ping;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default)]
    pub data: Option<Value>,
}

#[async_trait::async_trait]
impl Module for Ping {
    type Params = Params;
    const NAME: &'static str = "ping";
    const DOC: Written = Written {
        description: "Checks the connection with one round trip; returns `ping: pong`.",
        example: "- ping:\n",
        args: &[(
            "data",
            "pong",
            "What to return; `crash` makes the task fail.",
        )],
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let data = p.data.unwrap_or_else(|| Value::from("pong"));
        if data == "crash" {
            return Ok(Plan::fail("boom"));
        }
        let out = host.query(&Cmd::new("echo pong")).await?;
        if !out.success() || out.stdout.trim() != "pong" {
            return Ok(Plan::fail(format!(
                "the host did not answer as expected: {}",
                out.stderr.trim()
            )));
        }
        Ok(Plan::ok().set("ping", data))
    }
}
