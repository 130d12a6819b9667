//! The system facts Ansible's `setup` reports, gathered without Python: one POSIX shell script, one
//! round trip, printing `@@section` blocks of raw text that [`parse`] turns into Ansible's shape.
//! Values follow what ansible-core's `setup` reports on the same host (checked on the test fleet).

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The one command that reads everything. Each section is independent: a missing tool leaves its
/// section empty, never fails the rest.
pub const GATHER_SCRIPT: &str = r#"exec 2>/dev/null
echo @@uname; uname -s; uname -r; uname -v; uname -m; uname -n
echo @@fqdn; hostname -f || hostname
echo @@os-release; cat /etc/os-release || cat /usr/lib/os-release
echo @@lsb-release; cat /etc/lsb-release
echo @@debian_version; cat /etc/debian_version
echo @@redhat-release; cat /etc/redhat-release
echo @@alpine-release; cat /etc/alpine-release
echo @@meminfo; cat /proc/meminfo
echo @@cpuinfo; grep -E '^(processor|physical id|core id|cpu cores|siblings)[[:space:]]*:' /proc/cpuinfo
echo @@nproc; nproc || getconf _NPROCESSORS_ONLN
echo @@user; id -u; id -g; id -un; echo "$HOME"; echo "$SHELL"
echo @@passwd; getent passwd "$(id -un)" || grep "^$(id -un):" /etc/passwd
echo @@date; date '+%Y|%m|%d|%H|%M|%S|%Z|%z|%s|%j|%u|%w|%a|%A|%b|%B|%U|%W|%V|%6N'; date -u '+%Y-%m-%dT%H:%M:%S'
echo @@env; env
echo @@mounts; cat /proc/mounts
echo @@mountinfo; cat /proc/self/mountinfo
echo @@statfs; while read -r dev mnt rest; do s=$(stat -f -c '%S %b %a %f %c %d' "$mnt") && echo "$mnt $s"; done </proc/mounts
echo @@route; ip -4 route get 8.8.8.8 || ip -4 route show default
echo @@addr; ip -4 -o addr show
echo @@links; ip -o link show
echo @@ifaces; ls -U /sys/class/net || ls /sys/class/net
echo @@pkg; for p in apt-get dnf yum zypper apk pacman emerge pkg xbps-install; do command -v $p && break; done
echo @@init; echo "comm=$(cat /proc/1/comm)"; echo "link=$(readlink /sbin/init)"; [ -d /run/systemd/system ] && echo systemd-run; [ -e /sbin/openrc ] && echo openrc; [ -d /etc/init.d ] && echo sysvinit
echo @@selinux; if [ -d /sys/fs/selinux ]; then cat /sys/fs/selinux/enforce || echo unknown; else echo disabled; fi
echo @@virt; [ -f /.dockerenv ] && echo docker; [ -f /run/.containerenv ] && echo podman; cat /run/systemd/container; tr '\0' '\n' </proc/1/environ | grep '^container='; grep -m1 -E 'docker|lxc|kubepods|containerd' /proc/1/cgroup; cat /sys/class/dmi/id/product_name; cat /sys/class/dmi/id/sys_vendor; grep -m1 '^model name.*QEMU Virtual CPU' /proc/cpuinfo; [ -e /dev/kvm ] && echo kvm-host
echo @@python; command -v python3 || command -v python
echo @@end
"#;

/// Splits the script's output into its sections.
fn sections(output: &str) -> BTreeMap<&str, Vec<&str>> {
    let mut map: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut current = None;
    for line in output.lines() {
        if let Some(name) = line.strip_prefix("@@") {
            current = Some(name.trim());
            map.entry(name.trim()).or_default();
        } else if let Some(name) = current {
            map.entry(name).or_default().push(line);
        }
    }
    map
}

