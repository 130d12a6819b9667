//! `container_volume` (`docker_volume`, `podman_volume`): a named volume present or absent. A
//! volume holds data and engines cannot change one in place, so — as Ansible's `recreate: never`
//! default — drift is reported (`differences`) but only recreates with `recreate: options-changed`
//! or `always`.

use super::cli::{self, Drift, Engine, EngineChoice};
use super::named::{self, NamedObject, Start};
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use serde_json::Value;
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
        let (mut plan, engine, current) = match named::start(&p, host).await? {
            Start::Settled(plan) => return Ok(plan),
            Start::Present {
                plan,
                engine,
                current,
            } => (plan, engine, current),
        };
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
        named::recreate(&p, plan, engine, &current, &drift, host.diff_mode())
    }
}

impl NamedObject for Params {
    const KIND: &'static str = "volume";
    fn name(&self) -> &str {
        &self.name
    }
    fn engine_choice(&self) -> EngineChoice {
        self.engine
    }
    fn wanted(&self) -> bool {
        self.state == super::image::Presence::Present
    }
    fn create(&self, engine: Engine) -> Result<Cmd, ModuleError> {
        Ok(create(self, engine))
    }
    fn remove(&self, engine: Engine, _current: &Value) -> Vec<Step> {
        vec![Step::run(engine.cmd("volume rm").arg(&self.name))]
    }
}

fn drift(p: &Params, current: &Value) -> Drift {
    let mut d = Drift::default();
    d.setting("driver", p.driver.as_deref(), named::driver_of(current));
    named::labels_and_options(&mut d, &p.labels, &p.driver_options, current);
    d
}

fn create(p: &Params, engine: Engine) -> Cmd {
    let mut c = engine.cmd("volume create");
    if let Some(d) = &p.driver {
        c = c.syntax("--driver").arg(d);
    }
    named::with_options_and_labels(c, &p.driver_options, &p.labels).arg(&p.name)
}
