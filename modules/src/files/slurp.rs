//! `slurp`: a file's content, base64-encoded, as Ansible's result (`content`, `encoding`, `source`).
//! Read-only: one query, never a change, the same in check mode.

use crate::cmd::quote;
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;

pub struct Slurp;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "path", deserialize_with = "crate::de::string")]
    pub src: String,
}

#[async_trait::async_trait]
impl Module for Slurp {
    type Params = Params;
    const NAME: &'static str = "slurp";
    const DOC: Written = Written {
        description: "Reads a file from the target, base64-encoded, in one query.",
        example: "- slurp:\n    src: /etc/hostname\n  register: hostname\n",
        args: &[(
            "src",
            "",
            "See Ansible's `slurp` documentation; drover takes it with the same meaning.",
        )],
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let out = host.query(&query(&p.src)).await?;
        let mut lines = out.stdout.lines();
        let verdict = lines.next().unwrap_or_default();
        let src = p.src.as_str();
        Ok(match verdict {
            "content:" if out.success() => {
                let content: String = lines.map(str::trim).collect();
                Plan::ok()
                    .set("content", content)
                    .set("encoding", "base64")
                    .set("source", src)
            }
            "absent" => Plan::fail(format!("File not found: {src}")),
            "directory" => Plan::fail(format!("Source is a directory and must be a file: {src}")),
            "unreadable" => Plan::fail(format!("File is not readable: {src}")),
            _ => Plan::fail(format!(
                "Unable to slurp file: {src}: {}",
                out.stderr.trim()
            )),
        })
    }
}

/// Says why the file cannot be read, or prints `content:` and the base64 of its bytes.
fn query(src: &str) -> Cmd {
    Cmd::new(&format!(
        "p={}; if [ ! -e \"$p\" ]; then echo absent; elif [ -d \"$p\" ]; then echo directory; \
         elif [ ! -r \"$p\" ]; then echo unreadable; else echo content:; base64 < \"$p\"; fi",
        quote(src)
    ))
}
