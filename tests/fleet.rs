//! End to end against the real fleet: isolated Debian hosts, each a real OpenSSH sshd on its own
//! loopback address, started by `scripts/test` (tests/fleet/fleet.sh). These tests fail — never
//! skip — when the fleet is not there.

mod common;

use common::{Fleet, Outcome, run, tempdir, write};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fleet() -> Fleet {
    common::fleet_of_at_least(5)
}

impl Fleet {
    /// An inventory of the fleet (plus `extra` lines), verifying host keys with the fleet's known_hosts.
    fn inventory(&self, at: &Path, known_hosts: &Path, extra: &str) -> String {
        let mut text = String::from("[fleet]\n");
        for (name, addr) in &self.hosts {
            text.push_str(&format!("{name} ansible_host={addr}\n"));
        }
        text.push_str(extra);
        text.push_str(&format!(
            "\n[all:vars]\nansible_user=root\nansible_ssh_private_key_file={}\nansible_ssh_common_args='-o UserKnownHostsFile={}'\n",
            self.dir.join("id_ed25519").display(),
            known_hosts.display()
        ));
        let path = at.join("hosts.ini");
        write(&path, &text);
        path.display().to_string()
    }

    fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// Runs a command on a fleet host with the system's OpenSSH client (independent of drover).
    fn ssh(&self, addr: &str, command: &str) -> String {
        let out = Command::new("ssh")
            .args(["-i", &self.dir.join("id_ed25519").display().to_string()])
            .args([
                "-o",
                &format!("UserKnownHostsFile={}", self.known_hosts().display()),
            ])
            .args(["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"])
            .arg(format!("root@{addr}"))
            .arg(command)
            .output()
            .unwrap_or_else(|e| panic!("ssh: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn unique(name: &str) -> String {
    format!("/srv/{name}-{}", std::process::id())
}

#[test]
fn site_play_converges_then_reports_no_change() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), &fleet.known_hosts(), "");
    let root = unique("site");
    let vars = format!("demo_root={root}");
    let first = run(&["play", "playbooks/site.yml", "-i", &inv, "-e", &vars]);
    assert_eq!(first.code, 0, "{}", first.show());
    for (name, _) in &fleet.hosts {
        assert!(
            first.count(name, "changed") >= 8,
            "{name}\n{}",
            first.show()
        );
    }
    let second = run(&["play", "playbooks/site.yml", "-i", &inv, "-e", &vars]);
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.total("changed"), 0, "{}", second.show());
    assert_eq!(second.recap().len(), fleet.hosts.len(), "{}", second.show());

    for (name, addr) in &fleet.hosts {
        let conf = fleet.ssh(
            addr,
            &format!("cat {root}/etc/app.conf; stat -c %a {root}/etc/app.conf"),
        );
        assert!(conf.contains(&format!("host={name}")), "{name}: {conf}");
        assert!(conf.trim_end().ends_with("640"), "{name}: {conf}");
        let users = fleet.ssh(addr, &format!("cat {root}/etc/users"));
        assert_eq!(users, "user=alice\nuser=bob\n", "{name}");
    }
    // Each host has its own filesystem: what one play wrote on one host is not on another.
    let (_, first_addr) = &fleet.hosts[0];
    let marker = format!("{root}/only-here");
    fleet.ssh(first_addr, &format!("touch {marker}"));
    let (_, other_addr) = &fleet.hosts[1];
    assert_eq!(
        fleet.ssh(
            other_addr,
            &format!("test -e {marker} && echo present || echo absent")
        ),
        "absent\n"
    );
}

#[test]
fn check_mode_touches_no_host() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), &fleet.known_hosts(), "");
    let root = unique("check");
    let out = run(&[
        "play",
        "playbooks/site.yml",
        "-i",
        &inv,
        "-e",
        &format!("demo_root={root}"),
        "--check",
    ]);
    assert!(out.total("changed") > 0, "{}", out.show());
    for (name, addr) in &fleet.hosts {
        assert_eq!(
            fleet.ssh(
                addr,
                &format!("test -e {root} && echo present || echo absent")
            ),
            "absent\n",
            "{name}"
        );
    }
}

