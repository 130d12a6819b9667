//! Facts on real hosts: gathered by shell commands in one round trip (no Python on the fleet),
//! usable in `when:` and templates, equal to what the host itself says — and, where ansible-core and
//! a host with Python are at hand (scripts/test starts one), equal to what ansible-core's `setup`
//! reports on the same host.

mod common;

use common::{run, tempdir, write};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fleet_dir(var: &str) -> Option<PathBuf> {
    std::env::var(var).ok().map(PathBuf::from)
}

fn main_fleet() -> PathBuf {
    fleet_dir("DROVER_FLEET_DIR").unwrap_or_else(|| {
        panic!("DROVER_FLEET_DIR is not set: these tests need the real fleet; run scripts/test")
    })
}

fn inventory(fleet: &Path) -> String {
    fleet.join("inventory.ini").display().to_string()
}

/// Runs a command on `host` of `fleet` with the system's OpenSSH client (independent of drover).
fn ssh(fleet: &Path, host: &str, command: &str) -> String {
    common::fleet_ssh(fleet, host, command)
}

/// drover's facts for `host` as JSON: a play that gathers (by default) and prints them.
fn drover_facts(fleet: &Path, host: &str) -> Value {
    let dir = tempdir();
    let play = dir.path().join("facts.yml");
    write(
        &play,
        &format!("- hosts: {host}\n  tasks:\n    - debug:\n        var: ansible_facts\n"),
    );
    let out = run(&[
        "play",
        &play.display().to_string(),
        "-i",
        &inventory(fleet),
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.show());
    let doc: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.show()));
    let tasks = doc["plays"][0]["tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let debug = tasks
        .iter()
        .find(|t| t["task"]["name"] == "debug" || t["task"]["action"] == "debug")
        .unwrap_or_else(|| panic!("no debug task in {doc}"));
    debug["hosts"][host]["ansible_facts"].clone()
}

#[test]
fn gathered_facts_match_what_the_host_says() {
    let fleet = main_fleet();
    let facts = drover_facts(&fleet, "host01");
    let os_id = ssh(
        &fleet,
        "host01",
        ". /etc/os-release && echo $VERSION_CODENAME",
    );
    assert_eq!(facts["distribution"], "Debian", "{facts}");
    assert_eq!(facts["os_family"], "Debian");
    assert_eq!(facts["distribution_release"], os_id.as_str());
    assert_eq!(
        facts["distribution_version"],
        ssh(&fleet, "host01", "cat /etc/debian_version").as_str()
    );
    assert_eq!(
        facts["hostname"],
        ssh(&fleet, "host01", "hostname").as_str()
    );
    assert_eq!(
        facts["architecture"],
        ssh(&fleet, "host01", "uname -m").as_str()
    );
    assert_eq!(facts["kernel"], ssh(&fleet, "host01", "uname -r").as_str());
    assert_eq!(facts["pkg_mgr"], "apt");
    assert_eq!(facts["user_id"], "root");
    assert_eq!(facts["user_dir"], "/root");
    let vcpus: u64 = ssh(&fleet, "host01", "nproc").parse().unwrap_or(0);
    assert_eq!(facts["processor_vcpus"], vcpus);
    assert!(facts["memtotal_mb"].as_u64().unwrap_or(0) > 0, "{facts}");
    assert!(facts["date_time"]["epoch"].is_string(), "{facts}");
    assert!(facts["env"]["PATH"].is_string(), "{facts}");
    assert!(
        facts.get("python").is_none(),
        "the fleet has no Python: {facts}"
    );
}

#[test]
fn facts_drive_when_and_templates_and_can_be_turned_off() {
    let fleet = main_fleet();
    let dir = tempdir();
    let template = dir.path().join("templates/motd.j2");
    write(
        &template,
        "{{ ansible_facts.hostname }} runs {{ ansible_distribution }} {{ ansible_distribution_major_version }}\n",
    );
    let dest = format!("/tmp/motd-{}", std::process::id());
    let play = dir.path().join("site.yml");
    write(
        &play,
        &format!(
            "- hosts: host01:host02\n  tasks:\n    - template: src=motd.j2 dest={dest}\n      when: ansible_os_family == 'Debian'\n    - debug: msg=never\n      when: ansible_os_family == 'RedHat'\n\
             - hosts: host01\n  gather_facts: false\n  tasks:\n    - debug: msg=\"{{{{ ansible_distribution }}}}\"\n"
        ),
    );
    let play = play.display().to_string();
    let out = run(&["play", &play, "-i", &inventory(&fleet)]);
    // The second play gathered nothing, and its own facts are not there: but facts gathered by an
    // earlier play stay with the host, as in Ansible.
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout.contains("TASK [Gathering Facts]"),
        "{}",
        out.show()
    );
    assert_eq!(out.count("host01", "changed"), 1, "{}", out.show());
    assert_eq!(out.count("host02", "skipped"), 1, "{}", out.show());
    let motd = ssh(&fleet, "host02", &format!("cat {dest}"));
    let major = ssh(&fleet, "host02", "cut -d. -f1 /etc/debian_version");
    assert_eq!(motd, format!("host02 runs Debian {major}"));

    let fresh = dir.path().join("nofacts.yml");
    write(
        &fresh,
        "- hosts: host03\n  gather_facts: no\n  tasks:\n    - debug: msg=\"{{ ansible_distribution }}\"\n",
    );
    let out = run(&[
        "play",
        &fresh.display().to_string(),
        "-i",
        &inventory(&fleet),
    ]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(!out.stdout.contains("Gathering Facts"), "{}", out.show());
    assert!(
        out.stdout.contains("ansible_distribution"),
        "{}",
        out.show()
    );
}

