//! `systemd` (and `systemd_service`): a unit's state, boot enablement and mask, and daemon reloads.

use super::{SvcState, Want};
use crate::doc::Written;
use crate::facts::service::{self, Ask};
use crate::{Host, Module, ModuleError, Plan};
use serde::Deserialize;

pub struct Systemd;
pub struct SystemdService;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(
        default,
        alias = "service",
        alias = "unit",
        deserialize_with = "crate::de::opt_string"
    )]
    pub name: Option<String>,
    #[serde(default)]
    pub state: Option<SvcState>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force: bool,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub masked: Option<bool>,
    #[serde(
        default,
        alias = "daemon-reload",
        deserialize_with = "crate::de::boolean"
    )]
    pub daemon_reload: bool,
    #[serde(
        default,
        alias = "daemon-reexec",
        deserialize_with = "crate::de::boolean"
    )]
    pub daemon_reexec: bool,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub no_block: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    #[default]
    System,
    User,
    Global,
}

impl Scope {
    fn flag(self) -> &'static str {
        match self {
            Scope::System => "",
            Scope::User => "--user",
            Scope::Global => "--global",
        }
    }
}

pub(crate) fn check(p: &Params) -> Result<(), ModuleError> {
    let asks_unit = p.state.is_some() || p.enabled.is_some() || p.masked.is_some();
    if !asks_unit && !p.daemon_reload && !p.daemon_reexec {
        return Err(ModuleError::Params(
            "one of the following is required: state, enabled, masked, daemon_reload, daemon_reexec"
                .into(),
        ));
    }
    let name = p.name.as_deref().unwrap_or("");
    if asks_unit && name.is_empty() {
        return Err(ModuleError::Params(
            "missing parameter(s) required by 'state', 'enabled' or 'masked': name".into(),
        ));
    }
    if name.contains(['*', '?', '[']) {
        return Err(ModuleError::Params(format!(
            "This module does not currently support using glob patterns, found in service name: {name}"
        )));
    }
    if name.starts_with('-') {
        return Err(ModuleError::Params(format!("invalid unit name: {name}")));
    }
    Ok(())
}

pub(crate) async fn plan_systemd(p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
    let name = p.name.clone().unwrap_or_default();
    let check_mode = host.check_mode();
    let ask = Ask {
        scope: p.scope.flag(),
        // As Ansible: reloads happen before the state is read, and never in check mode.
        daemon_reload: p.daemon_reload && !check_mode,
        daemon_reexec: p.daemon_reexec && !check_mode,
        systemd_only: true,
        ..Ask::default()
    };
    let out = host.query(&service::query(&name, &ask)).await?;
    if let Some(msg) = service::failure(&out.stdout) {
        return Ok(Plan::fail(format!("{msg}: {}", out.stderr.trim())));
    }
    if name.is_empty() {
        return Ok(Plan::ok());
    }
    let found = service::parse(&out.stdout, None);
    let want = Want {
        name: &name,
        state: p.state,
        enabled: p.enabled,
        masked: p.masked,
        force: p.force,
        no_block: p.no_block,
        scope: p.scope.flag(),
        sleep: None,
        arguments: "",
        runlevel: "default",
    };
    Ok(super::plan(&want, &found))
}

#[async_trait::async_trait]
impl Module for Systemd {
    type Params = Params;
    const NAME: &'static str = "systemd";
    const DOC: Written = Written {
        description: "Manages a systemd unit: state, enabled, masked, daemon_reload, scope.",
        example: "- systemd:\n    name: nginx\n    state: restarted\n    daemon_reload: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "enabled",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "force",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "masked",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "daemon_reload",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "daemon_reexec",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "scope",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "no_block",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
        ],
    };
    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        check(p)
    }
    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        plan_systemd(p, host).await
    }
}

#[async_trait::async_trait]
impl Module for SystemdService {
    type Params = Params;
    const NAME: &'static str = "systemd_service";
    const DOC: Written = Written {
        description: "The same as `systemd` (Ansible's newer name).",
        example: "- systemd_service:\n    name: nginx\n    enabled: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "enabled",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "force",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "masked",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "daemon_reload",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "daemon_reexec",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "scope",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "no_block",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
        ],
    };
    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        check(p)
    }
    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        plan_systemd(p, host).await
    }
}
