//! `service`: a service under whatever init system the host runs (systemd, OpenRC, SysV init
//! scripts with `update-rc.d`/`chkconfig`), detected in the same query that reads its state.

use super::{SvcState, Want};
use crate::doc::Written;
use crate::facts::service::{self, Ask};
use crate::{Host, Module, ModuleError, Plan};
use serde::Deserialize;

pub struct Service;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default)]
    pub state: Option<SvcState>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub sleep: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub pattern: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub runlevel: Option<String>,
    #[serde(default, alias = "args", deserialize_with = "crate::de::opt_string")]
    pub arguments: Option<String>,
    /// `auto` (detect), or a backend by its module name: `systemd`, `sysvinit`, `openrc`, `service`.
    #[serde(default, rename = "use", deserialize_with = "crate::de::opt_string")]
    pub use_: Option<String>,
}

#[async_trait::async_trait]
impl Module for Service {
    type Params = Params;
    const NAME: &'static str = "service";
    const DOC: Written = Written {
        description: "Starts, stops, restarts or reloads a service and sets whether it starts at boot (systemd, OpenRC or SysV init, detected as Ansible's service_mgr).",
        example: "- service:\n    name: nginx\n    state: started\n    enabled: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "enabled",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "sleep",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "pattern",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "runlevel",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "arguments",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "use",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.state.is_none() && p.enabled.is_none() {
            return Err(ModuleError::Params(
                "one of the following is required: state, enabled".into(),
            ));
        }
        if p.name.is_empty() || p.name.starts_with('-') || p.name.contains('/') {
            return Err(ModuleError::Params(format!(
                "invalid service name: {:?}",
                p.name
            )));
        }
        match p.use_.as_deref() {
            None | Some("auto" | "systemd" | "sysvinit" | "openrc" | "service") => Ok(()),
            Some(other) => Err(ModuleError::Params(format!(
                "use: {other} is not a service manager drover knows (auto, systemd, sysvinit, openrc)"
            ))),
        }
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let runlevel = p.runlevel.as_deref().unwrap_or("default");
        let ask = Ask {
            pattern: p.pattern.as_deref(),
            runlevel,
            systemd_only: p.use_.as_deref() == Some("systemd"),
            ..Ask::default()
        };
        let out = host.query(&service::query(&p.name, &ask)).await?;
        let found = service::parse(&out.stdout, p.pattern.as_deref());
        let want = Want {
            name: &p.name,
            state: p.state,
            enabled: p.enabled,
            masked: None,
            force: false,
            no_block: false,
            scope: "",
            sleep: p.sleep,
            arguments: p.arguments.as_deref().unwrap_or(""),
            runlevel,
        };
        Ok(super::plan(&want, &found))
    }
}
