//! `apt`: Debian packages with apt-get. One planning query reads the state of every named package
//! (`dpkg-query`, and `apt-cache policy` where a candidate matters), refreshing the cache first when
//! asked; one `apt-get install` installs them all, one `apt-get remove` removes them all. A task that
//! changes nothing costs one round trip.

use super::{PkgSpec, VersionCmp, section};
use crate::doc::Written;
use crate::facts::deb::{self, DebStatus, DpkgState, Policy};
use crate::{Cmd, Diff, Host, Module, ModuleError, Plan, Step};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

pub struct Apt;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(
        default,
        alias = "name",
        alias = "pkg",
        deserialize_with = "crate::de::string_list"
    )]
    pub package: Vec<String>,
    #[serde(default)]
    pub state: AptState,
    #[serde(
        default,
        alias = "update-cache",
        deserialize_with = "crate::de::opt_boolean"
    )]
    pub update_cache: Option<bool>,
    #[serde(default, deserialize_with = "super::opt_int")]
    pub cache_valid_time: Option<u64>,
    #[serde(default, deserialize_with = "super::opt_int")]
    pub update_cache_retries: Option<u64>,
    #[serde(default, deserialize_with = "super::opt_int")]
    pub update_cache_retry_max_delay: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub purge: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub deb: Option<String>,
    #[serde(
        default,
        alias = "default-release",
        deserialize_with = "crate::de::opt_string"
    )]
    pub default_release: Option<String>,
    #[serde(
        default,
        alias = "install-recommends",
        deserialize_with = "crate::de::opt_boolean"
    )]
    pub install_recommends: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force: bool,
    #[serde(default, deserialize_with = "upgrade_mode")]
    pub upgrade: Upgrade,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub dpkg_options: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub autoremove: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub autoclean: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub fail_on_autoremove: bool,
    #[serde(default, deserialize_with = "super::opt_int")]
    pub policy_rc_d: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub only_upgrade: bool,
    /// drover always uses apt-get (never aptitude): accepted, changes nothing.
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force_apt_get: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub clean: bool,
    #[serde(
        default,
        alias = "allow-unauthenticated",
        deserialize_with = "crate::de::boolean"
    )]
    pub allow_unauthenticated: bool,
    #[serde(
        default,
        alias = "allow-downgrade",
        alias = "allow_downgrades",
        alias = "allow-downgrades",
        deserialize_with = "crate::de::boolean"
    )]
    pub allow_downgrade: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub allow_change_held_packages: bool,
    #[serde(default, deserialize_with = "super::opt_int")]
    pub lock_timeout: Option<u64>,
    /// Ansible installs python3-apt for itself; drover needs nothing on the target.
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub auto_install_module_deps: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AptState {
    #[default]
    Present,
    Latest,
    Absent,
    Fixed,
    #[serde(rename = "build-dep")]
    BuildDep,
}

/// `upgrade`: `no`, `yes`/`safe` (`apt-get upgrade --with-new-pkgs`), `full`/`dist` (`dist-upgrade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Upgrade {
    #[default]
    No,
    Safe,
    Dist,
}

fn upgrade_mode<'de, D: Deserializer<'de>>(d: D) -> Result<Upgrade, D::Error> {
    let v = Value::deserialize(d)?;
    let text = match &v {
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) | Value::Null => "no".to_string(),
        Value::String(s) => s.trim().to_ascii_lowercase(),
        other => other.to_string(),
    };
    match text.as_str() {
        "no" | "false" => Ok(Upgrade::No),
        "yes" | "true" | "safe" => Ok(Upgrade::Safe),
        "full" | "dist" => Ok(Upgrade::Dist),
        _ => Err(serde::de::Error::custom(format!(
            "value of upgrade must be one of: dist, full, no, safe, yes, got: {text}"
        ))),
    }
}

const DPKG_OPTIONS: &str = "force-confdef,force-confold";
const STAMP: &str = "/var/lib/apt/periodic/update-success-stamp";
const LISTS: &str = "/var/lib/apt/lists";
/// apt-get's words for "nothing to do" (Ansible's APT_GET_ZERO).
const APT_GET_ZERO: &str = "\n0 upgraded, 0 newly installed";

