//! `apt`: Debian packages with apt-get. One planning query reads the state of every named package
//! (`dpkg-query`, and `apt-cache policy` where a candidate matters), refreshing the cache first when
//! asked; one `apt-get install` installs them all, one `apt-get remove` removes them all. A task that
//! changes nothing costs one round trip.

mod commands;
mod decide;
mod params;
mod query;

use super::section;
use crate::doc::Written;
use crate::facts::deb;
use crate::{Cmd, Diff, Host, Module, ModuleError, Plan, Step};
use commands::{apt_get, install_cmd, remove_cmd, update_cmd, upgrade_cmd};
use decide::{Decision, decide_installs, decide_removals, installed};
use query::{CacheState, planning_script};

pub use params::{AptState, Params, Upgrade};

pub struct Apt;

/// apt-get's words for "nothing to do" (Ansible's APT_GET_ZERO).
const APT_GET_ZERO: &str = "\n0 upgraded, 0 newly installed";

#[async_trait::async_trait]
impl Module for Apt {
    type Params = Params;
    const NAME: &'static str = "apt";
    const DOC: Written = Written {
        description: "Installs, upgrades or removes Debian packages: one query reads every named package, one apt-get closes the gap.",
        example: "- apt:\n    name: [nginx, curl]\n    state: present\n    update_cache: true\n    cache_valid_time: 3600\n",
        args: &[
            (
                "package",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "cache_valid_time",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache_retries",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache_retry_max_delay",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "purge",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "deb",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "default_release",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "install_recommends",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "force",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "upgrade",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "dpkg_options",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "autoremove",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "autoclean",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "fail_on_autoremove",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "policy_rc_d",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "only_upgrade",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "force_apt_get",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "clean",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "allow_unauthenticated",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "allow_downgrade",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "allow_change_held_packages",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "lock_timeout",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "auto_install_module_deps",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let err = |m: &str| Err(ModuleError::Params(m.to_string()));
        let given = [
            !p.package.is_empty(),
            p.deb.is_some(),
            p.upgrade != Upgrade::No,
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return err("parameters are mutually exclusive: deb|package|upgrade");
        }
        if !given.iter().any(|g| *g) && !p.autoremove && p.update_cache.is_none() && !p.clean {
            return err(
                "one of the following is required: autoremove, deb, package, update_cache, upgrade",
            );
        }
        if p.deb.is_some() && p.state != AptState::Present {
            return err("deb only supports state=present");
        }
        if p.upgrade_all() && p.package.len() > 1 {
            return err(
                "unable to install additional packages when upgrading all installed packages",
            );
        }
        if p.state == AptState::BuildDep {
            return err("state=build-dep is not supported yet");
        }
        if p.policy_rc_d.is_some() {
            return err("policy_rc_d is not supported yet");
        }
        p.specs().map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let specs = p.specs()?;
        let check = host.check_mode();
        let cache_only = specs.is_empty()
            && p.deb.is_none()
            && p.upgrade_mode() == Upgrade::No
            && !p.autoremove
            && !p.autoclean;
        let out = host
            .query(&planning_script(&p, &specs, check, cache_only))
            .await?;
        let text = out.stdout.as_str();
        if section(text, "no-apt").is_some() {
            return Ok(Plan::fail(
                "apt-get not found on the target: the apt module needs a Debian-family host",
            ));
        }
        let cache = CacheState::read(text)?;
        let mut plan = Plan::ok()
            .set("cache_updated", cache.updated || (check && cache.stale))
            .set("cache_update_time", cache.time);
        if p.clean {
            plan.steps.push(Step::run(apt_get(&p).arg("clean")));
        }
        if cache_only {
            if cache.stale {
                plan.steps.push(Step::run(update_cmd()));
                plan = plan.set("cache_updated", true);
            }
            return Ok(plan);
        }
        if p.upgrade_mode() != Upgrade::No {
            let simulated = section(text, "upgrade").unwrap_or_default().join("\n");
            if !format!("\n{simulated}").contains(APT_GET_ZERO) {
                plan.steps.push(Step::run(upgrade_cmd(&p)));
                plan.diffs.extend(prepared_diff(host, &simulated));
            }
            return Ok(plan);
        }
        if !p.debs().is_empty() {
            return plan_debs(&p, text, plan);
        }
        if specs.is_empty() {
            return Ok(plan_cleanup(&p, text, plan));
        }
        let status = deb::parse_status(&section(text, "status").unwrap_or_default().join("\n"));
        let decision = match p.state {
            AptState::Absent => decide_removals(&p, &specs, &status),
            _ => decide_installs(&p, &specs, &status, text, host).await?,
        };
        match decision {
            Decision::Fail(msg) => Ok(Plan::fail(msg)),
            Decision::Install(list) if !list.is_empty() => {
                let cmd = install_cmd(&p, &list);
                with_step(host, plan, cmd, &p, &list).await
            }
            Decision::Remove(list) if !list.is_empty() => {
                let cmd = remove_cmd(&p, &list);
                with_step(host, plan, cmd, &p, &list).await
            }
            _ => Ok(plan),
        }
    }
}

/// `deb:` files: installed unless dpkg already has that package at that version.
fn plan_debs(p: &Params, text: &str, mut plan: Plan) -> Result<Plan, ModuleError> {
    let mut to_install = Vec::new();
    for block in text.split("@@deb\n").skip(1) {
        let block = block.split("@@end").next().unwrap_or(block);
        let mut lines = block.lines();
        let path = lines.next().unwrap_or_default().to_string();
        let rest: Vec<&str> = lines.collect();
        if rest.iter().any(|l| l.starts_with("@@unreadable")) {
            return Ok(Plan::fail(format!(
                "Unable to install package: {path}: {}",
                rest.iter()
                    .take_while(|l| !l.starts_with("@@"))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        }
        let field = |name: &str| {
            rest.iter()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .map(str::trim)
                .unwrap_or_default()
                .to_string()
        };
        let (name, version) = (field("Package"), field("Version"));
        let status = deb::parse_status(&rest.join("\n"));
        let same = installed(&status, &name)
            .is_some_and(|v| deb::compare_versions(&v, &version) == std::cmp::Ordering::Equal);
        if !same {
            // apt-get takes a local file when its name has a slash.
            let local = if path.contains('/') {
                path
            } else {
                format!("./{path}")
            };
            to_install.push(local);
        }
    }
    if !to_install.is_empty() {
        plan.steps.push(Step::run(install_cmd(p, &to_install)));
    }
    Ok(plan)
}

/// `autoremove`/`autoclean` without packages: only when apt-get's simulation finds work.
fn plan_cleanup(p: &Params, text: &str, mut plan: Plan) -> Plan {
    let simulated = |name: &str| section(text, name).unwrap_or_default().join("\n");
    if p.autoremove && simulated("autoremove").contains("The following packages will be REMOVED") {
        let mut cmd = apt_get(p);
        if p.purge {
            cmd = cmd.syntax("--purge");
        }
        plan.steps.push(Step::run(cmd.arg("autoremove")));
    }
    if p.autoclean
        && simulated("autoclean")
            .lines()
            .any(|l| l.starts_with("Del "))
    {
        plan.steps.push(Step::run(apt_get(p).arg("autoclean")));
    }
    plan
}

/// The change step, and under `--diff` apt-get's own account of it (a simulation), as Ansible's
/// `prepared` diff.
async fn with_step(
    host: &mut dyn Host,
    mut plan: Plan,
    cmd: Cmd,
    p: &Params,
    list: &[String],
) -> Result<Plan, ModuleError> {
    if host.diff_mode() {
        let simulate = if p.state == AptState::Absent {
            remove_cmd(p, list)
        } else {
            install_cmd(p, list)
        }
        .syntax("-s 2>&1");
        let out = host.query(&simulate).await?;
        plan.diffs.extend(prepared_diff(host, &out.stdout));
    }
    plan.steps.push(Step::run(cmd));
    Ok(plan)
}

/// apt-get's report between `Reading state information...` and `N upgraded, …`.
fn prepared_diff(host: &dyn Host, output: &str) -> Option<Diff> {
    if !host.diff_mode() {
        return None;
    }
    let lines: Vec<&str> = output.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "Reading state information...")
        .map_or(0, |i| i + 1);
    let end = lines
        .iter()
        .position(|l| l.contains(" upgraded, "))
        .map_or(lines.len(), |i| i + 1);
    let prepared = lines[start..end.max(start)].join("\n");
    Some(Diff {
        before_header: "before".into(),
        after_header: "prepared".into(),
        before: String::new(),
        after: format!("{prepared}\n"),
    })
}
