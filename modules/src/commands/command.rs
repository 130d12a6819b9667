//! `command`: run a program with arguments, no shell involved (no pipes, no redirections, no `$VAR`).

use super::{RunOptions, plan_run};
use crate::doc::Written;
use crate::{Cmd, FreeForm, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::Value;

pub struct Command;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub _raw_params: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub cmd: Option<String>,
    #[serde(default)]
    pub argv: Option<Vec<Value>>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub chdir: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub creates: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub removes: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub stdin: Option<String>,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub stdin_add_newline: bool,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub strip_empty_ends: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub expand_argument_vars: bool,
}

#[async_trait::async_trait]
impl Module for Command {
    type Params = Params;
    const NAME: &'static str = "command";
    const DOC: Written = Written {
        description: "Runs a command on the target without a shell: the line is split as a shell would split it and each word is quoted. Skipped in check mode unless `creates`/`removes` decide.",
        example: "- name: Show the kernel\n  command: uname -r\n  register: kernel\n\n- command:\n    argv: [touch, /srv/flag]\n    creates: /srv/flag\n",
        args: &[
            ("cmd", "", "The command line (instead of the free form)."),
            (
                "argv",
                "",
                "The command as a list of words, none of them split again.",
            ),
            ("chdir", "", "Directory to run the command in."),
            (
                "creates",
                "",
                "A path: when it exists, the command is not run.",
            ),
            (
                "removes",
                "",
                "A path: when it does not exist, the command is not run.",
            ),
            (
                "stdin",
                "",
                "Text given to the command on its standard input.",
            ),
            ("stdin_add_newline", "true", "Adds a newline to `stdin`."),
            (
                "strip_empty_ends",
                "true",
                "Strips empty lines at the end of stdout and stderr.",
            ),
            (
                "expand_argument_vars",
                "false",
                "Accepted; variables are never expanded (there is no shell).",
            ),
        ],
    };
    const FREE_FORM: FreeForm = FreeForm::RawParams;

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        argv(p).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let argv = argv(&p)?;
        let Some((program, args)) = argv.split_first() else {
            return Err(ModuleError::Params("no command given".into()));
        };
        let run = Cmd::new("exec").arg(program).args(args);
        let shown = Value::from(argv.clone());
        let opts = RunOptions {
            chdir: p.chdir.as_deref(),
            creates: p.creates.as_deref(),
            removes: p.removes.as_deref(),
            stdin: p.stdin.as_deref(),
            add_newline: p.stdin_add_newline,
        };
        plan_run(host, run, shown, opts).await
    }
}

/// The program and its arguments; never empty.
fn argv(p: &Params) -> Result<Vec<String>, ModuleError> {
    let argv = given_argv(p)?;
    if argv.is_empty() {
        return Err(ModuleError::Params("no command given".into()));
    }
    Ok(argv)
}

fn given_argv(p: &Params) -> Result<Vec<String>, ModuleError> {
    match (&p._raw_params, &p.cmd, &p.argv) {
        (Some(text), None, None) | (None, Some(text), None) => {
            shlex::split(text).ok_or_else(|| {
                ModuleError::Params(format!(
                    "cannot split the command line {text:?} (unbalanced quotes)"
                ))
            })
        }
        (None, None, Some(items)) => Ok(items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()),
        (None, None, None) => Err(ModuleError::Params("no command given".into())),
        _ => Err(ModuleError::Params(
            "only one of the free-form command, cmd and argv can be given".into(),
        )),
    }
}
