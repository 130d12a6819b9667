//! Platform and distribution facts: `uname`, os-release and lsb-release, named as Ansible names them.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub(super) fn platform(uname: &[&str], fqdn: &[&str], facts: &mut Map<String, Value>) {
    let field = |i: usize| uname.get(i).map(|s| s.trim()).unwrap_or_default();
    let (system, kernel, version, machine, node) =
        (field(0), field(1), field(2), field(3), field(4));
    facts.insert("system".into(), Value::from(system));
    facts.insert("kernel".into(), Value::from(kernel));
    facts.insert("kernel_version".into(), Value::from(version));
    facts.insert("machine".into(), Value::from(machine));
    facts.insert("architecture".into(), Value::from(architecture(machine)));
    facts.insert("nodename".into(), Value::from(node));
    let hostname = node.split('.').next().unwrap_or(node);
    facts.insert("hostname".into(), Value::from(hostname));
    let fqdn = fqdn
        .first()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .unwrap_or(node);
    facts.insert("fqdn".into(), Value::from(fqdn));
    let domain = fqdn.split_once('.').map(|(_, d)| d).unwrap_or("");
    facts.insert("domain".into(), Value::from(domain));
}

/// Ansible names some machines differently (`i686` → `i386`, `aarch64` stays).
pub(super) fn architecture(machine: &str) -> &str {
    match machine {
        "i486" | "i586" | "i686" => "i386",
        other => other,
    }
}

/// `KEY=value` / `KEY="value"` lines (os-release, lsb-release).
pub(super) fn key_values(lines: &[&str]) -> BTreeMap<String, String> {
    lines
        .iter()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            (k.trim().to_string(), v.to_string())
        })
        .collect()
}

/// os-release ID → Ansible's distribution name and family.
pub(super) fn distribution_names(id: &str) -> (&'static str, &'static str) {
    match id {
        "debian" => ("Debian", "Debian"),
        "ubuntu" => ("Ubuntu", "Debian"),
        "linuxmint" => ("Linux Mint", "Debian"),
        "raspbian" => ("Debian", "Debian"),
        "kali" => ("Kali", "Debian"),
        "pop" => ("Pop!_OS", "Debian"),
        "centos" => ("CentOS", "RedHat"),
        "rhel" => ("RedHat", "RedHat"),
        "fedora" => ("Fedora", "RedHat"),
        "rocky" => ("Rocky", "RedHat"),
        "almalinux" => ("AlmaLinux", "RedHat"),
        "ol" => ("OracleLinux", "RedHat"),
        "amzn" => ("Amazon", "RedHat"),
        "alpine" => ("Alpine", "Alpine"),
        "arch" => ("Archlinux", "Archlinux"),
        "opensuse-leap" | "opensuse-tumbleweed" | "opensuse" => ("openSUSE Leap", "Suse"),
        "sles" => ("SLES", "Suse"),
        "gentoo" => ("Gentoo", "Gentoo"),
        _ => ("", ""),
    }
}

pub(super) fn distribution(
    os: &BTreeMap<String, String>,
    sections: &BTreeMap<&str, Vec<&str>>,
    facts: &mut Map<String, Value>,
) {
    let get = |name: &str| sections.get(name).cloned().unwrap_or_default();
    let id = os.get("ID").map(String::as_str).unwrap_or("");
    let (name, family) = match distribution_names(id) {
        ("", _) => {
            let name = capitalise(if id.is_empty() { "OtherLinux" } else { id });
            (name.clone(), name)
        }
        (name, family) => (name.to_string(), family.to_string()),
    };
    let mut version = os.get("VERSION_ID").cloned().unwrap_or_default();
    // Debian's point release is only in /etc/debian_version (12.8), as Ansible reports it.
    if name == "Debian"
        && let Some(full) = get("debian_version").first().map(|s| s.trim().to_string())
        && full.chars().next().is_some_and(|c| c.is_ascii_digit())
    {
        version = full;
    }
    if name == "Alpine"
        && let Some(full) = get("alpine-release").first()
    {
        version = full.trim().to_string();
    }
    let major = version.split('.').next().unwrap_or("").to_string();
    let release = os
        .get("VERSION_CODENAME")
        .or_else(|| os.get("UBUNTU_CODENAME"))
        .cloned()
        .unwrap_or_else(|| release_from_version_text(os));
    facts.insert("distribution".into(), Value::from(name));
    facts.insert("os_family".into(), Value::from(family));
    facts.insert("distribution_version".into(), Value::from(version));
    facts.insert("distribution_major_version".into(), Value::from(major));
    facts.insert("distribution_release".into(), Value::from(release));
}

pub(super) fn release_from_version_text(os: &BTreeMap<String, String>) -> String {
    os.get("VERSION")
        .and_then(|v| {
            v.split_once('(')
                .map(|(_, r)| r.trim_end_matches(')').to_string())
        })
        .unwrap_or_else(|| "NA".into())
}

pub(super) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

pub(super) fn lsb(lines: &[&str]) -> Value {
    let kv = key_values(lines);
    let mut lsb = Map::new();
    let mut put = |key: &str, from: &str| {
        if let Some(v) = kv.get(from) {
            lsb.insert(key.into(), Value::from(v.clone()));
        }
    };
    put("id", "DISTRIB_ID");
    put("release", "DISTRIB_RELEASE");
    put("codename", "DISTRIB_CODENAME");
    put("description", "DISTRIB_DESCRIPTION");
    if let Some(release) = kv.get("DISTRIB_RELEASE") {
        let major = release.split('.').next().unwrap_or("").to_string();
        lsb.insert("major_release".into(), Value::from(major));
    }
    Value::Object(lsb)
}
