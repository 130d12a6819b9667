//! `container` (also `docker_container`, `podman_container` and their collections' full names): one
//! container, idempotent through `inspect`. One query finds the engine, inspects the container and
//! its image (and reads `env_file`); the task's settings are normalised and compared with what the
//! engine reports. A matching container is left alone; any drift in a compared setting (or in the
//! image id) removes and recreates it, and the result and `--diff` say which settings drifted.
//!
//! Only settings the task gives are compared (as Ansible does), each `strict` unless `comparisons`
//! says `ignore` or `allow_more_present` (`*` sets the default). `env` and `labels` are compared
//! with what the image brings merged in, and without the variables podman adds on its own.

mod commands;
mod compare;
mod doc;
mod params;

use super::engine::{self, Ask, Engine, EngineChoice, Found, ImageInfo, Inspected, Probed};
use crate::doc::Written;
use crate::{Diff, Host, Module, ModuleError, Plan, Step};
use commands::*;
use compare::*;
use doc::*;
pub use params::*;
use serde_json::{Value, json};

/// `container`: the engine is the one the target has (docker first) unless `engine` says.
pub struct Container;
/// `docker_container`, `community.docker.docker_container`: docker unless `engine` says.
pub struct DockerContainer;
/// `podman_container`, `containers.podman.podman_container`: podman unless `engine` says.
pub struct PodmanContainer;

/// What a task's module name makes the default engine.
#[derive(Clone, Copy)]
enum Flavour {
    Any,
    Docker,
    Podman,
}

impl Flavour {
    fn engine(self, p: &Params) -> EngineChoice {
        p.engine.unwrap_or(match self {
            Flavour::Any => EngineChoice::Auto,
            Flavour::Docker => EngineChoice::Docker,
            Flavour::Podman => EngineChoice::Podman,
        })
    }
}

fn validate(p: &Params) -> Result<(), ModuleError> {
    if p.name.is_empty() {
        return Err(bad("name must not be empty".into()));
    }
    let want = p.desired(None)?;
    for m in want.mounts.iter().flatten() {
        if [&m.source, &m.target]
            .iter()
            .any(|s| s.contains([',', '"']))
        {
            return Err(bad(format!(
                "mounts: '{}' holds a comma or a quote, which --mount cannot take",
                m.target
            )));
        }
        if m.kind != "tmpfs" && m.source.is_empty() {
            return Err(bad(format!("mounts: '{}' needs a source", m.target)));
        }
    }
    if p.network_mode.is_some() && p.networks.as_ref().is_some_and(|n| !n.is_empty()) {
        let mode = p.network_mode.as_deref().unwrap_or_default();
        if mode == "host" || mode == "none" {
            return Err(bad(format!(
                "networks cannot be combined with network_mode: {mode}"
            )));
        }
    }
    Ok(())
}

async fn plan(p: Params, flavour: Flavour, host: &mut dyn Host) -> Result<Plan, ModuleError> {
    let choice = flavour.engine(&p);
    let mut asks = vec![Ask::Container(p.name.clone())];
    if p.state != State::Absent {
        if let Some(image) = &p.image {
            asks.push(Ask::Image(image.clone()));
        }
        if let Some(file) = &p.env_file {
            asks.push(Ask::File(file.clone()));
        }
    }
    let out = host.query(&engine::probe(choice, &asks)).await?;
    let probed = engine::parse_probe(&out)?;
    let Some(engine) = probed.engine else {
        return Ok(Plan::fail(engine::missing(choice)));
    };
    decide(&p, engine, &probed, host.check_mode())
}

