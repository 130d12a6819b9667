//! `wait_for`: waits on the target for a port to open or close, a file to appear (with a regexp in
//! it) or go, or a port's connections to drain. The loop runs on the controller, one query per
//! attempt, each query sleeping first on the target (`sleep N; probe`): no timer on the controller,
//! the run's `timeout:` and interrupts apply to every attempt.
//!
//! Ports with only `/bin/sh` on the target: a local address (loopback, wildcard, `localhost`) is
//! read from `/proc/net/tcp` and `/proc/net/tcp6` (listening sockets, connections by state), which
//! every Linux has; another host is connected to with bash's `/dev/tcp` (or `nc -z`), under
//! `timeout` when the target has it; without bash or nc the task fails saying so.

use crate::cmd::quote;
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use regex::Regex;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

pub struct WaitFor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum State {
    #[default]
    Started,
    Present,
    Stopped,
    Absent,
    Drained,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Started => "started",
            State::Present => "present",
            State::Stopped => "stopped",
            State::Absent => "absent",
            State::Drained => "drained",
        }
    }
    fn wants_gone(self) -> bool {
        matches!(self, State::Stopped | State::Absent)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub host: Option<String>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub timeout: Option<u64>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub connect_timeout: Option<u64>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub delay: Option<u64>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub port: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub active_connection_states: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub search_regex: Option<String>,
    #[serde(default)]
    pub state: State,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub exclude_hosts: Vec<String>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub sleep: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub msg: Option<String>,
}

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_TIMEOUT: u64 = 300;
const DEFAULT_CONNECT_TIMEOUT: u64 = 5;
const DEFAULT_SLEEP: u64 = 1;
/// Ansible's default `active_connection_states`, with their `/proc/net/tcp` state numbers.
const CONNECTION_STATES: &[(&str, u8)] = &[
    ("ESTABLISHED", 0x01),
    ("SYN_SENT", 0x02),
    ("SYN_RECV", 0x03),
    ("FIN_WAIT1", 0x04),
    ("FIN_WAIT2", 0x05),
    ("TIME_WAIT", 0x06),
];
const TCP_LISTEN: u8 = 0x0A;

impl Params {
    fn host(&self) -> &str {
        self.host.as_deref().unwrap_or(DEFAULT_HOST)
    }
    fn port(&self) -> Result<Option<u16>, ModuleError> {
        self.port
            .map(|p| {
                u16::try_from(p)
                    .map_err(|_| ModuleError::Params(format!("port {p} is not a TCP port")))
            })
            .transpose()
    }
    fn regex(&self) -> Result<Option<Regex>, ModuleError> {
        self.search_regex
            .as_deref()
            .map(|r| {
                Regex::new(&format!("(?m){r}"))
                    .map_err(|e| ModuleError::Params(format!("Invalid regular expression: {e}")))
            })
            .transpose()
    }
    fn active_states(&self) -> Result<Vec<u8>, ModuleError> {
        if self.active_connection_states.is_empty() {
            return Ok(CONNECTION_STATES.iter().map(|(_, id)| *id).collect());
        }
        self.active_connection_states
            .iter()
            .map(|name| {
                CONNECTION_STATES
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, id)| *id)
                    .ok_or_else(|| {
                        ModuleError::Params(format!(
                            "unknown active_connection_state ({name}) defined"
                        ))
                    })
            })
            .collect()
    }
}

/// What the task waits for, decided once from the arguments.
enum Target {
    /// Neither port nor path: sleep `timeout` seconds.
    Nothing,
    /// `drained` without a port: nothing to wait for.
    Done,
    Path {
        path: String,
    },
    Port {
        host: String,
        port: u16,
    },
    Drained {
        host: String,
        port: u16,
    },
}

fn target(p: &Params) -> Result<Target, ModuleError> {
    let host = || p.host().to_string();
    Ok(match (p.port()?, &p.path) {
        (Some(_), Some(_)) => {
            return Err(ModuleError::Params(
                "port and path parameter can not both be passed to wait_for".into(),
            ));
        }
        (Some(port), None) if p.state == State::Drained => Target::Drained { host: host(), port },
        (Some(port), None) => Target::Port { host: host(), port },
        (None, Some(path)) => Target::Path { path: path.clone() },
        // As in Ansible: nothing to drain without a port.
        (None, None) if p.state == State::Drained => Target::Done,
        (None, None) => Target::Nothing,
    })
}

