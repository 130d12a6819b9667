//! `add_host` and `group_by` on real hosts: a host known only by what `add_host` says of it
//! (address, user, key) is reached by a later play, and `group_by` on a fact-like value picks the
//! hosts of a later play — as ansible-core's `add_host` and `group_by` integration targets do.

mod common;

use common::{fleet, run, ssh, tempdir, write};

/// The fleet inventory's line for `host`, e.g. `host05 ansible_host=127.0.N.15 …`.
fn inventory_line(host: &str) -> String {
    let text = std::fs::read_to_string(fleet().join("inventory.ini")).expect("fleet inventory");
    text.lines()
        .find(|l| l.starts_with(&format!("{host} ")))
        .unwrap_or_else(|| panic!("{host} not in the fleet inventory"))
        .to_string()
}

#[test]
fn a_host_added_at_run_time_is_reached_by_a_later_play() {
    let stamp = "/tmp/drover-added-host";
    ssh("host05", &format!("rm -f {stamp}"));
    let dir = tempdir();
    // Only host01 is in the inventory; host05 exists for this run only through add_host.
    let fleet_inventory = std::fs::read_to_string(fleet().join("inventory.ini")).expect("read");
    let only_first: String = fleet_inventory
        .lines()
        .filter(|l| !l.starts_with("host0") || l.starts_with("host01 "))
        .map(|l| format!("{l}\n"))
        .collect();
    let inventory = dir.path().join("hosts.ini");
    write(&inventory, &only_first);
    let vars: Vec<String> = inventory_line("host05")
        .split_whitespace()
        .skip(1)
        .map(|kv| kv.replacen('=', ": ", 1))
        .collect();
    let play = dir.path().join("p.yml");
    write(
        &play,
        &format!(
            r#"- hosts: host01
  gather_facts: false
  tasks:
    - name: add host05
      add_host:
        name: host05
        groups: late
        {}
        ansible_ssh_common_args: "{{{{ ansible_ssh_common_args }}}}"
- hosts: late
  gather_facts: false
  tasks:
    - name: write on the added host
      shell: "hostname > {stamp}; echo {{{{ group_names | join(',') }}}} >> {stamp}"
"#,
            vars.join("\n        ")
        ),
    );
    let out = run(&[
        "play",
        &play.display().to_string(),
        "-i",
        &inventory.display().to_string(),
    ]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("host05", "changed"), 1, "{}", out.show());
    let written = ssh("host05", &format!("cat {stamp}"));
    assert_eq!(written.lines().last(), Some("late"), "{written}");
}

#[test]
fn group_by_picks_the_hosts_of_a_later_play() {
    let stamp = "/tmp/drover-grouped";
    for host in ["host01", "host02", "host03"] {
        ssh(host, &format!("rm -f {stamp}"));
    }
    let dir = tempdir();
    let play = dir.path().join("p.yml");
    write(
        &play,
        &format!(
            r#"- hosts: host01,host02,host03
  gather_facts: false
  tasks:
    - command: cat /etc/hostname
      register: name
    - group_by:
        key: "parity_{{{{ 'odd' if inventory_hostname in ['host01', 'host03'] else 'even' }}}}"
        parents: [parity]
- hosts: parity_odd
  gather_facts: false
  tasks:
    - shell: echo "{{{{ groups['parity'] | join(',') }}}}" > {stamp}
"#
        ),
    );
    let inventory = fleet().join("inventory.ini");
    let out = run(&[
        "play",
        &play.display().to_string(),
        "-i",
        &inventory.display().to_string(),
    ]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        ssh("host01", &format!("cat {stamp}")),
        "host01,host02,host03"
    );
    assert_eq!(
        ssh("host03", &format!("cat {stamp}")),
        "host01,host02,host03"
    );
    assert_eq!(ssh("host02", &format!("cat {stamp} 2>/dev/null")), "");
}
