//! Service modules: `service` (the host's init system, detected as Ansible's `service_mgr` fact is)
//! and `systemd`/`systemd_service`. One query reads the service's state; only the commands that close
//! the gap follow (a running service is not restarted by `state: started`).

pub mod service;
pub mod systemd;

use crate::facts::service::{Backend, ServiceState};
use crate::{Cmd, Plan, Step};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SvcState {
    Started,
    Stopped,
    Restarted,
    Reloaded,
}

impl SvcState {
    fn name(self) -> &'static str {
        match self {
            SvcState::Started => "started",
            SvcState::Stopped => "stopped",
            SvcState::Restarted => "restarted",
            SvcState::Reloaded => "reloaded",
        }
    }
}

/// What the task asks of one service.
pub(crate) struct Want<'a> {
    pub name: &'a str,
    pub state: Option<SvcState>,
    pub enabled: Option<bool>,
    pub masked: Option<bool>,
    /// systemd: `--force` for enable/mask; `--no-block`; the scope flag.
    pub force: bool,
    pub no_block: bool,
    pub scope: &'a str,
    /// SysV/OpenRC: seconds between stop and start of a restart; extra arguments; runlevel.
    pub sleep: Option<u64>,
    pub arguments: &'a str,
    pub runlevel: &'a str,
}

/// The plan for `want` given what the query found.
pub(crate) fn plan(want: &Want<'_>, found: &ServiceState) -> Plan {
    let needs_unit = want.state.is_some() || want.enabled.is_some();
    if needs_unit && !found.exists {
        return Plan::fail(format!(
            "Could not find the requested service {}: host",
            want.name
        ));
    }
    let steps = match found.backend {
        Backend::Systemd => systemd_steps(want, found),
        Backend::OpenRc => openrc_steps(want, found),
        Backend::SysV => match sysv_steps(want, found) {
            Ok(steps) => steps,
            Err(msg) => return Plan::fail(msg),
        },
    };
    let mut plan =
        Plan::with_steps(steps.into_iter().map(Step::run).collect()).set("name", want.name);
    if let Some(state) = want.state {
        plan = plan.set("state", state.name());
    }
    if let Some(enabled) = want.enabled {
        plan = plan.set("enabled", enabled);
    }
    if found.backend == Backend::Systemd && !found.properties.is_empty() {
        let status: Map<String, Value> = found
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        plan = plan.set("status", Value::Object(status));
    }
    plan
}

/// The action `state` needs, if any: `restarted`/`reloaded` always act (a stopped service starts).
fn action(state: Option<SvcState>, running: bool, stopping: bool) -> Option<&'static str> {
    match state? {
        SvcState::Started if !running => Some("start"),
        SvcState::Stopped if running || stopping => Some("stop"),
        SvcState::Restarted if running => Some("restart"),
        SvcState::Reloaded if running => Some("reload"),
        SvcState::Restarted | SvcState::Reloaded => Some("start"),
        _ => None,
    }
}

fn systemctl(want: &Want<'_>) -> Cmd {
    let mut cmd = Cmd::new("systemctl");
    if !want.scope.is_empty() {
        cmd = cmd.syntax(want.scope);
    }
    if want.no_block {
        cmd = cmd.syntax("--no-block");
    }
    cmd
}

fn systemd_steps(want: &Want<'_>, found: &ServiceState) -> Vec<Cmd> {
    let mut steps = Vec::new();
    let force = |cmd: Cmd| {
        if want.force {
            cmd.syntax("--force")
        } else {
            cmd
        }
    };
    match want.masked {
        Some(true) if !found.masked => {
            steps.push(force(systemctl(want)).syntax("mask").arg(want.name))
        }
        Some(false) if found.masked => steps.push(systemctl(want).syntax("unmask").arg(want.name)),
        _ => {}
    }
    match want.enabled {
        Some(true) if !found.enabled => {
            steps.push(force(systemctl(want)).syntax("enable").arg(want.name))
        }
        Some(false) if found.enabled => {
            steps.push(force(systemctl(want)).syntax("disable").arg(want.name))
        }
        _ => {}
    }
    if let Some(verb) = action(want.state, found.running, found.deactivating) {
        steps.push(systemctl(want).syntax(verb).arg(want.name));
    }
    steps
}

fn openrc_steps(want: &Want<'_>, found: &ServiceState) -> Vec<Cmd> {
    let mut steps = Vec::new();
    match want.enabled {
        Some(true) if !found.enabled => {
            steps.push(Cmd::new("rc-update add").arg(want.name).arg(want.runlevel))
        }
        Some(false) if found.enabled => {
            steps.push(Cmd::new("rc-update del").arg(want.name).arg(want.runlevel))
        }
        _ => {}
    }
    if let Some(verb) = action(want.state, found.running, false) {
        steps.push(with_arguments(
            Cmd::new("rc-service").arg(want.name).syntax(verb),
            want,
        ));
    }
    steps
}

fn sysv_steps(want: &Want<'_>, found: &ServiceState) -> Result<Vec<Cmd>, String> {
    let mut steps = Vec::new();
    if let Some(enable) = want.enabled.filter(|e| *e != found.enabled) {
        match found.enable_tool.as_deref() {
            Some("update-rc.d") => {
                if enable && !found.has_stop_links {
                    steps.push(Cmd::new("update-rc.d").arg(want.name).syntax("defaults"));
                }
                let verb = if enable { "enable" } else { "disable" };
                steps.push(Cmd::new("update-rc.d").arg(want.name).syntax(verb));
            }
            Some("chkconfig") => {
                let verb = if enable { "on" } else { "off" };
                steps.push(Cmd::new("chkconfig").arg(want.name).syntax(verb));
            }
            _ => {
                return Err(format!(
                    "no service enabling tool (update-rc.d, chkconfig) found to change {}",
                    want.name
                ));
            }
        }
    }
    let control = |verb: &str| {
        let cmd = if found.has_service_cmd {
            Cmd::new("service").arg(want.name)
        } else {
            Cmd::new(&format!("/etc/init.d/{}", crate::cmd::quote(want.name)))
        };
        with_arguments(cmd.syntax(verb), want)
    };
    match action(want.state, found.running, false) {
        Some("restart") if want.sleep.is_some() => {
            let pause = Cmd::new(&format!("sleep {}", want.sleep.unwrap_or(0)));
            steps.push(control("stop").then(pause).and(control("start")));
        }
        Some(verb) => steps.push(control(verb)),
        None => {}
    }
    Ok(steps)
}

fn with_arguments(cmd: Cmd, want: &Want<'_>) -> Cmd {
    if want.arguments.trim().is_empty() {
        cmd
    } else {
        // `arguments` is one string of extra words, split as a shell would (Ansible appends it).
        let words = shlex::split(want.arguments).unwrap_or_default();
        cmd.args(words)
    }
}
