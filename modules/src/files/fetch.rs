//! `fetch`: a target's file copied to the controller, to `dest/<inventory_hostname>/<src>` (or to
//! `dest` itself with `flat`), only when its SHA-1 differs from the controller's copy. The engine
//! saves the bytes the step prints and checks them against the SHA-1 the query read.

use crate::doc::Written;
use crate::facts::file::{self, FileKind, Want};
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use serde_json::Value;

pub struct Fetch;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub src: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub dest: String,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub flat: bool,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub fail_on_missing: bool,
    #[serde(
        default = "crate::de::yes",
        alias = "validate_md5",
        deserialize_with = "crate::de::boolean"
    )]
    pub validate_checksum: bool,
}

#[async_trait::async_trait]
impl Module for Fetch {
    type Params = Params;
    const NAME: &'static str = "fetch";
    const DOC: Written = Written {
        description: "Copies a target's file to the controller (`dest/<inventory_hostname>/<src>`, or `dest` with `flat`) when its SHA-1 differs; the bytes are checked against the target's SHA-1 before they replace the controller's copy. Skipped in check mode, as in Ansible.",
        example: "- name: Collect the logs\n  fetch:\n    src: /var/log/app.log\n    dest: collected/\n",
        args: &[
            ("src", "", "The file on the target (not a directory)."),
            (
                "dest",
                "",
                "A controller directory (relative: next to the playbook); the file goes to `dest/<inventory_hostname>/<src>`.",
            ),
            (
                "flat",
                "false",
                "Put the file at `dest` itself (`dest/` ending in a slash gets the source's name).",
            ),
            (
                "fail_on_missing",
                "true",
                "Fail when `src` is missing or a directory; `false` reports it and goes on.",
            ),
            (
                "validate_checksum",
                "true",
                "Refuse bytes whose SHA-1 is not the one the target reported.",
            ),
        ],
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        if host.check_mode() {
            return Ok(Plan::skip("check mode not (yet) supported for this module"));
        }
        let want = Want {
            checksum: Some("sha1sum"),
            content: false,
            follow: true,
        };
        let stat = file::parse(&host.query(&file::query(&p.src, want)).await?)?;
        let remote_sum = match stat {
            None => {
                return Ok(missing(
                    &p,
                    "the remote file does not exist, not transferring, ignored",
                ));
            }
            Some(s) if s.kind == FileKind::Directory => {
                let msg = "remote file is a directory, fetch cannot work on directories";
                return Ok(if p.fail_on_missing {
                    Plan::fail(msg).set("file", p.src.as_str())
                } else {
                    Plan::ok().set("msg", format!("{msg}, not transferring, ignored"))
                });
            }
            Some(s) => s.checksum.unwrap_or_default(),
        };
        let dest = local_dest(&p, host)?;
        let local_sum = host.local_checksum(&dest)?;
        if local_sum.as_deref() == Some(remote_sum.as_str()) {
            return Ok(Plan::ok()
                .set("file", p.src.as_str())
                .set("dest", dest.as_str())
                .set("checksum", remote_sum.as_str()));
        }
        let expected = p.validate_checksum.then(|| remote_sum.clone());
        let step = Step::run(Cmd::new("cat --").arg(&p.src)).save_local(dest.as_str(), expected);
        Ok(Plan::with_steps(vec![step])
            .set("dest", dest.as_str())
            .set("checksum", remote_sum.as_str())
            .set("remote_checksum", remote_sum.as_str())
            .set("remote_md5sum", Value::Null))
    }
}

fn missing(p: &Params, msg: &str) -> Plan {
    let plan = if p.fail_on_missing {
        Plan::fail(msg)
    } else {
        Plan::ok().set("msg", msg)
    };
    plan.set("file", p.src.as_str())
}

/// Where the file goes on the controller, absolute: relative `dest`s are below the playbook's
/// directory; without `flat`, `dest/<inventory_hostname>/<src>`; with it, `dest` (`dest/` gets the
/// source's name).
fn local_dest(p: &Params, host: &dyn Host) -> Result<String, ModuleError> {
    let dest = if p.flat {
        match p.dest.strip_suffix('/') {
            Some(dir) => format!("{dir}/{}", base_name(&p.src)),
            None => p.dest.clone(),
        }
    } else {
        let name = expect_string(host, "inventory_hostname")?;
        format!(
            "{}/{name}/{}",
            p.dest.trim_end_matches('/'),
            p.src.trim_start_matches('/')
        )
    };
    let absolute = |path: &str| -> Result<String, ModuleError> {
        if path.starts_with('/') {
            Ok(path.to_string())
        } else {
            Ok(format!("{}/{path}", expect_string(host, "playbook_dir")?))
        }
    };
    let within = normalize(&absolute(&p.dest)?);
    let dest = normalize(&absolute(&dest)?);
    let inside = dest == within || dest.starts_with(&format!("{}/", within.trim_end_matches('/')));
    if !inside {
        return Err(ModuleError::Failed(format!(
            "Detected directory traversal, expected to be contained in '{}' but got '{dest}'",
            p.dest
        )));
    }
    Ok(dest)
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn expect_string(host: &dyn Host, name: &str) -> Result<String, ModuleError> {
    match host.evaluate(name)? {
        Value::String(s) => Ok(s),
        other => Err(ModuleError::Failed(format!(
            "{name} is not a string: {other}"
        ))),
    }
}

/// `os.path.normpath` for an absolute path (`..` above the root stays at the root, as there).
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}
