//! The transport end to end against the real fleet (tests/fleet/fleet.sh, started by scripts/test):
//! the open-file limit and the connection bound, a host that goes silent, task timeouts, and what
//! accept-new tells the user. These fail — never skip — when the fleet is not there.
//!
//! The tests of this file stall hosts, so they take turns ([`exclusive`]); other test binaries
//! run before or after this one, never alongside.

mod common;

use common::{Fleet, Outcome, drover, tempdir, write};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

fn fleet() -> Fleet {
    common::fleet_of_at_least(5)
}

/// One test of this file at a time: a stalled host must not surprise another test.
fn exclusive() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Fleet {
    /// An inventory of the fleet with `ssh_args` as `ansible_ssh_common_args` (after the fleet's
    /// own known_hosts option unless `ssh_args` names one first).
    fn inventory(&self, at: &Path, ssh_args: &str) -> String {
        let mut text = String::from("[fleet]\n");
        for (name, addr) in &self.hosts {
            text.push_str(&format!("{name} ansible_host={addr}\n"));
        }
        text.push_str(&format!(
            "\n[all:vars]\nansible_user=root\nansible_ssh_private_key_file={}\nansible_ssh_common_args='{ssh_args} -o UserKnownHostsFile={}'\n",
            self.dir.join("id_ed25519").display(),
            self.dir.join("known_hosts").display()
        ));
        let path = at.join("hosts.ini");
        write(&path, &text);
        path.display().to_string()
    }

    fn sshd_log(&self, host: &str) -> String {
        std::fs::read_to_string(self.dir.join("hosts").join(host).join("sshd.log"))
            .unwrap_or_default()
    }

    /// SSH logins each host's sshd has accepted so far.
    fn logins(&self) -> usize {
        self.hosts
            .iter()
            .map(|(name, _)| self.sshd_log(name).matches("Accepted publickey").count())
            .sum()
    }

    /// Every process of host `name` (those in its PID namespace).
    fn processes(&self, name: &str) -> Vec<u32> {
        common::fleet_host_processes(&self.dir, name)
    }

    /// Sends `signal` (STOP or CONT) to every process of host `name`.
    fn signal(&self, name: &str, signal: &str) {
        let pids: Vec<String> = self.processes(name).iter().map(u32::to_string).collect();
        assert!(!pids.is_empty(), "no processes found for {name}");
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .args(&pids)
            .status()
            .unwrap_or_else(|e| panic!("kill: {e}"));
        assert!(status.success(), "kill -{signal} {pids:?}");
    }
}

fn run_with(dir: &Path, args: &[&str], shell_prefix: Option<&str>) -> Outcome {
    let out = match shell_prefix {
        // `exec` keeps the limit on drover itself; the binary path comes from assert_cmd.
        Some(prefix) => {
            let program = drover().get_program().to_string_lossy().into_owned();
            let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
            std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("{prefix}; exec '{program}' {}", quoted.join(" ")))
                .current_dir(dir)
                .env("NO_COLOR", "1")
                .env_remove("ANSIBLE_HOST_KEY_CHECKING")
                .output()
        }
        None => drover().current_dir(dir).args(args).output(),
    }
    .unwrap_or_else(|e| panic!("run drover: {e}"));
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const THREE_TASKS: &str = "\
- hosts: fleet
  gather_facts: false
  tasks:
    - command: 'true'
    - shell: 'echo two'
    - command: 'hostname'
";

#[test]
fn a_low_open_file_limit_fails_no_host() {
    let _turn = exclusive();
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), "");
    let play = tmp.path().join("three.yml");
    write(&play, THREE_TASKS);
    // 14 descriptors leave room for fewer connections than hosts (drover itself uses ~10).
    let out = run_with(
        tmp.path(),
        &["play", &play.display().to_string(), "-i", &inv, "-f", "6"],
        Some("ulimit -n 14"),
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        !out.show().contains("Too many open files"),
        "{}",
        out.show()
    );
    assert_eq!(
        out.total("ok"),
        3 * fleet.hosts.len() as u32,
        "{}",
        out.show()
    );
}

