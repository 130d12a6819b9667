//! `package`: the host's own package manager, as Ansible's `package` action picks it: `use`, else
//! the `pkg_mgr` fact when facts were gathered, else asked of the host (`command -v`). The task's
//! other arguments go to that module unchanged.

use crate::doc::Written;
use crate::registry::DynModule;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::{Map, Value};

pub struct Package;

#[derive(Debug, Deserialize)]
pub struct Params {
    #[serde(default, rename = "use", deserialize_with = "crate::de::opt_string")]
    pub use_: Option<String>,
    #[serde(flatten)]
    pub args: Map<String, Value>,
}

/// The backends drover has, by `pkg_mgr` name.
fn backend(name: &str) -> Option<&'static dyn DynModule> {
    Some(match name {
        "apt" => &super::apt::Apt,
        "dnf" | "dnf5" => &super::dnf::Dnf,
        "yum" => &super::dnf::Yum,
        "apk" => &super::apk::Apk,
        _ => return None,
    })
}

/// `command -v` in Ansible's order of preference (the `pkg_mgr` fact's).
const DETECT: &str = "for p in apt-get dnf yum apk zypper pacman; do command -v $p >/dev/null && { echo $p; break; }; done";

#[async_trait::async_trait]
impl Module for Package {
    type Params = Params;
    const NAME: &'static str = "package";
    const DOC: Written = Written {
        description: "Installs or removes packages with the host's package manager (the `pkg_mgr` fact: apt, dnf, yum, apk).",
        example: "- package:\n    name: git\n    state: present\n",
        args: &[],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        for required in ["name", "state"] {
            if !p.args.contains_key(required) {
                return Err(ModuleError::Params(format!(
                    "missing required arguments: {required}"
                )));
            }
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let chosen = match p.use_.as_deref().filter(|u| *u != "auto") {
            Some(name) => name.to_string(),
            None => detect(host).await?,
        };
        let Some(module) = backend(&chosen) else {
            return Ok(Plan::fail(format!(
                "Could not find a module for {chosen}: drover's package backends are apt, dnf, yum and apk"
            )));
        };
        module.plan_json(Value::Object(p.args), host).await
    }
}

async fn detect(host: &mut dyn Host) -> Result<String, ModuleError> {
    if let Ok(Value::String(name)) = host.evaluate("ansible_facts.pkg_mgr")
        && !name.is_empty()
        && name != "unknown"
    {
        return Ok(name);
    }
    let found = host.query(&Cmd::new(DETECT)).await?.stdout;
    Ok(match found.trim() {
        "apt-get" => "apt".to_string(),
        "" => {
            return Err(ModuleError::Failed(
                "Could not detect which package manager to use. Try gathering facts or setting the \"use\" option.".into(),
            ));
        }
        other => other.to_string(),
    })
}
