//! `apk` (community.general.apk): Alpine packages. One query (`apk info -e` for every named package,
//! a simulation when `latest` or `upgrade` matters) and one `apk` command per kind of change.

use super::{PkgState, section};
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Apk;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, alias = "pkg", deserialize_with = "crate::de::string_list")]
    pub name: Vec<String>,
    #[serde(default)]
    pub state: PkgState,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub update_cache: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub upgrade: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub available: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub no_cache: bool,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub repository: Vec<String>,
}

#[async_trait::async_trait]
impl Module for Apk {
    type Params = Params;
    const NAME: &'static str = "apk";
    const DOC: Written = Written {
        description: "Installs, upgrades or removes Alpine packages with apk.",
        example: "- apk:\n    name: nginx\n    state: present\n    update_cache: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "upgrade",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "available",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "no_cache",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "repository",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.name.is_empty() && !p.update_cache && !p.upgrade {
            return Err(ModuleError::Params(
                "one of the following is required: name, update_cache, upgrade".into(),
            ));
        }
        match p.name.iter().find(|n| n.starts_with('-')) {
            Some(odd) => Err(ModuleError::Params(format!("invalid package name: {odd}"))),
            None => Ok(()),
        }
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let state = p.state.normal();
        // `apk info -e` knows names, not version constraints (`name=1.2-r0`, `name>1.2`).
        let bare: Vec<String> = p
            .name
            .iter()
            .map(|n| {
                n.split(['=', '<', '>', '~'])
                    .next()
                    .unwrap_or(n)
                    .to_string()
            })
            .collect();
        let mut script = Cmd::new("set --")
            .args(&bare)
            .syntax("; command -v apk >/dev/null || { echo @@missing; exit 0; };");
        let cache_only = p.name.is_empty() && !p.upgrade;
        if p.update_cache && !host.check_mode() && !cache_only {
            script = script.syntax("apk update -q >/dev/null 2>&1;");
        }
        if !bare.is_empty() {
            script = script.syntax("echo @@installed; apk info -e -- \"$@\";");
        }
        if state == PkgState::Latest && !p.name.is_empty() {
            script = script
                .syntax("echo @@simulated;")
                .syntax(
                    &apk(&p, "add")
                        .syntax("--upgrade --simulate")
                        .args(&p.name)
                        .to_shell(),
                )
                .syntax("2>&1;");
        }
        if p.upgrade {
            script = script
                .syntax("echo @@upgrade;")
                .syntax(&apk(&p, "upgrade").syntax("--simulate").to_shell())
                .syntax("2>&1;");
        }
        let out = host.query(&script.syntax("echo @@end")).await?;
        if section(&out.stdout, "missing").is_some() {
            return Ok(Plan::fail("apk not found on the target"));
        }
        let installed = section(&out.stdout, "installed").unwrap_or_default();
        let is_installed = |i: usize| installed.iter().any(|l| l.trim() == bare[i]);
        let work = |name: &str| {
            section(&out.stdout, name)
                .unwrap_or_default()
                .iter()
                .any(|l| {
                    l.contains("Upgrading") || l.contains("Installing") || l.contains("Downgrading")
                })
        };
        let mut steps = Vec::new();
        if cache_only && p.update_cache {
            steps.push(apk(&p, "update"));
        }
        if p.upgrade && work("upgrade") {
            steps.push(apk(&p, "upgrade"));
        }
        let pick = |want_installed: bool| -> Vec<&String> {
            (0..p.name.len())
                .filter(|i| is_installed(*i) == want_installed)
                .map(|i| &p.name[i])
                .collect()
        };
        match state {
            PkgState::Absent => {
                let present = pick(true);
                if !present.is_empty() {
                    steps.push(apk(&p, "del").args(present));
                }
            }
            PkgState::Latest if work("simulated") => {
                steps.push(apk(&p, "add").syntax("--upgrade").args(&p.name));
            }
            PkgState::Latest => {}
            _ => {
                let absent = pick(false);
                if !absent.is_empty() {
                    steps.push(apk(&p, "add").args(absent));
                }
            }
        }
        Ok(Plan::with_steps(steps.into_iter().map(Step::run).collect()))
    }
}

fn apk(p: &Params, verb: &str) -> Cmd {
    let mut cmd = Cmd::new("apk").syntax(verb);
    for repo in &p.repository {
        cmd = cmd.syntax("--repository").arg(repo);
    }
    if p.no_cache {
        cmd = cmd.syntax("--no-cache");
    }
    if p.available && verb == "upgrade" {
        cmd = cmd.syntax("--available");
    }
    cmd
}