#[test]
fn hosts_beyond_the_connection_bound_reconnect_on_demand() {
    let _turn = exclusive();
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), "");
    let play = tmp.path().join("three.yml");
    write(&play, THREE_TASKS);
    let before = fleet.logins();
    let out = run_with(
        tmp.path(),
        &[
            "play",
            &play.display().to_string(),
            "-i",
            &inv,
            "-f",
            "2",
            "--max-connections",
            "3",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.total("ok"),
        3 * fleet.hosts.len() as u32,
        "{}",
        out.show()
    );
    // sshd logs a login a moment after it happens.
    std::thread::sleep(Duration::from_millis(300));
    let logins = fleet.logins() - before;
    let hosts = fleet.hosts.len();
    // Hosts beyond the bound reconnect: more than one login per host; but the pool evicts the
    // host that just finished the task (needed last in the next one), not the one needed next,
    // so not every host-task needs a login either (least-recently-used eviction would).
    assert!(
        logins > hosts && logins < 3 * hosts,
        "{logins} logins for {hosts} hosts x 3 tasks with 3 connections, 2 forks\n{}",
        out.show()
    );
}

#[test]
fn a_stalled_host_is_unreachable_within_its_keepalive_interval() {
    let _turn = exclusive();
    let fleet = fleet();
    let tmp = tempdir();
    // ServerAliveInterval 1 s, ServerAliveCountMax 2: a silent host is given up after ~3 s.
    let inv = fleet.inventory(
        tmp.path(),
        "-o ServerAliveInterval=1 -o ServerAliveCountMax=2",
    );
    let play = tmp.path().join("stall.yml");
    write(
        &play,
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - command: 'true'\n    - name: wait\n      shell: sleep 2\n    - name: after\n      command: 'true'\n",
    );
    let (stalled, _) = &fleet.hosts[fleet.hosts.len() - 1];
    let started = Instant::now();
    let child = std::process::Command::new(drover().get_program())
        .args(["play", &play.display().to_string(), "-i", &inv])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn drover: {e}"));
    // Stall the host once its connection is open, during `wait`.
    std::thread::sleep(Duration::from_millis(1200));
    fleet.signal(stalled, "STOP");
    let out = child.wait_with_output();
    fleet.signal(stalled, "CONT");
    let elapsed = started.elapsed();
    let out = out.unwrap_or_else(|e| panic!("drover: {e}"));
    let out = Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(out.code, 4, "{}", out.show());
    assert_eq!(out.count(stalled, "unreachable"), 1, "{}", out.show());
    let others = fleet.hosts.len() as u32 - 1;
    assert_eq!(out.total("ok"), 1 + 3 * others, "{}", out.show());
    assert!(out.stdout.contains("was lost"), "{}", out.show());
    // The default (15 s x 3) would have taken a minute.
    assert!(
        elapsed < Duration::from_secs(15),
        "took {elapsed:?}\n{}",
        out.show()
    );
}

#[test]
fn a_task_that_runs_too_long_fails_with_ansibles_message() {
    let _turn = exclusive();
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), "");
    let play = tmp.path().join("timeout.yml");
    write(
        &play,
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - name: slow\n      command: sleep 30\n      timeout: 1\n      ignore_errors: true\n    - name: slower\n      shell: sleep 30\n    - name: never\n      command: 'true'\n",
    );
    let started = Instant::now();
    let out = run_with(
        tmp.path(),
        &[
            "play",
            &play.display().to_string(),
            "-i",
            &inv,
            "--task-timeout",
            "2",
        ],
        None,
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{}",
        out.show()
    );
    assert_eq!(out.code, 2, "{}", out.show());
    let hosts = fleet.hosts.len();
    assert_eq!(
        out.stdout
            .matches("Task failed: Timed out after 1 second(s).")
            .count(),
        hosts,
        "{}",
        out.show()
    );
    assert_eq!(
        out.stdout
            .matches("Task failed: Timed out after 2 second(s).")
            .count(),
        hosts,
        "{}",
        out.show()
    );
    assert_eq!(out.total("ignored"), hosts as u32, "{}", out.show());
    assert_eq!(out.total("failed"), hosts as u32, "{}", out.show());
}