/// The facts, named as in `ansible_facts` (without the `ansible_` prefix).
pub fn parse(output: &str) -> Map<String, Value> {
    let s = sections(output);
    let get = |name: &str| s.get(name).cloned().unwrap_or_default();
    let mut facts = Map::new();
    platform(&get("uname"), &get("fqdn"), &mut facts);
    let os_release = key_values(&get("os-release"));
    distribution(&os_release, &s, &mut facts);
    facts.insert("lsb".into(), lsb(&get("lsb-release")));
    memory(&get("meminfo"), &mut facts);
    processors(&get("cpuinfo"), &get("nproc"), &mut facts);
    user(&get("user"), &get("passwd"), &mut facts);
    facts.insert("date_time".into(), date_time(&get("date")));
    facts.insert("env".into(), env(&get("env")));
    facts.insert(
        "mounts".into(),
        mounts(&get("mounts"), &get("statfs"), &get("mountinfo")),
    );
    network(
        &get("route"),
        &get("addr"),
        &get("links"),
        &get("ifaces"),
        &mut facts,
    );
    let pkg = get("pkg")
        .first()
        .and_then(|p| p.rsplit('/').next())
        .map(pkg_mgr_name)
        .unwrap_or("unknown");
    facts.insert("pkg_mgr".into(), Value::from(pkg));
    facts.insert("service_mgr".into(), Value::from(service_mgr(&get("init"))));
    facts.insert("selinux".into(), selinux(&get("selinux")));
    virtualization(&get("virt"), &mut facts);
    if let Some(python) = get("python").first().filter(|p| !p.is_empty()) {
        facts.insert("python".into(), json!({ "executable": python.trim() }));
    }
    facts
}

