//! Service modules on real hosts, with the fleet repository's `drover-daemon` (an init script and a
//! systemd unit; it logs `start PID`/`stop PID`/`reload PID` to /var/log/drover-daemon.log, so
//! restarts can be counted): on a plain host through SysV `service` + `update-rc.d`, and on a host
//! whose PID 1 is systemd (`fleet.sh up --systemd`, started by `scripts/test` as
//! `$DROVER_SDFLEET_DIR`) through systemctl. A started service is not restarted; a handler restarts
//! it exactly once per config change.

mod common;

use common::{Outcome, play_of};
use std::path::{Path, PathBuf};

/// The plain host of this file (SysV init scripts).
const SYSV_HOST: &str = "host05";
/// The systemd fleet's host of this file.
const SYSTEMD_HOST: &str = "host01";

fn fleet_from(var: &str, how: &str) -> PathBuf {
    common::fleet_dir(var, how)
}

fn ssh(fleet: &Path, host: &str, command: &str) -> String {
    common::fleet_ssh(fleet, host, command)
}

fn play(fleet: &Path, host: &str, body: &str, extra: &[&str]) -> Outcome {
    common::play_on(fleet, &play_of(host, body), extra)
}

fn changed(out: &Outcome, host: &str) -> u32 {
    assert_eq!(out.code, 0, "{}", out.show());
    out.count(host, "changed")
}

/// How many times the daemon started (its log), so unwanted restarts show.
fn starts(fleet: &Path, host: &str) -> usize {
    ssh(fleet, host, "cat /var/log/drover-daemon.log 2>/dev/null")
        .lines()
        .filter(|l| l.starts_with("start "))
        .count()
}

