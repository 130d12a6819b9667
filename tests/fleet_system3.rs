//! `wait_for`, `wait_for_connection`, `reboot` and the other system modules of issue 14 on real
//! hosts of the fleet. Each test has a host of its own and puts back what it changed.

mod common;

use common::{Outcome, fleet, tasks_on};
use std::path::Path;

fn ssh(fleet: &Path, host: &str, command: &str) -> String {
    common::fleet_ssh(fleet, host, command)
}

fn play(fleet: &Path, host: &str, tasks: &str, extra: &[&str]) -> Outcome {
    common::play_on(fleet, &tasks_on(host, tasks), extra)
}

/// The host's address in the fleet's inventory (`ansible_host=`).
fn address(fleet: &Path, host: &str) -> String {
    let inventory = std::fs::read_to_string(fleet.join("inventory.ini")).unwrap_or_default();
    inventory
        .lines()
        .find(|l| l.starts_with(&format!("{host} ")))
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("ansible_host="))
        })
        .unwrap_or_else(|| panic!("{host} in {inventory}"))
        .to_string()
}

fn ok(out: &Outcome, host: &str) -> (u32, u32) {
    assert_eq!(out.code, 0, "{}", out.show());
    (out.count(host, "ok"), out.count(host, "changed"))
}

#[test]
fn wait_for_ports_files_and_banners_on_a_real_host() {
    const HOST: &str = "host03";
    let fleet = fleet();
    let me = address(&fleet, HOST);
    let other = address(&fleet, "host04");
    ssh(&fleet, HOST, "rm -f /tmp/drover-wait.log");

    // The file appears two seconds into the wait; the regexp's group comes back.
    let tasks = format!(
        "    - shell: (sleep 2; echo 'ready on port 8080' > /tmp/drover-wait.log) >/dev/null 2>&1 &\n      changed_when: false\n\
         \x20   - wait_for:\n        path: /tmp/drover-wait.log\n        search_regex: 'on port (\\d+)'\n        timeout: 20\n      register: file\n\
         \x20   - assert:\n        that:\n          - file.match_groups == ['8080']\n          - file.elapsed >= 1\n          - file is not changed\n\
         \x20   - wait_for:\n        host: {me}\n        port: 22\n        timeout: 5\n      register: local\n\
         \x20   - assert:\n        that: local.elapsed == 0 and local.state == 'started'\n\
         \x20   - ansible.builtin.wait_for:\n        host: {other}\n        port: 22\n        search_regex: 'OpenSSH_(?P<major>\\d+)'\n        connect_timeout: 2\n      register: banner\n\
         \x20   - assert:\n        that: banner.match_groupdict.major | int >= 7\n\
         \x20   - wait_for: port=1 state=stopped timeout=5\n\
         \x20   - wait_for: host=0.0.0.0 port=1 state=drained timeout=5\n"
    );
    let out = play(&fleet, HOST, &tasks, &[]);
    assert_eq!(ok(&out, HOST), (9, 0));

    let failing = "    - wait_for: port=1 timeout=2\n      register: r\n      ignore_errors: true\n\
                   \x20   - assert:\n        that:\n          - r is failed\n          - r.msg == 'Timeout when waiting for 127.0.0.1:1'\n          - r.elapsed >= 1\n\
                   \x20   - wait_for: path=/nonexistent/drover timeout=1 msg='no such file'\n";
    let out = play(&fleet, HOST, failing, &[]);
    assert_eq!(out.count(HOST, "failed"), 1, "{}", out.show());
    assert!(out.stdout.contains("no such file"), "{}", out.show());

    let check = play(
        &fleet,
        HOST,
        "    - wait_for: port=1 timeout=2\n",
        &["--check"],
    );
    assert_eq!(check.code, 0, "{}", check.show());
    assert_eq!(check.count(HOST, "skipped"), 1, "{}", check.show());
    ssh(&fleet, HOST, "rm -f /tmp/drover-wait.log");
}