#[test]
fn accept_new_says_what_it_recorded_and_refuses_an_unusable_known_hosts() {
    let _turn = exclusive();
    let fleet = fleet();
    let tmp = tempdir();
    let fresh = tmp.path().join("fresh_known_hosts");
    let inv = fleet.inventory(
        tmp.path(),
        &format!("-o UserKnownHostsFile={}", fresh.display()),
    );
    let args = [
        "run",
        "fleet",
        "-i",
        &inv,
        "--host-key-checking",
        "accept-new",
        "--",
        "true",
    ];
    let first = run_with(tmp.path(), &args, None);
    assert_eq!(first.code, 0, "{}", first.show());
    for (name, addr) in &fleet.hosts {
        let line = format!("[WARNING]: {name}: Permanently added {addr} (");
        assert!(first.stdout.contains(&line), "{line}\n{}", first.show());
    }
    let recorded = std::fs::read_to_string(&fresh).unwrap_or_default();
    assert_eq!(recorded.lines().count(), fleet.hosts.len(), "{recorded}");
    let second = run_with(tmp.path(), &args, None);
    assert_eq!(second.code, 0, "{}", second.show());
    assert!(
        !second.stdout.contains("Permanently added"),
        "{}",
        second.show()
    );

    // known_hosts is a directory: nothing can be checked or recorded, so nothing is trusted.
    let as_dir = tmp.path().join("known_hosts_dir");
    std::fs::create_dir(&as_dir).unwrap_or_else(|e| panic!("mkdir: {e}"));
    let inv = fleet.inventory(
        tmp.path(),
        &format!("-o UserKnownHostsFile={}", as_dir.display()),
    );
    for policy in ["accept-new", "strict"] {
        let args = [
            "run",
            "fleet",
            "-i",
            &inv,
            "--host-key-checking",
            policy,
            "--",
            "true",
        ];
        let out = run_with(tmp.path(), &args, None);
        assert_eq!(out.code, 4, "{policy}: {}", out.show());
        assert_eq!(
            out.stdout.matches("cannot be read").count(),
            fleet.hosts.len(),
            "{policy}: {}",
            out.show()
        );
    }
}

/// SSH connections (TCP sockets to port 22) `pid` holds open now.
fn ssh_sockets_of(pid: u32) -> usize {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    let inodes: std::collections::HashSet<String> = fds
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_string(),
            )
        })
        .collect();
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode.
    table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|cols| cols.len() > 9 && cols[2].ends_with(":0016") && inodes.contains(cols[9]))
        .count()
}

#[test]
fn an_adhoc_run_closes_each_hosts_connection_when_its_result_is_in() {
    let _turn = exclusive();
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), "");
    // One host at a time, each busy long enough for the sampling below to see it.
    let mut child = std::process::Command::new(drover().get_program())
        .args(["run", "fleet", "-i", &inv, "-f", "1", "--", "sleep", "0.4"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn drover: {e}"));
    let mut most = 0;
    while child.try_wait().ok().flatten().is_none() {
        most = most.max(ssh_sockets_of(child.id()));
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("drover: {e}"));
    let show = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{show}");
    // Before: every host's connection stayed open until the end (one socket per host, about 90 KB
    // of controller memory each: 1,000 hosts held ~90 MB). Now a host's socket closes with its
    // result; the next host's may be opening meanwhile.
    assert!(
        most <= 2,
        "drover held {most} sockets at once for {} hosts at -f 1\n{show}",
        fleet.hosts.len()
    );
}