/// The daemon installed from the fleet repository, stopped, disabled, its log empty.
fn fresh_daemon(fleet: &Path, host: &str) {
    let setup = "  tasks:\n    - apt: name=drover-daemon update_cache=yes\n";
    let out = play(fleet, host, setup, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    ssh(
        fleet,
        host,
        "systemctl stop drover-daemon 2>/dev/null || service drover-daemon stop; \
         systemctl disable drover-daemon 2>/dev/null; update-rc.d -f drover-daemon remove >/dev/null 2>&1; \
         rm -f /var/log/drover-daemon.log",
    );
}

/// The handler idiom on either kind of host: a config change restarts the daemon exactly once; a
/// run without a change restarts nothing.
fn handler_restarts_once_per_change(fleet: &Path, host: &str) {
    let body = |content: &str| {
        format!(
            "  tasks:\n    - copy:\n        dest: /etc/drover-daemon.conf\n        content: \"{content}\\n\"\n      notify: restart daemon\n    - service: name=drover-daemon state=started\n  handlers:\n    - name: restart daemon\n      service: name=drover-daemon state=restarted\n"
        )
    };
    let before = starts(fleet, host);
    assert_eq!(changed(&play(fleet, host, &body("level=1"), &[]), host), 2);
    assert_eq!(
        starts(fleet, host),
        before + 1,
        "the handler did not restart once"
    );
    assert_eq!(changed(&play(fleet, host, &body("level=1"), &[]), host), 0);
    assert_eq!(
        starts(fleet, host),
        before + 1,
        "a run without change restarted"
    );
    assert_eq!(changed(&play(fleet, host, &body("level=2"), &[]), host), 2);
    assert_eq!(starts(fleet, host), before + 2);
}

#[test]
fn sysv_service_starts_enables_once_and_restarts_only_when_asked() {
    let fleet = fleet_from("DROVER_FLEET_DIR", "the real fleet with its apt repository");
    let host = SYSV_HOST;
    assert!(
        ssh(&fleet, host, "test -d /run/systemd/system || echo sysv") == "sysv",
        "{host} should be a plain (SysV) host"
    );
    fresh_daemon(&fleet, host);
    let start = "  tasks:\n    - service: name=drover-daemon state=started enabled=yes\n";
    assert_eq!(changed(&play(&fleet, host, start, &["--check"]), host), 1);
    assert_eq!(starts(&fleet, host), 0, "--check started the daemon");
    assert_eq!(changed(&play(&fleet, host, start, &[]), host), 1);
    assert_eq!(starts(&fleet, host), 1);
    assert!(
        ssh(&fleet, host, "ls /etc/rc2.d/").contains("drover-daemon"),
        "not enabled: no S link in /etc/rc2.d"
    );
    assert_eq!(changed(&play(&fleet, host, start, &[]), host), 0);
    assert_eq!(
        starts(&fleet, host),
        1,
        "state=started restarted a running daemon"
    );

    let reload = "  tasks:\n    - service: name=drover-daemon state=reloaded\n";
    assert_eq!(changed(&play(&fleet, host, reload, &[]), host), 1);
    assert!(ssh(&fleet, host, "sleep 0.5; cat /var/log/drover-daemon.log").contains("reload "));

    handler_restarts_once_per_change(&fleet, host);

    let stop = "  tasks:\n    - service: name=drover-daemon state=stopped enabled=no\n";
    assert_eq!(changed(&play(&fleet, host, stop, &[]), host), 1);
    assert_eq!(
        ssh(
            &fleet,
            host,
            "service drover-daemon status >/dev/null; echo $?"
        ),
        "3"
    );
    assert!(!ssh(&fleet, host, "ls /etc/rc2.d/").contains("S01drover-daemon"));
    assert_eq!(changed(&play(&fleet, host, stop, &[]), host), 0);
}

#[test]
fn systemd_units_start_enable_mask_and_reload_through_systemctl() {
    let fleet = fleet_from(
        "DROVER_SDFLEET_DIR",
        "hosts whose PID 1 is systemd (tests/fleet/fleet.sh up 2 --systemd --with-repo)",
    );
    let host = SYSTEMD_HOST;
    assert_eq!(
        ssh(&fleet, host, "cat /proc/1/comm"),
        "systemd",
        "{host}'s PID 1 is not systemd"
    );
    fresh_daemon(&fleet, host);
    let start = "  tasks:\n    - systemd: name=drover-daemon state=started enabled=yes\n";
    assert_eq!(changed(&play(&fleet, host, start, &["--check"]), host), 1);
    assert_eq!(
        ssh(&fleet, host, "systemctl is-active drover-daemon"),
        "inactive"
    );
    assert_eq!(changed(&play(&fleet, host, start, &[]), host), 1);
    assert_eq!(
        ssh(&fleet, host, "systemctl is-active drover-daemon"),
        "active"
    );
    assert_eq!(
        ssh(&fleet, host, "systemctl is-enabled drover-daemon"),
        "enabled"
    );
    assert_eq!(changed(&play(&fleet, host, start, &[]), host), 0);
    assert_eq!(starts(&fleet, host), 1);

    // `service` on a systemd host goes through systemctl, and agrees nothing is to do.
    let same =
        "  tasks:\n    - ansible.builtin.service: name=drover-daemon state=started enabled=true\n";
    assert_eq!(changed(&play(&fleet, host, same, &[]), host), 0);

    handler_restarts_once_per_change(&fleet, host);

    // A changed unit file needs daemon_reload before systemd sees it; the reload is no change.
    ssh(
        &fleet,
        host,
        "mkdir -p /etc/systemd/system/drover-daemon.service.d && printf '[Service]\\nEnvironment=LEVEL=3\\n' > /etc/systemd/system/drover-daemon.service.d/level.conf",
    );
    let reload =
        "  tasks:\n    - systemd_service: name=drover-daemon daemon_reload=yes state=started\n";
    assert_eq!(changed(&play(&fleet, host, reload, &[]), host), 0);
    assert_eq!(
        ssh(
            &fleet,
            host,
            "systemctl show -p NeedDaemonReload drover-daemon"
        ),
        "NeedDaemonReload=no"
    );

    let mask = "  tasks:\n    - ansible.builtin.systemd: name=drover-daemon state=stopped enabled=no masked=yes\n";
    assert_eq!(changed(&play(&fleet, host, mask, &[]), host), 1);
    assert_eq!(
        ssh(&fleet, host, "systemctl is-enabled drover-daemon"),
        "masked"
    );
    assert_eq!(
        ssh(&fleet, host, "systemctl is-active drover-daemon"),
        "inactive"
    );
    assert_eq!(changed(&play(&fleet, host, mask, &[]), host), 0);
    let unmask = "  tasks:\n    - systemd: name=drover-daemon masked=no\n";
    assert_eq!(changed(&play(&fleet, host, unmask, &[]), host), 1);
    assert_eq!(changed(&play(&fleet, host, unmask, &[]), host), 0);
}
