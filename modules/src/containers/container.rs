//! `container` (also `docker_container`, `podman_container` and their collections' full names): one
//! container, idempotent through `inspect`. One query finds the engine, inspects the container and
//! its image (and reads `env_file`); the task's settings are normalised and compared with what the
//! engine reports. A matching container is left alone; any drift in a compared setting (or in the
//! image id) removes and recreates it, and the result and `--diff` say which settings drifted.
//!
//! Only settings the task gives are compared (as Ansible does), each `strict` unless `comparisons`
//! says `ignore` or `allow_more_present` (`*` sets the default). `env` and `labels` are compared
//! with what the image brings merged in, and without the variables podman adds on its own.

use super::engine::{
    self, Ask, Bind, Engine, EngineChoice, Found, Healthcheck, ImageInfo, Inspected, MountSpec,
    Port, Probed,
};
use crate::doc::Written;
use crate::{Cmd, Diff, Host, Module, ModuleError, Parsed, Parser, Plan, Step};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// `container`: the engine is the one the target has (docker first) unless `engine` says.
pub struct Container;
/// `docker_container`, `community.docker.docker_container`: docker unless `engine` says.
pub struct DockerContainer;
/// `podman_container`, `containers.podman.podman_container`: podman unless `engine` says.
pub struct PodmanContainer;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub image: Option<String>,
    #[serde(default)]
    pub state: State,
    #[serde(default)]
    pub command: Option<Words>,
    #[serde(default)]
    pub entrypoint: Option<Words>,
    #[serde(default)]
    pub env: Option<BTreeMap<String, Value>>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub env_file: Option<String>,
    #[serde(
        default,
        alias = "ports",
        alias = "publish",
        deserialize_with = "opt_list"
    )]
    pub published_ports: Option<Vec<String>>,
    #[serde(default, alias = "volume", deserialize_with = "opt_list")]
    pub volumes: Option<Vec<String>>,
    #[serde(default)]
    pub mounts: Option<Vec<MountArg>>,
    #[serde(default)]
    pub networks: Option<Vec<NetworkArg>>,
    #[serde(default, alias = "network", deserialize_with = "crate::de::opt_string")]
    pub network_mode: Option<String>,
    #[serde(default, alias = "label")]
    pub labels: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub restart_policy: Option<RestartPolicy>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub user: Option<String>,
    #[serde(
        default,
        alias = "working_dir",
        deserialize_with = "crate::de::opt_string"
    )]
    pub workdir: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub hostname: Option<String>,
    #[serde(default)]
    pub healthcheck: Option<HealthcheckArg>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub memory: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub cpus: Option<String>,
    #[serde(default)]
    pub pull: Pull,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub recreate: bool,
    #[serde(
        default,
        alias = "force_restart",
        deserialize_with = "crate::de::boolean"
    )]
    pub restart: bool,
    #[serde(default)]
    pub comparisons: BTreeMap<String, Comparison>,
    #[serde(default)]
    pub engine: Option<EngineChoice>,
    #[serde(default, deserialize_with = "opt_seconds")]
    pub stop_timeout: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    #[default]
    Started,
    Stopped,
    Present,
    Absent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    No,
    Always,
    OnFailure,
    UnlessStopped,
}

impl RestartPolicy {
    fn word(self) -> &'static str {
        match self {
            RestartPolicy::No => "no",
            RestartPolicy::Always => "always",
            RestartPolicy::OnFailure => "on-failure",
            RestartPolicy::UnlessStopped => "unless-stopped",
        }
    }
}

/// When to pull the image: `missing` (default; also `pull: false`), `always` (also `pull: true`),
/// `never` (a missing image fails the task).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pull {
    #[default]
    Missing,
    Always,
    Never,
}

impl<'de> Deserialize<'de> for Pull {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        if let Some(b) = crate::de::bool_from_value(&v).filter(|_| !v.is_string()) {
            return Ok(if b { Pull::Always } else { Pull::Missing });
        }
        match v.as_str() {
            Some("missing") => Ok(Pull::Missing),
            Some("always") => Ok(Pull::Always),
            Some("never") => Ok(Pull::Never),
            Some(s) => match crate::de::bool_from_value(&Value::String(s.into())) {
                Some(true) => Ok(Pull::Always),
                Some(false) => Ok(Pull::Missing),
                None => Err(serde::de::Error::custom(format!(
                    "value of pull must be one of: missing, always, never, got: {s}"
                ))),
            },
            None => Err(serde::de::Error::custom(
                "value of pull must be one of: missing, always, never",
            )),
        }
    }
}

