//! `shell`: run a script through `/bin/sh -c` (or `executable`), pipes and all.

use super::{RunOptions, plan_run};
use crate::doc::Written;
use crate::{Cmd, FreeForm, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::Value;

pub struct Shell;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub _raw_params: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub cmd: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub chdir: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub creates: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub removes: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub executable: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub stdin: Option<String>,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub stdin_add_newline: bool,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub strip_empty_ends: bool,
}

/// The script: free-form or `cmd`, exactly one of them.
fn script(p: &Params) -> Result<&str, ModuleError> {
    match (&p._raw_params, &p.cmd) {
        (Some(s), None) | (None, Some(s)) => Ok(s),
        (None, None) => Err(ModuleError::Params("no command given".into())),
        _ => Err(ModuleError::Params(
            "give the command either free-form or as cmd, not both".into(),
        )),
    }
}

#[async_trait::async_trait]
impl Module for Shell {
    type Params = Params;
    const NAME: &'static str = "shell";
    const DOC: Written = Written {
        description: "Runs a script with `/bin/sh -c` (or `executable`) on the target: pipes, redirections and variables work.",
        example: "- name: Count the users\n  shell: getent passwd | wc -l\n  register: users\n",
        args: &[
            ("cmd", "", "The script (instead of the free form)."),
            ("chdir", "", "Directory to run the script in."),
            (
                "creates",
                "",
                "A path: when it exists, the script is not run.",
            ),
            (
                "removes",
                "",
                "A path: when it does not exist, the script is not run.",
            ),
            ("executable", "/bin/sh", "The shell that runs the script."),
            (
                "stdin",
                "",
                "Text given to the script on its standard input.",
            ),
            ("stdin_add_newline", "true", "Adds a newline to `stdin`."),
            (
                "strip_empty_ends",
                "true",
                "Strips empty lines at the end of stdout and stderr.",
            ),
        ],
    };
    const FREE_FORM: FreeForm = FreeForm::RawParams;

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        script(p).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let script = script(&p)?.to_string();
        let run = Cmd::new("exec")
            .arg(p.executable.as_deref().unwrap_or("/bin/sh"))
            .arg("-c")
            .arg(&script);
        let opts = RunOptions {
            chdir: p.chdir.as_deref(),
            creates: p.creates.as_deref(),
            removes: p.removes.as_deref(),
            stdin: p.stdin.as_deref(),
            add_newline: p.stdin_add_newline,
        };
        plan_run(host, run, Value::from(script), opts).await
    }
}
