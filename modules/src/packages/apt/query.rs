//! The one planning query, and what it says of apt's cache.

use super::commands::upgrade_cmd;
use super::{AptState, Params, Upgrade};
use crate::facts::deb;
use crate::packages::{PkgSpec, section};
use crate::{Cmd, ModuleError};

pub(super) const STAMP: &str = "/var/lib/apt/periodic/update-success-stamp";
pub(super) const LISTS: &str = "/var/lib/apt/lists";

/// The one query: cache age (and refresh), dpkg's state of every named package, candidates when
/// `latest`, simulations for `upgrade`/`autoremove`/`autoclean`, the packages inside `deb` files.
pub(super) fn planning_script(p: &Params, specs: &[PkgSpec], check: bool, cache_only: bool) -> Cmd {
    let mut script = Cmd::new("set --");
    let debs = p.debs();
    if debs.is_empty() {
        script = script.args(specs.iter().map(|s| s.name.as_str()));
    } else {
        script = script.args(&debs);
    }
    script = script.syntax(
        "; export LC_ALL=C DEBIAN_FRONTEND=noninteractive; \
         command -v apt-get >/dev/null || { echo @@no-apt; exit 0; };",
    );
    let stamp =
        format!("stat -c %Y {STAMP} 2>/dev/null || stat -c %Y {LISTS} 2>/dev/null || echo 0");
    if p.wants_update() {
        // Without cache_valid_time every run refreshes (Ansible's rule), even one in the same
        // second as the last refresh.
        let valid = p.cache_valid_time.unwrap_or(0);
        let refresh = if check || cache_only {
            "echo @@stale".to_string()
        } else {
            format!(
                "if out=$(apt-get update -q 2>&1); then echo @@updated; else echo @@update-failed; printf '%s\\n' \"$out\"; fi; echo @@cache; {stamp}"
            )
        };
        script = script.syntax(&format!(
            "echo @@cache; now=$(date +%s); t=$({stamp}); echo \"$t\"; \
             if [ {valid} -eq 0 ] || [ $((t + {valid})) -lt \"$now\" ]; then {refresh}; fi;"
        ));
    }
    if !debs.is_empty() {
        script = script.syntax(&format!(
            "for d in \"$@\"; do echo @@deb; echo \"$d\"; dpkg-deb -f \"$d\" Package Version Architecture 2>&1 || echo @@unreadable; \
             n=$(dpkg-deb -f \"$d\" Package 2>/dev/null) && dpkg-query -W -f='{}' -- \"$n\" 2>/dev/null; done;",
            deb::STATUS_FORMAT
        ));
    } else if !specs.is_empty() {
        script = script.syntax(&format!(
            "echo @@status; dpkg-query -W -f='{}' -- \"$@\" 2>/dev/null;",
            deb::STATUS_FORMAT
        ));
        if p.state == AptState::Latest {
            script = script.syntax("echo @@policy; apt-cache policy -- \"$@\";");
        }
    }
    match p.upgrade_mode() {
        Upgrade::No => {}
        _ => {
            let simulation = upgrade_cmd(p).syntax("-s 2>&1;").to_shell();
            script = script.syntax("echo @@upgrade;").syntax(&simulation);
        }
    }
    if specs.is_empty() && debs.is_empty() && p.upgrade_mode() == Upgrade::No {
        if p.autoremove {
            let purge = if p.purge { " --purge" } else { "" };
            script = script.syntax(&format!(
                "echo @@autoremove; apt-get -s{purge} autoremove 2>&1;"
            ));
        }
        if p.autoclean {
            script = script.syntax("echo @@autoclean; apt-get -s autoclean 2>&1;");
        }
    }
    script.syntax("echo @@end")
}

/// What the planning script says of apt's cache.
pub(super) struct CacheState {
    pub(super) time: i64,
    pub(super) stale: bool,
    pub(super) updated: bool,
}

impl CacheState {
    pub(super) fn read(text: &str) -> Result<Self, ModuleError> {
        if let Some(lines) = section(text, "update-failed") {
            return Err(ModuleError::Failed(format!(
                "Failed to update apt cache: {}",
                lines.join("\n").trim()
            )));
        }
        // The last @@cache section holds the time after a refresh.
        let time = text
            .split("@@cache\n")
            .skip(1)
            .filter_map(|s| s.lines().next()?.trim().parse::<i64>().ok())
            .last()
            .unwrap_or(0);
        Ok(CacheState {
            time,
            stale: section(text, "stale").is_some(),
            updated: section(text, "updated").is_some(),
        })
    }
}
