//! `reboot` on hosts that really reboot: the systemd hosts of the fleet (`$DROVER_SDFLEET_DIR`,
//! `fleet.sh up 2 --systemd`). Their systemd goes down on `shutdown -r`, the fleet's supervisor boots
//! the host again on the same root filesystem and address with a new boot id, like a VM: /run (a
//! tmpfs) starts empty, /root keeps its files, every process and connection of the old boot is gone.
//! The tests share the two hosts, so they take turns.

mod common;

use common::{Outcome, run, tempdir, write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One test at a time reboots host01 while another checks host02.
static HOSTS: Mutex<()> = Mutex::new(());

fn systemd_fleet() -> PathBuf {
    common::fleet_dir(
        "DROVER_SDFLEET_DIR",
        "systemd hosts (tests/fleet/fleet.sh up 2 --systemd)",
    )
}

fn ssh(fleet: &Path, host: &str, command: &str) -> String {
    common::fleet_ssh(fleet, host, command)
}

fn play(fleet: &Path, hosts: &str, tasks: &str) -> Outcome {
    let dir = tempdir();
    let file = dir.path().join("play.yml");
    write(
        &file,
        &format!("- hosts: {hosts}\n  gather_facts: false\n  tasks:\n{tasks}"),
    );
    let inventory = fleet.join("inventory.ini").display().to_string();
    run(&["play", "-i", &inventory, &file.display().to_string()])
}

fn boot_id(fleet: &Path, host: &str) -> String {
    ssh(fleet, host, "cat /proc/sys/kernel/random/boot_id")
}

/// The PID `fleet.sh up` recorded for `host` (its supervisor), from the fleet's pids file.
fn recorded_pid(fleet: &Path, host: &str) -> u32 {
    let pids = std::fs::read_to_string(fleet.join("pids"))
        .unwrap_or_else(|e| panic!("{}/pids: {e}", fleet.display()));
    pids.lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            let pid = words.next()?.parse().ok()?;
            (words.next()? == host).then_some(pid)
        })
        .unwrap_or_else(|| panic!("{host} in {pids}"))
}

fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|c| c.parse().ok())
        .collect()
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The host's init as seen from the machine: recorded supervisor → unshare → systemd. `down`
/// finds it the same way, so this is what keeps `fleet.sh down` able to stop the host by PID.
fn init_under_recorded_pid(fleet: &Path, host: &str) -> u32 {
    let supervisor = recorded_pid(fleet, host);
    let inits: Vec<u32> = children(supervisor)
        .into_iter()
        .filter(|&c| comm(c) == "unshare")
        .flat_map(children)
        .collect();
    assert_eq!(
        inits.len(),
        1,
        "{host}: supervisor {supervisor} should have one unshare with one init: {inits:?}"
    );
    assert_eq!(comm(inits[0]), "systemd", "{host}: init {}", inits[0]);
    inits[0]
}

