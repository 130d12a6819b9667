//! `hostname` and `sysctl` on a real host. Both touch only what the host's own UTS namespace holds
//! (its hostname, `kernel.domainname`): the machine's values are checked unchanged.

mod common;

use common::{Outcome, fleet, tasks_on};
use std::path::Path;

/// The users test's host too: both files run one after the other, never at once.
const HOST: &str = "host04";

fn ssh(fleet: &Path, command: &str) -> String {
    common::fleet_ssh(fleet, HOST, command)
}

fn play(fleet: &Path, tasks: &str, extra: &[&str]) -> Outcome {
    common::play_on(fleet, &tasks_on(HOST, tasks), extra)
}

fn changed(out: &Outcome) -> u32 {
    assert_eq!(out.code, 0, "{}", out.show());
    out.count(HOST, "changed")
}

fn machine(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn hostname_and_sysctl_change_the_host_once_and_only_the_host() {
    let fleet = fleet();
    let machine_name = machine("/proc/sys/kernel/hostname");
    let machine_domain = machine("/proc/sys/kernel/domainname");
    ssh(&fleet, "rm -f /etc/sysctl.d/90-drover.conf");

    let rename =
        "    - hostname: name=drover-renamed.example.test\n    - debug: var=ansible_hostname\n";
    assert_eq!(changed(&play(&fleet, rename, &["--check"])), 1);
    assert_eq!(ssh(&fleet, "hostname"), HOST, "--check renamed the host");
    let renamed = play(&fleet, rename, &[]);
    assert_eq!(changed(&renamed), 1);
    assert!(
        renamed
            .stdout
            .contains("\"ansible_hostname\": \"drover-renamed\""),
        "{}",
        renamed.show()
    );
    assert_eq!(
        ssh(&fleet, "hostname; cat /etc/hostname"),
        "drover-renamed.example.test\ndrover-renamed.example.test"
    );
    assert_eq!(changed(&play(&fleet, rename, &[])), 0);

    let domain = "    - ansible.posix.sysctl:\n        name: kernel.domainname\n        value: drover.test\n        sysctl_file: /etc/sysctl.d/90-drover.conf\n        sysctl_set: true\n";
    assert_eq!(changed(&play(&fleet, domain, &[])), 1);
    assert_eq!(ssh(&fleet, "sysctl -n kernel.domainname"), "drover.test");
    assert_eq!(
        ssh(&fleet, "cat /etc/sysctl.d/90-drover.conf"),
        "kernel.domainname=drover.test"
    );
    assert_eq!(changed(&play(&fleet, domain, &[])), 0);

    let back = format!(
        "    - hostname: name={HOST}\n    - sysctl: name=kernel.domainname state=absent sysctl_file=/etc/sysctl.d/90-drover.conf\n"
    );
    assert_eq!(changed(&play(&fleet, &back, &[])), 2);
    assert_eq!(ssh(&fleet, "hostname"), HOST);
    assert_eq!(ssh(&fleet, "cat /etc/sysctl.d/90-drover.conf"), "");
    assert_eq!(
        machine("/proc/sys/kernel/hostname"),
        machine_name,
        "the machine's hostname changed"
    );
    assert_eq!(
        machine("/proc/sys/kernel/domainname"),
        machine_domain,
        "the machine's domainname changed"
    );
}
