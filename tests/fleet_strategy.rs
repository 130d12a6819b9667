//! `strategy: free` and `host_pinned` on real hosts: a fast host goes through the whole play
//! (handlers included) while a slow one is still on an earlier task; a failed or unreachable host
//! holds nobody up; `host_pinned` keeps at most `--forks` hosts under way; and ansible-playbook,
//! given the same play, reports the same results host by host.

mod common;

use common::{Fleet, Outcome, fleet_of_at_least, fleet_ssh, run, tempdir, write};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each host writes the time (seconds since the epoch, with nanoseconds) a task or handler ran.
fn stamp(file: &str) -> String {
    format!("shell: date +%s.%N > /tmp/{file}")
}

fn time_on(fleet: &Path, host: &str, file: &str) -> f64 {
    let text = fleet_ssh(fleet, host, &format!("cat /tmp/{file}"));
    text.parse()
        .unwrap_or_else(|e| panic!("{host}:/tmp/{file} holds {text:?}: {e}"))
}

fn play(fleet: &Fleet, dir: &Path, text: &str, extra: &[&str]) -> Outcome {
    let path = dir.join("play.yml");
    write(&path, text);
    let inventory = fleet.dir.join("inventory.ini").display().to_string();
    let mut args = vec!["play", path.to_str().unwrap_or_default(), "-i", &inventory];
    args.extend_from_slice(extra);
    run(&args)
}

/// (banner, host, status) of every result line: the task banner it is shown under, as a reader
/// of the output sees it.
fn results_under_banners(stdout: &str) -> BTreeSet<(String, String, String)> {
    let mut banner = String::new();
    let mut seen = BTreeSet::new();
    for line in stdout.lines() {
        for prefix in ["TASK [", "RUNNING HANDLER ["] {
            if let Some(rest) = line.strip_prefix(prefix) {
                banner = rest.split(']').next().unwrap_or_default().to_string();
            }
        }
        let Some((status, rest)) = line.split_once(": [") else {
            continue;
        };
        if !["ok", "changed", "skipping", "fatal", "failed"].contains(&status) {
            continue;
        }
        let host = rest.split([']', ' ']).next().unwrap_or_default();
        seen.insert((banner.clone(), host.to_string(), status.to_string()));
    }
    seen
}

fn triple(banner: &str, host: &str, status: &str) -> (String, String, String) {
    (banner.into(), host.into(), status.into())
}

const FAST_AND_SLOW: &str = r#"- hosts: host01,host02
  gather_facts: false
  strategy: free
  tasks:
    - name: slow on host01
      command: sleep 5
      when: inventory_hostname == 'host01'
    - name: second
      STAMP_SECOND
      notify: stamp handler
    - name: third
      STAMP_THIRD
  handlers:
    - name: stamp handler
      STAMP_HANDLER
"#;

#[test]
fn a_fast_host_finishes_the_play_while_a_slow_host_is_still_on_an_earlier_task() {
    let fleet = fleet_of_at_least(2);
    let dir = tempdir();
    let text = FAST_AND_SLOW
        .replace("STAMP_SECOND", &stamp("free-second"))
        .replace("STAMP_THIRD", &stamp("free-third"))
        .replace("STAMP_HANDLER", &stamp("free-handler"));
    let out = play(&fleet, dir.path(), &text, &[]);
    assert_eq!(out.code, 0, "{}", out.show());

    let slow_second = time_on(&fleet.dir, "host01", "free-second");
    let fast_third = time_on(&fleet.dir, "host02", "free-third");
    let fast_handler = time_on(&fleet.dir, "host02", "free-handler");
    assert!(
        fast_third < slow_second && fast_handler < slow_second,
        "host02 ran its last task at {fast_third} and its handler at {fast_handler}, host01 its second task at {slow_second}\n{}",
        out.show()
    );
    let slow_handler = time_on(&fleet.dir, "host01", "free-handler");
    assert!(slow_handler > slow_second, "{}", out.show());

    // Every result under its own task's banner (shown again when another task's results came
    // in between), each host counted as it ran.
    let expected: BTreeSet<_> = [
        triple("slow on host01", "host01", "changed"),
        triple("slow on host01", "host02", "skipping"),
        triple("second", "host01", "changed"),
        triple("second", "host02", "changed"),
        triple("third", "host01", "changed"),
        triple("third", "host02", "changed"),
        triple("stamp handler", "host01", "changed"),
        triple("stamp handler", "host02", "changed"),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        results_under_banners(&out.stdout),
        expected,
        "{}",
        out.show()
    );
    assert_eq!(out.count("host01", "changed"), 4, "{}", out.show());
    assert_eq!(out.count("host02", "changed"), 3, "{}", out.show());
    assert_eq!(out.count("host02", "skipped"), 1, "{}", out.show());
}