/// The fleet's hosts cannot really reboot (sshd is PID 1 of the host's namespace), so the test's
/// `reboot_command` does what a reboot does to drover: it changes the boot id
/// (`boot_time_command` reads it) and kills every process of the host but its sshd listener,
/// which cuts drover's connection. The task must reconnect on the same transport and the next
/// task run over the new connection.
#[test]
fn reboot_reconnects_once_the_boot_id_changes() {
    const HOST: &str = "host04";
    let fleet = fleet();
    ssh(
        &fleet,
        HOST,
        "cat /proc/sys/kernel/random/uuid > /run/drover-boot-id; rm -f /run/drover-reboots",
    );
    let before = ssh(&fleet, HOST, "cat /run/drover-boot-id");
    let reboot = "(sleep 1; echo x >> /run/drover-reboots; cat /proc/sys/kernel/random/uuid > /run/drover-boot-id; kill -9 -1) >/dev/null 2>&1 </dev/null &";
    let tasks = format!(
        "    - ansible.builtin.reboot:\n        reboot_command: '{reboot}'\n        boot_time_command: cat /run/drover-boot-id\n        test_command: test -s /run/drover-boot-id\n        reboot_timeout: 60\n      register: r\n\
         \x20   - assert:\n        that: r.rebooted and r is changed and r.elapsed >= 1\n\
         \x20   - command: cat /run/drover-boot-id\n      register: id\n\
         \x20   - assert:\n        that: id.stdout != '{before}'\n"
    );
    let check = play(
        &fleet,
        HOST,
        &tasks[..tasks.find("      register: r").unwrap_or(0)],
        &["--check"],
    );
    assert_eq!(ok(&check, HOST), (1, 1));
    assert_eq!(
        ssh(&fleet, HOST, "cat /run/drover-reboots 2>/dev/null | wc -l"),
        "0"
    );

    let out = play(&fleet, HOST, &tasks, &[]);
    // `reboot` and the `command` after it.
    assert_eq!(ok(&out, HOST), (4, 2));
    assert_eq!(ssh(&fleet, HOST, "cat /run/drover-reboots | wc -l"), "1");
    assert_ne!(ssh(&fleet, HOST, "cat /run/drover-boot-id"), before);

    // A boot id that never changes: the task fails after reboot_timeout, saying what it waited for.
    let stuck =
        "    - reboot: reboot_command=true boot_time_command='echo same' reboot_timeout=3\n";
    let out = play(&fleet, HOST, stuck, &[]);
    assert_eq!(out.count(HOST, "failed"), 1, "{}", out.show());
    assert!(
        out.stdout
            .contains("Timed out waiting for last boot time check (timeout=3)"),
        "{}",
        out.show()
    );
}

/// `wait_for_connection` after the host's sessions were cut: it reconnects, and the play goes on.
#[test]
fn wait_for_connection_reconnects_after_the_sessions_are_cut() {
    const HOST: &str = "host05";
    let fleet = fleet();
    let tasks = "    - shell: (sleep 1; kill -9 -1) >/dev/null 2>&1 </dev/null &\n      changed_when: false\n\
                 \x20   - wait_for_connection:\n        delay: 2\n        timeout: 30\n      register: w\n\
                 \x20   - assert:\n        that: w.elapsed >= 2 and w is not changed\n\
                 \x20   - command: echo still here\n      register: e\n\
                 \x20   - assert:\n        that: e.stdout == 'still here'\n";
    let out = play(&fleet, HOST, tasks, &[]);
    assert_eq!(ok(&out, HOST), (5, 1));
    let check = play(&fleet, HOST, "    - wait_for_connection:\n", &["--check"]);
    assert_eq!(check.count(HOST, "skipped"), 1, "{}", check.show());
}

/// The fleet's hosts have mount namespaces of their own: a tmpfs is really mounted there.
#[test]
fn mount_writes_fstab_mounts_remounts_and_removes() {
    const HOST: &str = "host05";
    let fleet = fleet();
    ssh(
        &fleet,
        HOST,
        "umount /mnt/drover 2>/dev/null; rmdir /mnt/drover 2>/dev/null; sed -i '/drover/d' /etc/fstab; rm -f /etc/fstab.*~",
    );
    let mounted = |size: &str| {
        format!(
            "    - ansible.posix.mount:\n        path: /mnt/drover\n        src: tmpfs\n        fstype: tmpfs\n        opts: size={size}\n        state: mounted\n        backup: true\n"
        )
    };
    let live = || {
        ssh(
            &fleet,
            HOST,
            "grep ' /mnt/drover ' /proc/mounts | cut -d' ' -f1-4",
        )
    };

    assert_eq!(
        ok(&play(&fleet, HOST, &mounted("1m"), &["--check"]), HOST),
        (1, 1)
    );
    assert_eq!(live(), "");
    let first = play(&fleet, HOST, &mounted("1m"), &["--diff"]);
    assert_eq!(ok(&first, HOST), (1, 1));
    assert!(
        first
            .stdout
            .contains("+tmpfs /mnt/drover tmpfs size=1m 0 0"),
        "{}",
        first.show()
    );
    assert_eq!(live(), "tmpfs /mnt/drover tmpfs rw,relatime,size=1024k");
    assert_eq!(
        ssh(&fleet, HOST, "tail -n1 /etc/fstab"),
        "tmpfs /mnt/drover tmpfs size=1m 0 0"
    );
    assert_eq!(ok(&play(&fleet, HOST, &mounted("1m"), &[]), HOST), (1, 0));

    // New options: the entry is rewritten (old fstab kept) and the live mount remounted.
    assert_eq!(ok(&play(&fleet, HOST, &mounted("2m"), &[]), HOST), (1, 1));
    assert_eq!(live(), "tmpfs /mnt/drover tmpfs rw,relatime,size=2048k");
    // One backup per change of the file: adding the entry, then changing it.
    assert_eq!(ssh(&fleet, HOST, "ls /etc/fstab.*~ | wc -l"), "2");

    let unmounted = "    - mount: path=/mnt/drover state=unmounted\n";
    assert_eq!(ok(&play(&fleet, HOST, unmounted, &[]), HOST), (1, 1));
    assert_eq!(live(), "");
    assert_eq!(ok(&play(&fleet, HOST, unmounted, &[]), HOST), (1, 0));

    let absent = "    - mount: path=/mnt/drover state=absent\n";
    assert_eq!(ok(&play(&fleet, HOST, absent, &[]), HOST), (1, 1));
    assert_eq!(
        ssh(
            &fleet,
            HOST,
            "grep -c drover /etc/fstab; ls -d /mnt/drover 2>&1 | grep -c 'No such'"
        ),
        "0\n1"
    );
    assert_eq!(ok(&play(&fleet, HOST, absent, &[]), HOST), (1, 0));
    ssh(&fleet, HOST, "rm -f /etc/fstab.*~");
}

