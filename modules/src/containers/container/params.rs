//! The arguments of `container` as serde reads them, and the settings they ask for, normalised
//! like the engine's `inspect` ([`Desired`]).

use crate::ModuleError;
use crate::containers::engine::{self, Bind, EngineChoice, Healthcheck, MountSpec, Port};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

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
    pub(super) fn word(self) -> &'static str {
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

pub(super) fn opt_list<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    crate::de::string_list(d).map(Some)
}

pub(super) fn opt_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match crate::de::opt_string(d)? {
        None => Ok(None),
        Some(s) => s.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("expected a number of seconds, got {s}"))
        }),
    }
}

/// The settings a task asks for, normalised like [`Inspected`]; `None` = not compared.
#[derive(Debug, Default)]
pub(super) struct Desired {
    pub(super) command: Option<Vec<String>>,
    pub(super) entrypoint: Option<Vec<String>>,
    pub(super) env: Option<BTreeMap<String, String>>,
    pub(super) labels: Option<BTreeMap<String, String>>,
    pub(super) ports: Option<BTreeSet<Port>>,
    pub(super) binds: Option<BTreeSet<Bind>>,
    pub(super) mounts: Option<BTreeSet<MountSpec>>,
    pub(super) networks: Option<Vec<String>>,
    pub(super) network_mode: Option<String>,
    pub(super) restart_policy: Option<String>,
    pub(super) user: Option<String>,
    pub(super) workdir: Option<String>,
    pub(super) hostname: Option<String>,
    pub(super) healthcheck: Option<Healthcheck>,
    pub(super) memory: Option<u64>,
    pub(super) cpus: Option<u64>,
}

pub(super) fn bad(msg: String) -> ModuleError {
    ModuleError::Params(msg)
}

/// A value of `env` or `labels` as the engine gets it: text. A boolean is refused, as Ansible does
/// (YAML's `yes` would otherwise arrive as `True`).
pub(super) fn value_text(what: &str, key: &str, v: &Value) -> Result<String, ModuleError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(bad(format!(
            "non-string value found for {what} option {key}: quote it (e.g. \"yes\"), so that it is not read as a boolean"
        ))),
    }
}

pub(super) fn text_map(
    what: &str,
    m: &BTreeMap<String, Value>,
) -> Result<BTreeMap<String, String>, ModuleError> {
    m.iter()
        .map(|(k, v)| Ok((k.clone(), value_text(what, k, v)?)))
        .collect()
}

/// `env_file`'s `KEY=VALUE` lines (comments and blank lines skipped), as docker reads them.
pub(super) fn env_file_entries(text: &str) -> BTreeMap<String, String> {
    let lines = text
        .lines()
        .map(str::trim_start)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    engine::env_map(lines)
}

/// A healthcheck's test as both engines keep it after `--health-cmd`: `CMD-SHELL <line>`; the
/// exec form is run through the shell, its words quoted.
pub(super) fn shell_test(words: &[String]) -> Vec<String> {
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

pub(super) fn duration(what: &str, v: &Option<String>) -> Result<u64, ModuleError> {
    match v {
        None => Ok(0),
        Some(t) => engine::parse_duration(t)
            .ok_or_else(|| bad(format!("healthcheck.{what}: '{t}' is not a duration"))),
    }
}

/// `--health-*` takes Go durations; a bare number is seconds.
pub(super) fn go_duration(t: &str) -> String {
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
    pub(super) fn desired(&self, env_file: Option<&str>) -> Result<Desired, ModuleError> {
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

    pub(super) fn comparison(&self, setting: &str) -> Comparison {
        self.comparisons
            .get(setting)
            .or_else(|| self.comparisons.get("*"))
            .copied()
            .unwrap_or(Comparison::Strict)
    }
}
