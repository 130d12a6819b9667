//! A service's state in one round trip: which init system runs the host (as Ansible's
//! `service_mgr` fact decides: systemd when `/run/systemd/system` exists, else OpenRC, else SysV
//! init scripts), whether the service exists, runs, is enabled at boot, is masked.

use crate::Cmd;
use std::collections::BTreeMap;

/// The init system that manages services on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Systemd,
    OpenRc,
    /// `/etc/init.d` scripts, `service`, and `update-rc.d` (Debian) or `chkconfig` (Red Hat).
    SysV,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Systemd => "systemd",
            Backend::OpenRc => "openrc",
            Backend::SysV => "sysvinit",
        }
    }
}

/// What the query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceState {
    pub backend: Backend,
    pub exists: bool,
    pub running: bool,
    /// systemd only: stopping right now (`deactivating`), which `stopped` still has to finish.
    pub deactivating: bool,
    pub enabled: bool,
    pub masked: bool,
    /// SysV: `K` links exist (update-rc.d was run once), so enabling needs no `defaults`.
    pub has_stop_links: bool,
    /// SysV: `update-rc.d` or `chkconfig` (or none).
    pub enable_tool: Option<String>,
    /// SysV: the `service` program exists (else the init script is run directly).
    pub has_service_cmd: bool,
    /// systemd: `systemctl show` properties, as Ansible's `status` result.
    pub properties: BTreeMap<String, String>,
}

/// `systemctl show` properties read (and returned as `status`).
const PROPERTIES: &str = "Id,Names,LoadState,ActiveState,SubState,UnitFileState,Description,MainPID,FragmentPath,NeedDaemonReload";

/// What to read, and what to do first (a daemon reload must precede the read it affects).
#[derive(Debug, Clone, Default)]
pub struct Ask<'a> {
    /// `systemctl` scope flag (`--user`, `--global`), empty for the system.
    pub scope: &'a str,
    pub daemon_reload: bool,
    pub daemon_reexec: bool,
    /// `pattern`: a process whose command line contains this text means "running".
    pub pattern: Option<&'a str>,
    /// OpenRC runlevel whose membership is "enabled".
    pub runlevel: &'a str,
    /// Only systemd (the `systemd` module); `service` detects.
    pub systemd_only: bool,
}

/// The one query. `name` may be empty (a daemon reload alone).
pub fn query(name: &str, ask: &Ask<'_>) -> Cmd {
    let systemctl = match ask.scope {
        "" => "systemctl".to_string(),
        scope => format!("systemctl {scope}"),
    };
    let mut systemd = String::new();
    if ask.daemon_reexec {
        systemd.push_str(&format!(
            "{systemctl} daemon-reexec || echo @@reexec-failed; "
        ));
    }
    if ask.daemon_reload {
        systemd.push_str(&format!(
            "{systemctl} daemon-reload || echo @@reload-failed; "
        ));
    }
    systemd.push_str(&format!(
        "if [ -n \"$1\" ]; then echo @@show; {systemctl} show --property={PROPERTIES} \"$1\"; \
         echo @@is-enabled; {systemctl} is-enabled \"$1\" 2>/dev/null; echo \"rc=$?\"; \
         echo @@sysv; [ -x \"/etc/init.d/$1\" ] && echo script; ls /etc/rc?.d/S??\"$1\" 2>/dev/null; fi; "
    ));
    let pattern = if ask.pattern.is_some() {
        "echo @@ps; ps -eo args; "
    } else {
        ""
    };
    let script = if ask.systemd_only {
        format!("echo @@systemd; {systemd}{pattern}echo @@end")
    } else {
        let runlevel = crate::cmd::quote(ask.runlevel);
        format!(
            "if [ -d /run/systemd/system ]; then echo @@systemd; {systemd}\
             elif [ -e /sbin/openrc ] || [ -e /usr/sbin/openrc ] || [ -e /sbin/openrc-run ]; then echo @@openrc; \
               rc-service -e \"$1\" && echo exists; rc-service \"$1\" status >/dev/null 2>&1; echo \"status=$?\"; \
               rc-update show {runlevel} 2>/dev/null | awk -v s=\"$1\" '$1 == s {{print \"enabled\"}}'; \
             else echo @@sysvinit; [ -x \"/etc/init.d/$1\" ] && echo exists; \
               command -v service >/dev/null && echo has-service; \
               if command -v update-rc.d >/dev/null; then echo tool=update-rc.d; elif command -v chkconfig >/dev/null; then echo tool=chkconfig; fi; \
               if command -v service >/dev/null; then service \"$1\" status >/dev/null 2>&1; else \"/etc/init.d/$1\" status >/dev/null 2>&1; fi; echo \"status=$?\"; \
               for f in /etc/rc?.d/S??\"$1\"; do [ -e \"$f\" ] && echo enabled && break; done; \
               for f in /etc/rc?.d/K??\"$1\"; do [ -e \"$f\" ] && echo stop-links && break; done; \
               if ! command -v update-rc.d >/dev/null && command -v chkconfig >/dev/null; then chkconfig --list \"$1\" 2>/dev/null | grep -q ':on' && echo enabled; fi; \
             fi; {pattern}echo @@end"
        )
    };
    Cmd::new("set --").arg(name).syntax(";").syntax(&script)
}