/// How a setting is compared: `strict` (equal), `ignore`, `allow_more_present` (lists and maps:
/// the container may have more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Strict,
    Ignore,
    AllowMorePresent,
}

/// A command line: a string (split like a shell does) or a list of words.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Words {
    Line(String),
    List(Vec<String>),
}

impl Words {
    fn split(&self) -> Result<Vec<String>, ModuleError> {
        match self {
            Words::List(words) => Ok(words.clone()),
            Words::Line(line) => shlex::split(line).ok_or_else(|| {
                ModuleError::Params(format!("cannot split '{line}': unbalanced quotes"))
            }),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MountArg {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub source: Option<String>,
    #[serde(deserialize_with = "crate::de::string")]
    pub target: String,
    #[serde(default, rename = "type")]
    pub kind: MountKind,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    #[default]
    Volume,
    Bind,
    Tmpfs,
}

impl MountKind {
    fn word(self) -> &'static str {
        match self {
            MountKind::Volume => "volume",
            MountKind::Bind => "bind",
            MountKind::Tmpfs => "tmpfs",
        }
    }
}

/// A network to connect to: its name, or `{name: …}` as Ansible writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum NetworkArg {
    Name(String),
    Entry {
        #[serde(deserialize_with = "crate::de::string")]
        name: String,
    },
}

impl NetworkArg {
    fn name(&self) -> &str {
        match self {
            NetworkArg::Name(n) | NetworkArg::Entry { name: n } => n,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthcheckArg {
    #[serde(default)]
    pub test: Option<Words>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub interval: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub timeout: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub retries: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub start_period: Option<String>,
}

fn opt_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    crate::de::string_list(d).map(Some)
}

fn opt_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match crate::de::opt_string(d)? {
        None => Ok(None),
        Some(s) => s.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("expected a number of seconds, got {s}"))
        }),
    }
}

/// The settings a task asks for, normalised like [`Inspected`]; `None` = not compared.
#[derive(Debug, Default)]
struct Desired {
    command: Option<Vec<String>>,
    entrypoint: Option<Vec<String>>,
    env: Option<BTreeMap<String, String>>,
    labels: Option<BTreeMap<String, String>>,
    ports: Option<BTreeSet<Port>>,
    binds: Option<BTreeSet<Bind>>,
    mounts: Option<BTreeSet<MountSpec>>,
    networks: Option<Vec<String>>,
    network_mode: Option<String>,
    restart_policy: Option<String>,
    user: Option<String>,
    workdir: Option<String>,
    hostname: Option<String>,
    healthcheck: Option<Healthcheck>,
    memory: Option<u64>,
    cpus: Option<u64>,
}

fn bad(msg: String) -> ModuleError {
    ModuleError::Params(msg)
}

/// A value of `env` or `labels` as the engine gets it: text. A boolean is refused, as Ansible does
/// (YAML's `yes` would otherwise arrive as `True`).
fn value_text(what: &str, key: &str, v: &Value) -> Result<String, ModuleError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(bad(format!(
            "non-string value found for {what} option {key}: quote it (e.g. \"yes\"), so that it is not read as a boolean"
        ))),
    }
}

fn text_map(
    what: &str,
    m: &BTreeMap<String, Value>,
) -> Result<BTreeMap<String, String>, ModuleError> {
    m.iter()
        .map(|(k, v)| Ok((k.clone(), value_text(what, k, v)?)))
        .collect()
}

/// `env_file`'s `KEY=VALUE` lines (comments and blank lines skipped), as docker reads them.
fn env_file_entries(text: &str) -> BTreeMap<String, String> {
    let lines = text
        .lines()
        .map(str::trim_start)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    engine::env_map(lines)
}

/// A healthcheck's test as both engines keep it after `--health-cmd`: `CMD-SHELL <line>`; the
/// exec form is run through the shell, its words quoted.
fn shell_test(words: &[String]) -> Vec<String> {
    match words.split_first() {
        Some((first, rest)) if first == "CMD-SHELL" => {
            vec!["CMD-SHELL".into(), rest.join(" ")]
        }
        Some((first, rest)) if first == "CMD" => {
            let line: Vec<String> = rest.iter().map(|w| crate::cmd::quote(w)).collect();
            vec!["CMD-SHELL".into(), line.join(" ")]
        }
        Some((first, _)) if first == "NONE" => vec!["NONE".into()],
        _ => words.to_vec(),
    }
}

