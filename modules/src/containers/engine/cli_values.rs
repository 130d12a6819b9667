//! Task values read as the engine's command line reads them: durations, memory sizes, `--cpus`,
//! published ports.

use super::inspect::{Port, normal_host_ip};

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
    use crate::containers::engine::parse_bind;

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
}
