//! What the container modules share: which engine CLI a host has, one read-only probe that asks it
//! for everything a task needs (a container's and an image's `inspect` JSON, a file's text), and
//! the normalisation of what `docker inspect` and `podman inspect` print, so that both compare
//! with a task's arguments the same way.
//!
//! The probe prints sections, each a header line `==<what> <rc>` followed by that command's output:
//! `==engine docker`, `==container 0` + JSON, `==image 1` + the error, `==file 0` + text (last,
//! because a file may hold anything). Everything from a task reaches the shell as a quoted argument.

use crate::{Cmd, CmdOutput, ModuleError};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A container engine's command-line interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
}

impl Engine {
    pub fn cli(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }

    fn from_cli(name: &str) -> Option<Engine> {
        match name {
            "docker" => Some(Engine::Docker),
            "podman" => Some(Engine::Podman),
            _ => None,
        }
    }

    /// A command of this engine: `docker SUBCOMMAND …`.
    pub fn cmd(self, subcommand: &str) -> Cmd {
        Cmd::new(self.cli()).syntax(subcommand)
    }
}

/// The `engine` argument: one engine, or whichever CLI the target has (docker first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    #[default]
    Auto,
    Docker,
    Podman,
}

impl EngineChoice {
    fn candidates(self) -> &'static str {
        match self {
            EngineChoice::Auto => "docker podman",
            EngineChoice::Docker => "docker",
            EngineChoice::Podman => "podman",
        }
    }
}

/// One thing the probe asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    Container(String),
    Image(String),
    /// A file's text on the target (`env_file`).
    File(String),
}

/// The one engine detection every container module's query starts with: sets `$e` to the first
/// CLI `choice` allows that the target has (docker before podman) and prints `==engine NAME`
/// (`==engine ` with no name when there is none).
pub fn detect(choice: EngineChoice) -> Cmd {
    Cmd::new(&format!(
        "e=; for c in {}; do if command -v \"$c\" >/dev/null 2>&1; then e=$c; break; fi; done; echo \"==engine $e\"",
        choice.candidates()
    ))
}

/// What [`detect`] printed: `None` when its line is missing (the query did not run as built),
/// `Some(None)` when the target has no engine `choice` allows.
pub fn detected(stdout: &str) -> Option<Option<Engine>> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("==engine"))
        .map(|name| Engine::from_cli(name.trim()))
}

/// The task's failure when the target has no engine `choice` allows.
pub fn missing(choice: EngineChoice) -> String {
    let wanted = match choice {
        EngineChoice::Auto => "neither docker nor podman",
        EngineChoice::Docker => "no docker",
        EngineChoice::Podman => "no podman",
    };
    format!("{wanted} found on the target (the engine's CLI must be on PATH)")
}

/// The probe: one round trip that finds the engine and runs each ask with it. A section's header
/// carries the command's exit code; its body is what the command printed (errors included).
pub fn probe(choice: EngineChoice, asks: &[Ask]) -> Cmd {
    let mut cmd = detect(choice).syntax("; if [ -n \"$e\" ]; then");
    let mut ordered: Vec<&Ask> = asks.iter().filter(|a| !matches!(a, Ask::File(_))).collect();
    ordered.extend(asks.iter().filter(|a| matches!(a, Ask::File(_))));
    for ask in ordered {
        let (header, run) = match ask {
            Ask::Container(name) => (
                "container",
                Cmd::new("out=$(\"$e\" container inspect")
                    .arg(name)
                    .syntax("2>&1)"),
            ),
            Ask::Image(name) => (
                "image",
                Cmd::new("out=$(\"$e\" image inspect")
                    .arg(name)
                    .syntax("2>&1)"),
            ),
            Ask::File(path) => ("file", Cmd::new("out=$(cat --").arg(path).syntax("2>&1)")),
        };
        cmd = cmd
            .syntax(&format!("{};", run.to_shell()))
            .syntax(&format!("echo \"=={header} $?\"; printf '%s\\n' \"$out\";"));
    }
    cmd.syntax("fi")
}

/// What one section of the probe found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The command succeeded: its output (parsed JSON for inspects).
    Yes(Value),
    /// It does not exist (no such container / image / file).
    No,
}

/// The probe's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Probed {
    /// `None`: no engine CLI on the target.
    pub engine: Option<Engine>,
    pub container: Option<Found>,
    pub image: Option<Found>,
    /// The file's text (`Found::Yes(Value::String)`).
    pub file: Option<Found>,
}

