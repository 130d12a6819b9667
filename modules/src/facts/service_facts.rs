//! `service_facts`: every service as `ansible_facts.services`, read as Ansible's module reads it, in
//! one query: `service --status-all` (SysV, `source: sysv`) on hosts without chkconfig or OpenRC, and
//! on systemd hosts `systemctl list-units`, `list-unit-files` and the `ActiveState` of unit files
//! that no unit lists (`source: systemd`). Both may describe one host (an init script and a unit).

use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub struct ServiceFacts;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

const SYSV: &str = "if command -v service >/dev/null && ! command -v chkconfig >/dev/null && ! command -v rc-status >/dev/null; then \
    echo @@sysv; service --status-all 2>/dev/null; fi;";

/// Ansible's `is_systemd_managed`: systemctl, and systemd's canaries or PID 1's name.
const SYSTEMD: &str = "if command -v systemctl >/dev/null && { [ -e /run/systemd/system/ ] || [ -e /dev/.run/systemd/ ] || [ -e /dev/.systemd/ ] || [ \"$(cat /proc/1/comm 2>/dev/null)\" = systemd ]; }; then \
    echo @@units; systemctl list-units --no-pager --type service --all --plain; \
    files=$(systemctl list-unit-files --no-pager --type service --all); echo @@unit-files; printf '%s\\n' \"$files\"; \
    echo @@active; printf '%s\\n' \"$files\" | awk '/\\.service/ {print $1}' | while read -r u; do \
    s=$(systemctl show \"$u\" --property=ActiveState 2>/dev/null) && printf '%s %s\\n' \"$u\" \"${s#ActiveState=}\" || printf '%s\\n' \"$u\"; done; fi;";

const BAD_STATES: [&str; 3] = ["not-found", "masked", "failed"];

#[async_trait::async_trait]
impl Module for ServiceFacts {
    type Params = Params;
    const NAME: &'static str = "service_facts";
    const DOC: Written = Written {
        description: "Every service as `ansible_facts.services`: name → `{name, state, status, source}` from systemd (`systemctl`) and SysV (`service --status-all`), as Ansible's module returns it.",
        example: "- service_facts:\n\n- debug:\n    var: ansible_facts.services['ssh.service'].state\n",
        args: &[],
    };

    async fn plan(&self, _p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let script = format!("export LC_ALL=C; {SYSV} {SYSTEMD} echo @@end");
        let out = host.query(&Cmd::new(&script)).await?;
        let services = parse(&out.stdout);
        if services.is_empty() {
            return Ok(Plan::skip(
                "Failed to find any services. This can be due to privileges or some other configuration issue.",
            ));
        }
        Ok(Plan::ok().set("ansible_facts", json!({ "services": services })))
    }
}

fn lines<'a>(stdout: &'a str, name: &str) -> Vec<&'a str> {
    crate::packages::section(stdout, name).unwrap_or_default()
}

fn parse(stdout: &str) -> Map<String, Value> {
    let mut services = Map::new();
    for line in lines(stdout, "sysv") {
        if let Some((name, running)) = sysv_line(line) {
            let state = if running { "running" } else { "stopped" };
            services.insert(
                name.to_string(),
                json!({"name": name, "state": state, "source": "sysv"}),
            );
        }
    }
    for line in lines(stdout, "units") {
        if let Some((name, entry)) = unit_line(line) {
            services.insert(name, entry);
        }
    }
    let active: Vec<&str> = lines(stdout, "active");
    for line in lines(stdout, "unit-files") {
        if !line.contains(".service") {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(name), Some(status)) = (words.next(), words.next()) else {
            continue;
        };
        match services.get_mut(name) {
            Some(Value::Object(known)) => {
                let bad = known
                    .get("status")
                    .and_then(Value::as_str)
                    .is_some_and(|s| BAD_STATES.contains(&s));
                if !bad {
                    known.insert("status".into(), status.into());
                }
            }
            _ => {
                let state = active_state(&active, name);
                services.insert(
                    name.to_string(),
                    json!({"name": name, "state": state, "status": status, "source": "systemd"}),
                );
            }
        }
    }
    services
}

/// `service --status-all`: ` [ + ]  name` (running) or ` [ - ]  name`; `[ ? ]` is not listed.
fn sysv_line(line: &str) -> Option<(&str, bool)> {
    let rest = line.trim_start().strip_prefix("[ ")?;
    let running = match rest.chars().next()? {
        '+' => true,
        '-' => false,
        _ => return None,
    };
    let name = rest.get(1..)?.strip_prefix(" ]")?.trim();
    (!name.is_empty() && rest.get(3..4).is_some_and(|c| c.trim().is_empty()))
        .then_some((name, running))
}

/// `systemctl list-units --plain`: `UNIT LOAD ACTIVE SUB DESCRIPTION…`.
fn unit_line(line: &str) -> Option<(String, Value)> {
    if !line.contains(".service") {
        return None;
    }
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 4 {
        return None;
    }
    let leading = &fields[..fields.len() - 1];
    let status = BAD_STATES
        .iter()
        .find(|bad| leading.contains(bad))
        .copied()
        .unwrap_or(fields[2]);
    let state = if fields[3] == "running" {
        "running"
    } else {
        "stopped"
    };
    let name = fields[0].to_string();
    Some((
        name.clone(),
        json!({"name": name, "state": state, "status": status, "source": "systemd"}),
    ))
}

/// `systemctl show UNIT --property=ActiveState` as the query printed it; `unknown` when it failed.
fn active_state(active: &[&str], name: &str) -> String {
    active
        .iter()
        .find_map(|l| {
            let (unit, state) = l.split_once(' ')?;
            (unit == name && !state.trim().is_empty()).then(|| state.trim_end().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysv_lines_as_ansible_matches_them() {
        assert_eq!(sysv_line(" [ + ]  ssh"), Some(("ssh", true)));
        assert_eq!(
            sysv_line(" [ - ]  drover-daemon"),
            Some(("drover-daemon", false))
        );
        assert_eq!(sysv_line(" [ ? ]  hwclock.sh"), None);
    }
}