/// A failure the query reports (a daemon reload that failed).
pub fn failure(stdout: &str) -> Option<&'static str> {
    if stdout.contains("@@reload-failed") {
        Some("failure during daemon-reload")
    } else if stdout.contains("@@reexec-failed") {
        Some("failure during daemon-reexec")
    } else {
        None
    }
}

pub fn parse(stdout: &str, pattern: Option<&str>) -> ServiceState {
    let section = |name: &str| crate::packages::section(stdout, name).unwrap_or_default();
    let backend = if stdout.lines().any(|l| l == "@@openrc") {
        Backend::OpenRc
    } else if stdout.lines().any(|l| l == "@@sysvinit") {
        Backend::SysV
    } else {
        Backend::Systemd
    };
    let mut state = match backend {
        Backend::Systemd => {
            systemd_state(&section("show"), &section("is-enabled"), &section("sysv"))
        }
        Backend::OpenRc => {
            let lines = section("openrc");
            ServiceState {
                exists: lines.contains(&"exists"),
                running: lines.contains(&"status=0"),
                enabled: lines.contains(&"enabled"),
                ..ServiceState::empty(Backend::OpenRc)
            }
        }
        Backend::SysV => {
            let lines = section("sysvinit");
            ServiceState {
                exists: lines.contains(&"exists"),
                running: lines.contains(&"status=0"),
                enabled: lines.contains(&"enabled"),
                has_stop_links: lines.contains(&"stop-links"),
                has_service_cmd: lines.contains(&"has-service"),
                enable_tool: lines
                    .iter()
                    .find_map(|l| l.strip_prefix("tool="))
                    .map(str::to_string),
                ..ServiceState::empty(Backend::SysV)
            }
        }
    };
    if let Some(pattern) = pattern {
        // Ansible's `pattern`: any process whose command line contains it.
        state.running = section("ps").iter().any(|l| l.contains(pattern));
    }
    state
}

impl ServiceState {
    fn empty(backend: Backend) -> Self {
        ServiceState {
            backend,
            exists: false,
            running: false,
            deactivating: false,
            enabled: false,
            masked: false,
            has_stop_links: false,
            enable_tool: None,
            has_service_cmd: false,
            properties: BTreeMap::new(),
        }
    }
}

fn systemd_state(show: &[&str], is_enabled: &[&str], sysv: &[&str]) -> ServiceState {
    let properties: BTreeMap<String, String> = show
        .iter()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let prop = |k: &str| properties.get(k).map(String::as_str).unwrap_or("");
    let init_script = sysv.contains(&"script");
    let exists = !matches!(prop("LoadState"), "" | "not-found") || init_script;
    let active = prop("ActiveState");
    let words: Vec<&str> = is_enabled
        .iter()
        .filter(|l| !l.starts_with("rc="))
        .copied()
        .collect();
    let rc = is_enabled
        .iter()
        .find_map(|l| l.strip_prefix("rc="))
        .unwrap_or("1");
    // As Ansible: `is-enabled` succeeding means enabled, except a unit that is only `indirect` or an
    // `alias`; a failure still means enabled for an init script with S links (sysv compatibility).
    let enabled = if rc == "0" {
        !(words == ["indirect"] || words == ["alias"])
    } else {
        init_script
            && !words.last().is_some_and(|w| w.ends_with("disabled"))
            && sysv.iter().any(|l| l.starts_with("/etc/rc"))
    };
    ServiceState {
        exists,
        running: matches!(active, "active" | "activating"),
        deactivating: active == "deactivating",
        enabled,
        masked: prop("LoadState") == "masked" || prop("UnitFileState") == "masked",
        properties,
        ..ServiceState::empty(Backend::Systemd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemd_unit_read() {
        let s = parse(
            "@@systemd\n@@show\nId=drover-daemon.service\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\n@@is-enabled\nenabled\nrc=0\n@@sysv\nscript\n@@end\n",
            None,
        );
        assert_eq!(s.backend, Backend::Systemd);
        assert!(s.exists && s.running && s.enabled && !s.masked);
        assert_eq!(s.properties["Id"], "drover-daemon.service");
    }

    #[test]
    fn missing_systemd_unit() {
        let s = parse(
            "@@systemd\n@@show\nId=nope.service\nLoadState=not-found\nActiveState=inactive\n@@is-enabled\nrc=4\n@@sysv\n@@end\n",
            None,
        );
        assert!(!s.exists && !s.running && !s.enabled);
    }

    #[test]
    fn sysv_service_read() {
        let s = parse(
            "@@sysvinit\nexists\nhas-service\ntool=update-rc.d\nstatus=3\nstop-links\n@@end\n",
            None,
        );
        assert_eq!(s.backend, Backend::SysV);
        assert!(s.exists && !s.running && !s.enabled && s.has_stop_links);
        assert_eq!(s.enable_tool.as_deref(), Some("update-rc.d"));
    }

    #[test]
    fn pattern_decides_running() {
        let out = "@@sysvinit\nexists\nstatus=3\n@@ps\n/bin/sh /usr/sbin/drover-daemon\n@@end\n";
        assert!(parse(out, Some("drover-daemon")).running);
        assert!(!parse(out, Some("nginx")).running);
    }
}