fn duration(what: &str, v: &Option<String>) -> Result<u64, ModuleError> {
    match v {
        None => Ok(0),
        Some(t) => engine::parse_duration(t)
            .ok_or_else(|| bad(format!("healthcheck.{what}: '{t}' is not a duration"))),
    }
}

/// `--health-*` takes Go durations; a bare number is seconds.
fn go_duration(t: &str) -> String {
    if t.trim().chars().all(|c| c.is_ascii_digit()) {
        format!("{}s", t.trim())
    } else {
        t.trim().to_string()
    }
}

impl HealthcheckArg {
    fn normalised(&self) -> Result<Healthcheck, ModuleError> {
        let test = match &self.test {
            None => Vec::new(),
            Some(Words::Line(line)) => vec!["CMD-SHELL".into(), line.clone()],
            Some(words) => shell_test(&words.split()?),
        };
        let retries = match &self.retries {
            None => 0,
            Some(r) => r
                .trim()
                .parse()
                .map_err(|_| bad(format!("healthcheck.retries: '{r}' is not a number")))?,
        };
        Ok(Healthcheck {
            test,
            interval: duration("interval", &self.interval)?,
            timeout: duration("timeout", &self.timeout)?,
            retries,
            start_period: duration("start_period", &self.start_period)?,
        })
    }
}

impl Params {
    fn desired(&self, env_file: Option<&str>) -> Result<Desired, ModuleError> {
        let env = match (&self.env, env_file) {
            (None, None) => None,
            (env, file) => {
                let mut all = file.map(env_file_entries).unwrap_or_default();
                if let Some(env) = env {
                    all.extend(text_map("env", env)?);
                }
                Some(all)
            }
        };
        let ports = self
            .published_ports
            .as_ref()
            .map(|ports| {
                ports
                    .iter()
                    .map(|p| {
                        engine::parse_port(p)
                            .ok_or_else(|| bad(format!("published_ports: cannot read '{p}'")))
                    })
                    .collect::<Result<BTreeSet<_>, _>>()
            })
            .transpose()?;
        let binds = self
            .volumes
            .as_ref()
            .map(|vols| {
                vols.iter()
                    .map(|v| {
                        engine::parse_bind(v)
                            .ok_or_else(|| bad(format!("volumes: '{v}' is not SOURCE:TARGET[:ro]")))
                    })
                    .collect::<Result<BTreeSet<_>, _>>()
            })
            .transpose()?;
        let mounts = self.mounts.as_ref().map(|ms| {
            ms.iter()
                .map(|m| MountSpec {
                    kind: m.kind.word().into(),
                    source: m.source.clone().unwrap_or_default(),
                    target: m.target.clone(),
                    read_only: m.read_only,
                })
                .collect()
        });
        Ok(Desired {
            command: self.command.as_ref().map(Words::split).transpose()?,
            entrypoint: self.entrypoint.as_ref().map(Words::split).transpose()?,
            env,
            labels: self
                .labels
                .as_ref()
                .map(|l| text_map("labels", l))
                .transpose()?,
            ports,
            binds,
            mounts,
            networks: self
                .networks
                .as_ref()
                .map(|ns| ns.iter().map(|n| n.name().to_string()).collect()),
            network_mode: self
                .network_mode
                .as_deref()
                .map(engine::normal_network_mode),
            restart_policy: self.restart_policy.map(|r| r.word().to_string()),
            user: self.user.clone(),
            workdir: self.workdir.clone(),
            hostname: self.hostname.clone(),
            healthcheck: self
                .healthcheck
                .as_ref()
                .map(HealthcheckArg::normalised)
                .transpose()?,
            memory: self
                .memory
                .as_deref()
                .map(|m| {
                    engine::parse_memory(m)
                        .ok_or_else(|| bad(format!("memory: '{m}' is not a size (e.g. 512m)")))
                })
                .transpose()?,
            cpus: self
                .cpus
                .as_deref()
                .map(|c| {
                    engine::parse_cpus(c).ok_or_else(|| bad(format!("cpus: '{c}' is not a number")))
                })
                .transpose()?,
        })
    }

    fn comparison(&self, setting: &str) -> Comparison {
        self.comparisons
            .get(setting)
            .or_else(|| self.comparisons.get("*"))
            .copied()
            .unwrap_or(Comparison::Strict)
    }
}

