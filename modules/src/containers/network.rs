//! `container_network` (`docker_network`, `podman_network`): a network present with the driver,
//! options, labels and address ranges asked, or absent. Only the settings a task names are compared;
//! engines cannot change a network in place, so drift recreates it (`force` first disconnects —
//! docker — or removes — podman, as `podman_network` does — the containers using it).

use super::cli::{self, Drift, Engine, EngineChoice};
use super::named::{self, NamedObject, Start};
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub struct ContainerNetwork;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "network_name", deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default)]
    pub state: super::image::Presence,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub driver: Option<String>,
    #[serde(default, alias = "opt", deserialize_with = "cli::options_map")]
    pub driver_options: BTreeMap<String, String>,
    #[serde(default, alias = "label", deserialize_with = "cli::string_map")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub internal: Option<bool>,
    #[serde(default, alias = "ipv6", deserialize_with = "crate::de::opt_boolean")]
    pub enable_ipv6: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub attachable: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub config_only: Option<bool>,
    #[serde(default)]
    pub ipam_config: Vec<Ipam>,
    /// podman_network's one-range form.
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub subnet: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub gateway: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub ip_range: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force: bool,
    #[serde(default)]
    pub engine: EngineChoice,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Ipam {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub subnet: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub gateway: Option<String>,
    #[serde(
        default,
        alias = "ip_range",
        deserialize_with = "crate::de::opt_string"
    )]
    pub iprange: Option<String>,
}

impl Params {
    fn ranges(&self) -> Vec<Ipam> {
        let mut all = self.ipam_config.clone();
        if self.subnet.is_some() {
            all.push(Ipam {
                subnet: self.subnet.clone(),
                gateway: self.gateway.clone(),
                iprange: self.ip_range.clone(),
            });
        }
        all
    }
}

