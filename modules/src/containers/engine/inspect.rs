//! What `docker inspect` and `podman inspect` print, normalised into one shape that compares with a
//! task's arguments.

use super::image_id;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The settings of a container as `inspect` shows them, normalised: what a task can ask for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Inspected {
    pub id: String,
    pub image_id: String,
    pub running: bool,
    pub status: String,
    pub command: Vec<String>,
    pub entrypoint: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub user: String,
    pub workdir: String,
    pub hostname: String,
    pub binds: BTreeSet<Bind>,
    pub mounts: BTreeSet<MountSpec>,
    pub ports: BTreeSet<Port>,
    pub network_mode: String,
    pub networks: BTreeSet<String>,
    pub restart_policy: String,
    pub memory: u64,
    pub nano_cpus: u64,
    pub healthcheck: Option<Healthcheck>,
}

/// The parts of an image's inspect that a container inherits.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImageInfo {
    pub id: String,
    pub env: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

/// A bind mount or named volume in `-v SRC:DST[:ro]` form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bind {
    pub source: String,
    pub target: String,
    pub read_only: bool,
}

/// A `--mount`: bind, volume or tmpfs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MountSpec {
    pub kind: String,
    pub source: String,
    pub target: String,
    pub read_only: bool,
}

/// A published port: container port with protocol (`80/tcp`), host address, host port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Port {
    pub container: String,
    pub host_ip: String,
    pub host_port: String,
}

/// A health check; durations in nanoseconds, 0 when not set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Healthcheck {
    pub test: Vec<String>,
    pub interval: u64,
    pub timeout: u64,
    pub retries: u64,
    pub start_period: u64,
}

fn text(v: &Value, path: &[&str]) -> String {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(next) => cur = next,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn number(v: &Value, path: &[&str]) -> u64 {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(next) => cur = next,
            None => return 0,
        }
    }
    cur.as_u64().unwrap_or(0)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        // podman prints an unset entrypoint as "" and a one-word one as a string.
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// `K=V` lines (`Config.Env`) as a map; a bare `K` has the empty value.
pub fn env_map<'a>(entries: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    entries
        .into_iter()
        .map(|e| match e.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (e.to_string(), String::new()),
        })
        .collect()
}

impl Inspected {
    pub fn from_json(c: &Value) -> Inspected {
        let config = c.get("Config").cloned().unwrap_or(Value::Null);
        let host = c.get("HostConfig").cloned().unwrap_or(Value::Null);
        let env = strings(config.get("Env"));
        Inspected {
            id: text(c, &["Id"]),
            image_id: image_id(&text(c, &["Image"])).to_string(),
            running: c
                .pointer("/State/Running")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            status: text(c, &["State", "Status"]),
            command: strings(config.get("Cmd")),
            entrypoint: strings(config.get("Entrypoint")),
            env: env_map(env.iter().map(String::as_str)),
            labels: string_map(config.get("Labels")),
            user: text(&config, &["User"]),
            workdir: text(&config, &["WorkingDir"]),
            hostname: text(&config, &["Hostname"]),
            binds: strings(host.get("Binds"))
                .iter()
                .filter_map(|b| parse_bind(b))
                .collect(),
            mounts: inspected_mounts(c),
            ports: inspected_ports(host.get("PortBindings")),
            network_mode: normal_network_mode(&text(&host, &["NetworkMode"])),
            networks: c
                .pointer("/NetworkSettings/Networks")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
            restart_policy: normal_restart(&text(&host, &["RestartPolicy", "Name"])),
            memory: number(&host, &["Memory"]),
            nano_cpus: inspected_nano_cpus(&host),
            healthcheck: config.get("Healthcheck").and_then(inspected_healthcheck),
        }
    }
}

impl ImageInfo {
    pub fn from_json(i: &Value) -> ImageInfo {
        let config = i.get("Config").cloned().unwrap_or(Value::Null);
        let env = strings(config.get("Env"));
        ImageInfo {
            id: image_id(&text(i, &["Id"])).to_string(),
            env: env_map(env.iter().map(String::as_str)),
            labels: string_map(config.get("Labels")),
        }
    }
}

/// `SRC:DST[:OPTS]` as docker and podman print `HostConfig.Binds` (podman adds `rprivate,rbind`):
/// only read-only-ness counts among the options.
pub fn parse_bind(b: &str) -> Option<Bind> {
    let mut parts = b.splitn(3, ':');
    let source = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let read_only = parts
        .next()
        .is_some_and(|opts| opts.split(',').any(|o| o == "ro"));
    Some(Bind {
        source,
        target,
        read_only,
    })
}

/// `.Mounts` entries that came from `--mount` (binds and volumes also listed in `Binds` are
/// compared there; this keeps tmpfs and `--mount` volumes).
fn inspected_mounts(c: &Value) -> BTreeSet<MountSpec> {
    let Some(Value::Array(mounts)) = c.get("Mounts") else {
        return BTreeSet::new();
    };
    mounts
        .iter()
        .map(|m| {
            let kind = text(m, &["Type"]);
            let source = if kind == "volume" {
                text(m, &["Name"])
            } else {
                text(m, &["Source"])
            };
            MountSpec {
                kind,
                source,
                target: text(m, &["Destination"]),
                read_only: m.get("RW").and_then(Value::as_bool) == Some(false),
            }
        })
        .collect()
}

fn inspected_ports(bindings: Option<&Value>) -> BTreeSet<Port> {
    let Some(map) = bindings.and_then(Value::as_object) else {
        return BTreeSet::new();
    };
    let mut ports = BTreeSet::new();
    for (container, hosts) in map {
        let hosts = hosts.as_array().cloned().unwrap_or_default();
        for h in hosts {
            ports.insert(Port {
                container: container.clone(),
                host_ip: normal_host_ip(&text(&h, &["HostIp"])),
                host_port: text(&h, &["HostPort"]),
            });
        }
    }
    ports
}

pub(super) fn normal_host_ip(ip: &str) -> String {
    if ip == "0.0.0.0" { "" } else { ip }.to_string()
}

/// docker says `default` for its bridge; podman 4 says `bridge`.
pub fn normal_network_mode(mode: &str) -> String {
    if mode == "default" { "bridge" } else { mode }.to_string()
}

/// No restart policy: docker says `no`, podman the empty string.
pub fn normal_restart(name: &str) -> String {
    if name.is_empty() { "no" } else { name }.to_string()
}

/// `--cpus` as docker records it (`NanoCpus`); a podman that only has the quota has it from there.
fn inspected_nano_cpus(host: &Value) -> u64 {
    let nano = number(host, &["NanoCpus"]);
    if nano != 0 {
        return nano;
    }
    let (quota, period) = (number(host, &["CpuQuota"]), number(host, &["CpuPeriod"]));
    if quota > 0 && period > 0 {
        quota * 1_000_000_000 / period
    } else {
        0
    }
}

fn inspected_healthcheck(h: &Value) -> Option<Healthcheck> {
    let test = strings(h.get("Test"));
    if test.is_empty() {
        return None;
    }
    Some(Healthcheck {
        test,
        interval: number(h, &["Interval"]),
        timeout: number(h, &["Timeout"]),
        retries: number(h, &["Retries"]),
        start_period: number(h, &["StartPeriod"]),
    })
}