/// One setting that differs: its name and both sides, as the result and `--diff` show them.
#[derive(Debug, Clone, PartialEq)]
struct Drift {
    setting: &'static str,
    container: Value,
    wanted: Value,
}

/// Variables podman puts into every container's environment by itself.
const PODMAN_ENV: &[&str] = &["container", "TERM", "HOSTNAME", "HOME", "PATH"];

struct Compare<'a> {
    params: &'a Params,
    drifts: Vec<Drift>,
}

impl Compare<'_> {
    fn push(&mut self, setting: &'static str, container: Value, wanted: Value) {
        self.drifts.push(Drift {
            setting,
            container,
            wanted,
        });
    }

    fn scalar<T: PartialEq + serde::Serialize>(
        &mut self,
        setting: &'static str,
        have: T,
        want: &Option<T>,
    ) {
        if let Some(want) = want
            && self.params.comparison(setting) != Comparison::Ignore
            && *want != have
        {
            self.push(setting, json!(have), json!(want));
        }
    }

    fn map(
        &mut self,
        setting: &'static str,
        have: &BTreeMap<String, String>,
        want: &BTreeMap<String, String>,
    ) {
        let differs = match self.params.comparison(setting) {
            Comparison::Ignore => false,
            Comparison::AllowMorePresent => want.iter().any(|(k, v)| have.get(k) != Some(v)),
            Comparison::Strict => have != want,
        };
        if differs {
            self.push(setting, json!(have), json!(want));
        }
    }

    fn set<T: Ord + Clone + std::fmt::Debug>(
        &mut self,
        setting: &'static str,
        have: &BTreeSet<T>,
        want: &Option<BTreeSet<T>>,
        show: impl Fn(&T) -> String,
    ) {
        let Some(want) = want else { return };
        let differs = match self.params.comparison(setting) {
            Comparison::Ignore => false,
            Comparison::AllowMorePresent => !want.is_subset(have),
            Comparison::Strict => have != want,
        };
        if differs {
            let list = |s: &BTreeSet<T>| json!(s.iter().map(&show).collect::<Vec<_>>());
            self.push(setting, list(have), list(want));
        }
    }
}

fn show_port(p: &Port) -> String {
    let host = match (p.host_ip.as_str(), p.host_port.as_str()) {
        ("", "") => String::new(),
        ("", port) => format!("{port}:"),
        (ip, port) => format!("{ip}:{port}:"),
    };
    format!("{host}{}", p.container)
}

fn show_bind(b: &Bind) -> String {
    format!(
        "{}:{}{}",
        b.source,
        b.target,
        if b.read_only { ":ro" } else { "" }
    )
}

fn show_mount(m: &MountSpec) -> String {
    format!(
        "type={},source={},target={}{}",
        m.kind,
        m.source,
        m.target,
        if m.read_only { ",readonly" } else { "" }
    )
}

fn show_healthcheck(h: &Healthcheck) -> Value {
    json!({"test": h.test, "interval": h.interval, "timeout": h.timeout,
           "retries": h.retries, "start_period": h.start_period})
}