#[async_trait::async_trait]
impl Module for ContainerNetwork {
    type Params = Params;
    const NAME: &'static str = "container_network";
    const DOC: Written = Written {
        description: "A docker or podman network present with the driver, options, labels and address ranges asked, or absent (`docker_network`, `podman_network`). Only the settings a task names are compared; engines cannot change a network in place, so drift recreates it and `differences` names what differed.",
        example: "- container_network:\n    name: backend\n    driver: bridge\n    subnet: 10.90.0.0/24\n    labels: {team: shop}\n",
        args: &[
            ("name", "", "The network's name."),
            ("state", "present", "`present` or `absent`."),
            (
                "driver",
                "",
                "The driver (`bridge`, `macvlan`, …); compared when given.",
            ),
            (
                "driver_options",
                "",
                "Driver options (`-o key=value`), a mapping or podman's `key=value` list.",
            ),
            ("labels", "", "Labels; only the keys named are compared."),
            ("internal", "", "An internal network (no outside access)."),
            ("enable_ipv6", "", "IPv6 on the network."),
            (
                "attachable",
                "",
                "docker only: standalone containers may attach.",
            ),
            (
                "config_only",
                "",
                "docker only: a configuration-only network (no interface is made).",
            ),
            (
                "ipam_config",
                "",
                "Address ranges: a list of `subnet`, `gateway`, `iprange`.",
            ),
            ("subnet", "", "podman_network's single range: the subnet."),
            ("gateway", "", "With `subnet`: its gateway."),
            (
                "ip_range",
                "",
                "With `subnet`: the range containers get addresses from.",
            ),
            (
                "force",
                "false",
                "Remove even when containers use it: docker disconnects them first, podman removes them (as podman_network does).",
            ),
            ("engine", "auto", "`docker`, `podman`, or `auto`."),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.subnet.is_none() && (p.gateway.is_some() || p.ip_range.is_some()) {
            return Err(ModuleError::Params(
                "gateway and ip_range need subnet".into(),
            ));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let (plan, engine, current) = match named::start(&p, host).await? {
            Start::Settled(plan) => return Ok(plan),
            Start::Present {
                plan,
                engine,
                current,
            } => (plan, engine, current),
        };
        let drift = drift(&p, &current);
        if drift.is_empty() {
            return Ok(plan);
        }
        let plan = plan.set("differences", drift.names.clone());
        named::recreate(&p, plan, engine, &current, &drift, host.diff_mode())
    }
}

impl NamedObject for Params {
    const KIND: &'static str = "network";
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
        create(self, engine)
    }
    fn remove(&self, engine: Engine, current: &Value) -> Vec<Step> {
        remove(self, engine, current)
    }
}

fn drift(p: &Params, current: &Value) -> Drift {
    let mut d = Drift::default();
    // A config-only network reports the `null` driver whatever was asked.
    if p.config_only != Some(true) {
        d.setting("driver", p.driver.as_deref(), named::driver_of(current));
    }
    named::labels_and_options(&mut d, &p.labels, &p.driver_options, current);
    d.setting(
        "internal",
        cli::flag(p.internal),
        cli::bool_field(current, &["Internal", "internal"]),
    );
    d.setting(
        "enable_ipv6",
        cli::flag(p.enable_ipv6),
        cli::bool_field(current, &["EnableIPv6", "ipv6_enabled"]),
    );
    d.setting(
        "attachable",
        cli::flag(p.attachable),
        cli::bool_field(current, &["Attachable"]),
    );
    d.setting(
        "config_only",
        cli::flag(p.config_only),
        cli::bool_field(current, &["ConfigOnly"]),
    );
    let wanted = p.ranges();
    if !wanted.is_empty() {
        let current_ranges = ranges_of(current);
        let matches = wanted.iter().all(|w| {
            current_ranges.iter().any(|c| {
                w.subnet == c.subnet
                    && (w.gateway.is_none() || w.gateway == c.gateway)
                    && (w.iprange.is_none() || w.iprange == c.iprange)
            })
        });
        if !matches {
            d.setting("ipam_config", Some(&show(&wanted)), &show(&current_ranges));
        }
    }
    d
}

/// Address ranges as docker (`IPAM.Config`) or podman (`subnets`) report them.
fn ranges_of(current: &Value) -> Vec<Ipam> {
    let text = |v: &Value, names: &[&str]| {
        cli::field(v, names)
            .and_then(Value::as_str)
            .map(String::from)
    };
    let docker = current.pointer("/IPAM/Config").and_then(Value::as_array);
    let podman = current.get("subnets").and_then(Value::as_array);
    docker
        .or(podman)
        .map(|items| {
            items
                .iter()
                .map(|i| Ipam {
                    subnet: text(i, &["Subnet", "subnet"]),
                    gateway: text(i, &["Gateway", "gateway"]),
                    iprange: text(i, &["IPRange", "lease_range"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn show(ranges: &[Ipam]) -> String {
    ranges
        .iter()
        .map(|r| {
            [
                ("subnet", &r.subnet),
                ("gateway", &r.gateway),
                ("iprange", &r.iprange),
            ]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
            .collect::<Vec<_>>()
            .join(",")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn create(p: &Params, engine: Engine) -> Result<Cmd, ModuleError> {
    let mut c = engine.cmd("network create");
    if let Some(d) = &p.driver
        && p.config_only != Some(true)
    {
        c = c.syntax("--driver").arg(d);
    }
    c = named::with_options_and_labels(c, &p.driver_options, &p.labels);
    if p.internal == Some(true) {
        c = c.syntax("--internal");
    }
    if p.enable_ipv6 == Some(true) {
        c = c.syntax("--ipv6");
    }
    for (flag, set, what) in [
        ("--attachable", p.attachable, "attachable"),
        ("--config-only", p.config_only, "config_only"),
    ] {
        if set == Some(true) {
            if engine == Engine::Podman {
                return Err(ModuleError::Failed(format!(
                    "podman networks have no {what}"
                )));
            }
            c = c.syntax(flag);
        }
    }
    for r in p.ranges() {
        for (flag, v) in [
            ("--subnet", &r.subnet),
            ("--gateway", &r.gateway),
            ("--ip-range", &r.iprange),
        ] {
            if let Some(v) = v {
                c = c.syntax(flag).arg(v);
            }
        }
    }
    Ok(c.arg(&p.name))
}

/// Removing a network: with `force`, docker's attached containers are disconnected first; podman's
/// `rm -f` removes the containers that use it.
fn remove(p: &Params, engine: Engine, current: &Value) -> Vec<Step> {
    let mut steps = Vec::new();
    if p.force && engine == Engine::Docker {
        let attached = current.get("Containers").and_then(Value::as_object);
        for container in attached.into_iter().flat_map(|m| m.values()) {
            if let Some(name) = container.get("Name").and_then(Value::as_str) {
                steps.push(Step::run(
                    engine.cmd("network disconnect -f").arg(&p.name).arg(name),
                ));
            }
        }
    }
    let mut rm = engine.cmd("network rm");
    if p.force && engine == Engine::Podman {
        rm = rm.syntax("-f");
    }
    steps.push(Step::run(rm.arg(&p.name)));
    steps
}
