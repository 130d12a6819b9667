//! The runner against real OpenSSH hosts when things go wrong: Ctrl-C in the middle of a play, and
//! hosts that die or stall mid-play. The interrupt test uses the suite's fleet
//! (`DROVER_FLEET_DIR`); the fault test starts and stops a fleet of its own, since it kills hosts:
//! `DROVER_FAULT_HOSTS` hosts (default 50, as issue 12 asks; about 3 s more than 30) on net `DROVER_FAULT_NET` (default: the suite's net
//! + 100, wrapping), state in `$DROVER_FLEET_DIR-faults`. These fail, never skip, without a fleet.

mod common;

use common::{Outcome, repo, tempdir, write};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A running fleet: its state directory and `name → (unshare pid, address)`.
struct Fleet {
    dir: PathBuf,
    hosts: BTreeMap<String, (u32, String)>,
}

fn suite_fleet_dir() -> PathBuf {
    let dir = std::env::var("DROVER_FLEET_DIR").unwrap_or_else(|_| {
        panic!("DROVER_FLEET_DIR is not set: these tests need the real fleet; run scripts/test")
    });
    PathBuf::from(dir)
}

impl Fleet {
    fn read(dir: &Path) -> Fleet {
        let pids = std::fs::read_to_string(dir.join("pids"))
            .unwrap_or_else(|e| panic!("the fleet is not up ({}/pids: {e})", dir.display()));
        let hosts = pids
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                let pid = w.next()?.parse().ok()?;
                Some((w.next()?.to_string(), (pid, w.next()?.to_string())))
            })
            .collect();
        Fleet {
            dir: dir.to_path_buf(),
            hosts,
        }
    }

    fn inventory(&self) -> String {
        self.dir.join("inventory.ini").display().to_string()
    }

    /// A file in a host's own filesystem, read from its overlay upper directory (so it can be
    /// read even after the host was killed).
    fn file(&self, host: &str, path: &str) -> Option<Vec<u8>> {
        let upper = self.dir.join("hosts").join(host).join("upper");
        std::fs::read(upper.join(path.trim_start_matches('/'))).ok()
    }

    fn progress(&self, host: &str) -> usize {
        self.file(host, "/root/progress")
            .map(|b| String::from_utf8_lossy(&b).lines().count())
            .unwrap_or(0)
    }

    /// Every process of the host: the descendants of its `unshare` (sshd and its sessions).
    fn processes(&self, host: &str) -> Vec<u32> {
        let (root, _) = self.hosts[host];
        let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let Some((_, rest)) = stat.rsplit_once(") ") else {
                continue;
            };
            if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
                children.entry(ppid).or_default().push(pid);
            }
        }
        let mut found = Vec::new();
        let mut todo = children.get(&root).cloned().unwrap_or_default();
        while let Some(pid) = todo.pop() {
            found.push(pid);
            todo.extend(children.get(&pid).cloned().unwrap_or_default());
        }
        found
    }

    fn signal(&self, host: &str, signal: &str) {
        for pid in self.processes(host) {
            // A process may end meanwhile: that is fine.
            let _ = Command::new("kill")
                .args([signal, &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A fleet this test starts and stops itself (it kills some of its hosts). One at a time: they
/// share a net and a state directory.
struct OwnFleet {
    fleet: Fleet,
    _turn: std::sync::MutexGuard<'static, ()>,
}

static OWN_FLEET_TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl OwnFleet {
    fn up(hosts: usize) -> OwnFleet {
        // A test that failed while holding the turn has already taken its fleet down.
        let turn = OWN_FLEET_TURN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let suite_net: u32 = std::env::var("DROVER_FLEET_NET")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(78);
        let net = std::env::var("DROVER_FAULT_NET")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(if suite_net <= 154 {
                suite_net + 100
            } else {
                suite_net - 100
            });
        let mut dir = suite_fleet_dir().into_os_string();
        dir.push("-faults");
        let dir = PathBuf::from(dir);
        let status = Command::new(repo().join("tests/fleet/fleet.sh"))
            .args(["up", &hosts.to_string(), "--net", &net.to_string()])
            .env("DROVER_FLEET_DIR", &dir)
            .status()
            .unwrap_or_else(|e| panic!("fleet.sh: {e}"));
        assert!(status.success(), "could not start the fault fleet");
        OwnFleet {
            fleet: Fleet::read(&dir),
            _turn: turn,
        }
    }
}

impl Drop for OwnFleet {
    fn drop(&mut self) {
        for host in self.fleet.hosts.keys() {
            self.fleet.signal(host, "-CONT");
        }
        let _ = Command::new(repo().join("tests/fleet/fleet.sh"))
            .arg("down")
            .env("DROVER_FLEET_DIR", &self.fleet.dir)
            .status();
    }
}

fn spawn(args: &[&str], dir: &Path) -> std::process::Child {
    Command::new(assert_cmd::cargo::cargo_bin("drover"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start drover: {e}"))
}

fn finish(child: std::process::Child) -> Outcome {
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait for drover: {e}"));
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Polls `cond` every 100 ms for up to `secs` seconds.
fn wait_until(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..secs * 10 {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cond()
}

#[test]
fn ctrl_c_stops_remote_commands_on_every_host() {
    let fleet = Fleet::read(&suite_fleet_dir());
    let tmp = tempdir();
    let tag = std::process::id();
    let playbook = tmp.path().join("slow.yml");
    write(
        &playbook,
        &format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: slow\n      shell: \
             echo started >> /root/progress-{tag}; sleep 30; echo done > /root/done-{tag}\n    \
             - name: never\n      shell: touch /root/never-{tag}\n"
        ),
    );
    let playbook = playbook.display().to_string();
    let inventory = fleet.inventory();
    let child = spawn(&["play", &playbook, "-i", &inventory], tmp.path());
    let started = |h: &String| fleet.file(h, &format!("/root/progress-{tag}")).is_some();
    assert!(
        wait_until(60, || fleet.hosts.keys().all(started)),
        "the slow task did not start everywhere"
    );
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = finish(child);
    assert_eq!(out.code, 130, "{}", out.show());
    for host in fleet.hosts.keys() {
        assert_eq!(out.count(host, "interrupted"), 1, "{host}: {}", out.show());
    }
    // The remote `sleep 30; echo done` was stopped: give it the time it would have needed.
    let leftovers = || {
        fleet.hosts.keys().any(|h| {
            fleet.file(h, &format!("/root/done-{tag}")).is_some()
                || fleet.file(h, &format!("/root/never-{tag}")).is_some()
        })
    };
    assert!(
        !wait_until(35, leftovers),
        "a stopped command finished, or a new task started"
    );
}

/// What the fault play does: `TASKS` numbered steps that each record their number and then take a
/// while, and a large file written (over a smaller old one) in the middle.
const TASKS: usize = 7;
const BIG_TASK: usize = 4;

fn fault_play(dir: &Path) -> String {
    let old = dir.join("old.bin");
    let new = dir.join("new.bin");
    write(&old, &"old\n".repeat(1000));
    let big: String = (0..400_000).map(|i| format!("{i:07}\n")).collect();
    write(&new, &big);
    let mut text = String::from("- hosts: all\n  gather_facts: false\n  tasks:\n");
    text.push_str(&format!(
        "    - name: old content\n      copy:\n        src: {}\n        dest: /root/big\n",
        old.display()
    ));
    for n in 1..=TASKS {
        text.push_str(&format!(
            "    - name: step {n}\n      shell: echo {n} >> /root/progress; sleep 2\n"
        ));
        if n == BIG_TASK {
            text.push_str(&format!(
                "    - name: new content\n      copy:\n        src: {}\n        dest: /root/big\n",
                new.display()
            ));
        }
    }
    let path = dir.join("faults.yml");
    write(&path, &text);
    path.display().to_string()
}

/// For each host with a fatal result: the task it dropped at, from the default output.
fn unreachable_at(stdout: &str) -> BTreeMap<String, String> {
    let mut task = String::new();
    let mut dropped = BTreeMap::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("TASK [") {
            task = rest.split(']').next().unwrap_or_default().to_string();
        }
        if let Some(rest) = line.strip_prefix("fatal: [")
            && line.contains("UNREACHABLE!")
        {
            let host = rest.split(']').next().unwrap_or_default().to_string();
            dropped.insert(host, task.clone());
        }
    }
    dropped
}

#[test]
fn dead_and_stalled_hosts_are_unreachable_where_they_dropped_and_the_others_finish() {
    let hosts = std::env::var("DROVER_FAULT_HOSTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    assert!(hosts >= 20, "DROVER_FAULT_HOSTS must be at least 20");
    let own = OwnFleet::up(hosts);
    let fleet = &own.fleet;
    let tmp = tempdir();
    let playbook = fault_play(tmp.path());
    // Keepalives detect the stalled hosts; how soon depends on the transport honouring these.
    let extra = tmp.path().join("keepalive.ini");
    write(
        &extra,
        "[all:vars]\nansible_ssh_extra_args='-o ServerAliveInterval=2 -o ServerAliveCountMax=2'\n",
    );
    let inventory = fleet.inventory();
    let extra = extra.display().to_string();
    let names: Vec<String> = fleet.hosts.keys().cloned().collect();
    // (host, step after which it is hit, kill or stall)
    let faults = [
        (&names[0], 1, "-KILL"),
        (&names[1], 3, "-KILL"),
        (&names[2], BIG_TASK, "-KILL"),
        (&names[3], 5, "-STOP"),
        (&names[4], 5, "-STOP"),
    ];

    let child = spawn(
        &["play", &playbook, "-i", &inventory, "-i", &extra],
        tmp.path(),
    );
    for (host, step, signal) in faults {
        assert!(
            wait_until(300, || fleet.progress(host) >= step),
            "{host} never reached step {step}"
        );
        fleet.signal(host, signal);
    }
    let out = finish(child);
    for (host, _, _) in faults {
        fleet.signal(host, "-CONT");
    }

    assert_eq!(out.code, 4, "{}", out.show());
    let dropped = unreachable_at(&out.stdout);
    let hit: BTreeSet<&String> = faults.iter().map(|(h, _, _)| *h).collect();
    for (host, step, _) in faults {
        assert_eq!(
            dropped.get(host).map(String::as_str),
            Some(format!("step {step}").as_str()),
            "{host} should drop at step {step}: {}",
            out.show()
        );
        assert_eq!(out.count(host, "unreachable"), 1, "{host}: {}", out.show());
    }
    for host in names.iter().filter(|h| !hit.contains(h)) {
        assert!(!dropped.contains_key(host), "{host}: {}", out.show());
        assert_eq!(fleet.progress(host), TASKS, "{host} did not finish");
        // old content + steps + new content, all changed.
        let tasks = u32::try_from(TASKS + 2).unwrap_or(u32::MAX);
        assert_eq!(out.count(host, "ok"), tasks, "{host}: {}", out.show());
        assert_eq!(out.count(host, "failed"), 0, "{host}: {}", out.show());
    }
    assert_eq!(out.recap().len(), names.len(), "{}", out.show());
    assert_eq!(out.total("unreachable"), 5, "{}", out.show());

    // No host is left with a destination that is neither the old nor the new content.
    let old = std::fs::read(tmp.path().join("old.bin")).unwrap_or_default();
    let new = std::fs::read(tmp.path().join("new.bin")).unwrap_or_default();
    for host in &names {
        let big = fleet.file(host, "/root/big");
        assert!(
            big.as_ref().is_none_or(|b| *b == old || *b == new),
            "{host}: /root/big is {} bytes, neither old nor new",
            big.map_or(0, |b| b.len())
        );
    }
}

#[test]
fn json_output_agrees_with_the_recap_when_hosts_die() {
    let own = OwnFleet::up(20);
    let fleet = &own.fleet;
    let tmp = tempdir();
    let playbook = fault_play(tmp.path());
    let inventory = fleet.inventory();
    let names: Vec<String> = fleet.hosts.keys().cloned().collect();
    let child = spawn(
        &["play", &playbook, "-i", &inventory, "--output", "json"],
        tmp.path(),
    );
    for (host, step) in [(&names[0], 2), (&names[1], 5)] {
        assert!(
            wait_until(300, || fleet.progress(host) >= step),
            "{host} never reached step {step}"
        );
        fleet.signal(host, "-KILL");
    }
    let out = finish(child);
    assert_eq!(out.code, 4, "{}", out.show());
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.show()));
    let mut counted: BTreeMap<String, BTreeMap<&str, u64>> = BTreeMap::new();
    let mut dropped = BTreeMap::new();
    for task in doc["plays"][0]["tasks"].as_array().into_iter().flatten() {
        let name = task["task"]["name"].as_str().unwrap_or_default();
        for (host, result) in task["hosts"].as_object().into_iter().flatten() {
            let status = result["status"].as_str().unwrap_or_default();
            let key = match status {
                "changed" | "ok" => "ok",
                other => other,
            };
            *counted
                .entry(host.clone())
                .or_default()
                .entry(key)
                .or_default() += 1;
            if status == "unreachable" {
                dropped.insert(host.clone(), name.to_string());
            }
        }
    }
    assert_eq!(dropped.get(&names[0]).map(String::as_str), Some("step 2"));
    assert_eq!(dropped.get(&names[1]).map(String::as_str), Some("step 5"));
    assert_eq!(dropped.len(), 2, "{doc}");
    let stats = doc["stats"].as_object().cloned().unwrap_or_default();
    assert_eq!(stats.len(), names.len(), "{doc}");
    for (host, s) in &stats {
        for key in ["ok", "unreachable", "failed"] {
            let from_tasks = counted
                .get(host)
                .and_then(|c| c.get(key))
                .copied()
                .unwrap_or(0);
            assert_eq!(s[key].as_u64(), Some(from_tasks), "{host} {key}: {doc}");
        }
    }
}
