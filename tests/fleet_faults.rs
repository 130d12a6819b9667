//! Faults injected on the real fleet while files are written: the connection cut mid-stream, the
//! host's processes killed, drover interrupted or killed, a full disk. Whatever happens, a
//! destination holds either its old content or exactly its new one, never a part; temp files left
//! by a dead writer are cleaned by the next write. And no `no_log` value ever shows in a target's
//! process list. Like tests/fleet.rs, these fail — never skip — when the fleet is not there.

mod common;

use common::{Outcome, run, tempdir, write};
use sha1::{Digest, Sha1};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const BIG: usize = 50 * 1024 * 1024;

/// These tests kill hosts' sessions: one at a time, so none kills another's.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Host {
    name: String,
    addr: String,
    /// The fleet's state directory (its `pids` lead to the host's processes).
    fleet: PathBuf,
    /// The overlay's upper directory: every file the host writes lands here.
    upper: PathBuf,
}

struct Fleet {
    dir: PathBuf,
    hosts: Vec<Host>,
}

fn fleet() -> Fleet {
    let dir = std::env::var("DROVER_FLEET_DIR").unwrap_or_else(|_| {
        panic!("DROVER_FLEET_DIR is not set: these tests need the real fleet; run scripts/test (or tests/fleet/fleet.sh up 6 and export DROVER_FLEET_DIR)")
    });
    let dir = PathBuf::from(dir);
    let inventory = std::fs::read_to_string(dir.join("inventory.ini"))
        .unwrap_or_else(|e| panic!("the fleet is not up ({}/inventory.ini: {e})", dir.display()));
    let hosts: Vec<Host> = inventory
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?.to_string();
            let addr = words.find_map(|w| w.strip_prefix("ansible_host="))?;
            Some(Host {
                fleet: dir.clone(),
                upper: dir.join("hosts").join(&name).join("upper"),
                addr: addr.to_string(),
                name,
            })
        })
        .collect();
    assert!(
        hosts.len() >= 5,
        "the fleet has {} hosts, the tests need 5 or more",
        hosts.len()
    );
    Fleet { dir, hosts }
}

impl Fleet {
    /// An inventory of `hosts` (group `targets`), host keys verified with the fleet's known_hosts.
    fn inventory(&self, at: &Path, hosts: &[&Host]) -> String {
        let mut text = String::from("[targets]\n");
        for h in hosts {
            text.push_str(&format!("{} ansible_host={}\n", h.name, h.addr));
        }
        text.push_str(&format!(
            "\n[all:vars]\nansible_user=root\nansible_ssh_private_key_file={}\nansible_ssh_common_args='-o UserKnownHostsFile={}'\n",
            self.dir.join("id_ed25519").display(),
            self.dir.join("known_hosts").display()
        ));
        let path = at.join("hosts.ini");
        write(&path, &text);
        path.display().to_string()
    }

