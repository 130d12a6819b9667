//! The system facts Ansible's `setup` reports, gathered without Python: one POSIX shell script, one
//! round trip, printing `@@section` blocks of raw text that [`parse`] turns into Ansible's shape.
//! Values follow what ansible-core's `setup` reports on the same host (checked on the test fleet).

mod distribution;
mod hardware;
mod network;

use distribution::{distribution, key_values, lsb, platform};
use hardware::{memory, mounts, processors, virtualization};
use network::network;
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
