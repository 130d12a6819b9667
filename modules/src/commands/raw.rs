//! `raw`: send the text as it is to the remote shell — for hosts with nothing else.

use crate::doc::Written;
use crate::{Cmd, FreeForm, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use serde_json::Value;

pub struct Raw;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub _raw_params: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub executable: Option<String>,
}

#[async_trait::async_trait]
impl Module for Raw {
    type Params = Params;
    const NAME: &'static str = "raw";
    const DOC: Written = Written {
        description: "Sends the text to the target's login shell as it is; nothing is checked first.",
        example: "- raw: cat /etc/os-release\n",
        args: &[("executable", "", "The shell that runs the text.")],
    };
    const FREE_FORM: FreeForm = FreeForm::RawParams;

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        if host.check_mode() {
            return Ok(Plan::skip("Command would have run if not in check mode"));
        }
        let cmd = match &p.executable {
            Some(exe) => Cmd::new("exec").arg(exe).arg("-c").arg(&p._raw_params),
            None => Cmd::new("").script(&p._raw_params),
        };
        let plan = Plan::with_steps(vec![Step::registered(cmd)])
            .set("cmd", Value::from(p._raw_params.as_str()));
        Ok(plan)
    }
}