/// The facts the issue names, compared with ansible-core's `setup` on the same host. Volatile values
/// (free memory, the clock, the environment of the session) are left out.
const COMPARED: &[&str] = &[
    "hostname",
    "nodename",
    "fqdn",
    "domain",
    "os_family",
    "distribution",
    "distribution_version",
    "distribution_major_version",
    "distribution_release",
    "architecture",
    "machine",
    "kernel",
    "kernel_version",
    "system",
    "pkg_mgr",
    "service_mgr",
    "default_ipv4",
    "all_ipv4_addresses",
    "memtotal_mb",
    "processor_vcpus",
    "processor_count",
    "processor_cores",
    "processor_threads_per_core",
    "user_id",
    "user_dir",
    "user_uid",
    "user_gid",
    "user_shell",
    "selinux",
    "lsb",
    "virtualization_type",
    "virtualization_role",
    "mounts",
    "swaptotal_mb",
];

/// The same mounts, field for field; free space and inodes may move between the two reads (the
/// fleet's repository is a bind mount of the machine's busy disk), by less than 1 %.
fn same_mounts(ansible: &[Value], drover: &[Value]) -> bool {
    const LIVE: &[&str] = &[
        "block_available",
        "block_used",
        "size_available",
        "inode_available",
        "inode_used",
    ];
    let close = |a: &Value, d: &Value| match (a.as_f64(), d.as_f64()) {
        (Some(a), Some(d)) => (a - d).abs() <= a.abs().max(d.abs()) / 100.0,
        _ => a == d,
    };
    ansible.len() == drover.len()
        && ansible.iter().zip(drover).all(|(a, d)| {
            d.as_object().is_some_and(|d| {
                d.iter().all(|(k, v)| match a.get(k) {
                    Some(theirs) if LIVE.contains(&k.as_str()) => close(theirs, v),
                    Some(theirs) => theirs == v,
                    None => false,
                })
            })
        })
}

fn ansible_facts(fleet: &Path, host: &str) -> Option<Value> {
    let out = Command::new("ansible")
        .args([host, "-i", &inventory(fleet), "-m", "setup", "-o"])
        .env("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let json = text.split_once("=> ")?.1;
    let doc: Value = serde_json::from_str(json).ok()?;
    let facts = doc["ansible_facts"].as_object()?;
    Some(Value::Object(
        facts
            .iter()
            .map(|(k, v)| (k.trim_start_matches("ansible_").to_string(), v.clone()))
            .collect(),
    ))
}

#[test]
fn facts_equal_ansible_cores_setup_on_the_same_host() {
    let Some(fleet) = fleet_dir("DROVER_PYFLEET_DIR") else {
        eprintln!(
            "no host with Python (DROVER_PYFLEET_DIR): scripts/test starts one when ansible-core is installed"
        );
        return;
    };
    let theirs = ansible_facts(&fleet, "host01")
        .unwrap_or_else(|| panic!("ansible -m setup failed on {}", fleet.display()));
    let ours = drover_facts(&fleet, "host01");
    let mut differences = Vec::new();
    for key in COMPARED {
        let (a, d) = (&theirs[*key], &ours[*key]);
        let a_keys = a.as_object().map(|o| o.keys().collect::<Vec<_>>());
        let same = match (a, d) {
            // Ansible's dicts carry keys drover does not gather (`type`, `broadcast`): compare the
            // keys drover has.
            (Value::Object(a), Value::Object(d)) => d.iter().all(|(k, v)| a.get(k) == Some(v)),
            (Value::Array(a), Value::Array(d)) if *key == "mounts" => same_mounts(a, d),
            _ => a == d,
        };
        if !same {
            differences.push(format!("{key}: ansible {a} ({a_keys:?}) / drover {d}"));
        }
    }
    let ours_interfaces: std::collections::BTreeSet<String> = ours["interfaces"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    let their_interfaces: std::collections::BTreeSet<String> = theirs["interfaces"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    if ours_interfaces != their_interfaces {
        differences.push(format!(
            "interfaces: ansible {their_interfaces:?} / drover {ours_interfaces:?}"
        ));
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