    /// Runs a command on a host with the system's OpenSSH client (independent of drover).
    fn ssh(&self, host: &Host, command: &str) -> String {
        let out = Command::new("ssh")
            .args(["-i", &self.dir.join("id_ed25519").display().to_string()])
            .args([
                "-o",
                &format!(
                    "UserKnownHostsFile={}",
                    self.dir.join("known_hosts").display()
                ),
            ])
            .args(["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"])
            .arg(format!("root@{}", host.addr))
            .arg(command)
            .output()
            .unwrap_or_else(|e| panic!("ssh: {e}"));
        assert!(
            out.status.success(),
            "ssh {} {command}: {}",
            host.name,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// A destination per test run, so runs never see each other's files.
fn unique(name: &str) -> String {
    format!("/srv/{name}-{}", std::process::id())
}

/// Pseudo-random bytes (xorshift): nothing on the way can compress them to nothing.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The destination's SHA-1 on the host, or `absent`.
fn remote_sum(fleet: &Fleet, host: &Host, path: &str) -> String {
    fleet
        .ssh(
            host,
            &format!(
                "if [ -e {path} ]; then sha1sum < {path} | cut -d' ' -f1; else echo absent; fi"
            ),
        )
        .trim()
        .to_string()
}

/// Our temp files beside `dest` on the host (`.NAME.drover.XXXXXX`).
fn remote_temps(fleet: &Fleet, host: &Host, dest: &str) -> Vec<String> {
    let (dir, base) = dest.rsplit_once('/').unwrap_or((".", dest));
    fleet
        .ssh(
            host,
            &format!("find {dir} -maxdepth 1 -name '.{base}.drover.*' | sort"),
        )
        .lines()
        .map(str::to_string)
        .collect()
}

/// A copy play of `src` to `dest` on the hosts of the inventory.
fn copy_play(at: &Path, src: &Path, dest: &str) -> PathBuf {
    let play = at.join("copy.yml");
    write(
        &play,
        &format!(
            "- hosts: targets\n  gather_facts: false\n  tasks:\n    - name: Ship the big file\n      copy: src={} dest={dest} mode=0644\n",
            src.display()
        ),
    );
    play
}

/// Sets up a scene: `with_old` hosts hold `dest` with `old` content, the others have none.
fn prepare(fleet: &Fleet, hosts: &[&Host], with_old: usize, dest: &str) {
    for (i, h) in hosts.iter().enumerate() {
        let setup = if i < with_old {
            format!("mkdir -p /srv && printf 'old\\n' > {dest}")
        } else {
            format!("mkdir -p /srv && rm -f {dest}")
        };
        fleet.ssh(h, &setup);
    }
}

fn old_sum() -> String {
    sha1_hex(b"old\n")
}

/// Asserts every host holds `dest` as it was (old or absent) or exactly `new`, never a part.
fn assert_whole(fleet: &Fleet, hosts: &[&Host], with_old: usize, dest: &str, new: &str) {
    for (i, h) in hosts.iter().enumerate() {
        let before = if i < with_old {
            old_sum()
        } else {
            "absent".into()
        };
        let got = remote_sum(fleet, h, dest);
        assert!(
            got == before || got == new,
            "{}: {dest} has sha1 {got}: neither its old content ({before}) nor the new ({new})",
            h.name
        );
    }
}

/// Session processes of one host: its processes but the sshd listener (the namespace's init).
fn session_pids(host: &Host, only_sshd: bool) -> Vec<u32> {
    common::fleet_host_processes(&host.fleet, &host.name)
        .into_iter()
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            let listener = cmdline.starts_with("sshd: /usr/sbin/sshd");
            let session_sshd = cmdline.starts_with("sshd: root@notty");
            !listener && (session_sshd || !only_sshd)
        })
        .collect()
}

fn kill(signal: &str, pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    // Some may be gone already; that is fine.
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .args(pids.iter().map(u32::to_string))
        .stderr(Stdio::null())
        .status();
}

/// Kills a host's session processes. All of them at once, as a host dying does: they are frozen
/// first (catching any forked meanwhile), so none acts on another's death before it dies too.
fn kill_session(host: &Host, only_sshd: bool) {
    let mut frozen: Vec<u32> = Vec::new();
    for _ in 0..20 {
        let new: Vec<u32> = session_pids(host, only_sshd)
            .into_iter()
            .filter(|p| !frozen.contains(p))
            .collect();
        if new.is_empty() {
            break;
        }
        kill("STOP", &new);
        frozen.extend(new);
    }
    kill("KILL", &frozen);
}

/// Whether a temp file of ours over 1 MB is being written on the host (seen in its overlay).
fn write_in_flight(host: &Host, dest: &str, since: SystemTime) -> bool {
    let (dir, base) = dest.rsplit_once('/').unwrap_or((".", dest));
    let Ok(entries) = std::fs::read_dir(host.upper.join(dir.trim_start_matches('/'))) else {
        return false;
    };
    let prefix = format!(".{base}.drover.");
    entries.flatten().any(|e| {
        e.file_name().to_string_lossy().starts_with(&prefix)
            && e.metadata()
                .is_ok_and(|m| m.len() > 1024 * 1024 && m.modified().is_ok_and(|t| t >= since))
    })
}

/// Starts drover in its own process group, as a shell job is (so a signal can go to the group).
fn spawn_drover(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_drover"))
        .current_dir(common::repo())
        .env("NO_COLOR", "1")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("start drover: {e}"))
}

