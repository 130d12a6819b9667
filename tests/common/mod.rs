//! Helpers shared by the CLI and end-to-end tests: run the drover binary, read its recap.

#![allow(dead_code)]

pub mod screen;

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn drover() -> Command {
    let mut cmd = Command::cargo_bin("drover").unwrap_or_else(|e| panic!("drover binary: {e}"));
    cmd.current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("ANSIBLE_HOST_KEY_CHECKING");
    cmd
}

/// What one `drover` run did.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Outcome {
    fn from(out: std::process::Output) -> Outcome {
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Outcome {
    /// The PLAY RECAP counters per host: {host: {ok: 3, changed: 1, ...}}.
    pub fn recap(&self) -> BTreeMap<String, BTreeMap<String, u32>> {
        let mut recap = BTreeMap::new();
        let Some((_, tail)) = self.stdout.split_once("PLAY RECAP") else {
            return recap;
        };
        for line in tail.lines().skip(1) {
            let Some((host, counters)) = line.split_once(" : ").or_else(|| line.split_once(": "))
            else {
                continue;
            };
            let counts = counters
                .split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
                .collect();
            recap.insert(host.trim().to_string(), counts);
        }
        recap
    }

    pub fn total(&self, counter: &str) -> u32 {
        self.recap()
            .values()
            .map(|c| c.get(counter).copied().unwrap_or(0))
            .sum()
    }

    pub fn count(&self, host: &str, counter: &str) -> u32 {
        self.recap()
            .get(host)
            .and_then(|c| c.get(counter).copied())
            .unwrap_or(0)
    }

    /// The names in the `TASK [...]` banners, in order.
    pub fn task_banners(&self) -> Vec<String> {
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix("TASK ["))
            .filter_map(|l| l.split(']').next())
            .map(String::from)
            .collect()
    }

    pub fn show(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn run(args: &[&str]) -> Outcome {
    run_in(&repo(), args)
}

pub fn run_in(dir: &Path, args: &[&str]) -> Outcome {
    let out = drover()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run drover: {e}"));
    Outcome::from(out)
}

/// Writes `inventory` as `hosts.ini` and `playbook` as `p.yml` into `dir`, then runs
/// `drover play p.yml -i hosts.ini EXTRA` there.
pub fn play_with(dir: &Path, inventory: &str, playbook: &str, extra: &[&str]) -> Outcome {
    write(&dir.join("hosts.ini"), inventory);
    write(&dir.join("p.yml"), playbook);
    let mut args = vec!["play", "p.yml", "-i", "hosts.ini"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

pub fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// A fresh directory holding `files` (path relative to it, text).
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempdir();
    for (path, text) in files {
        write(&dir.path().join(path), text);
    }
    dir
}

/// A fleet started by `tests/fleet/fleet.sh` (its state directory, named by `var`); the tests that
/// need it fail — never skip — when it is not there.
pub fn fleet_dir(var: &str, what: &str) -> PathBuf {
    std::env::var(var)
        .map(PathBuf::from)
        .unwrap_or_else(|_| panic!("{var} is not set: these tests need {what}; run scripts/test"))
}

/// Runs `command` on `host` of a fleet with the system's OpenSSH client (independent of drover),
/// through the fleet's own ssh_config; its trimmed standard output.
pub fn fleet_ssh(fleet: &Path, host: &str, command: &str) -> String {
    let out = std::process::Command::new("ssh")
        .arg("-F")
        .arg(fleet.join("ssh_config"))
        .args(["-o", "BatchMode=yes", host, command])
        .output()
        .unwrap_or_else(|e| panic!("ssh: {e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The suite's fleet (`DROVER_FLEET_DIR`, started by `scripts/test`): its state directory and
/// every host as (name, address), read from its inventory.ini.
pub struct Fleet {
    pub dir: PathBuf,
    pub hosts: Vec<(String, String)>,
}

/// The suite's fleet, which must have at least `min` hosts; fails — never skips — without it.
pub fn fleet_of_at_least(min: usize) -> Fleet {
    let dir = std::env::var("DROVER_FLEET_DIR").unwrap_or_else(|_| {
        panic!("DROVER_FLEET_DIR is not set: these tests need the real fleet; run scripts/test (or tests/fleet/fleet.sh up 6 and export DROVER_FLEET_DIR)")
    });
    let dir = PathBuf::from(dir);
    let inventory = std::fs::read_to_string(dir.join("inventory.ini"))
        .unwrap_or_else(|e| panic!("the fleet is not up ({}/inventory.ini: {e})", dir.display()));
    let hosts: Vec<(String, String)> = inventory
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?;
            let addr = words.find_map(|w| w.strip_prefix("ansible_host="))?;
            Some((name.to_string(), addr.to_string()))
        })
        .collect();
    assert!(
        hosts.len() >= min,
        "the fleet has {} hosts, these tests need {min} or more",
        hosts.len()
    );
    Fleet { dir, hosts }
}

/// The container-engine fleet (`fleet.sh up --with-engines`), or `None` (with a loud warning on
/// stderr) when scripts/test could not build its layer.
pub fn engine_fleet() -> Option<PathBuf> {
    if let Ok(reason) = std::env::var("DROVER_ENGINES_UNAVAILABLE") {
        eprintln!("\n*** SKIPPED: container engine tests: {reason} ***\n");
        return None;
    }
    Some(fleet_dir(
        "DROVER_ENGINE_FLEET_DIR",
        "hosts with docker and podman (tests/fleet/fleet.sh up 2 --with-engines)",
    ))
}

/// The test image `image` in `engine` on `host`, through the fleet script's helper.
pub fn import_engine_image(fleet: &Path, host: &str, engine: &str, image: &str) {
    let out = std::process::Command::new(repo().join("tests/fleet/fleet.sh"))
        .args(["image", host, engine, image])
        .env("DROVER_FLEET_DIR", fleet)
        .output()
        .unwrap_or_else(|e| panic!("fleet.sh image: {e}"));
    assert!(
        out.status.success(),
        "fleet.sh image {host} {engine}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The suite's fleet (`DROVER_FLEET_DIR`, started by `scripts/test`): its state directory. Fails —
/// never skips — when it is not set or not up.
pub fn fleet() -> PathBuf {
    let dir = fleet_dir("DROVER_FLEET_DIR", "the real fleet");
    assert!(
        dir.join("inventory.ini").exists(),
        "the fleet is not up ({})",
        dir.display()
    );
    dir
}

/// Runs `command` on `host` of the suite's fleet with the system's OpenSSH client.
pub fn ssh(host: &str, command: &str) -> String {
    fleet_ssh(&fleet(), host, command)
}

/// A play on `hosts` that gathers no facts; `body` is the rest of it (`  tasks:\n    - …`).
pub fn play_of(hosts: &str, body: &str) -> String {
    format!("- hosts: {hosts}\n  gather_facts: false\n{body}")
}

/// A play on `hosts` that gathers no facts and runs `tasks` (lines indented by four spaces).
pub fn tasks_on(hosts: &str, tasks: &str) -> String {
    play_of(hosts, &format!("  tasks:\n{tasks}"))
}

/// `drover play` of `playbook` (written to `dir/play.yml`) with the inventory of the fleet whose
/// state directory is `fleet`, and `extra` arguments.
pub fn play_in_dir(dir: &Path, fleet: &Path, playbook: &str, extra: &[&str]) -> Outcome {
    let file = dir.join("play.yml");
    write(&file, playbook);
    let inventory = fleet.join("inventory.ini").display().to_string();
    let path = file.display().to_string();
    let mut args = vec!["play", "-i", inventory.as_str(), path.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

/// [`play_in_dir`] in a temporary directory of its own.
pub fn play_on(fleet: &Path, playbook: &str, extra: &[&str]) -> Outcome {
    let dir = tempdir();
    play_in_dir(dir.path(), fleet, playbook, extra)
}

/// Every process of one fleet host, seen from the machine: those in the PID namespace of the host's
/// init. (`/proc/PID/root` cannot tell hosts apart: each host pivot_roots into its own root, which
/// reads as `/` from outside.) Empty when the host is not running.
pub fn fleet_host_processes(fleet: &Path, host: &str) -> Vec<u32> {
    let pid_ns = |pid: u32| std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok();
    let Some(host_ns) = fleet_host_init(fleet, host).and_then(pid_ns) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid_ns(pid).as_ref() == Some(&host_ns))
        .collect()
}

/// The init (PID 1 of its namespace: sshd or systemd) of one fleet host: the child of the host's
/// `unshare`, which `fleet.sh` recorded in `pids` (for a systemd host, the child of the recorded
/// supervisor).
pub fn fleet_host_init(fleet: &Path, host: &str) -> Option<u32> {
    let pids = std::fs::read_to_string(fleet.join("pids")).ok()?;
    let recorded: u32 = pids.lines().find_map(|l| {
        let mut words = l.split_whitespace();
        let pid = words.next()?.parse().ok()?;
        (words.next()? == host).then_some(pid)
    })?;
    let comm = |pid: u32| std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let children = |pid: u32| -> Vec<u32> {
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|c| c.parse().ok())
            .collect()
    };
    let unshare = if comm(recorded).trim() == "unshare" {
        recorded
    } else {
        children(recorded)
            .into_iter()
            .find(|&c| comm(c).trim() == "unshare")?
    };
    children(unshare).first().copied()
}
