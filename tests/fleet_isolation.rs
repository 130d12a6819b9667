//! The fleet's hosts are machines of their own: each `pivot_root`s into its overlay root inside its
//! own mount namespace and detaches the machine's root, so nothing run inside a host — a shell,
//! `nsenter` into the host's own mount namespace, `docker exec`/`podman exec` into a container,
//! a health check — can see or write the machine's filesystem. With a mere `chroot`, joining the
//! host's mount namespace (which is what `exec` does) landed in the machine's `/`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Every fleet scripts/test started: plain, systemd, Python (where ansible is installed) and
/// container-engine hosts.
fn fleets() -> Vec<PathBuf> {
    let mut fleets = vec![
        common::fleet_dir("DROVER_FLEET_DIR", "the real fleet"),
        common::fleet_dir(
            "DROVER_SDFLEET_DIR",
            "systemd hosts (tests/fleet/fleet.sh up 2 --systemd)",
        ),
    ];
    if let Ok(dir) = std::env::var("DROVER_PYFLEET_DIR") {
        fleets.push(PathBuf::from(dir));
    }
    fleets.extend(common::engine_fleet());
    fleets
}

fn hosts(fleet: &Path) -> Vec<String> {
    std::fs::read_to_string(fleet.join("inventory.ini"))
        .unwrap_or_else(|e| panic!("{}/inventory.ini: {e}", fleet.display()))
        .lines()
        .filter(|l| l.contains("ansible_host="))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn unique(what: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("drover-{what}-{}-{nanos}", std::process::id())
}

/// From inside every host: the mount namespace's own root (what `nsenter`, `docker exec` and
/// `/proc/1/root` resolve to) is the host's overlay, and a file the test puts into the machine's
/// filesystem is nowhere to be seen.
#[test]
fn no_host_reaches_the_machine_root_filesystem() {
    let machine_boot_id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .unwrap_or_default()
        .trim()
        .to_string();
    for fleet in fleets() {
        let marker = fleet.join(unique("machine-marker"));
        common::write(&marker, "machine\n");
        let marker_path = marker.display().to_string();
        for host in hosts(&fleet) {
            let look = format!(
                "test -e {marker_path} && echo sees-marker; \
                 test -e /proc/1/root{marker_path} && echo sees-marker-through-proc-1-root; \
                 awk '$5 == \"/\" {{ print $(NF - 2) }}' /proc/self/mountinfo | sort -u | sed 's/^/root-is-/'"
            );
            let probe = format!(
                "sh -c {look}; nsenter --mount=/proc/1/ns/mnt -- sh -c {look}; \
                 cat /proc/sys/kernel/random/boot_id",
                look = sh_quote(&look)
            );
            let seen = common::fleet_ssh(&fleet, &host, &probe);
            let lines: Vec<&str> = seen.lines().collect();
            let where_ = format!("{host} of {}", fleet.display());
            assert_eq!(
                lines.len(),
                3,
                "{where_}: expected the root's type twice and a boot id, got:\n{seen}"
            );
            assert_eq!(lines[0], "root-is-overlay", "{where_}:\n{seen}");
            assert_eq!(lines[1], "root-is-overlay", "{where_} (nsenter):\n{seen}");
            assert_ne!(
                lines[2], machine_boot_id,
                "{where_}: a boot id of its own, not the machine's"
            );
        }
        let _ = std::fs::remove_file(&marker);
    }
}

/// `exec` into a container on an engine host writes into the container's root: not into the
/// machine's `/`, not into the host's. Checked on the controller, where a file that escaped would be.
#[test]
fn exec_in_a_container_writes_into_the_container_not_the_machine() {
    let Some(fleet) = common::engine_fleet() else {
        return;
    };
    for (host, engine) in [("host01", "docker"), ("host02", "podman")] {
        common::import_engine_image(&fleet, host, engine, "local/bookworm:test");
        let name = "drover-isolation";
        let marker = format!("/{}", unique("exec-marker"));
        let written = common::fleet_ssh(
            &fleet,
            host,
            &format!(
                "{engine} rm -f {name} >/dev/null 2>&1; \
                 {engine} run -d --name {name} --network none local/bookworm:test sleep 1000 >/dev/null 2>&1 && \
                 {engine} exec {name} sh -c 'echo from-exec > {marker}' && \
                 {engine} exec {name} cat {marker}; \
                 test -e {marker} && echo in-host-root; \
                 {engine} rm -f {name} >/dev/null 2>&1"
            ),
        );
        // A file that escaped into the machine's root is removed before the test fails on it.
        let escaped = Path::new(&marker).exists();
        let _ = std::fs::remove_file(&marker);
        assert!(
            !escaped,
            "{engine} exec on {host} wrote {marker} into the machine's root"
        );
        assert_eq!(
            written, "from-exec",
            "{engine} exec on {host}: the file is in the container only"
        );
    }
}