#[async_trait::async_trait]
impl Module for WaitFor {
    type Params = Params;
    const NAME: &'static str = "wait_for";
    const DOC: Written = Written {
        description: "Waits on the target for a port to open or close, a file to appear (holding a regexp) or go, or a port's connections to drain. Local ports are read from /proc/net/tcp; other hosts are connected to with bash's /dev/tcp or nc. Skipped in check mode, as in Ansible.",
        example: "- wait_for:\n    port: 8080\n    timeout: 60\n",
        args: &[
            (
                "host",
                "127.0.0.1",
                "The address (or name) to wait on. Loopback and wildcard addresses and `localhost` are read from /proc/net/tcp; others are connected to from the target.",
            ),
            (
                "timeout",
                "300",
                "Seconds to wait in all (the `delay` included).",
            ),
            (
                "connect_timeout",
                "5",
                "Seconds one connection attempt (or banner read, with `search_regex`) may take.",
            ),
            ("delay", "0", "Seconds to wait before the first attempt."),
            ("port", "", "The TCP port."),
            (
                "active_connection_states",
                "ESTABLISHED, FIN_WAIT1, FIN_WAIT2, SYN_RECV, SYN_SENT, TIME_WAIT",
                "The connection states `drained` counts.",
            ),
            (
                "path",
                "",
                "A file that must exist (or, `absent`, not exist).",
            ),
            (
                "search_regex",
                "",
                "A regexp the file, or what the server says on connecting, must match; its groups are `match_groups` / `match_groupdict`.",
            ),
            (
                "state",
                "started",
                "`started`/`present` (open, exists), `stopped`/`absent` (closed, gone) or `drained` (no active connection on the port).",
            ),
            (
                "exclude_hosts",
                "",
                "With `drained`: connections from these addresses do not count.",
            ),
            ("sleep", "1", "Seconds between attempts."),
            (
                "msg",
                "",
                "The failure message on timeout instead of the default.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.port.is_some() && p.path.is_some() {
            return Err(ModuleError::Params(
                "port and path parameter can not both be passed to wait_for".into(),
            ));
        }
        if p.path.is_some() && matches!(p.state, State::Stopped | State::Drained) {
            return Err(ModuleError::Params(format!(
                "state={} should only be used for checking a port in the wait_for module",
                p.state.name()
            )));
        }
        if !p.exclude_hosts.is_empty() && p.state != State::Drained {
            return Err(ModuleError::Params(
                "exclude_hosts should only be with state=drained".into(),
            ));
        }
        p.port()?;
        p.regex()?;
        p.active_states()?;
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        if host.check_mode() {
            return Ok(Plan::skip(
                "remote module (wait_for) does not support check mode",
            ));
        }
        let start = Instant::now();
        let timeout = Duration::from_secs(p.timeout.unwrap_or(DEFAULT_TIMEOUT));
        if let Some(delay) = p.delay.filter(|d| *d > 0) {
            host.query(&sleep(delay)).await?;
        }
        let target = target(&p)?;
        match target {
            Target::Nothing => {
                host.query(&sleep(timeout.as_secs())).await?;
                return Ok(finished(&p, start, &[], Map::new()));
            }
            Target::Done => return Ok(finished(&p, start, &[], Map::new())),
            _ => {}
        }
        let regex = p.regex()?;
        let pause = p.sleep.unwrap_or(DEFAULT_SLEEP);
        let mut first = true;
        while start.elapsed() + Duration::from_secs(if first { 0 } else { pause }) < timeout {
            let probe = probe_cmd(&p, &target, regex.is_some())?;
            let cmd = if first {
                probe
            } else {
                sleep(pause).then(probe)
            };
            first = false;
            let out = host.query(&cmd).await?;
            match judge(&p, &target, regex.as_ref(), &out.stdout)? {
                Verdict::Met(groups, named) => return Ok(finished(&p, start, &groups, named)),
                Verdict::NotYet => {}
            }
        }
        Ok(timed_out(&p, &target, start))
    }
}

fn sleep(seconds: u64) -> Cmd {
    Cmd::new("sleep").arg(seconds.to_string())
}

/// The query of one attempt; its output is read by [`judge`].
fn probe_cmd(p: &Params, target: &Target, with_regex: bool) -> Result<Cmd, ModuleError> {
    Ok(match target {
        Target::Nothing | Target::Done => Cmd::new("true"),
        Target::Path { path } => {
            let read = if with_regex && !p.state.wants_gone() {
                " cat \"$p\" 2>/dev/null;"
            } else {
                ""
            };
            Cmd::new(&format!(
                "p={}; if [ -e \"$p\" ]; then echo @@present;{read} else echo @@absent; fi",
                quote(path)
            ))
        }
        Target::Drained { .. } => proc_tcp(),
        Target::Port { host, .. } if is_local(host) && !with_regex => proc_tcp(),
        Target::Port { host, port } => connect_probe(
            host,
            *port,
            p.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            with_regex,
        ),
    })
}

fn proc_tcp() -> Cmd {
    Cmd::new("echo @@tcp; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null")
}

/// Connects to `host:port` from the target: bash's `/dev/tcp` (reading what the server says when
/// a regexp must match it), else `nc -z`, each bounded by `timeout` when there is one.
fn connect_probe(host: &str, port: u16, connect_timeout: u64, read: bool) -> Cmd {
    let script = if read {
        "exec 3<>\"/dev/tcp/$0/$1\" || exit 3; echo @@open; cat <&3"
    } else {
        "exec 3<>\"/dev/tcp/$0/$1\" && echo @@open"
    };
    // nc cannot tell "connected" from "said something": only bash reads a banner.
    let nc = if read {
        ""
    } else {
        " elif command -v nc >/dev/null 2>&1; then \
         $t nc -z -w \"$c\" \"$h\" \"$o\" </dev/null >/dev/null 2>&1 && echo @@open;"
    };
    Cmd::new(&format!(
        "h={}; o={port}; c={connect_timeout}; t=; command -v timeout >/dev/null 2>&1 && t=\"timeout $c\"; \
         if command -v bash >/dev/null 2>&1; then $t bash -c {} \"$h\" \"$o\" 2>/dev/null;{nc} \
         else echo @@noprobe; fi; echo @@end",
        quote(host),
        quote(script)
    ))
}

/// A host whose sockets are this machine's own: its ports are read from `/proc/net/tcp`.
fn is_local(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

enum Verdict {
    Met(Vec<Value>, Map<String, Value>),
    NotYet,
}

fn judge(
    p: &Params,
    target: &Target,
    regex: Option<&Regex>,
    stdout: &str,
) -> Result<Verdict, ModuleError> {
    let met = |yes: bool| {
        if yes {
            Verdict::Met(Vec::new(), Map::new())
        } else {
            Verdict::NotYet
        }
    };
    Ok(match target {
        Target::Nothing | Target::Done => Verdict::Met(Vec::new(), Map::new()),
        Target::Path { .. } => {
            let (present, content) = match stdout.split_once('\n') {
                Some((head, rest)) => (head == "@@present", rest),
                None => (stdout.trim() == "@@present", ""),
            };
            match (p.state.wants_gone(), regex) {
                (true, _) => met(!present),
                (false, None) => met(present),
                (false, Some(re)) if present => matched(re, content),
                (false, Some(_)) => Verdict::NotYet,
            }
        }
        Target::Drained { host, port } => {
            let sockets = parse_proc_tcp(stdout);
            let states = p.active_states()?;
            let excluded: Vec<IpAddr> = p
                .exclude_hosts
                .iter()
                .filter_map(|h| h.parse().ok())
                .collect();
            let active = sockets.iter().filter(|s| {
                s.local_port == *port
                    && states.contains(&s.state)
                    && !excluded.contains(&unmapped(s.remote))
                    && address_matches(host, s.local)
            });
            met(active.count() == 0)
        }
        Target::Port { host, port } if is_local(host) && regex.is_none() => {
            let listening = parse_proc_tcp(stdout)
                .iter()
                .any(|s| s.state == TCP_LISTEN && s.local_port == *port && accepts(s.local, host));
            met(listening != p.state.wants_gone())
        }
        Target::Port { host, port } => {
            if stdout.contains("@@noprobe") {
                return Err(ModuleError::Failed(format!(
                    "wait_for cannot connect to {host}:{port} from this host: it has neither bash (/dev/tcp){} \
                     (only local ports are read from /proc/net/tcp without them)",
                    if regex.is_some() { "" } else { " nor nc" }
                )));
            }
            let open = stdout.starts_with("@@open");
            match (p.state.wants_gone(), regex) {
                (true, _) => met(!open),
                (false, None) => met(open),
                (false, Some(re)) if open => {
                    let said = stdout
                        .strip_prefix("@@open\n")
                        .unwrap_or_default()
                        .trim_end_matches("@@end\n");
                    matched(re, said)
                }
                (false, Some(_)) => Verdict::NotYet,
            }
        }
    })
}

fn matched(re: &Regex, text: &str) -> Verdict {
    let Some(caps) = re.captures(text) else {
        return Verdict::NotYet;
    };
    let groups = caps
        .iter()
        .skip(1)
        .map(|g| g.map_or(Value::Null, |m| Value::String(m.as_str().to_string())))
        .collect();
    let named = re
        .capture_names()
        .flatten()
        .map(|n| {
            let v = caps
                .name(n)
                .map_or(Value::Null, |m| Value::String(m.as_str().to_string()));
            (n.to_string(), v)
        })
        .collect();
    Verdict::Met(groups, named)
}

fn finished(p: &Params, start: Instant, groups: &[Value], named: Map<String, Value>) -> Plan {
    Plan::ok()
        .set("state", p.state.name())
        .set("port", p.port.map_or(Value::Null, Value::from))
        .set(
            "search_regex",
            p.search_regex.clone().map_or(Value::Null, Value::from),
        )
        .set("match_groups", Value::Array(groups.to_vec()))
        .set("match_groupdict", Value::Object(named))
        .set("path", p.path.clone().map_or(Value::Null, Value::from))
        .set("elapsed", start.elapsed().as_secs())
}

fn timed_out(p: &Params, target: &Target, start: Instant) -> Plan {
    let default = match (target, &p.search_regex) {
        (Target::Port { host, port }, _) if p.state.wants_gone() => {
            format!("Timeout when waiting for {host}:{port} to stop.")
        }
        (Target::Path { path }, _) if p.state.wants_gone() => {
            format!("Timeout when waiting for {path} to be absent.")
        }
        (Target::Port { host, port }, Some(re)) => {
            format!("Timeout when waiting for search string {re} in {host}:{port}")
        }
        (Target::Port { host, port }, None) => format!("Timeout when waiting for {host}:{port}"),
        (Target::Path { path }, Some(re)) => {
            format!("Timeout when waiting for search string {re} in {path}")
        }
        (Target::Path { path }, None) => format!("Timeout when waiting for file {path}"),
        (Target::Drained { host, port }, _) => {
            format!("Timeout when waiting for {host}:{port} to drain")
        }
        (Target::Nothing | Target::Done, _) => "Timeout".to_string(),
    };
    Plan::fail(p.msg.clone().unwrap_or(default)).set("elapsed", start.elapsed().as_secs())
}

/// One line of `/proc/net/tcp{,6}`.
#[derive(Debug, PartialEq)]
struct Socket {
    local: IpAddr,
    local_port: u16,
    remote: IpAddr,
    state: u8,
}

fn parse_proc_tcp(text: &str) -> Vec<Socket> {
    text.lines().filter_map(parse_socket_line).collect()
}

fn parse_socket_line(line: &str) -> Option<Socket> {
    let mut fields = line.split_whitespace();
    fields.next()?.strip_suffix(':')?;
    let (local, local_port) = parse_endpoint(fields.next()?)?;
    let (remote, _) = parse_endpoint(fields.next()?)?;
    let state = u8::from_str_radix(fields.next()?, 16).ok()?;
    Some(Socket {
        local,
        local_port,
        remote,
        state,
    })
}

/// `0100007F:0016` (IPv4, little-endian) or 32 hex digits of four little-endian words (IPv6).
fn parse_endpoint(text: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        let w = u32::from_str_radix(addr.get(i * 8..i * 8 + 8)?, 16).ok()?;
        Some(w.to_le_bytes())
    };
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some((ip, port))
}

fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The addresses `host` stands for (`localhost` is both loopbacks).
fn host_addresses(host: &str) -> Vec<IpAddr> {
    if host == "localhost" {
        return vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()];
    }
    host.parse().into_iter().collect()
}

