//! Package modules on real hosts: the fleet's local apt repository (`fleet.sh up --with-repo`,
//! started so by `scripts/test`) serves tiny packages in two versions, so installs, pins, upgrades,
//! downgrades, `deb:` files and purges run for real, offline, and every second run changes nothing.

mod common;

use common::{Outcome, run, tasks_on, tempdir, write};
use std::path::{Path, PathBuf};

/// This file's host: no other test file changes its packages.
const HOST: &str = "host06";

/// The tests of this file share one host's dpkg database: one at a time.
static HOST_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn fleet() -> PathBuf {
    std::env::var("DROVER_FLEET_DIR").map(PathBuf::from).unwrap_or_else(|_| {
        panic!("DROVER_FLEET_DIR is not set: these tests need the real fleet with its apt repository; run scripts/test (or tests/fleet/fleet.sh up 6 --with-repo)")
    })
}

fn ssh(fleet: &Path, command: &str) -> String {
    common::fleet_ssh(fleet, HOST, command)
}

/// What dpkg says of a package on the host: `ii 2.0-1`, `rc 1.0-1`, or empty when it has neither
/// the package nor its files (unknown, or purged: `un`).
fn dpkg(fleet: &Path, name: &str) -> String {
    let said = ssh(
        fleet,
        &format!("dpkg-query -W -f='${{db:Status-Abbrev}}${{Version}}' {name} 2>/dev/null"),
    )
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ");
    if said.starts_with("un") || said.starts_with("pn") {
        String::new()
    } else {
        said
    }
}

fn play(fleet: &Path, tasks: &str, extra: &[&str]) -> Outcome {
    common::play_on(fleet, &tasks_on(HOST, tasks), extra)
}

fn changed(out: &Outcome) -> u32 {
    assert_eq!(out.code, 0, "{}", out.show());
    out.count(HOST, "changed")
}

#[test]
fn apt_installs_pins_upgrades_downgrades_and_purges_idempotently() {
    let _host = one_at_a_time();
    let fleet = fleet();
    assert!(
        !ssh(&fleet, "cat /etc/apt/sources.list").is_empty()
            && ssh(&fleet, "ls /srv/repo/Packages") == "/srv/repo/Packages",
        "{HOST} has no local apt repository: start the fleet with --with-repo"
    );
    // A clean start whatever an earlier run left.
    ssh(
        &fleet,
        "apt-get purge -y -q drover-hello drover-extra drover-daemon >/dev/null 2>&1; true",
    );

    // A fresh host's apt has never read the repository: update_cache alone is a change.
    let refresh = "    - apt: update_cache=yes\n";
    assert_eq!(changed(&play(&fleet, refresh, &[])), 1);
    let install = "    - apt:\n        name: [drover-hello=1.0-1, drover-daemon]\n        update_cache: true\n        cache_valid_time: 3600\n        install_recommends: false\n";
    let check = play(&fleet, install, &["--check"]);
    assert_eq!(changed(&check), 1);
    assert_eq!(
        dpkg(&fleet, "drover-hello"),
        "",
        "--check installed something"
    );
    assert_eq!(changed(&play(&fleet, install, &[])), 1);
    assert_eq!(dpkg(&fleet, "drover-hello"), "ii 1.0-1");
    assert_eq!(dpkg(&fleet, "drover-daemon"), "ii 1.0-1");
    assert_eq!(
        dpkg(&fleet, "drover-extra"),
        "",
        "install_recommends: false still installed the recommended package"
    );
    assert_eq!(
        changed(&play(&fleet, install, &[])),
        0,
        "second run changed"
    );

    let latest = "    - apt: name=drover-hello state=latest\n";
    assert_eq!(changed(&play(&fleet, latest, &[])), 1);
    assert_eq!(dpkg(&fleet, "drover-hello"), "ii 2.0-1");
    assert_eq!(changed(&play(&fleet, latest, &[])), 0);

    let downgrade = "    - apt: name=drover-hello=1.0* allow_downgrade=yes install_recommends=no\n";
    assert_eq!(changed(&play(&fleet, downgrade, &[])), 1);
    assert_eq!(dpkg(&fleet, "drover-hello"), "ii 1.0-1");
    assert_eq!(changed(&play(&fleet, downgrade, &[])), 0);

    let deb = "    - apt: deb=/srv/repo/drover-extra_1.0-1_all.deb\n";
    assert_eq!(changed(&play(&fleet, deb, &[])), 1);
    assert_eq!(dpkg(&fleet, "drover-extra"), "ii 1.0-1");
    assert_eq!(changed(&play(&fleet, deb, &[])), 0);

    // Remove keeps the daemon's conffile (dpkg: rc); purge then removes that too.
    let remove = "    - apt: name=drover-daemon state=absent\n";
    assert_eq!(changed(&play(&fleet, remove, &[])), 1);
    assert_eq!(dpkg(&fleet, "drover-daemon"), "rc 1.0-1");
    assert_eq!(changed(&play(&fleet, remove, &[])), 0);
    let purge = "    - apt: name=drover-daemon,drover-hello,drover-extra state=absent purge=yes\n";
    assert_eq!(changed(&play(&fleet, purge, &[])), 1);
    assert_eq!(dpkg(&fleet, "drover-daemon"), "");
    assert_eq!(dpkg(&fleet, "drover-hello"), "");
    assert_eq!(changed(&play(&fleet, purge, &[])), 0);

    let unknown = play(&fleet, "    - apt: name=drover-nope\n", &[]);
    assert_eq!(unknown.code, 2, "{}", unknown.show());
    assert!(
        unknown
            .stdout
            .contains("No package matching 'drover-nope' is available"),
        "{}",
        unknown.show()
    );
}

#[test]
fn package_dispatches_to_apt_from_the_facts_or_by_asking_the_host() {
    let _host = one_at_a_time();
    let fleet = fleet();
    let inventory = fleet.join("inventory.ini").display().to_string();
    // With facts gathered (pkg_mgr = apt) and without (the module asks the host itself).
    ssh(&fleet, "apt-get update -q >/dev/null 2>&1");
    for gather in ["true", "false"] {
        ssh(
            &fleet,
            "apt-get purge -y -q drover-extra >/dev/null 2>&1; true",
        );
        let dir = tempdir();
        let file = dir.path().join("play.yml");
        write(
            &file,
            &format!(
                "- hosts: {HOST}\n  gather_facts: {gather}\n  tasks:\n    - ansible.builtin.package: name=drover-extra state=present\n"
            ),
        );
        let file = file.display().to_string();
        let first = run(&["play", "-i", &inventory, &file]);
        assert_eq!(changed(&first), 1, "gather_facts: {gather}");
        assert_eq!(dpkg(&fleet, "drover-extra"), "ii 1.0-1");
        let again = run(&["play", "-i", &inventory, &file]);
        assert_eq!(changed(&again), 0, "gather_facts: {gather}");
    }
}
