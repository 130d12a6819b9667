//! `dnf` and `yum`: RPM packages. One query (`rpm -q` for every named package, `check-update` when
//! `latest` matters) and one command per kind of change (install, upgrade, remove).

use super::{PkgState, section};
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Dnf;
pub struct Yum;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, alias = "pkg", deserialize_with = "crate::de::string_list")]
    pub name: Vec<String>,
    #[serde(default)]
    pub state: Option<PkgState>,
    #[serde(
        default,
        alias = "expire-cache",
        deserialize_with = "crate::de::boolean"
    )]
    pub update_cache: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub allow_downgrade: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub autoremove: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub disable_gpg_check: bool,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub enablerepo: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub disablerepo: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub exclude: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub install_weak_deps: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub skip_broken: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub update_only: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub allowerasing: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub conf_file: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub releasever: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub security: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub bugfix: bool,
    #[serde(default, deserialize_with = "super::opt_int")]
    pub lock_timeout: Option<u64>,
}

#[async_trait::async_trait]
impl Module for Dnf {
    type Params = Params;
    const NAME: &'static str = "dnf";
    const DOC: Written = Written {
        description: "Installs, upgrades or removes RPM packages with dnf.",
        example: "- dnf:\n    name: httpd\n    state: latest\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "allow_downgrade",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "autoremove",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "disable_gpg_check",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "enablerepo",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "disablerepo",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "exclude",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "install_weak_deps",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "skip_broken",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_only",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "allowerasing",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "conf_file",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "releasever",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "security",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "bugfix",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "lock_timeout",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
        ],
    };
    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        check(p)
    }
    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        plan_rpm("dnf", &p, host).await
    }
}

#[async_trait::async_trait]
impl Module for Yum {
    type Params = Params;
    const NAME: &'static str = "yum";
    const DOC: Written = Written {
        description: "Installs, upgrades or removes RPM packages with yum.",
        example: "- yum:\n    name: httpd\n    state: present\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "allow_downgrade",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "autoremove",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "disable_gpg_check",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "enablerepo",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "disablerepo",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "exclude",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "install_weak_deps",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "skip_broken",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_only",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "allowerasing",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "conf_file",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "releasever",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "security",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "bugfix",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "lock_timeout",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
        ],
    };
    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        check(p)
    }
    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        plan_rpm("yum", &p, host).await
    }
}

fn check(p: &Params) -> Result<(), ModuleError> {
    if p.name.is_empty() && !p.update_cache {
        return Err(ModuleError::Params(
            "one of the following is required: name, list, update_cache".into(),
        ));
    }
    if let Some(odd) = p
        .name
        .iter()
        .find(|n| n.starts_with('@') || n.contains('/') || n.starts_with('-'))
    {
        return Err(ModuleError::Params(format!(
            "{odd}: groups, modules and package files are not supported yet: name the packages"
        )));
    }
    Ok(())
}

/// `installed`/`removed` are the same as `present`/`absent`; no state means present, or absent for
/// `autoremove` (as Ansible's dnf).
fn state(p: &Params) -> PkgState {
    match p.state.map(PkgState::normal) {
        Some(s) => s,
        None if p.autoremove => PkgState::Absent,
        None => PkgState::Present,
    }
}

async fn plan_rpm(program: &str, p: &Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
    let state = state(p);
    let upgrade_all = state == PkgState::Latest && p.name.iter().any(|n| n == "*");
    let names: Vec<&String> = p.name.iter().filter(|n| *n != "*").collect();
    let mut script = Cmd::new("set --").args(&names).syntax(&format!(
        "; export LC_ALL=C; command -v {program} >/dev/null || {{ echo @@missing; exit 0; }};"
    ));
    if p.update_cache && !host.check_mode() {
        script = script.syntax(&format!("{program} -q -y makecache >/dev/null 2>&1;"));
    }
    if !names.is_empty() {
        script = script.syntax(
            "echo @@rpm; rpm -q --qf '%{NAME}|%{EPOCHNUM}:%{VERSION}-%{RELEASE}|%{ARCH}\\n' -- \"$@\" 2>&1;",
        );
    }
    if state == PkgState::Latest {
        let targets = if upgrade_all { "" } else { " -- \"$@\"" };
        script = script.syntax(&format!(
            "echo @@updates; {program} -q check-update{targets} 2>/dev/null;"
        ));
    }
    let out = host.query(&script.syntax("echo @@end")).await?;
    if section(&out.stdout, "missing").is_some() {
        return Ok(Plan::fail(format!("{program} not found on the target")));
    }
    let rpm = section(&out.stdout, "rpm").unwrap_or_default();
    let missing: Vec<String> = rpm
        .iter()
        .filter_map(|l| l.strip_prefix("package "))
        .filter_map(|l| l.strip_suffix(" is not installed"))
        .map(str::to_string)
        .collect();
    let installed: Vec<&String> = names
        .iter()
        .copied()
        .filter(|n| !missing.contains(n))
        .collect();
    let updates: Vec<String> = section(&out.stdout, "updates")
        .unwrap_or_default()
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|first| first.contains('.') && !first.ends_with(':'))
        .map(|first| first.rsplit_once('.').map_or(first, |(n, _)| n).to_string())
        .collect();
    let base = || base_cmd(program, p);
    let mut steps = Vec::new();
    match state {
        PkgState::Absent => {
            if !installed.is_empty() {
                steps.push(base().syntax("remove").args(&installed));
            }
        }
        _ => {
            if !missing.is_empty() && !p.update_only {
                steps.push(base().syntax("install").args(&missing));
            }
            if upgrade_all && !updates.is_empty() {
                steps.push(base().syntax("upgrade"));
            } else if state == PkgState::Latest {
                let outdated: Vec<&&String> = installed
                    .iter()
                    .filter(|n| updates.iter().any(|u| u == n.as_str()))
                    .collect();
                if !outdated.is_empty() {
                    steps.push(base().syntax("upgrade").args(outdated));
                }
            }
        }
    }
    Ok(Plan::with_steps(steps.into_iter().map(Step::run).collect()))
}

fn base_cmd(program: &str, p: &Params) -> Cmd {
    let mut cmd = Cmd::new(&format!("{program} -y -q"));
    let list = |cmd: Cmd, flag: &str, values: &[String]| {
        if values.is_empty() {
            cmd
        } else {
            cmd.syntax(flag).arg(values.join(","))
        }
    };
    cmd = list(cmd, "--enablerepo", &p.enablerepo);
    cmd = list(cmd, "--disablerepo", &p.disablerepo);
    cmd = list(cmd, "--exclude", &p.exclude);
    for (on, flag) in [
        (p.disable_gpg_check, "--nogpgcheck"),
        (p.skip_broken, "--skip-broken"),
        (p.allowerasing, "--allowerasing"),
        (p.security, "--security"),
        (p.bugfix, "--bugfix"),
        (p.allow_downgrade, "--setopt=allow_downgrade=True"),
    ] {
        if on {
            cmd = cmd.syntax(flag);
        }
    }
    if let Some(weak) = p.install_weak_deps {
        cmd = cmd.syntax(&format!("--setopt=install_weak_deps={weak}"));
    }
    if let Some(conf) = &p.conf_file {
        cmd = cmd.syntax("-c").arg(conf);
    }
    if let Some(release) = &p.releasever {
        cmd = cmd.syntax("--releasever").arg(release);
    }
    cmd
}
