//! ansible.cfg's connection settings against the real fleet (started by `scripts/test`): an inventory
//! that names only addresses reaches the hosts with the user, key and host-key policy of ansible.cfg.
//! Fails — never skips — when the fleet is not up.

mod common;

use common::{Outcome, drover, tempdir, write};
use std::path::{Path, PathBuf};

const PLAY: &str = "- hosts: all\n  gather_facts: false\n  tasks:\n\
    \x20   - command: id -un\n      register: who\n      changed_when: false\n\
    \x20   - assert:\n        that: who.stdout == 'root'\n";

fn fleet_dir() -> PathBuf {
    let dir = std::env::var("DROVER_FLEET_DIR").unwrap_or_else(|_| {
        panic!("DROVER_FLEET_DIR is not set: this test needs the real fleet; run scripts/test")
    });
    PathBuf::from(dir)
}

/// `name ansible_host=ADDR` for the first three fleet hosts: no user, no key, no ssh options.
fn bare_inventory(fleet: &Path) -> String {
    let text = std::fs::read_to_string(fleet.join("inventory.ini")).unwrap_or_else(|e| {
        panic!(
            "the fleet is not up ({}/inventory.ini: {e})",
            fleet.display()
        )
    });
    let hosts: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            let addr = words.find(|w| w.starts_with("ansible_host="))?;
            Some(format!("{name} {addr}\n"))
        })
        .take(3)
        .collect();
    assert_eq!(hosts.len(), 3, "fleet inventory: {text}");
    hosts.concat()
}

fn run(dir: &Path, home: &Path, args: &[&str]) -> Outcome {
    let mut cmd = drover();
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("ANSIBLE_")) {
        cmd.env_remove(name);
    }
    // No agent and an empty home: the key can only come from ansible.cfg.
    cmd.env_remove("SSH_AUTH_SOCK")
        .env("HOME", home)
        .current_dir(dir);
    let out = cmd
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run drover: {e}"));
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn user_key_and_host_key_policy_come_from_ansible_cfg() {
    let fleet = fleet_dir();
    let tmp = tempdir();
    let (dir, home) = (tmp.path().join("project"), tmp.path().join("home"));
    std::fs::create_dir_all(&home).unwrap_or_else(|e| panic!("{e}"));
    write(&dir.join("hosts.ini"), &bare_inventory(&fleet));
    write(&dir.join("site.yml"), PLAY);
    write(
        &dir.join("ansible.cfg"),
        "[defaults]\ninventory = hosts.ini\n",
    );
    let without = run(&dir, &home, &["play", "site.yml", "-T", "5"]);
    assert_eq!(without.code, 4, "no key, no known host: {}", without.show());

    let key = fleet.join("id_ed25519");
    std::fs::copy(&key, dir.join("deploy_key")).unwrap_or_else(|e| panic!("{e}"));
    write(
        &dir.join("ansible.cfg"),
        "[defaults]\ninventory = hosts.ini\nremote_user = root\nprivate_key_file = deploy_key\n\
         host_key_checking = False\ntimeout = 5\n",
    );
    let with = run(&dir, &home, &["play", "site.yml"]);
    assert_eq!(with.code, 0, "{}", with.show());
    assert_eq!(with.total("ok"), 6, "{}", with.show());
}