/// Whether a socket listening on `local` takes connections to `host`.
fn accepts(local: IpAddr, host: &str) -> bool {
    let local = unmapped(local);
    local.is_unspecified()
        || host_addresses(host)
            .iter()
            .any(|h| h.is_unspecified() || unmapped(*h) == local)
}

/// Whether a connection's local address is one `host` names, as Ansible's drained check counts it
/// (a wildcard host counts every address).
fn address_matches(host: &str, local: IpAddr) -> bool {
    host_addresses(host)
        .iter()
        .any(|h| h.is_unspecified() || unmapped(*h) == unmapped(local))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_tcp_lines_are_read() {
        let v4 = "   1: 0B41007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0";
        let s = parse_socket_line(v4).expect("v4");
        assert_eq!(s.local, "127.0.65.11".parse::<IpAddr>().expect("ip"));
        assert_eq!((s.local_port, s.state), (22, TCP_LISTEN));
        let v6 = "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0";
        let s = parse_socket_line(v6).expect("v6");
        assert_eq!(s.local, "::1".parse::<IpAddr>().expect("ip"));
        assert_eq!(s.local_port, 8080);
        assert!(parse_socket_line("  sl  local_address rem_address   st").is_none());
    }

    #[test]
    fn a_wildcard_listener_takes_every_local_address() {
        assert!(accepts("0.0.0.0".parse().expect("ip"), "127.0.0.1"));
        assert!(accepts("127.0.0.1".parse().expect("ip"), "localhost"));
        assert!(!accepts("127.0.0.2".parse().expect("ip"), "127.0.0.1"));
        assert!(is_local("::1") && is_local("127.0.65.3") && !is_local("db.example.test"));
    }
}