fn finish(child: Child) -> Outcome {
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait for drover: {e}"));
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Waits until `ready()` or `limit` passes; whether it became ready.
fn wait_for(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

/// Runs the copy play and, on each host, once its temp file passes 1 MB, kills that host's
/// session (`only_sshd`: the `sshd: root@notty` processes, as a dropped connection; otherwise
/// every process of the session, as a host dying). Returns drover's outcome and the hosts cut.
fn copy_and_cut(
    inv: &str,
    play: &Path,
    hosts: &[&Host],
    dest: &str,
    only_sshd: bool,
) -> (Outcome, Vec<String>) {
    let since = SystemTime::now() - Duration::from_secs(1);
    let mut child = spawn_drover(&["play", &play.display().to_string(), "-i", inv]);
    let mut cut: Vec<String> = Vec::new();
    let start = Instant::now();
    while cut.len() < hosts.len() && start.elapsed() < Duration::from_secs(120) {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        for h in hosts {
            if !cut.contains(&h.name) && write_in_flight(h, dest, since) {
                kill_session(h, only_sshd);
                cut.push(h.name.clone());
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (finish(child), cut)
}

#[test]
fn cut_connection_mid_write_leaves_old_content_and_no_temp() {
    let _serial = serial();
    let fleet = fleet();
    let tmp = tempdir();
    let hosts: Vec<&Host> = fleet.hosts.iter().take(3).collect();
    let inv = fleet.inventory(tmp.path(), &hosts);
    let dest = unique("cut");
    let data = noise(BIG, 1);
    let src = tmp.path().join("big.bin");
    std::fs::write(&src, &data).unwrap_or_else(|e| panic!("write big file: {e}"));
    prepare(&fleet, &hosts, 2, &dest);

    let play = copy_play(tmp.path(), &src, &dest);
    let (out, cut) = copy_and_cut(&inv, &play, &hosts, &dest, true);
    assert_eq!(
        cut.len(),
        hosts.len(),
        "not every host was cut mid-write ({cut:?})\n{}",
        out.show()
    );
    assert_eq!(out.code, 4, "{}", out.show());
    for h in &hosts {
        assert_eq!(
            out.count(&h.name, "unreachable"),
            1,
            "{}\n{}",
            h.name,
            out.show()
        );
    }
    // The remote shell outlives its connection: it finds the content short and removes its temp.
    for (i, h) in hosts.iter().enumerate() {
        let before = if i < 2 { old_sum() } else { "absent".into() };
        assert_eq!(remote_sum(&fleet, h, &dest), before, "{}", h.name);
        assert!(
            wait_for(Duration::from_secs(10), || remote_temps(&fleet, h, &dest)
                .is_empty()),
            "{}: temp files left: {:?}",
            h.name,
            remote_temps(&fleet, h, &dest)
        );
    }
    // And the next run completes.
    let again = run(&["play", &play.display().to_string(), "-i", &inv]);
    assert_eq!(again.code, 0, "{}", again.show());
    for h in &hosts {
        assert_eq!(remote_sum(&fleet, h, &dest), sha1_hex(&data), "{}", h.name);
        fleet.ssh(h, &format!("rm -f {dest}"));
    }
}

#[test]
fn host_dying_mid_write_leaves_a_temp_the_next_write_removes() {
    let _serial = serial();
    let fleet = fleet();
    let tmp = tempdir();
    let hosts: Vec<&Host> = fleet.hosts.iter().skip(4).take(2).collect();
    let inv = fleet.inventory(tmp.path(), &hosts);
    let dest = unique("death");
    let data = noise(BIG, 2);
    let src = tmp.path().join("big.bin");
    std::fs::write(&src, &data).unwrap_or_else(|e| panic!("write big file: {e}"));
    prepare(&fleet, &hosts, 1, &dest);

    let play = copy_play(tmp.path(), &src, &dest);
    let (out, cut) = copy_and_cut(&inv, &play, &hosts, &dest, false);
    assert_eq!(
        cut.len(),
        hosts.len(),
        "not every host was cut mid-write ({cut:?})\n{}",
        out.show()
    );
    assert_eq!(out.code, 4, "{}", out.show());
    let (dir, base) = dest.rsplit_once('/').unwrap_or((".", &dest));
    let fresh = format!("{dir}/.{base}.drover.Fresh1");
    for (i, h) in hosts.iter().enumerate() {
        let before = if i < 1 { old_sum() } else { "absent".into() };
        assert_eq!(remote_sum(&fleet, h, &dest), before, "{}", h.name);
        // Nothing lived on to clean up: the dead writer's temp stays, until it is old enough
        // to be taken as abandoned. A fresh one (a live writer's) must survive the next write.
        let stale = remote_temps(&fleet, h, &dest);
        assert_eq!(stale.len(), 1, "{}: {stale:?}\n{}", h.name, out.show());
        fleet.ssh(
            h,
            &format!("touch -d '-10 minutes' {} && echo x > {fresh}", stale[0]),
        );
    }
    let again = run(&["play", &play.display().to_string(), "-i", &inv]);
    assert_eq!(again.code, 0, "{}", again.show());
    for h in &hosts {
        assert_eq!(remote_sum(&fleet, h, &dest), sha1_hex(&data), "{}", h.name);
        assert_eq!(
            remote_temps(&fleet, h, &dest),
            vec![fresh.clone()],
            "{}",
            h.name
        );
        fleet.ssh(h, &format!("rm -f {dest} {fresh}"));
    }
}

/// Interrupts drover (its whole process group, as a terminal's Ctrl-C does) mid-write.
fn interrupt_mid_write(signal: &str, name: &str) {
    let _serial = serial();
    let fleet = fleet();
    let tmp = tempdir();
    let hosts: Vec<&Host> = fleet.hosts.iter().take(3).collect();
    let inv = fleet.inventory(tmp.path(), &hosts);
    let dest = unique(name);
    let data = noise(BIG, 3);
    let src = tmp.path().join("big.bin");
    std::fs::write(&src, &data).unwrap_or_else(|e| panic!("write big file: {e}"));
    prepare(&fleet, &hosts, 2, &dest);

    let since = SystemTime::now() - Duration::from_secs(1);
    let play = copy_play(tmp.path(), &src, &dest);
    let child = spawn_drover(&["play", &play.display().to_string(), "-i", &inv]);
    let in_flight = wait_for(Duration::from_secs(120), || {
        hosts.iter().any(|h| write_in_flight(h, &dest, since))
    });
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), "--", &format!("-{}", child.id())])
        .status();
    let out = finish(child);
    assert!(
        in_flight,
        "no write was in flight to interrupt\n{}",
        out.show()
    );
    assert_ne!(out.code, 0, "{}", out.show());
    assert_whole(&fleet, &hosts, 2, &dest, &sha1_hex(&data));
    for h in &hosts {
        assert!(
            wait_for(Duration::from_secs(10), || remote_temps(&fleet, h, &dest)
                .is_empty()),
            "{}: temp files left: {:?}",
            h.name,
            remote_temps(&fleet, h, &dest)
        );
        fleet.ssh(h, &format!("rm -f {dest}"));
    }
}

#[test]
fn ctrl_c_mid_write_leaves_no_truncated_file() {
    interrupt_mid_write("INT", "sigint");
}

#[test]
fn drover_killed_mid_write_leaves_no_truncated_file() {
    interrupt_mid_write("KILL", "sigkill");
}

#[test]
fn full_disk_fails_the_task_and_renames_nothing() {
    let _serial = serial();
    let fleet = fleet();
    let tmp = tempdir();
    let host = &fleet.hosts[5];
    let inv = fleet.inventory(tmp.path(), &[host]);
    // The new content does not fit.
    let (out, listing) = write_on_a_small_disk(&fleet, host, &inv, tmp.path(), 4, 2048, false);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(
        out.stdout.contains("No space left on device"),
        "{}",
        out.show()
    );
    assert_eq!(
        listing, "f\n",
        "the file system holds more than the old file"
    );
    // The new content fits, its backup of the old does not.
    let (out, listing) = write_on_a_small_disk(&fleet, host, &inv, tmp.path(), 700, 100, true);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(
        out.stdout.contains("No space left on device"),
        "{}",
        out.show()
    );
    assert_eq!(
        listing, "f\n",
        "the file system holds more than the old file"
    );
}

/// Copies `new_kb` over a file of `old_kb` on a 1 MB file system made inside the host's own mount
/// namespace (nothing of the machine's); drover's outcome and what the file system then holds
/// (`ls -A`), once the old file is checked to be intact.
fn write_on_a_small_disk(
    fleet: &Fleet,
    host: &Host,
    inv: &str,
    at: &Path,
    old_kb: usize,
    new_kb: usize,
    backup: bool,
) -> (Outcome, String) {
    let mnt = unique("small");
    let old_len = old_kb * 1024;
    fleet.ssh(
        host,
        &format!(
            "mkdir -p {mnt} && mount -t tmpfs -o size=1m tmpfs {mnt} && head -c {old_len} /dev/zero > {mnt}/f"
        ),
    );
    let old_sum = sha1_hex(&vec![0u8; old_len]);
    let src = at.join("new.bin");
    std::fs::write(&src, noise(new_kb * 1024, 4)).unwrap_or_else(|e| panic!("write: {e}"));
    let play = at.join("small.yml");
    write(
        &play,
        &format!(
            "- hosts: targets\n  gather_facts: false\n  tasks:\n    - copy: src={} dest={mnt}/f backup={backup}\n",
            src.display()
        ),
    );
    let out = run(&["play", &play.display().to_string(), "-i", inv]);
    let listing = fleet.ssh(host, &format!("ls -A {mnt}"));
    let now = remote_sum(fleet, host, &format!("{mnt}/f"));
    fleet.ssh(host, &format!("umount {mnt} && rmdir {mnt}"));
    assert_eq!(now, old_sum, "the old file changed\n{}", out.show());
    (out, listing)
}

/// Every command line seen on any process of the machine while `busy` runs (the fleet's hosts
/// share its process table), polled as fast as /proc allows.
fn watch_command_lines<T>(busy: impl FnOnce() -> T) -> (T, Vec<String>) {
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let poller = {
        let (stop, seen) = (stop.clone(), seen.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let Ok(entries) = std::fs::read_dir("/proc") else {
                    continue;
                };
                for e in entries.flatten() {
                    let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else {
                        continue;
                    };
                    let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                    if let Ok(mut seen) = seen.lock() {
                        seen.insert(text);
                    }
                }
            }
        })
    };
    let result = busy();
    stop.store(true, Ordering::Relaxed);
    let _ = poller.join();
    let seen = seen
        .lock()
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default();
    (result, seen)
}