#[test]
fn unreachable_host_is_reported_and_others_go_on() {
    let fleet = fleet();
    let tmp = tempdir();
    // Nothing listens on this loopback address: connection refused.
    let inv = fleet.inventory(
        tmp.path(),
        &fleet.known_hosts(),
        "ghost ansible_host=127.0.79.250\n",
    );
    let root = unique("unreach");
    let out = run(&[
        "play",
        "playbooks/site.yml",
        "-i",
        &inv,
        "-e",
        &format!("demo_root={root}"),
    ]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert_eq!(out.count("ghost", "unreachable"), 1, "{}", out.show());
    assert!(
        out.stdout.contains("fatal: [ghost]: UNREACHABLE!"),
        "{}",
        out.show()
    );
    for (name, _) in &fleet.hosts {
        assert_eq!(out.count(name, "failed"), 0, "{name}\n{}", out.show());
        assert!(out.count(name, "changed") > 0, "{name}\n{}", out.show());
    }
}

#[test]
fn failing_task_on_one_host_leaves_the_others_running() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), &fleet.known_hosts(), "");
    let (victim, _) = &fleet.hosts[2];
    let root = unique("fail");
    let play = tmp.path().join("p.yml");
    write(
        &play,
        &format!(
            "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - name: Break one host\n      command: /bin/false\n      when: inventory_hostname == '{victim}'\n    - name: Carry on\n      file: path={root} state=directory\n"
        ),
    );
    let out = run(&["play", &play.display().to_string(), "-i", &inv]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(out.count(victim, "failed"), 1, "{}", out.show());
    for (name, addr) in &fleet.hosts {
        let exists = fleet.ssh(addr, &format!("test -d {root} && echo yes || echo no"));
        assert_eq!(
            exists,
            if name == victim { "no\n" } else { "yes\n" },
            "{name}\n{}",
            out.show()
        );
    }
}

#[test]
fn wrong_host_key_is_refused() {
    let fleet = fleet();
    let tmp = tempdir();
    // Swap the first two hosts' keys: each now has a known_hosts entry that does not match.
    let known = std::fs::read_to_string(fleet.known_hosts()).unwrap_or_default();
    let (a, b) = (&fleet.hosts[0].1, &fleet.hosts[1].1);
    let swapped: String = known
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{a} ")) {
                l.replacen(a.as_str(), b, 1)
            } else if l.starts_with(&format!("{b} ")) {
                l.replacen(b.as_str(), a, 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let bad_known = tmp.path().join("known_hosts");
    write(&bad_known, &(swapped + "\n"));
    let inv = fleet.inventory(tmp.path(), &bad_known, "");
    let out: Outcome = run(&[
        "run", "fleet", "-i", &inv, "--format", "ansible", "--", "true",
    ]);
    assert_eq!(out.code, 4, "{}", out.show());
    let (name_a, name_b) = (&fleet.hosts[0].0, &fleet.hosts[1].0);
    for name in [name_a, name_b] {
        assert!(
            out.stdout.contains(&format!("{name} | UNREACHABLE!")),
            "{name}\n{}",
            out.show()
        );
    }
    assert!(
        out.stdout.to_lowercase().contains("host key"),
        "{}",
        out.show()
    );
    assert!(
        out.stdout
            .contains(&format!("{} | CHANGED", fleet.hosts[2].0)),
        "{}",
        out.show()
    );
}

#[test]
fn adhoc_command_on_every_host() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), &fleet.known_hosts(), "");
    let out = run(&[
        "run",
        "fleet",
        "-i",
        &inv,
        "--format",
        "ansible",
        "--",
        "cat",
        "/etc/hostname",
    ]);
    assert_eq!(out.code, 0, "{}", out.show());
    for (name, _) in &fleet.hosts {
        assert!(
            out.stdout
                .contains(&format!("{name} | CHANGED | rc=0 >>\n{name}")),
            "{name}\n{}",
            out.show()
        );
    }
    assert!(
        out.stdout.contains(&format!(
            "{} hosts: {} ok",
            fleet.hosts.len(),
            fleet.hosts.len()
        )),
        "{}",
        out.show()
    );
}

#[test]
fn wrong_key_is_an_authentication_failure() {
    let fleet = fleet();
    let tmp = tempdir();
    let key = tmp.path().join("stranger");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap_or_else(|e| panic!("ssh-keygen: {e}"));
    assert!(made.success());
    let (name, addr) = &fleet.hosts[0];
    let inv = tmp.path().join("hosts.ini");
    write(
        &inv,
        &format!(
            "{name} ansible_host={addr} ansible_user=root ansible_ssh_private_key_file={} ansible_ssh_common_args='-o UserKnownHostsFile={}'\n",
            key.display(),
            fleet.known_hosts().display()
        ),
    );
    let out = common::drover()
        .env_remove("SSH_AUTH_SOCK")
        .args(["run", "all", "-i", &inv.display().to_string()])
        .args(["--format", "ansible", "--", "true"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(
        stdout.contains(&format!("{name} | UNREACHABLE!")),
        "{stdout}"
    );
    assert!(
        stdout.contains("authentication failed for root@"),
        "{stdout}"
    );
    assert!(
        stdout.contains("stranger"),
        "the message names the key tried: {stdout}"
    );
}
