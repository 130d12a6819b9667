//! Hardware facts: memory, processors, mounted filesystems, virtualization.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub(super) fn meminfo_mb(lines: &[&str], key: &str) -> Option<u64> {
    lines.iter().find_map(|l| {
        let rest = l.strip_prefix(key)?.strip_prefix(':')?;
        let kb: u64 = rest.split_whitespace().next()?.parse().ok()?;
        Some(kb / 1024)
    })
}

pub(super) fn memory(lines: &[&str], facts: &mut Map<String, Value>) {
    let total = meminfo_mb(lines, "MemTotal").unwrap_or(0);
    let free = meminfo_mb(lines, "MemFree").unwrap_or(0);
    let swap_total = meminfo_mb(lines, "SwapTotal").unwrap_or(0);
    let swap_free = meminfo_mb(lines, "SwapFree").unwrap_or(0);
    let buffers = meminfo_mb(lines, "Buffers").unwrap_or(0);
    let cached = meminfo_mb(lines, "Cached").unwrap_or(0);
    facts.insert("memtotal_mb".into(), Value::from(total));
    facts.insert("memfree_mb".into(), Value::from(free));
    facts.insert("swaptotal_mb".into(), Value::from(swap_total));
    facts.insert("swapfree_mb".into(), Value::from(swap_free));
    let nocache_free = free + buffers + cached;
    facts.insert(
        "memory_mb".into(),
        json!({
            "real": {"total": total, "free": free, "used": total.saturating_sub(free)},
            "nocache": {"free": nocache_free, "used": total.saturating_sub(nocache_free)},
            "swap": {"total": swap_total, "free": swap_free, "used": swap_total.saturating_sub(swap_free), "cached": 0},
        }),
    );
}

/// Ansible's processor counts: sockets (`processor_count`), cores per socket, threads per core, and
/// `processor_vcpus` = the logical CPUs.
pub(super) fn processors(cpuinfo: &[&str], nproc: &[&str], facts: &mut Map<String, Value>) {
    let field = |line: &str, name: &str| -> Option<String> {
        let (k, v) = line.split_once(':')?;
        (k.trim() == name).then(|| v.trim().to_string())
    };
    let logical = cpuinfo
        .iter()
        .filter(|l| field(l, "processor").is_some())
        .count();
    let sockets: std::collections::BTreeSet<String> = cpuinfo
        .iter()
        .filter_map(|l| field(l, "physical id"))
        .collect();
    let cores: u64 = cpuinfo
        .iter()
        .find_map(|l| field(l, "cpu cores"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let siblings: u64 = cpuinfo
        .iter()
        .find_map(|l| field(l, "siblings"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(cores);
    let logical = if logical == 0 {
        nproc
            .first()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(1)
    } else {
        logical as u64
    };
    let sockets = (sockets.len() as u64).max(1);
    let threads = (siblings / cores.max(1)).max(1);
    facts.insert("processor_count".into(), Value::from(sockets));
    facts.insert("processor_cores".into(), Value::from(cores));
    facts.insert("processor_threads_per_core".into(), Value::from(threads));
    facts.insert("processor_vcpus".into(), Value::from(logical));
    facts.insert(
        "processor_nproc".into(),
        Value::from(
            nproc
                .first()
                .and_then(|n| n.trim().parse::<u64>().ok())
                .unwrap_or(logical),
        ),
    );
}

/// Mount points whose mount shows a directory inside its filesystem, not the filesystem's root
/// (mountinfo's fourth field): what `findmnt` shows as `dev[/dir]`, which Ansible counts as a bind
/// mount and marks with a `bind` option.
pub(super) fn bind_mounts(mountinfo: &[&str]) -> std::collections::BTreeSet<String> {
    mountinfo
        .iter()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (root, mount) = (f.get(3)?, f.get(4)?);
            (*root != "/").then(|| unescape_mount(mount))
        })
        .collect()
}

/// Filesystems from /proc/mounts with their sizes, as Ansible lists them.
pub(super) fn mounts(lines: &[&str], statfs: &[&str], mountinfo: &[&str]) -> Value {
    let binds = bind_mounts(mountinfo);
    let sizes: BTreeMap<&str, Vec<u64>> = statfs
        .iter()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let mnt = parts.next()?;
            Some((mnt, parts.filter_map(|p| p.parse().ok()).collect()))
        })
        .collect();
    let mut out = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [device, mount, fstype, options, ..] = f.as_slice() else {
            continue;
        };
        // As Ansible: only devices that are paths (or network shares) are mounts worth listing.
        if (!device.starts_with('/') && !device.contains(":/")) || *fstype == "none" {
            continue;
        }
        let mount = unescape_mount(mount);
        let options = if binds.contains(&mount) {
            format!("{options},bind")
        } else {
            options.to_string()
        };
        let mut entry = json!({
            "mount": mount, "device": device, "fstype": fstype, "options": options, "uuid": "N/A",
        });
        if let Some([block_size, blocks, avail, _free, inodes, inodes_free]) =
            sizes.get(mount.as_str()).map(Vec::as_slice)
        {
            let obj = entry.as_object_mut();
            if let Some(obj) = obj {
                obj.insert("block_size".into(), json!(block_size));
                obj.insert("block_total".into(), json!(blocks));
                obj.insert("block_available".into(), json!(avail));
                // Ansible: used is total minus what an unprivileged user may still use.
                obj.insert("block_used".into(), json!(blocks.saturating_sub(*avail)));
                obj.insert("size_total".into(), json!(blocks * block_size));
                obj.insert("size_available".into(), json!(avail * block_size));
                obj.insert("inode_total".into(), json!(inodes));
                obj.insert("inode_available".into(), json!(inodes_free));
                obj.insert(
                    "inode_used".into(),
                    json!(inodes.saturating_sub(*inodes_free)),
                );
            }
        }
        out.push(entry);
    }
    Value::Array(out)
}

/// /proc/mounts writes a space as `\040`.
pub(super) fn unescape_mount(path: &str) -> String {
    path.replace("\\040", " ").replace("\\011", "\t")
}

pub(super) fn virtualization(lines: &[&str], facts: &mut Map<String, Value>) {
    let text = lines.join("\n");
    let (kind, role) = if lines.iter().any(|l| l.trim() == "docker") || text.contains("docker") {
        ("docker", "guest")
    } else if lines.iter().any(|l| l.trim() == "podman") || text.contains("container=podman") {
        ("podman", "guest")
    } else if text.contains("lxc") {
        ("lxc", "guest")
    } else if text.contains("container=") {
        ("container", "guest")
    } else if text.contains("KVM") || text.contains("QEMU") || text.contains("Bochs") {
        ("kvm", "guest")
    } else if text.contains("VMware") {
        ("VMware", "guest")
    } else if text.contains("VirtualBox") {
        ("virtualbox", "guest")
    } else if lines.iter().any(|l| l.trim() == "kvm-host") {
        ("kvm", "host")
    } else {
        ("NA", "NA")
    };
    facts.insert("virtualization_type".into(), Value::from(kind));
    facts.insert("virtualization_role".into(), Value::from(role));
}