#[test]
fn no_log_values_never_reach_a_targets_process_list() {
    let _serial = serial();
    let fleet = fleet();
    let tmp = tempdir();
    let hosts: Vec<&Host> = fleet.hosts.iter().take(3).collect();
    let inv = fleet.inventory(tmp.path(), &hosts);
    let secret = format!("Sekr1t-{}-{}", std::process::id(), sha1_hex(b"salt"));
    let dir = unique("secrets");
    // The secret comes from a vars file: in drover's own argv it would be visible anyway. The
    // padding makes each write last long enough to be seen by the poller.
    let vars = tmp.path().join("vars.yml");
    write(
        &vars,
        &format!("secret: {secret}\npadding: \"{}\"\n", "p".repeat(2_000_000)),
    );
    let template = tmp.path().join("token.j2");
    write(&template, "token={{ secret }}\n");
    let mut tasks = format!(
        "    - file: path={dir} state=directory\n    - name: Hand the secret to a command on stdin\n      shell: cat > /dev/null; sleep 1\n      args:\n        stdin: \"{{{{ secret }}}}\"\n      no_log: true\n    - lineinfile: path={dir}/conf create=yes line=\"password={{{{ secret }}}}\"\n      no_log: true\n    - template: src={} dest={dir}/token\n      no_log: true\n",
        template.display()
    );
    for i in 0..8 {
        tasks.push_str(&format!(
            "    - copy: content=\"{{{{ secret }}}}{{{{ padding }}}}\" dest={dir}/secret{i}\n      no_log: true\n"
        ));
    }
    let play = tmp.path().join("secrets.yml");
    write(
        &play,
        &format!(
            "- hosts: targets\n  gather_facts: false\n  vars_files:\n    - {}\n  tasks:\n{tasks}",
            vars.display()
        ),
    );
    let (out, seen) =
        watch_command_lines(|| run(&["play", &play.display().to_string(), "-i", &inv]));
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(!out.stdout.contains(&secret), "{}", out.show());
    // The poll saw the tasks' processes on the targets: it would have seen the secret in them.
    assert!(
        seen.iter().any(|c| c.contains("cat > /dev/null; sleep 1")),
        "the poller never saw the shell task"
    );
    assert!(
        seen.iter()
            .any(|c| c.contains(&format!("{dir}/secret")) && c.contains(".drover.")),
        "the poller never saw a write"
    );
    let leaks: Vec<&String> = seen.iter().filter(|c| c.contains(&secret)).collect();
    assert!(
        leaks.is_empty(),
        "the secret was in a process's argv: {leaks:#?}"
    );
    for h in &hosts {
        assert_eq!(
            fleet.ssh(h, &format!("cat {dir}/token")),
            format!("token={secret}\n")
        );
        fleet.ssh(h, &format!("rm -rf {dir}"));
    }
}
