//! Network facts: interfaces, their IPv4 addresses and the default route.

use serde_json::{Map, Value, json};

pub(super) fn network(
    route: &[&str],
    addr: &[&str],
    links: &[&str],
    ifaces: &[&str],
    facts: &mut Map<String, Value>,
) {
    let interfaces: Vec<String> = ifaces
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let addresses: Vec<(String, String, u32)> = addr.iter().filter_map(|l| ipv4_of(l)).collect();
    let all: Vec<Value> = addresses
        .iter()
        .filter(|(_, a, _)| !a.starts_with("127."))
        .map(|(_, a, _)| Value::from(a.clone()))
        .collect();
    facts.insert("all_ipv4_addresses".into(), Value::Array(all));
    facts.insert(
        "interfaces".into(),
        Value::Array(interfaces.iter().map(|i| Value::from(i.clone())).collect()),
    );
    let default = default_route(route).and_then(|(iface, gateway, src)| {
        let (_, address, prefix) = addresses
            .iter()
            .find(|(i, a, _)| i == &iface && src.as_deref().is_none_or(|s| s == a))?
            .clone();
        let mut entry = json!({
            "interface": iface, "address": address, "gateway": gateway,
            "prefix": prefix.to_string(), "netmask": netmask(prefix),
            "network": network_of(&address, prefix), "alias": iface,
        });
        if let Some((mac, mtu)) = link_info(links, &iface)
            && let Some(obj) = entry.as_object_mut()
        {
            obj.insert("macaddress".into(), Value::from(mac));
            obj.insert("mtu".into(), Value::from(mtu));
        }
        Some(entry)
    });
    facts.insert("default_ipv4".into(), default.unwrap_or_else(|| json!({})));
}

/// `2: eth0    inet 10.0.0.5/24 brd … scope global eth0` → (eth0, 10.0.0.5, 24).
pub(super) fn ipv4_of(line: &str) -> Option<(String, String, u32)> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let iface = words.get(1)?.trim_end_matches(':').to_string();
    let at = words.iter().position(|w| *w == "inet")?;
    let (address, prefix) = words.get(at + 1)?.split_once('/')?;
    Some((iface, address.to_string(), prefix.parse().ok()?))
}

/// `8.8.8.8 via 10.0.0.1 dev eth0 src 10.0.0.5 …` or `default via … dev …`.
pub(super) fn default_route(lines: &[&str]) -> Option<(String, String, Option<String>)> {
    let words: Vec<&str> = lines.first()?.split_whitespace().collect();
    let after = |key: &str| {
        words
            .iter()
            .position(|w| *w == key)
            .and_then(|i| words.get(i + 1))
            .map(|s| s.to_string())
    };
    Some((
        after("dev")?,
        after("via").unwrap_or_default(),
        after("src"),
    ))
}

pub(super) fn link_info(links: &[&str], iface: &str) -> Option<(String, u64)> {
    let line = links.iter().find(|l| {
        l.split_whitespace()
            .nth(1)
            .is_some_and(|n| n.trim_end_matches(':').split('@').next() == Some(iface))
    })?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |key: &str| {
        words
            .iter()
            .position(|w| *w == key)
            .and_then(|i| words.get(i + 1))
    };
    let mtu = after("mtu")?.parse().ok()?;
    let mac = after("link/ether")
        .map(|s| s.to_string())
        .unwrap_or_default();
    Some((mac, mtu))
}

pub(super) fn netmask(prefix: u32) -> String {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix.min(32))
    };
    std::net::Ipv4Addr::from(mask).to_string()
}

pub(super) fn network_of(address: &str, prefix: u32) -> String {
    let Ok(ip) = address.parse::<std::net::Ipv4Addr>() else {
        return String::new();
    };
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix.min(32))
    };
    std::net::Ipv4Addr::from(u32::from(ip) & mask).to_string()
}