/// Reads the probe's output. An inspect that failed for another reason than "no such" (the
/// daemon is not running, permission denied) is an error naming the engine's message.
pub fn parse_probe(out: &CmdOutput) -> Result<Probed, ModuleError> {
    let mut probed = Probed {
        engine: None,
        container: None,
        image: None,
        file: None,
    };
    for (header, body) in sections(&out.stdout) {
        let (what, rc) = header.split_once(' ').unwrap_or((header, ""));
        if what == "engine" {
            probed.engine = Engine::from_cli(rc.trim());
            continue;
        }
        let found = found(what, rc.trim(), &body)?;
        match what {
            "container" => probed.container = Some(found),
            "image" => probed.image = Some(found),
            "file" => probed.file = Some(found),
            _ => {}
        }
    }
    Ok(probed)
}

/// The `==` sections of the probe's output: (header, body). A file's body is taken whole (it is
/// last), so a line of it starting with `==` stays its own.
fn sections(stdout: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for line in stdout.lines() {
        let in_file = out.last().is_some_and(|(h, _)| h.starts_with("file "));
        match line.strip_prefix("==") {
            Some(header) if !in_file => out.push((header, String::new())),
            _ => {
                if let Some((_, body)) = out.last_mut() {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    out
}

fn found(what: &str, rc: &str, body: &str) -> Result<Found, ModuleError> {
    if rc != "0" {
        let lower = body.to_lowercase();
        let missing = ["no such", "not known", "not found", "does not exist"];
        if missing.iter().any(|m| lower.contains(m)) {
            return Ok(Found::No);
        }
        return Err(ModuleError::Failed(format!(
            "could not inspect the {what}: {}",
            body.trim()
        )));
    }
    if what == "file" {
        let text = body.strip_suffix('\n').unwrap_or(body);
        return Ok(Found::Yes(Value::String(text.to_string())));
    }
    let value: Value = serde_json::from_str(json_part(body)).map_err(|e| {
        ModuleError::Failed(format!("the engine's {what} inspect is not JSON: {e}"))
    })?;
    // `inspect` prints an array; docker's `--format '{{json .}}'` one object.
    let first = match value {
        Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
        Value::Array(_) => return Ok(Found::No),
        other => other,
    };
    Ok(Found::Yes(first))
}

/// The JSON of an inspect that succeeded, without the warnings the engine wrote before it on
/// stderr: podman 5 on a cgroup-v1 host starts every command with
/// `time="…" level=warning msg="Using cgroups-v1 which is deprecated …"`.
fn json_part(body: &str) -> &str {
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.trim_start().starts_with(['[', '{']) {
            return body[offset..].trim();
        }
        offset += line.len();
    }
    body.trim()
}

/// An image or container id as both engines can be compared: without docker's `sha256:`.
pub fn image_id(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

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

fn normal_host_ip(ip: &str) -> String {
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

/// A duration as Ansible and docker write it (`1m30s`, `500ms`, `2h`, a bare number of seconds)
/// in nanoseconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<u64>() {
        return secs.checked_mul(1_000_000_000);
    }
    let mut total: u64 = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(digits);
        let value: f64 = num.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1.0,
            "us" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total = total.checked_add((value * scale).round() as u64)?;
        rest = next;
    }
    (!t.is_empty()).then_some(total)
}

/// A memory size as docker reads `--memory` (`512m`, `1g`, `1024k`, bytes; binary units).
pub fn parse_memory(text: &str) -> Option<u64> {
    let t = text.trim().to_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let (num, scale) = match t.chars().last()? {
        'k' => (&t[..t.len() - 1], 1u64 << 10),
        'm' => (&t[..t.len() - 1], 1 << 20),
        'g' => (&t[..t.len() - 1], 1 << 30),
        't' => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let value: f64 = num.trim().parse().ok()?;
    (value >= 0.0).then(|| (value * scale as f64).round() as u64)
}

/// `--cpus` as nanocpus.
pub fn parse_cpus(text: &str) -> Option<u64> {
    let value: f64 = text.trim().parse().ok()?;
    (value >= 0.0).then(|| (value * 1e9).round() as u64)
}

/// `[IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]`, as `-p` takes it (Ansible's `published_ports`).
pub fn parse_port(spec: &str) -> Option<Port> {
    let (spec, proto) = match spec.rsplit_once('/') {
        Some((s, p)) => (s, p),
        None => (spec, "tcp"),
    };
    let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
    let (container, host_port, host_ip) = match parts.as_slice() {
        [c] => (*c, "", ""),
        [c, h] => (*c, *h, ""),
        [c, h, ip] => (*c, *h, *ip),
        _ => return None,
    };
    if container.is_empty() || !container.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return None;
    }
    let ip = ip_unbracketed(host_ip);
    Some(Port {
        container: format!("{container}/{proto}"),
        host_ip: normal_host_ip(ip),
        host_port: host_port.to_string(),
    })
}

fn ip_unbracketed(ip: &str) -> &str {
    ip.strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .unwrap_or(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_memory_and_cpus_read_like_docker() {
        assert_eq!(parse_duration("30s"), Some(30_000_000_000));
        assert_eq!(parse_duration("1m30s"), Some(90_000_000_000));
        assert_eq!(parse_duration("500ms"), Some(500_000_000));
        assert_eq!(parse_duration("10"), Some(10_000_000_000));
        assert_eq!(parse_duration("3x"), None);
        assert_eq!(parse_memory("64m"), Some(67_108_864));
        assert_eq!(parse_memory("1G"), Some(1 << 30));
        assert_eq!(parse_memory("512"), Some(512));
        assert_eq!(parse_memory("lots"), None);
        assert_eq!(parse_cpus("0.5"), Some(500_000_000));
    }

    #[test]
    fn ports_and_binds_parse_like_the_cli() {
        let p = parse_port("127.0.0.1:8080:80/udp").unwrap();
        assert_eq!(
            (
                p.container.as_str(),
                p.host_ip.as_str(),
                p.host_port.as_str()
            ),
            ("80/udp", "127.0.0.1", "8080")
        );
        assert_eq!(parse_port("8080:80").unwrap().container, "80/tcp");
        assert_eq!(parse_port("0.0.0.0:8080:80").unwrap().host_ip, "");
        assert!(parse_port("web:80:x").is_none());
        let podman = parse_bind("/srv:/data:ro,rprivate,rbind").unwrap();
        assert_eq!(podman, parse_bind("/srv:/data:ro").unwrap());
        assert!(!parse_bind("data:/var/data").unwrap().read_only);
    }

    #[test]
    fn a_probe_quotes_every_name_and_reads_every_section() {
        let cmd = probe(
            EngineChoice::Auto,
            &[
                Ask::File("/etc/app env".into()),
                Ask::Container("it's $me".into()),
                Ask::Image("local/x:1".into()),
            ],
        );
        let shell = cmd.to_shell();
        assert!(
            shell.contains(r#"container inspect 'it'\''s $me' 2>&1)"#),
            "{shell}"
        );
        assert!(
            shell.find("image inspect") < shell.find("cat --"),
            "the file goes last: {shell}"
        );
        let out = CmdOutput {
            rc: 0,
            stdout: "==engine podman\n==container 125\nError: no such container x\n==image 0\n[{\"Id\":\"abc\"}]\n==file 0\nA=1\n==B\n".into(),
            stderr: String::new(),
        };
        let p = parse_probe(&out).unwrap();
        assert_eq!(p.engine, Some(Engine::Podman));
        assert_eq!(p.container, Some(Found::No));
        assert_eq!(p.image, Some(Found::Yes(serde_json::json!({"Id": "abc"}))));
        assert_eq!(p.file, Some(Found::Yes(Value::String("A=1\n==B".into()))));
    }

    #[test]
    fn podman_5_warning_on_a_cgroup_v1_host_comes_before_the_json() {
        // Recorded from podman 5.4.2 (Debian 13) on the fleet: stderr and stdout of one inspect.
        let out = CmdOutput {
            rc: 0,
            stdout: "==engine podman\n==image 0\ntime=\"2026-11-29T21:06:08Z\" level=warning msg=\"Using cgroups-v1 which is deprecated in favor of cgroups-v2 with Podman v5 and will be removed in a future version. Set environment variable `PODMAN_IGNORE_CGROUPSV1_WARNING` to hide this warning.\"\n[\n     {\n          \"Id\": \"4f1c\"\n     }\n]\n".into(),
            stderr: String::new(),
        };
        let p = parse_probe(&out).unwrap();
        assert_eq!(p.image, Some(Found::Yes(serde_json::json!({"Id": "4f1c"}))));
    }

    #[test]
    fn the_probe_runs_as_one_shell_query() {
        let bin = tempfile::tempdir().unwrap();
        let fake = bin.path().join("podman");
        std::fs::write(
            &fake,
            "#!/bin/sh\necho 'Error: no such container x' >&2; exit 125\n",
        )
        .unwrap();
        std::process::Command::new("chmod")
            .args(["755", &fake.display().to_string()])
            .status()
            .unwrap();
        let cmd = probe(EngineChoice::Auto, &[Ask::Container("x".into())]);
        let out = std::process::Command::new("/bin/sh")
            .args(["-c", &cmd.to_shell()])
            .env("PATH", bin.path())
            .output()
            .unwrap();
        let out = CmdOutput {
            rc: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        };
        assert_eq!(out.rc, 0, "{out:?}");
        let p = parse_probe(&out).unwrap();
        assert_eq!(p.engine, Some(Engine::Podman));
        assert_eq!(p.container, Some(Found::No));
    }

    #[test]
    fn an_engine_that_cannot_answer_is_an_error_not_a_missing_container() {
        let out = CmdOutput {
            rc: 0,
            stdout: "==engine docker\n==container 1\nCannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n".into(),
            stderr: String::new(),
        };
        let err = parse_probe(&out).unwrap_err().to_string();
        assert!(err.contains("Cannot connect"), "{err}");
    }
}