/// Which of the task's settings the container does not have.
fn drifts(
    p: &Params,
    want: &Desired,
    have: &Inspected,
    image: Option<&ImageInfo>,
    engine: Engine,
) -> Vec<Drift> {
    let mut c = Compare {
        params: p,
        drifts: Vec::new(),
    };
    let compare_image = p.comparison("image") != Comparison::Ignore;
    match image {
        Some(image) if compare_image && image.id != have.image_id => {
            c.push("image", json!(have.image_id), json!(image.id));
        }
        // The image is not on the host: whatever the container runs, it is not that.
        None if compare_image && p.image.is_some() => {
            c.push("image", json!(have.image_id), json!(p.image));
        }
        _ => {}
    }
    compare_argv(&mut c, want, have, engine);
    if let Some(env) = &want.env {
        let mut expected = image.map(|i| i.env.clone()).unwrap_or_default();
        expected.extend(env.clone());
        let mut actual = have.env.clone();
        if engine == Engine::Podman {
            actual.retain(|k, _| expected.contains_key(k) || !PODMAN_ENV.contains(&k.as_str()));
        }
        c.map("env", &actual, &expected);
    }
    if let Some(labels) = &want.labels {
        let mut expected = image.map(|i| i.labels.clone()).unwrap_or_default();
        expected.extend(labels.clone());
        c.map("labels", &have.labels, &expected);
    }
    let host_network = want.network_mode.as_deref() == Some("host");
    if !host_network {
        // With the host's network, engines drop published ports: nothing to compare.
        c.set("published_ports", &have.ports, &want.ports, show_port);
    }
    c.set("volumes", &have.binds, &want.binds, show_bind);
    if let Some(mounts) = &want.mounts {
        // `.Mounts` also lists `volumes`: compare the `--mount` ones among all.
        let targets: BTreeSet<&str> = mounts.iter().map(|m| m.target.as_str()).collect();
        let have_mounts: BTreeSet<MountSpec> = have
            .mounts
            .iter()
            .filter(|m| targets.contains(m.target.as_str()))
            .map(|m| MountSpec {
                source: if m.kind == "tmpfs" {
                    String::new()
                } else {
                    m.source.clone()
                },
                ..m.clone()
            })
            .collect();
        c.set("mounts", &have_mounts, &want.mounts.clone(), show_mount);
    }
    if let Some(networks) = &want.networks {
        let want_set: BTreeSet<String> = networks.iter().cloned().collect();
        c.set("networks", &have.networks, &Some(want_set), String::clone);
    }
    c.scalar(
        "network_mode",
        have.network_mode.clone(),
        &want.network_mode,
    );
    c.scalar(
        "restart_policy",
        have.restart_policy.clone(),
        &want.restart_policy,
    );
    c.scalar("user", have.user.clone(), &want.user);
    c.scalar("workdir", have.workdir.clone(), &want.workdir);
    c.scalar("hostname", have.hostname.clone(), &want.hostname);
    c.scalar("memory", have.memory, &want.memory);
    c.scalar("cpus", have.nano_cpus, &want.cpus);
    if let Some(hc) = &want.healthcheck {
        compare_healthcheck(&mut c, hc, have.healthcheck.as_ref());
    }
    c.drifts
}

/// Command and entrypoint. docker's CLI takes one word of entrypoint; the rest of a longer one
/// goes before the command, so for docker both are compared as the one argv they make.
fn compare_argv(c: &mut Compare, want: &Desired, have: &Inspected, engine: Engine) {
    let long_entrypoint = want.entrypoint.as_ref().is_some_and(|e| e.len() > 1);
    if engine == Engine::Docker && long_entrypoint {
        let want_argv: Vec<String> = want
            .entrypoint
            .iter()
            .flatten()
            .chain(want.command.iter().flatten())
            .cloned()
            .collect();
        let have_argv: Vec<String> = have
            .entrypoint
            .iter()
            .chain(have.command.iter())
            .cloned()
            .collect();
        if c.params.comparison("entrypoint") != Comparison::Ignore
            && (want.command.is_some() || !have_argv.starts_with(&want_argv))
        {
            c.scalar("entrypoint", have_argv, &Some(want_argv));
        }
        return;
    }
    c.scalar("command", have.command.clone(), &want.command);
    c.scalar("entrypoint", have.entrypoint.clone(), &want.entrypoint);
}

/// Only the parts of a health check the task gives: engines fill in defaults for the others.
fn compare_healthcheck(c: &mut Compare, want: &Healthcheck, have: Option<&Healthcheck>) {
    if c.params.comparison("healthcheck") == Comparison::Ignore {
        return;
    }
    let none = Healthcheck::default();
    let have_raw = have.unwrap_or(&none);
    let have_test = shell_test(&have_raw.test);
    let differs = (!want.test.is_empty() && want.test != have_test)
        || (want.interval != 0 && want.interval != have_raw.interval)
        || (want.timeout != 0 && want.timeout != have_raw.timeout)
        || (want.retries != 0 && want.retries != have_raw.retries)
        || (want.start_period != 0 && want.start_period != have_raw.start_period);
    if differs {
        let mut have_shown = have_raw.clone();
        have_shown.test = have_test;
        c.push(
            "healthcheck",
            show_healthcheck(&have_shown),
            show_healthcheck(want),
        );
    }
}