impl Params {
    fn wants_update(&self) -> bool {
        self.update_cache == Some(true) || self.cache_valid_time.unwrap_or(0) > 0
    }
    /// `name: "*"` with `state: latest` upgrades everything, as `upgrade: yes` does.
    fn upgrade_all(&self) -> bool {
        self.state == AptState::Latest && self.package.iter().any(|p| p == "*")
    }
    fn upgrade_mode(&self) -> Upgrade {
        if self.upgrade_all() {
            Upgrade::Safe
        } else {
            self.upgrade
        }
    }
    fn specs(&self) -> Result<Vec<PkgSpec>, ModuleError> {
        let names: Vec<String> = self.package.iter().filter(|p| *p != "*").cloned().collect();
        PkgSpec::parse_all(&names)
    }
    fn debs(&self) -> Vec<String> {
        self.deb
            .iter()
            .flat_map(|d| d.split(','))
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect()
    }
}

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

/// The one query: cache age (and refresh), dpkg's state of every named package, candidates when
/// `latest`, simulations for `upgrade`/`autoremove`/`autoclean`, the packages inside `deb` files.
fn planning_script(p: &Params, specs: &[PkgSpec], check: bool, cache_only: bool) -> Cmd {
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
struct CacheState {
    time: i64,
    stale: bool,
    updated: bool,
}

impl CacheState {
    fn read(text: &str) -> Result<Self, ModuleError> {
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

enum Decision {
    Install(Vec<String>),
    Remove(Vec<String>),
    Fail(String),
}

fn installed(status: &BTreeMap<String, DebStatus>, name: &str) -> Option<String> {
    status
        .get(name)
        .filter(|s| s.state == DpkgState::Installed)
        .map(|s| s.version.clone())
}

fn version_ok(spec: &PkgSpec, version: &str) -> bool {
    match &spec.version {
        None => true,
        Some((VersionCmp::Matches, pattern)) => deb::fnmatch(pattern, version),
        Some((VersionCmp::AtLeast, min)) => {
            deb::compare_versions(version, min) != std::cmp::Ordering::Less
        }
    }
}

fn decide_removals(
    p: &Params,
    specs: &[PkgSpec],
    status: &BTreeMap<String, DebStatus>,
) -> Decision {
    let list = specs
        .iter()
        .filter(|s| {
            let leftover = p.purge
                && status
                    .get(&s.name)
                    .is_some_and(|st| st.state == DpkgState::ConfigFiles);
            installed(status, &s.name).is_some_and(|v| version_ok(s, &v)) || leftover
        })
        .map(|s| s.name.clone())
        .collect();
    Decision::Remove(list)
}

/// Which packages need `apt-get install`, as `name=version` (the version apt will pick, as
/// Ansible passes it). Candidates are read only for packages that are not already right.
async fn decide_installs(
    p: &Params,
    specs: &[PkgSpec],
    status: &BTreeMap<String, DebStatus>,
    text: &str,
    host: &mut dyn Host,
) -> Result<Decision, ModuleError> {
    let latest = p.state == AptState::Latest;
    let open: Vec<&PkgSpec> = specs
        .iter()
        .filter(|s| match installed(status, &s.name) {
            Some(v) => latest || !version_ok(s, &v),
            None => !p.only_upgrade,
        })
        .collect();
    if open.is_empty() {
        return Ok(Decision::Install(Vec::new()));
    }
    let policies = match section(text, "policy") {
        Some(lines) => deb::parse_policy(&lines.join("\n")),
        None => {
            let cmd =
                Cmd::new("LC_ALL=C apt-cache policy --").args(open.iter().map(|s| s.name.as_str()));
            deb::parse_policy(&host.query(&cmd).await?.stdout)
        }
    };
    let mut list = Vec::new();
    for spec in open {
        let Some(policy) = policy_of(&policies, &spec.name) else {
            return Ok(Decision::Fail(format!(
                "No package matching '{}' is available",
                spec.name
            )));
        };
        let current = installed(status, &spec.name);
        let Some(best) = best_version(spec, policy) else {
            if current.as_deref().is_some_and(|v| version_ok(spec, v)) {
                continue;
            }
            return Ok(Decision::Fail(format!(
                "no available installation candidate for {}",
                spec_text(spec)
            )));
        };
        if current.as_deref() != Some(best.as_str()) {
            list.push(format!("{}={best}", spec.name));
        }
    }
    Ok(Decision::Install(list))
}

fn policy_of<'a>(policies: &'a BTreeMap<String, Policy>, name: &str) -> Option<&'a Policy> {
    policies.get(name).or_else(|| {
        name.split_once(':')
            .and_then(|(bare, _)| policies.get(bare))
    })
}

/// The version apt would install for the spec: the candidate, or for `=pattern` the highest
/// version matching it (Ansible pins the pattern above every other priority).
fn best_version(spec: &PkgSpec, policy: &Policy) -> Option<String> {
    match &spec.version {
        None => policy.candidate.clone(),
        Some((VersionCmp::Matches, pattern)) => policy
            .versions
            .iter()
            .filter(|v| deb::fnmatch(pattern, v))
            .max_by(|a, b| deb::compare_versions(a, b))
            .cloned(),
        Some((VersionCmp::AtLeast, _)) => policy.candidate.clone().filter(|c| version_ok(spec, c)),
    }
}

fn spec_text(spec: &PkgSpec) -> String {
    match &spec.version {
        None => spec.name.clone(),
        Some((VersionCmp::Matches, v)) => format!("{}={v}", spec.name),
        Some((VersionCmp::AtLeast, v)) => format!("{}>={v}", spec.name),
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

fn update_cmd() -> Cmd {
    Cmd::new("LC_ALL=C apt-get update -q")
}

/// `apt-get -y` with the environment and options every change shares.
fn apt_get(p: &Params) -> Cmd {
    let mut cmd = Cmd::new(
        "env DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LC_ALL=C apt-get -y -q",
    );
    let options = p.dpkg_options.as_deref().unwrap_or(DPKG_OPTIONS);
    for option in options.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        cmd = cmd.syntax("-o").arg(format!("Dpkg::Options::=--{option}"));
    }
    cmd = cmd.syntax(&format!(
        "-o DPkg::Lock::Timeout={}",
        p.lock_timeout.unwrap_or(60)
    ));
    if p.force {
        cmd = cmd.syntax("--force-yes");
    }
    if p.fail_on_autoremove {
        cmd = cmd.syntax("--no-remove");
    }
    if p.allow_unauthenticated {
        cmd = cmd.syntax("--allow-unauthenticated");
    }
    if p.allow_downgrade {
        cmd = cmd.syntax("--allow-downgrades");
    }
    if p.allow_change_held_packages {
        cmd = cmd.syntax("--allow-change-held-packages");
    }
    if let Some(release) = &p.default_release {
        cmd = cmd.syntax("-t").arg(release);
    }
    cmd
}

fn install_cmd(p: &Params, packages: &[String]) -> Cmd {
    let mut cmd = apt_get(p);
    match p.install_recommends {
        Some(true) => cmd = cmd.syntax("-o APT::Install-Recommends=yes"),
        Some(false) => cmd = cmd.syntax("-o APT::Install-Recommends=no"),
        None => {}
    }
    if p.only_upgrade {
        cmd = cmd.syntax("--only-upgrade");
    }
    if p.state == AptState::Fixed {
        cmd = cmd.syntax("--fix-broken");
    }
    if p.autoremove {
        cmd = cmd.syntax("--auto-remove");
    }
    cmd.syntax("install").args(packages)
}

fn remove_cmd(p: &Params, packages: &[String]) -> Cmd {
    let mut cmd = apt_get(p);
    if p.purge {
        cmd = cmd.syntax("--purge");
    }
    if p.autoremove {
        cmd = cmd.syntax("--auto-remove");
    }
    cmd.syntax("remove").args(packages)
}

fn upgrade_cmd(p: &Params) -> Cmd {
    let mut cmd = apt_get(p);
    cmd = match p.upgrade_mode() {
        Upgrade::Dist => cmd.syntax("dist-upgrade"),
        _ => cmd.syntax("upgrade --with-new-pkgs"),
    };
    if p.autoremove {
        cmd = cmd.syntax("--auto-remove");
    }
    cmd
}