#[test]
fn a_failed_or_unreachable_host_holds_nobody_up() {
    let fleet = fleet_of_at_least(2);
    let dir = tempdir();
    let prefix = fleet.hosts[0]
        .1
        .rsplit_once('.')
        .map_or("127.0.0", |(p, _)| p);
    let inventory = dir.path().join("hosts.ini");
    let fleet_inventory = std::fs::read_to_string(fleet.dir.join("inventory.ini"))
        .unwrap_or_else(|e| panic!("fleet inventory: {e}"));
    // Nothing listens on this address of the fleet's own network: connection refused.
    write(
        &inventory,
        &format!(
            "{fleet_inventory}\n[ghosts]\nghost ansible_host={prefix}.250 ansible_user=root\n"
        ),
    );
    let path = dir.path().join("play.yml");
    write(
        &path,
        r#"- hosts: host01,host02,ghost
  gather_facts: false
  strategy: free
  tasks:
    - name: host01 fails
      command: /bin/false
      when: inventory_hostname == 'host01'
    - name: the others go on
      command: "true"
    - name: to the end
      command: "true"
"#,
    );
    let out = run(&[
        "play",
        path.to_str().unwrap_or_default(),
        "-i",
        inventory.to_str().unwrap_or_default(),
    ]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert_eq!(out.count("ghost", "unreachable"), 1, "{}", out.show());
    assert_eq!(out.count("host01", "failed"), 1, "{}", out.show());
    assert_eq!(out.count("host02", "changed"), 2, "{}", out.show());
    assert_eq!(out.count("host02", "failed"), 0, "{}", out.show());
}

const PINNED: &str = r#"- hosts: host01,host02,host03,host04
  gather_facts: false
  strategy: STRATEGY
  tasks:
    - name: start
      shell: date +%s.%N > /tmp/pin-start; sleep 1
    - name: end
      shell: sleep 1; date +%s.%N > /tmp/pin-end
"#;

/// With two forks: under `host_pinned` host03 starts only once host01 or host02 is through the
/// play; under `free` it takes the first free fork, before either is through.
#[test]
fn host_pinned_keeps_at_most_forks_hosts_under_way() {
    let fleet = fleet_of_at_least(4);
    let dir = tempdir();
    for (strategy, pinned) in [("host_pinned", true), ("free", false)] {
        let out = play(
            &fleet,
            dir.path(),
            &PINNED.replace("STRATEGY", strategy),
            &["--forks", "2"],
        );
        assert_eq!(out.code, 0, "{}", out.show());
        assert_eq!(out.total("changed"), 8, "{}", out.show());
        let first_through = ["host01", "host02"]
            .map(|h| time_on(&fleet.dir, h, "pin-end"))
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        let third_start = time_on(&fleet.dir, "host03", "pin-start");
        assert_eq!(
            third_start > first_through,
            pinned,
            "{strategy}: host03 started at {third_start}, the first host was through at {first_through}\n{}",
            out.show()
        );
    }
}

const SIDE_BY_SIDE: &str = r#"- hosts: host01,host02
  gather_facts: false
  strategy: free
  tasks:
    - name: slow on host01
      command: sleep 2
      when: inventory_hostname == 'host01'
      notify: restart
    - name: once
      debug: msg=once
      run_once: true
    - name: guarded
      block:
        - name: fails on host02
          command: /bin/false
          when: inventory_hostname == 'host02'
      rescue:
        - name: rescued
          command: "true"
      always:
        - name: always
          command: "true"
          notify: restart
    - name: included
      include_tasks: inc.yml
    - name: fails on host01
      command: /bin/false
      when: inventory_hostname == 'host01'
    - name: last
      command: "true"
  handlers:
    - name: restart
      command: "true"
"#;

const INCLUDED: &str = r#"- name: from the file
  command: "echo {{ inventory_hostname }}"
"#;

/// The same play with both tools on the two hosts of the Python fleet: the same recap, and the
/// same result for each task on each host.
#[test]
fn free_results_match_ansible_playbook_host_by_host() {
    let Ok(fleet) = std::env::var("DROVER_PYFLEET_DIR").map(PathBuf::from) else {
        eprintln!(
            "no host with Python (DROVER_PYFLEET_DIR): scripts/test starts one when ansible-core is installed"
        );
        return;
    };
    let dir = tempdir();
    write(&dir.path().join("play.yml"), SIDE_BY_SIDE);
    write(&dir.path().join("inc.yml"), INCLUDED);
    let inventory = fleet.join("inventory.ini").display().to_string();
    let theirs = ansible_playbook(dir.path(), &inventory);
    let ours = common::run_in(dir.path(), &["play", "play.yml", "-i", &inventory]);
    assert_eq!(theirs.code, 2, "{}", theirs.show());
    assert_eq!(ours.code, theirs.code, "{}\n{}", theirs.show(), ours.show());
    assert_eq!(
        ours.recap(),
        theirs.recap(),
        "ansible-playbook\n{}\ndrover\n{}",
        theirs.show(),
        ours.show()
    );
    assert_eq!(
        results_under_banners(&ours.stdout),
        results_under_banners(&theirs.stdout),
        "ansible-playbook\n{}\ndrover\n{}",
        theirs.show(),
        ours.show()
    );
    for outcome in [&theirs, &ours] {
        assert!(
            outcome
                .stderr
                .contains("Using run_once with the free strategy")
                || outcome
                    .stdout
                    .contains("Using run_once with the free strategy"),
            "{}",
            outcome.show()
        );
    }
}

fn ansible_playbook(dir: &Path, inventory: &str) -> Outcome {
    let out = Command::new("ansible-playbook")
        .current_dir(dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_PYTHON_INTERPRETER", "auto_silent")
        .args(["-i", inventory, "play.yml"])
        .output()
        .unwrap_or_else(|e| panic!("ansible-playbook: {e}"));
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