/// `ENGINE create …`: every value a quoted argument of its own.
fn create_cmd(p: &Params, want: &Desired, engine: Engine, image: &str) -> Cmd {
    let mut cmd = engine.cmd("create").syntax("--name").arg(&p.name);
    let mut command = want.command.clone();
    if let Some(entry) = &want.entrypoint {
        match (engine, entry.split_first()) {
            (_, None) => cmd = cmd.syntax("--entrypoint").arg(""),
            (Engine::Podman, Some(_)) if entry.len() > 1 => {
                cmd = cmd
                    .syntax("--entrypoint")
                    .arg(serde_json::to_string(entry).unwrap_or_default());
            }
            (_, Some((first, rest))) => {
                cmd = cmd.syntax("--entrypoint").arg(first);
                if !rest.is_empty() {
                    let mut argv = rest.to_vec();
                    argv.extend(command.take().unwrap_or_default());
                    command = Some(argv);
                }
            }
        }
    }
    for (k, v) in want.env.iter().flatten() {
        cmd = cmd.syntax("--env").arg(format!("{k}={v}"));
    }
    for (k, v) in want.labels.iter().flatten() {
        cmd = cmd.syntax("--label").arg(format!("{k}={v}"));
    }
    let host_network = want.network_mode.as_deref() == Some("host");
    if !host_network {
        for port in p.published_ports.iter().flatten() {
            cmd = cmd.syntax("--publish").arg(port);
        }
    }
    for vol in p.volumes.iter().flatten() {
        cmd = cmd.syntax("--volume").arg(vol);
    }
    for m in want.mounts.iter().flatten() {
        let mut spec = format!("type={},target={}", m.kind, m.target);
        if !m.source.is_empty() {
            spec.push_str(&format!(",source={}", m.source));
        }
        if m.read_only {
            spec.push_str(",readonly");
        }
        cmd = cmd.syntax("--mount").arg(spec);
    }
    let first_network = want.networks.as_ref().and_then(|n| n.first());
    if let Some(mode) = &p.network_mode {
        cmd = cmd.syntax("--network").arg(mode);
    } else if let Some(net) = first_network {
        cmd = cmd.syntax("--network").arg(net);
    }
    let options = [
        ("--restart", want.restart_policy.as_deref()),
        ("--user", p.user.as_deref()),
        ("--workdir", p.workdir.as_deref()),
        ("--hostname", p.hostname.as_deref()),
        ("--memory", p.memory.as_deref()),
        ("--cpus", p.cpus.as_deref()),
    ];
    for (flag, value) in options {
        if let Some(v) = value {
            cmd = cmd.syntax(flag).arg(v);
        }
    }
    if let Some(hc) = &p.healthcheck {
        cmd = healthcheck_args(cmd, hc, want.healthcheck.as_ref());
    }
    if let Some(t) = p.stop_timeout {
        cmd = cmd.syntax("--stop-timeout").arg(t.to_string());
    }
    cmd = cmd.syntax("--").arg(image);
    cmd.args(command.iter().flatten())
}

fn healthcheck_args(mut cmd: Cmd, arg: &HealthcheckArg, want: Option<&Healthcheck>) -> Cmd {
    match want.map(|h| h.test.as_slice()) {
        Some([none]) if none == "NONE" => return cmd.syntax("--no-healthcheck"),
        Some([_, line]) => cmd = cmd.syntax("--health-cmd").arg(line),
        _ => {}
    }
    let durations = [
        ("--health-interval", &arg.interval),
        ("--health-timeout", &arg.timeout),
        ("--health-start-period", &arg.start_period),
    ];
    for (flag, value) in durations {
        if let Some(v) = value {
            cmd = cmd.syntax(flag).arg(go_duration(v));
        }
    }
    if let Some(r) = &arg.retries {
        cmd = cmd.syntax("--health-retries").arg(r.trim());
    }
    cmd
}

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

/// What a matching container needs to reach `state`, if anything.
fn state_cmd(p: &Params, engine: Engine, have: &Inspected) -> Option<Cmd> {
    match p.state {
        State::Started if !have.running => Some(engine.cmd("start").arg(&p.name)),
        State::Started if p.restart => {
            Some(timed(engine.cmd("restart"), p.stop_timeout).arg(&p.name))
        }
        State::Stopped if have.running => {
            Some(timed(engine.cmd("stop"), p.stop_timeout).arg(&p.name))
        }
        _ => None,
    }
}

/// The remove, create (and connect, start) commands of a recreation, joined with `&&`.
fn recreate_cmds(p: &Params, want: &Desired, engine: Engine, image: &str) -> Cmd {
    create_cmds(p, want, engine, image)
        .into_iter()
        .fold(remove_cmd(p, engine), Cmd::and)
}

