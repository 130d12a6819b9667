//! Modules that run what the user wrote: `command` (no shell), `shell` (`/bin/sh -c`), `raw` (as is).
//! They share `creates`/`removes`, `chdir` and check-mode handling.

pub mod command;
pub mod raw;
pub mod script;
pub mod shell;

use crate::{Cmd, Host, ModuleError, Plan, Step};
use serde_json::Value;

/// The options `command` and `shell` share.
pub(crate) struct RunOptions<'a> {
    pub chdir: Option<&'a str>,
    pub creates: Option<&'a str>,
    pub removes: Option<&'a str>,
    pub stdin: Option<&'a str>,
    pub add_newline: bool,
}

/// `creates`/`removes` decide whether to run at all; check mode never runs.
pub(crate) async fn plan_run(
    host: &mut dyn Host,
    run: Cmd,
    shown: Value,
    opts: RunOptions<'_>,
) -> Result<Plan, ModuleError> {
    for (path, skip_if_exists) in [(opts.creates, true), (opts.removes, false)] {
        let Some(path) = path else { continue };
        let test = match opts.chdir {
            Some(dir) if !path.starts_with('/') => {
                Cmd::new("cd").arg(dir).and(Cmd::new("test -e").arg(path))
            }
            _ => Cmd::new("test -e").arg(path),
        };
        let exists = host.query(&test).await?.success();
        if exists == skip_if_exists {
            let why = if skip_if_exists {
                format!("skipped, since {path} exists")
            } else {
                format!("skipped, since {path} does not exist")
            };
            return Ok(Plan::ok()
                .set("cmd", shown)
                .set("rc", 0)
                .set("stdout", why.as_str())
                .set("msg", why.as_str()));
        }
    }
    if host.check_mode() {
        return Ok(Plan::skip("Command would have run if not in check mode").set("cmd", shown));
    }
    let cmd = match opts.chdir {
        Some(dir) => Cmd::new("cd").arg(dir).and(run),
        None => run,
    };
    let mut step = Step::registered(cmd);
    if let Some(input) = opts.stdin {
        let mut bytes = input.as_bytes().to_vec();
        if opts.add_newline {
            bytes.push(b'\n');
        }
        step.stdin = Some(bytes);
    }
    Ok(Plan::with_steps(vec![step]).set("cmd", shown))
}
