//! `script`: a controller file pushed to a temp file on the target and run there — by its shebang
//! (`/bin/sh` without one) or by `executable` — with the rest of the line as its arguments (shell
//! text, as in Ansible). `creates`/`removes` skip it; check mode runs nothing.

use crate::doc::Written;
use crate::files::write::{Content, push_temp};
use crate::{Cmd, FreeForm, Host, LocalFile, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Script;

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
    /// Vaulted scripts are decrypted on the controller (the engine's `read_local`); `false` is refused.
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub decrypt: bool,
}

/// The script's controller path and the arguments after it (shell text, kept as written).
struct Line<'a> {
    path: String,
    args: &'a str,
}

fn line(p: &Params) -> Result<Line<'_>, ModuleError> {
    let text = match (&p._raw_params, &p.cmd) {
        (Some(t), None) | (None, Some(t)) => t.trim(),
        (None, None) => return Err(ModuleError::Params("no script given".into())),
        _ => {
            return Err(ModuleError::Params(
                "give the script either free-form or as cmd, not both".into(),
            ));
        }
    };
    let words = shlex::split(text).ok_or_else(|| {
        ModuleError::Params(format!(
            "cannot split the script line {text:?} (unbalanced quotes)"
        ))
    })?;
    let Some(path) = words.into_iter().next() else {
        return Err(ModuleError::Params("no script given".into()));
    };
    Ok(Line {
        args: rest_after_first_word(text),
        path,
    })
}

/// The text after the first (possibly quoted) word, as written.
fn rest_after_first_word(text: &str) -> &str {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            _ if escaped => escaped = false,
            (None, '\\') | (Some('"'), '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => return text[i..].trim(),
            _ => {}
        }
    }
    ""
}

#[async_trait::async_trait]
impl Module for Script {
    type Params = Params;
    const NAME: &'static str = "script";
    const DOC: Written = Written {
        description: "Pushes a controller script to a temp file on the target (length and checksum verified first) and runs it by its shebang, or `/bin/sh` without one; the rest of the line is its arguments.",
        example: "- name: Prepare the host\n  script: files/prepare.sh --fast\n  args:\n    creates: /etc/prepared\n",
        args: &[
            (
                "cmd",
                "",
                "The script (looked up in `files/` next to the playbook) and its arguments (shell text); or free form.",
            ),
            ("chdir", "", "An absolute directory to run it in."),
            ("creates", "", "Skip when this path exists on the target."),
            (
                "removes",
                "",
                "Skip when this path does not exist on the target.",
            ),
            (
                "executable",
                "",
                "The interpreter to run it with instead of its shebang.",
            ),
            (
                "decrypt",
                "true",
                "Vaulted scripts are decrypted on the controller; `false` is refused.",
            ),
        ],
    };
    const FREE_FORM: FreeForm = FreeForm::RawParams;

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if !p.decrypt {
            return Err(ModuleError::Params(
                "decrypt: false is not supported: vaulted scripts are decrypted on the controller"
                    .into(),
            ));
        }
        if let Some(dir) = &p.chdir
            && !dir.starts_with('/')
        {
            return Err(ModuleError::Params(format!(
                "chdir {dir} must be an absolute path for a Unix-aware remote node"
            )));
        }
        line(p).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let line = line(&p)?;
        if let Some(reason) = skip_reason(&p, host).await? {
            return Ok(Plan::skip(reason));
        }
        let content = host.read_local(&line.path, LocalFile::File)?;
        if host.check_mode() {
            if p.creates.is_none() && p.removes.is_none() {
                return Ok(Plan::skip("Check mode is not supported for this task."));
            }
            // The script would run: changed, and nothing runs in check mode.
            return Ok(Plan::with_steps(vec![Step::run(Cmd::new("true"))]));
        }
        let mut run = String::from("chmod 700 \"$t\" || exit 1; ");
        if let Some(dir) = &p.chdir {
            run.push_str(&format!("cd {} || exit 1; ", crate::cmd::quote(dir)));
        }
        if let Some(exe) = &p.executable {
            run.push_str(&format!("{} ", crate::cmd::quote(exe)));
        }
        // Not `exec`: the EXIT trap must still remove the temp file once the script is done.
        run.push_str(&format!("\"$t\" {}", line.args));
        let mut step = push_temp(Content::new(content), &line.path, run.trim_end());
        step.register_output = true;
        Ok(Plan::with_steps(vec![step]))
    }
}

/// Ansible skips the task (not merely "ok") when `creates` exists or `removes` does not.
async fn skip_reason(p: &Params, host: &mut dyn Host) -> Result<Option<String>, ModuleError> {
    if let Some(path) = &p.creates
        && host.query(&Cmd::new("test -e").arg(path)).await?.success()
    {
        return Ok(Some(format!("{path} exists, matching creates option")));
    }
    if let Some(path) = &p.removes
        && !host.query(&Cmd::new("test -e").arg(path)).await?.success()
    {
        return Ok(Some(format!(
            "{path} does not exist, matching removes option"
        )));
    }
    Ok(None)
}
