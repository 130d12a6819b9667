//! drover in a real pseudo-terminal (a private tmux server, read with `capture-pane`) against the
//! real fleet: the live progress is on screen while a slow task runs and gone when it ends, the recap
//! follows; Ctrl-C during a file copy shows the recap so far, exits 130 and leaves no temp file and
//! no command running on any host. Like tests/fleet.rs, these fail — never skip — when the fleet or
//! tmux is not there.

mod common;

use common::screen::{Screen, exit_code};
use common::{fleet_dir, tempdir, write};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fleet() -> PathBuf {
    fleet_dir("DROVER_FLEET_DIR", "the real fleet")
}

/// A shell line running drover as a person would at a terminal (no CI variable, colour off so the
/// screen text is plain).
fn drover_line(args: &str) -> String {
    format!(
        "env -u CI -u CLICOLOR_FORCE NO_COLOR=1 {} {args}",
        env!("CARGO_BIN_EXE_drover")
    )
}

#[test]
fn progress_shows_while_a_slow_task_runs_and_the_recap_follows() {
    let fleet = fleet();
    let dir = tempdir();
    write(
        &dir.path().join("p.yml"),
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - name: slow\n      command: \"sleep {{ 0 if inventory_hostname == 'host01' else 4 }}\"\n",
    );
    let inventory = fleet.join("inventory.ini");
    let screen = Screen::start(
        "progress",
        dir.path(),
        &drover_line(&format!("play p.yml -i {}", inventory.display())),
    );
    let during = screen.wait_for("progress of the slow task", Duration::from_secs(30), |s| {
        s.contains("TASK [slow] 1/6") && s.contains("working: host02, host03, host04 +2 more")
    });
    assert!(during.contains("changed: [host01]"), "{during}");
    assert!(during.contains("changed=1 failed=0"), "{during}");
    let end = screen.wait_for("exit", Duration::from_secs(60), |s| exit_code(s).is_some());
    assert_eq!(exit_code(&end), Some(0), "{end}");
    assert!(end.contains("PLAY RECAP"), "{end}");
    assert!(
        end.contains("host06                    : ok=1    changed=1"),
        "{end}"
    );
    assert!(
        !end.contains("working:"),
        "the progress line stayed:\n{end}"
    );
}

/// The seconds shown for `host` in a progress line `still working: host02 5s, host03 5s, …`.
fn seconds_shown(screen: &str, host: &str) -> Option<u64> {
    let pattern = format!(r"still working: (?:[^,]*, )*{host} (\d+)s");
    let re = regex::Regex::new(&pattern).ok()?;
    re.captures_iter(screen)
        .last()?
        .get(1)?
        .as_str()
        .parse()
        .ok()
}

#[test]
fn a_long_task_shows_the_hosts_still_working_and_for_how_long_live() {
    let fleet = fleet();
    let dir = tempdir();
    write(
        &dir.path().join("p.yml"),
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - name: long\n      shell: \"sleep {{ 0 if inventory_hostname == 'host01' else 10 }}\"\n",
    );
    let inventory = fleet.join("inventory.ini");
    let screen = Screen::start(
        "long",
        dir.path(),
        &drover_line(&format!("play p.yml -i {}", inventory.display())),
    );
    let early = screen.wait_for("the hosts still working", Duration::from_secs(30), |s| {
        seconds_shown(s, "host02").is_some_and(|secs| secs >= 3)
    });
    assert!(
        early.contains("TASK [long] 1/6") && early.contains("still working: host02 "),
        "{early}"
    );
    let line = early
        .lines()
        .rev()
        .find(|l| l.contains("still working:"))
        .unwrap_or_default();
    assert!(
        regex::Regex::new(r"still working: host02 \d+s, host03 \d+s, host04 \d+s, \+2 more")
            .is_ok_and(|re| re.is_match(line)),
        "{line}"
    );
    let first = seconds_shown(&early, "host02").unwrap_or_default();
    let later = screen.wait_for("the time counting up", Duration::from_secs(10), |s| {
        seconds_shown(s, "host02").is_some_and(|secs| secs >= first + 2)
    });
    assert!(later.contains("TASK [long] 1/6"), "{later}");
    let end = screen.wait_for("exit", Duration::from_secs(60), |s| exit_code(s).is_some());
    assert_eq!(exit_code(&end), Some(0), "{end}");
    assert!(
        !end.contains("still working:"),
        "the progress line stayed:\n{end}"
    );
}

#[test]
fn ctrl_c_shows_the_recap_and_leaves_nothing_behind_on_the_hosts() {
    let fleet = fleet();
    let dir = tempdir();
    let big = dir.path().join("big.bin");
    let block: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
    let content: Vec<u8> = block.repeat(64);
    std::fs::write(&big, content).unwrap_or_else(|e| panic!("{e}"));
    write(
        &dir.path().join("p.yml"),
        &format!(
            "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - name: big copy\n      copy: src={} dest=/root/pty-big.bin\n    - name: sleep\n      command: sleep 300\n",
            big.display()
        ),
    );
    let inventory = fleet.join("inventory.ini");
    let screen = Screen::start(
        "ctrl-c",
        dir.path(),
        &drover_line(&format!("play p.yml -i {}", inventory.display())),
    );
    screen.wait_for("the copy under way", Duration::from_secs(60), |s| {
        s.contains("TASK [big copy] 0/6")
    });
    screen.keys(&["C-c"]);
    let end = screen.wait_for("exit", Duration::from_secs(60), |s| exit_code(s).is_some());
    assert_eq!(exit_code(&end), Some(130), "{end}");
    assert!(end.contains("PLAY RECAP"), "{end}");
    assert!(end.contains("interrupted="), "{end}");
    assert!(end.contains("User interrupted execution (SIGINT)"), "{end}");
    assert!(!end.contains("TASK [sleep]"), "{end}");
    for host in 1..=6 {
        let upper = fleet.join(format!("hosts/host{host:02}/upper"));
        let leftovers = temp_files(&upper);
        assert!(leftovers.is_empty(), "host{host:02}: {leftovers:?}");
    }
}

/// drover's remote temp files (`.NAME.drover.XXXXXX`) anywhere a host wrote.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            found.extend(temp_files(&path));
        } else if name.contains(".drover.") {
            found.push(path);
        }
    }
    found
}

#[test]
fn on_a_terminal_more_than_twenty_hosts_are_compact_by_default() {
    let dir = tempdir();
    let hosts: String = (1..=25)
        .map(|i| format!("h{i:02} ansible_connection=local\n"))
        .collect();
    write(&dir.path().join("hosts.ini"), &hosts);
    write(
        &dir.path().join("p.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: greet\n      debug: msg=hi\n",
    );
    let screen = Screen::start(
        "compact",
        dir.path(),
        &drover_line("play p.yml -i hosts.ini"),
    );
    let end = screen.wait_for("exit", Duration::from_secs(60), |s| exit_code(s).is_some());
    assert_eq!(exit_code(&end), Some(0), "{end}");
    assert!(
        end.contains("TASK [greet] ok=25 changed=0 failed=0 unreachable=0 skipped=0 (25 hosts,"),
        "{end}"
    );
    assert!(!end.contains("ok: [h01]"), "{end}");
    assert!(end.contains("h[01-25]                  : ok=1 "), "{end}");
}