/// getent's facts are under `ansible_facts` as well as top-level variables, as in Ansible.
#[test]
fn getent_sets_facts_under_ansible_facts() {
    const HOST: &str = "host06";
    let fleet = fleet();
    let tasks = "    - getent: database=passwd key=root\n\
                 \x20   - ansible.builtin.getent:\n        database: hosts\n        key: localhost\n\
                 \x20   - assert:\n        that:\n          - ansible_facts.getent_passwd.root[4] == '/root'\n          - getent_passwd.root[0] == 'x'\n          - ansible_facts.getent_hosts['127.0.0.1'] == ['localhost']\n\
                 \x20   - getent: database=passwd key=drover-nobody fail_key=false\n\
                 \x20   - assert:\n        that: \"ansible_facts.getent_passwd == {'drover-nobody': none}\"\n\
                 \x20   - getent: database=passwd key=drover-nobody\n";
    let out = play(&fleet, HOST, tasks, &["--check"]);
    assert_eq!(out.count(HOST, "ok"), 5, "{}", out.show());
    assert_eq!(out.count(HOST, "changed"), 0, "{}", out.show());
    assert_eq!(out.count(HOST, "failed"), 1, "{}", out.show());
    assert!(
        out.stdout
            .contains("One or more supplied key could not be found in the database."),
        "{}",
        out.show()
    );
}

/// A plain host (no systemd): `/etc/timezone` and the `/etc/localtime` link; `date` follows.
#[test]
fn timezone_is_set_once_and_put_back() {
    const HOST: &str = "host06";
    let fleet = fleet();
    let state = || {
        ssh(
            &fleet,
            HOST,
            "cat /etc/timezone; readlink /etc/localtime; date +%Z",
        )
    };
    let utc = "Etc/UTC\n/usr/share/zoneinfo/Etc/UTC\nUTC";
    assert_eq!(state(), utc);
    let tz = |name: &str| format!("    - community.general.timezone:\n        name: {name}\n");

    assert_eq!(
        ok(&play(&fleet, HOST, &tz("Asia/Tokyo"), &["--check"]), HOST),
        (1, 1)
    );
    assert_eq!(state(), utc);
    let set = play(&fleet, HOST, &tz("Asia/Tokyo"), &["--diff"]);
    assert_eq!(ok(&set, HOST), (1, 1));
    assert!(set.stdout.contains("+Asia/Tokyo"), "{}", set.show());
    assert_eq!(state(), "Asia/Tokyo\n/usr/share/zoneinfo/Asia/Tokyo\nJST");
    assert_eq!(
        ok(&play(&fleet, HOST, &tz("Asia/Tokyo"), &[]), HOST),
        (1, 0)
    );

    let unknown = play(&fleet, HOST, &tz("Mars/Olympus_Mons"), &[]);
    assert_eq!(unknown.count(HOST, "failed"), 1, "{}", unknown.show());
    assert_eq!(ok(&play(&fleet, HOST, &tz("Etc/UTC"), &[]), HOST), (1, 1));
    assert_eq!(state(), utc);
}