/// `pull: always` with a container that otherwise matches, in one step as community.docker does
/// it: pull, print the pulled image's id, and only when it is not the container's image run
/// `recreate` (when the image is compared); otherwise just what `state` needs. Everything the
/// shell sees from the task is a quoted argument; the id comparison strips docker's `sha256:`.
fn pull_and_follow(
    engine: Engine,
    image: &str,
    container_image: &str,
    state: Option<Cmd>,
    recreate: Option<Cmd>,
    wanted: State,
) -> Step {
    let state_planned = state.is_some();
    let stay = state.unwrap_or_else(|| Cmd::new(":"));
    let follows = recreate.is_some();
    let moved = recreate.unwrap_or_else(|| stay.clone());
    let branch = Cmd::new("if [ \"${id#sha256:}\" =")
        .arg(container_image)
        .syntax("]")
        .then(Cmd::new("then :"))
        .then(stay)
        .then(Cmd::new("else :"))
        .then(moved)
        .then(Cmd::new("fi"));
    let cmd = engine
        .cmd("pull")
        .arg(image)
        .syntax(">/dev/null && id=$(")
        .syntax(engine.cli())
        .syntax("image inspect --format")
        .arg("{{.Id}}")
        .arg(image)
        .syntax(") && printf '%s\\n' \"$id\"")
        .and(branch);
    let (image, known) = (image.to_string(), container_image.to_string());
    Step::run(cmd).parsed(Parser::new(move |out| {
        let pulled = out
            .stdout
            .lines()
            .next()
            .map_or("", |l| engine::image_id(l.trim()));
        let moved = !pulled.is_empty() && pulled != known;
        let recreated = moved && follows;
        let mut parsed = Parsed {
            changed: Some(moved || state_planned),
            ..Parsed::default()
        };
        if !out.success() {
            parsed.failed = Some(match pulled {
                "" => format!("pull of {image} failed: {}", out.stderr.trim()),
                _ => format!("after pulling {image}: {}", out.stderr.trim()),
            });
        }
        if recreated {
            let mut actions = vec!["pull", "remove", "create"];
            if wanted == State::Started {
                actions.push("start");
            }
            parsed.fields.insert("actions".into(), json!(actions));
            parsed.fields.insert(
                "differences".into(),
                json!([{"image": {"container": known, "parameter": pulled}}]),
            );
        }
        parsed
    }))
}

fn timed(cmd: Cmd, timeout: Option<u64>) -> Cmd {
    match timeout {
        Some(t) => cmd.syntax("--time").arg(t.to_string()),
        None => cmd,
    }
}

/// The container goes, running or not. docker's `rm -f` kills at once; podman's would first wait
/// 10 s for a graceful stop, so it gets `--time 0` too unless `stop_timeout` says otherwise.
fn remove_step(p: &Params, engine: Engine) -> Step {
    Step::run(remove_cmd(p, engine))
}

fn remove_cmd(p: &Params, engine: Engine) -> Cmd {
    let mut cmd = engine.cmd("rm").syntax("-f");
    if engine == Engine::Podman {
        cmd = timed(cmd, Some(p.stop_timeout.unwrap_or(0)));
    }
    cmd.arg(&p.name)
}

fn create_steps(p: &Params, want: &Desired, engine: Engine, image: &str) -> Vec<Step> {
    create_cmds(p, want, engine, image)
        .into_iter()
        .map(Step::run)
        .collect()
}

/// `create`, a `network connect` for each further network, and `start` when `state: started`.
fn create_cmds(p: &Params, want: &Desired, engine: Engine, image: &str) -> Vec<Cmd> {
    let mut cmds = vec![create_cmd(p, want, engine, image)];
    if p.network_mode.is_none() {
        for net in want.networks.iter().flatten().skip(1) {
            cmds.push(
                engine
                    .cmd("network")
                    .syntax("connect")
                    .arg(net)
                    .arg(&p.name),
            );
        }
    }
    if p.state == State::Started {
        cmds.push(engine.cmd("start").arg(&p.name));
    }
    cmds
}

/// `--diff`: one line per drifted setting, the container's value before, the task's after.
fn drift_diff(name: &str, drifted: &[Drift]) -> Diff {
    let lines = |side: &dyn Fn(&Drift) -> &Value| -> String {
        drifted
            .iter()
            .map(|d| format!("{}: {}\n", d.setting, side(d)))
            .collect()
    };
    Diff {
        before_header: format!("container {name}"),
        after_header: format!("container {name}"),
        before: lines(&|d| &d.container),
        after: lines(&|d| &d.wanted),
    }
}