fn platform(uname: &[&str], fqdn: &[&str], facts: &mut Map<String, Value>) {
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
fn architecture(machine: &str) -> &str {
    match machine {
        "i486" | "i586" | "i686" => "i386",
        other => other,
    }
}

/// `KEY=value` / `KEY="value"` lines (os-release, lsb-release).
fn key_values(lines: &[&str]) -> BTreeMap<String, String> {
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
fn distribution_names(id: &str) -> (&'static str, &'static str) {
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

fn distribution(
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

fn release_from_version_text(os: &BTreeMap<String, String>) -> String {
    os.get("VERSION")
        .and_then(|v| {
            v.split_once('(')
                .map(|(_, r)| r.trim_end_matches(')').to_string())
        })
        .unwrap_or_else(|| "NA".into())
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

fn lsb(lines: &[&str]) -> Value {
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

fn meminfo_mb(lines: &[&str], key: &str) -> Option<u64> {
    lines.iter().find_map(|l| {
        let rest = l.strip_prefix(key)?.strip_prefix(':')?;
        let kb: u64 = rest.split_whitespace().next()?.parse().ok()?;
        Some(kb / 1024)
    })
}

fn memory(lines: &[&str], facts: &mut Map<String, Value>) {
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
fn processors(cpuinfo: &[&str], nproc: &[&str], facts: &mut Map<String, Value>) {
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

fn user(lines: &[&str], passwd: &[&str], facts: &mut Map<String, Value>) {
    let field = |i: usize| lines.get(i).map(|s| s.trim()).unwrap_or_default();
    let uid: u64 = field(0).parse().unwrap_or(0);
    let gid: u64 = field(1).parse().unwrap_or(0);
    facts.insert("user_id".into(), Value::from(field(2)));
    facts.insert("user_uid".into(), Value::from(uid));
    facts.insert("user_gid".into(), Value::from(gid));
    let entry: Vec<&str> = passwd
        .first()
        .map(|l| l.split(':').collect())
        .unwrap_or_default();
    let home = entry.get(5).copied().unwrap_or(field(3));
    let shell = entry.get(6).copied().unwrap_or(field(4));
    facts.insert("user_dir".into(), Value::from(home));
    facts.insert("user_shell".into(), Value::from(shell));
    facts.insert(
        "user_gecos".into(),
        Value::from(entry.get(4).copied().unwrap_or("")),
    );
}

fn date_time(lines: &[&str]) -> Value {
    let local: Vec<&str> = lines
        .first()
        .map(|l| l.split('|').collect())
        .unwrap_or_default();
    if local.len() < 19 {
        return json!({});
    }
    let utc = lines.get(1).map(|s| s.trim()).unwrap_or_default();
    let (year, month, day, hour, minute, second) =
        (local[0], local[1], local[2], local[3], local[4], local[5]);
    let (tz, offset, epoch) = (local[6], local[7], local[8]);
    // `%6N` is GNU date's; elsewhere it prints itself, and Ansible's zeros are the honest answer.
    let micro = local
        .get(19)
        .filter(|m| m.len() == 6 && m.bytes().all(|b| b.is_ascii_digit()))
        .copied()
        .unwrap_or("000000");
    json!({
        "year": year, "month": month, "day": day,
        "hour": hour, "minute": minute, "second": second,
        "epoch": epoch, "epoch_int": epoch,
        "date": format!("{year}-{month}-{day}"),
        "time": format!("{hour}:{minute}:{second}"),
        "iso8601": format!("{utc}Z"),
        "iso8601_micro": format!("{utc}.{micro}Z"),
        "iso8601_basic": format!("{year}{month}{day}T{hour}{minute}{second}{micro}"),
        "iso8601_basic_short": format!("{year}{month}{day}T{hour}{minute}{second}"),
        "tz": tz, "tz_dst": tz, "tz_offset": offset,
        "weekday": local[13], "weekday_number": local[11],
        "weeknumber": local[17],
    })
}

/// `env` output; a line without `=` continues the previous value (a multi-line variable).
fn env(lines: &[&str]) -> Value {
    let mut env = Map::new();
    let mut last: Option<String> = None;
    for line in lines {
        match line.split_once('=') {
            Some((k, v)) if is_env_name(k) => {
                env.insert(k.to_string(), Value::from(v));
                last = Some(k.to_string());
            }
            _ => {
                if let Some(Value::String(v)) = last.as_ref().and_then(|k| env.get_mut(k)) {
                    v.push('\n');
                    v.push_str(line);
                }
            }
        }
    }
    Value::Object(env)
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Mount points whose mount shows a directory inside its filesystem, not the filesystem's root
/// (mountinfo's fourth field): what `findmnt` shows as `dev[/dir]`, which Ansible counts as a bind
/// mount and marks with a `bind` option.
fn bind_mounts(mountinfo: &[&str]) -> std::collections::BTreeSet<String> {
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
fn mounts(lines: &[&str], statfs: &[&str], mountinfo: &[&str]) -> Value {
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
fn unescape_mount(path: &str) -> String {
    path.replace("\\040", " ").replace("\\011", "\t")
}

fn network(
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
fn ipv4_of(line: &str) -> Option<(String, String, u32)> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let iface = words.get(1)?.trim_end_matches(':').to_string();
    let at = words.iter().position(|w| *w == "inet")?;
    let (address, prefix) = words.get(at + 1)?.split_once('/')?;
    Some((iface, address.to_string(), prefix.parse().ok()?))
}

/// `8.8.8.8 via 10.0.0.1 dev eth0 src 10.0.0.5 …` or `default via … dev …`.
fn default_route(lines: &[&str]) -> Option<(String, String, Option<String>)> {
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

fn link_info(links: &[&str], iface: &str) -> Option<(String, u64)> {
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

fn netmask(prefix: u32) -> String {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix.min(32))
    };
    std::net::Ipv4Addr::from(mask).to_string()
}

fn network_of(address: &str, prefix: u32) -> String {
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

fn pkg_mgr_name(tool: &str) -> &'static str {
    match tool.trim() {
        "apt-get" => "apt",
        "dnf" => "dnf",
        "yum" => "yum",
        "zypper" => "zypper",
        "apk" => "apk",
        "pacman" => "pacman",
        "emerge" => "portage",
        "pkg" => "pkgng",
        "xbps-install" => "xbps",
        _ => "unknown",
    }
}

/// As Ansible's `service_mgr` fact: PID 1's name (unless it is `init` or a shell), else systemd when
/// `/run/systemd/system` exists, OpenRC, an init that links to systemd, SysV scripts, or `service`.
fn service_mgr(lines: &[&str]) -> String {
    let value = |key: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(str::trim)
            .unwrap_or("")
    };
    let has = |s: &str| lines.iter().any(|l| l.trim() == s);
    let link = value("link");
    let pid1 = match value("comm") {
        "" => link.rsplit('/').next().unwrap_or(""),
        comm => comm,
    };
    if !pid1.is_empty() && pid1 != "init" && !pid1.ends_with("sh") {
        let mapped = match pid1 {
            "procd" => "openwrt_init",
            "runit-init" => "runit",
            "svscan" => "svc",
            "openrc-init" => "openrc",
            other => other,
        };
        return mapped.to_string();
    }
    let name = if has("systemd-run") {
        "systemd"
    } else if has("openrc") {
        "openrc"
    } else if link.ends_with("systemd") {
        "systemd"
    } else if has("sysvinit") {
        "sysvinit"
    } else {
        "service"
    };
    name.to_string()
}

fn selinux(lines: &[&str]) -> Value {
    match lines.first().map(|s| s.trim()) {
        Some("1") => json!({"status": "enabled", "mode": "enforcing"}),
        Some("0") => json!({"status": "enabled", "mode": "permissive"}),
        _ => json!({"status": "disabled"}),
    }
}

fn virtualization(lines: &[&str], facts: &mut Map<String, Value>) {
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
