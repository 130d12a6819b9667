//! `container_volume` (`docker_volume`, `podman_volume`): a named volume present or absent. A
//! volume holds data and engines cannot change one in place, so — as Ansible's `recreate: never`
//! default — drift is reported (`differences`) but only recreates with `recreate: options-changed`
//! or `always`.

use super::cli::{self, Drift, Engine, EngineChoice};
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub struct ContainerVolume;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "volume_name", deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default)]
    pub state: super::image::Presence,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub driver: Option<String>,
    #[serde(
        default,
        alias = "options",
        alias = "opt",
        deserialize_with = "cli::options_map"
    )]
    pub driver_options: BTreeMap<String, String>,
    #[serde(default, alias = "label", deserialize_with = "cli::string_map")]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub recreate: Recreate,
    #[serde(default)]
    pub engine: EngineChoice,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recreate {
    #[default]
    Never,
    OptionsChanged,
    Always,
}

#[async_trait::async_trait]
impl Module for ContainerVolume {
    type Params = Params;
    const NAME: &'static str = "container_volume";
    const DOC: Written = Written {
        description: "A named docker or podman volume present or absent (`docker_volume`, `podman_volume`). A volume holds data: as Ansible's default `recreate: never`, drift in driver, options or labels is only reported (`differences`).",
        example: "- container_volume:\n    name: shop-data\n    labels: {backup: daily}\n",
        args: &[
            ("name", "", "The volume's name."),
            ("state", "present", "`present` or `absent`."),
            ("driver", "", "The volume driver (`local`)."),
            (
                "driver_options",
                "",
                "Driver options, a mapping or podman's `key=value` list.",
            ),
            ("labels", "", "Labels; only the keys named are compared."),
            (
                "recreate",
                "never",
                "`never`, `options-changed` (remove and create again on drift) or `always`.",
            ),
            ("engine", "auto", "`docker`, `podman`, or `auto`."),
        ],
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let query = cli::select_engine(p.engine).then(cli::inspect_section(
            "volume",
            "volume inspect",
            &p.name,
        ));
        let out = host.query(&query).await?;
        let engine = cli::engine_of(&out, p.engine)?;
        let current = cli::inspected(&out, "volume")?;
        let mut plan = Plan::ok().set("volume", current.clone().unwrap_or(json!({})));
        let present = p.state == super::image::Presence::Present;
        let Some(current) = current else {
            if present {
                plan.steps.push(Step::run(create(&p, engine)));
                plan = plan.set("actions", vec![format!("Created volume {}", p.name)]);
            }
            return Ok(plan);
        };
        if !present {
            plan.steps.push(Step::run(remove(&p, engine)));
            return Ok(plan.set("actions", vec![format!("Removed volume {}", p.name)]));
        }
        let drift = drift(&p, &current);
        if !drift.is_empty() {
            plan = plan.set("differences", drift.names.clone());
        }
        let recreate = match p.recreate {
            Recreate::Never => false,
            Recreate::OptionsChanged => !drift.is_empty(),
            Recreate::Always => true,
        };
        if !recreate {
            return Ok(plan);
        }
        if host.diff_mode() && !drift.is_empty() {
            plan.diffs.push(drift.diff(&format!("volume {}", p.name)));
        }
        plan.steps.push(Step::run(remove(&p, engine)));
        plan.steps.push(Step::run(create(&p, engine)));
        Ok(plan.set("actions", vec![format!("Recreated volume {}", p.name)]))
    }
}

fn drift(p: &Params, current: &Value) -> Drift {
    let mut d = Drift::default();
    let driver = cli::field(current, &["Driver", "driver"])
        .and_then(Value::as_str)
        .unwrap_or_default();
    d.setting("driver", p.driver.as_deref(), driver);
    d.map(
        "labels",
        &p.labels,
        &cli::string_map_of(cli::field(current, &["Labels", "labels"])),
    );
    d.map(
        "driver_options",
        &p.driver_options,
        &cli::string_map_of(cli::field(current, &["Options", "options"])),
    );
    d
}

fn create(p: &Params, engine: Engine) -> Cmd {
    let mut c = engine.cmd("volume create");
    if let Some(d) = &p.driver {
        c = c.syntax("--driver").arg(d);
    }
    for (k, v) in &p.driver_options {
        c = c.syntax("-o").arg(format!("{k}={v}"));
    }
    for (k, v) in &p.labels {
        c = c.syntax("--label").arg(format!("{k}={v}"));
    }
    c.arg(&p.name)
}

fn remove(p: &Params, engine: Engine) -> Cmd {
    engine.cmd("volume rm").arg(&p.name)
}