const CONTAINER_DOC: Written = Written {
    description: "Manages one docker or podman container through the engine's own CLI on the target (no SDK, no Python): one `inspect` of the container and its image, settings compared normalised; a drifted setting or image recreates the container, and the result (`differences`) and `--diff` name what drifted.",
    example: "- container:\n    name: web\n    image: local/app:1.4\n    command: [app, --port, '8080']\n    env:\n      GREETING: hello world\n    network_mode: host\n    restart_policy: unless-stopped\n",
    args: CONTAINER_ARGS,
};

const DOCKER_CONTAINER_DOC: Written = Written {
    description: "The same as `container`, with docker as the engine unless `engine` says otherwise (also `community.docker.docker_container`).",
    example: "- community.docker.docker_container:\n    name: web\n    image: local/app:1.4\n",
    args: CONTAINER_ARGS,
};

const PODMAN_CONTAINER_DOC: Written = Written {
    description: "The same as `container`, with podman as the engine unless `engine` says otherwise (also `containers.podman.podman_container`).",
    example: "- containers.podman.podman_container:\n    name: web\n    image: local/app:1.4\n",
    args: CONTAINER_ARGS,
};

/// The arguments of `container` and its docker/podman names.
const CONTAINER_ARGS: &[(&str, &str, &str)] = &[
    ("name", "", "The container's name."),
    (
        "image",
        "",
        "The image to run (`repo/name:tag` or an id); needed to create the container. Its id is compared with the container's.",
    ),
    (
        "state",
        "started",
        "`started` (created and running), `stopped` (created, not running), `present` (created, left as it is), `absent` (removed).",
    ),
    (
        "command",
        "the image's",
        "The command: a list of words or a string split like a shell does.",
    ),
    (
        "entrypoint",
        "the image's",
        "The entrypoint: a list of words or a string split like a shell does.",
    ),
    (
        "env",
        "",
        "Environment variables (a mapping); values are text (quote `yes`/`no`). Compared with the image's environment merged in.",
    ),
    (
        "env_file",
        "",
        "A file on the target with `KEY=VALUE` lines, merged under `env`.",
    ),
    (
        "published_ports",
        "",
        "`[IP:][HOST_PORT:]PORT[/PROTO]` entries (`ports`, `publish`); not used with `network_mode: host`.",
    ),
    (
        "volumes",
        "",
        "`SOURCE:TARGET[:ro]` binds and named volumes (`volume`).",
    ),
    (
        "mounts",
        "",
        "`--mount`s: `type` (volume, bind, tmpfs), `source`, `target`, `read_only`.",
    ),
    (
        "networks",
        "",
        "Networks to connect the container to (names or `{name: …}`).",
    ),
    (
        "network_mode",
        "the engine's",
        "`host`, `none`, `bridge`, `container:NAME`, … (`network`).",
    ),
    (
        "labels",
        "",
        "Labels (a mapping). Compared with the image's labels merged in.",
    ),
    (
        "restart_policy",
        "no",
        "`no`, `always`, `on-failure`, `unless-stopped`.",
    ),
    (
        "user",
        "the image's",
        "The user (and group) the command runs as.",
    ),
    (
        "workdir",
        "the image's",
        "The working directory (`working_dir`).",
    ),
    ("hostname", "the engine's", "The container's hostname."),
    (
        "healthcheck",
        "the image's",
        "`test` (a shell line, or a list starting with `CMD`/`CMD-SHELL`/`NONE`), `interval`, `timeout`, `retries`, `start_period`; only the parts given are compared.",
    ),
    ("memory", "", "Memory limit (`512m`, `1g`)."),
    ("cpus", "", "CPUs the container may use (`0.5`)."),
    (
        "pull",
        "missing",
        "`missing` (pull only an image that is not on the target), `always` (pull every run, then, in the same step, recreate the container when the pulled image id is not the container's, as community.docker does: a change only then; `--check` runs nothing and says it would pull), `never` (a missing image fails). `true`/`false` mean `always`/`missing`.",
    ),
    (
        "recreate",
        "false",
        "Recreate the container even when it matches.",
    ),
    (
        "restart",
        "false",
        "Restart a matching, running container (`force_restart`).",
    ),
    (
        "comparisons",
        "strict for each given setting",
        "How settings are compared: setting → `strict`, `ignore` or `allow_more_present`; `*` sets the rest.",
    ),
    (
        "engine",
        "auto (container), docker, podman",
        "`docker`, `podman`, or `auto`: the CLI the target has, docker first.",
    ),
    (
        "stop_timeout",
        "the engine's (10)",
        "Seconds to wait for a graceful stop (`stop`, `restart`; podman's removal, which otherwise kills at once).",
    ),
];

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
