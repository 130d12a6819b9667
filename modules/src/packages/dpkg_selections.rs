//! `dpkg_selections`: a package's dpkg selection (`install`, `hold`, `deinstall`, `purge`), read with
//! `dpkg --get-selections` and set with `dpkg --set-selections` only when it differs.

use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;

pub struct DpkgSelections;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    pub selection: Selection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Selection {
    Install,
    Hold,
    Deinstall,
    Purge,
}

impl Selection {
    fn name(self) -> &'static str {
        match self {
            Selection::Install => "install",
            Selection::Hold => "hold",
            Selection::Deinstall => "deinstall",
            Selection::Purge => "purge",
        }
    }
}

#[async_trait::async_trait]
impl Module for DpkgSelections {
    type Params = Params;
    const NAME: &'static str = "dpkg_selections";
    const DOC: Written = Written {
        description: "Sets a package's dpkg selection (`hold` keeps apt from upgrading it) with `dpkg --set-selections`, when it differs.",
        example: "- dpkg_selections:\n    name: openssh-server\n    selection: hold\n",
        args: &[
            ("name", "", "The package."),
            (
                "selection",
                "",
                "`install`, `hold`, `deinstall` or `purge`.",
            ),
        ],
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let query = Cmd::new("LC_ALL=C dpkg --get-selections").arg(&p.name);
        let out = host.query(&query).await?;
        let wanted = p.selection.name();
        if out.stderr.contains("no packages found matching") {
            return Ok(Plan::fail(format!(
                "Failed to find package '{}' to perform selection '{wanted}'.",
                p.name
            )));
        }
        if !out.success() {
            return Ok(Plan::fail(out.stderr.trim().to_string()));
        }
        let current = out
            .stdout
            .split_whitespace()
            .nth(1)
            .unwrap_or("not present")
            .to_string();
        let mut plan = Plan::ok();
        if current != wanted {
            let line = format!("{} {wanted}\n", p.name);
            plan.steps.push(super::fed(
                Cmd::new("LC_ALL=C dpkg --set-selections"),
                line.into_bytes(),
            ));
        }
        Ok(plan.set("before", current).set("after", wanted))
    }
}