fn boots(fleet: &Path, host: &str) -> usize {
    std::fs::read_to_string(fleet.join("hosts").join(host).join("supervisor.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("boot ") && l.contains(" at "))
        .filter(|l| !l.contains("ended"))
        .count()
}

#[test]
fn reboot_boots_the_host_again_and_the_play_goes_on_over_a_new_connection() {
    let _turn = HOSTS.lock().unwrap_or_else(|e| e.into_inner());
    let fleet = systemd_fleet();
    let (boot1, boot2) = (boot_id(&fleet, "host01"), boot_id(&fleet, "host02"));
    assert_ne!(
        boot1,
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .unwrap_or_default()
            .trim(),
        "each host has a boot id of its own, not the machine's"
    );
    let init1 = init_under_recorded_pid(&fleet, "host01");
    let init2 = init_under_recorded_pid(&fleet, "host02");
    let boots1 = boots(&fleet, "host01");

    let tasks = "    - shell: echo gone > /run/drover-reboot; echo kept > /root/drover-reboot\n\
                 \x20   - reboot:\n        msg: drover reboot test\n        reboot_timeout: 120\n      register: r\n      when: inventory_hostname == 'host01'\n\
                 \x20   - assert:\n        that:\n          - r is changed\n          - r.rebooted\n          - r.elapsed is number\n          - r.elapsed >= 1\n      when: inventory_hostname == 'host01'\n\
                 \x20   - shell: cat /proc/sys/kernel/random/boot_id; cat /root/drover-reboot; cat /run/drover-reboot 2>/dev/null || echo none\n      register: after\n\
                 \x20   - assert:\n        that: after.stdout_lines[1:] == (['kept', 'none'] if inventory_hostname == 'host01' else ['kept', 'gone'])\n\
                 \x20   - debug:\n        msg: 'boot id {{ after.stdout_lines[0] }}'\n";
    let out = play(&fleet, "fleet", tasks);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("host01", "failed"), 0, "{}", out.show());
    assert_eq!(out.count("host01", "ok"), 6, "{}", out.show());
    assert_eq!(out.count("host02", "ok"), 4, "{}", out.show());

    // host01 booted once more, as a new boot; host02 went on undisturbed.
    assert_eq!(boots(&fleet, "host01"), boots1 + 1);
    let after1 = boot_id(&fleet, "host01");
    assert!(!after1.is_empty() && after1 != boot1, "{boot1} -> {after1}");
    assert!(
        out.stdout.contains(&format!("boot id {after1}")),
        "the task after the reboot ran in the new boot: {}",
        out.show()
    );
    assert_eq!(boot_id(&fleet, "host02"), boot2);
    assert_eq!(init_under_recorded_pid(&fleet, "host02"), init2);
    // A new init under the same recorded supervisor: `fleet.sh down` still finds it by PID.
    assert_ne!(init_under_recorded_pid(&fleet, "host01"), init1);
    assert_eq!(
        ssh(
            &fleet,
            "host01",
            "systemctl is-active ssh; rm -f /root/drover-reboot"
        ),
        "active"
    );
    ssh(
        &fleet,
        "host02",
        "rm -f /root/drover-reboot /run/drover-reboot",
    );
}

#[test]
fn reboot_runs_the_test_command_and_waits_the_post_reboot_delay() {
    let _turn = HOSTS.lock().unwrap_or_else(|e| e.into_inner());
    let fleet = systemd_fleet();
    let before = boot_id(&fleet, "host01");
    // The test command passes only once the new boot has started sshd's unit (not just the
    // listener drover reconnects to): it would fail on the old boot's /run marker.
    let tasks = "    - command: touch /run/drover-old-boot\n\
                 \x20   - ansible.builtin.reboot:\n        test_command: test ! -e /run/drover-old-boot && systemctl is-active ssh\n        post_reboot_delay: 3\n        reboot_timeout: 120\n      register: r\n\
                 \x20   - assert:\n        that: r.rebooted and r.elapsed >= 3\n\
                 \x20   - command: cat /proc/sys/kernel/random/boot_id\n      register: id\n\
                 \x20   - debug:\n        msg: 'boot id {{ id.stdout }}'\n";
    let out = play(&fleet, "host01", tasks);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("host01", "ok"), 5, "{}", out.show());
    let after = boot_id(&fleet, "host01");
    assert_ne!(after, before);
    assert!(
        out.stdout.contains(&format!("boot id {after}")),
        "{}",
        out.show()
    );
}

/// A host that powers off instead of rebooting never comes back: the task fails after
/// `reboot_timeout` with Ansible's message, and the other host of the play carries on.
#[test]
fn a_host_that_never_comes_back_fails_after_the_reboot_timeout() {
    let _turn = HOSTS.lock().unwrap_or_else(|e| e.into_inner());
    let fleet = systemd_fleet();
    let tasks = "    - reboot:\n        reboot_command: systemctl poweroff\n        reboot_timeout: 8\n        connect_timeout: 2\n      when: inventory_hostname == 'host01'\n\
                 \x20   - command: echo still here\n";
    let out = play(&fleet, "fleet", tasks);
    let powered_on = std::process::Command::new(common::repo().join("tests/fleet/fleet.sh"))
        .args(["boot", "host01"])
        .env("DROVER_FLEET_DIR", &fleet)
        .output()
        .unwrap_or_else(|e| panic!("fleet.sh boot: {e}"));
    assert!(
        powered_on.status.success(),
        "fleet.sh boot host01: {}",
        String::from_utf8_lossy(&powered_on.stderr)
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(out.count("host01", "failed"), 1, "{}", out.show());
    assert!(
        out.stdout
            .contains("Timed out waiting for last boot time check (timeout=8)"),
        "{}",
        out.show()
    );
    assert!(
        out.stdout.contains("\"rebooted\": true") || out.stdout.contains("\"rebooted\":true"),
        "{}",
        out.show()
    );
    assert_eq!(out.count("host02", "changed"), 1, "{}", out.show());
    assert_eq!(ssh(&fleet, "host01", "echo back"), "back");
}