fn decide(p: &Params, engine: Engine, probed: &Probed, check: bool) -> Result<Plan, ModuleError> {
    let existing = match &probed.container {
        Some(Found::Yes(json)) => Some((Inspected::from_json(json), json.clone())),
        _ => None,
    };
    let base = Plan::ok().set("engine", engine.cli()).set(
        "container",
        existing.as_ref().map_or(Value::Null, |(_, j)| j.clone()),
    );
    if p.state == State::Absent {
        return Ok(match existing {
            None => base,
            Some(_) => {
                let mut plan = base;
                plan.steps.push(remove_step(p, engine));
                plan
            }
        });
    }
    let env_file = match &probed.file {
        Some(Found::Yes(Value::String(text))) => Some(text.as_str()),
        Some(_) => {
            return Ok(Plan::fail(format!(
                "env_file {} not found on the target",
                p.env_file.as_deref().unwrap_or_default()
            )));
        }
        None => None,
    };
    let want = p.desired(env_file)?;
    let image = match &probed.image {
        Some(Found::Yes(json)) => Some(ImageInfo::from_json(json)),
        _ => None,
    };
    let pull_always = p.pull == Pull::Always && image.is_some();
    let mut steps = Vec::new();
    if let Some(name) = &p.image {
        match (&image, p.pull) {
            (None, Pull::Never) => {
                return Ok(Plan::fail(format!(
                    "image {name} is not on the target and pull is 'never'"
                )));
            }
            (None, _) => steps.push(Step::run(engine.cmd("pull").arg(name))),
            _ => {}
        }
    }
    let Some((have, _)) = &existing else {
        let Some(name) = &p.image else {
            return Ok(Plan::fail(format!(
                "container {} does not exist: image is needed to create it",
                p.name
            )));
        };
        if pull_always {
            steps.push(Step::run(engine.cmd("pull").arg(name)));
        }
        steps.extend(create_steps(p, &want, engine, name));
        let mut plan = base.set("differences", json!([]));
        if p.state == State::Started {
            plan = plan.set("actions", json!(["create", "start"]));
        }
        plan.steps = steps;
        plan.diffs.push(Diff {
            before_header: format!("container {}", p.name),
            after_header: format!("container {}", p.name),
            before: String::new(),
            after: format!("{} container {}\n", engine.cli(), p.name),
        });
        return Ok(plan);
    };
    let drifted = drifts(p, &want, have, image.as_ref(), engine);
    let differences: Vec<Value> = drifted
        .iter()
        .map(|d| json!({d.setting: {"container": d.container, "parameter": d.wanted}}))
        .collect();
    let mut plan = base.set("differences", Value::Array(differences));
    if p.recreate || !drifted.is_empty() {
        let Some(image_name) = &p.image else {
            return Ok(Plan::fail(format!(
                "container {} must be recreated: image is needed",
                p.name
            )));
        };
        if pull_always {
            steps.push(Step::run(engine.cmd("pull").arg(image_name)));
        }
        steps.push(remove_step(p, engine));
        steps.extend(create_steps(p, &want, engine, image_name));
        plan.diffs.push(drift_diff(&p.name, &drifted));
        plan.steps = steps;
        return Ok(plan);
    }
    let state_cmd = state_cmd(p, engine, have);
    if let (true, Some(name)) = (pull_always, &p.image) {
        let follow = p.comparison("image") != Comparison::Ignore;
        let recreate = follow.then(|| recreate_cmds(p, &want, engine, name));
        plan.steps = vec![pull_and_follow(
            engine,
            name,
            &have.image_id,
            state_cmd,
            recreate,
            p.state,
        )];
        if check {
            plan = plan.set(
                "msg",
                format!("would pull {name}, and recreate the container if the image id moves"),
            );
        }
        return Ok(plan);
    }
    plan.steps = state_cmd.into_iter().map(Step::run).collect();
    Ok(plan)
}

macro_rules! container_module {
    ($ty:ident, $name:literal, $flavour:expr, $doc:expr) => {
        #[async_trait::async_trait]
        impl Module for $ty {
            type Params = Params;
            const NAME: &'static str = $name;
            const DOC: Written = $doc;

            fn validate(&self, p: &Params) -> Result<(), ModuleError> {
                validate(p)
            }

            async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
                plan(p, $flavour, host).await
            }
        }
    };
}

container_module!(Container, "container", Flavour::Any, CONTAINER_DOC);
container_module!(
    DockerContainer,
    "docker_container",
    Flavour::Docker,
    DOCKER_CONTAINER_DOC
);
container_module!(
    PodmanContainer,
    "podman_container",
    Flavour::Podman,
    PODMAN_CONTAINER_DOC
);
