//! `drover run` against the real fleet (tests/fleet/fleet.sh, started by `scripts/test`): the words
//! after `--` are one shell line as ssh runs it, and every output line names its host. These tests
//! fail — never skip — when the fleet is not there.

mod common;

use common::{Fleet, Outcome, run, tempdir, write};
use std::path::Path;

fn fleet() -> Fleet {
    common::fleet_of_at_least(5)
}

impl Fleet {
    /// An inventory of the fleet (plus `extra` lines in `[fleet]`), with the fleet's known_hosts.
    fn inventory(&self, at: &Path, extra: &str) -> String {
        let mut text = String::from("[fleet]\n");
        for (name, addr) in &self.hosts {
            text.push_str(&format!("{name} ansible_host={addr}\n"));
        }
        text.push_str(extra);
        text.push_str(&format!(
            "\n[all:vars]\nansible_user=root\nansible_ssh_private_key_file={}\nansible_ssh_common_args='-o UserKnownHostsFile={}'\n",
            self.dir.join("id_ed25519").display(),
            self.dir.join("known_hosts").display()
        ));
        let path = at.join("hosts.ini");
        write(&path, &text);
        path.display().to_string()
    }

    fn names(&self) -> Vec<&str> {
        self.hosts.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// An address of this fleet's loopback net where no sshd listens.
    fn silent_address(&self) -> String {
        let first = &self.hosts[0].1;
        let net = first
            .rsplit_once('.')
            .map_or(first.as_str(), |(net, _)| net);
        format!("{net}.250")
    }
}

fn adhoc(inv: &str, words: &[&str]) -> Outcome {
    let mut args = vec!["run", "fleet", "-i", inv];
    args.extend_from_slice(words);
    run(&args)
}

/// The lines a host printed on stdout, without the `host: ` prefix.
fn stdout_of(out: &Outcome, host: &str) -> Vec<String> {
    let prefix = format!("{host}: ");
    out.stdout
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(str::to_string)
        .collect()
}

#[test]
fn fleet_quoted_command_runs_as_one_line_on_every_host() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), "");
    let out = adhoc(&inv, &["--", "cat /etc/os-release"]);
    assert_eq!(out.code, 0, "{}", out.show());
    for name in fleet.names() {
        assert!(
            stdout_of(&out, name).iter().any(|l| l == "ID=debian"),
            "{name}: {}",
            out.show()
        );
    }
    let hostname = adhoc(&inv, &["--", "cat", "/etc/hostname"]);
    for name in fleet.names() {
        assert_eq!(stdout_of(&hostname, name), [name], "{}", hostname.show());
    }
    let n = fleet.hosts.len();
    assert!(
        hostname.stdout.ends_with(&format!(
            "\n{n} hosts: {n} ok ({n} changed), 0 failed, 0 unreachable\n"
        )),
        "{}",
        hostname.show()
    );
}

#[test]
fn fleet_shell_lines_keep_pipes_quotes_variables_globs_and_newlines() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), "");
    let cases: [(&[&str], &[&str]); 7] = [
        (&["-m", "shell", "--", "echo a | tr a b"], &["b"]),
        (&["--", "echo a | tr a b"], &["b"]),
        (
            &["--", r#"printf '%s|' "a  b" 'c "d"'; echo"#],
            &[r#"a  b|c "d"|"#],
        ),
        (&["--", r#"echo "$HOME" $((6 * 7))"#], &["/root 42"]),
        (&["--", "X=abc; echo ${#X}"], &["3"]),
        (&["--", "echo /etc/hostnam*"], &["/etc/hostname"]),
        (
            &["--", "for w in one two; do\n  echo $w\ndone"],
            &["one", "two"],
        ),
    ];
    for (words, expected) in cases {
        let out = adhoc(&inv, words);
        assert_eq!(out.code, 0, "{words:?}: {}", out.show());
        for name in fleet.names() {
            assert_eq!(stdout_of(&out, name), expected, "{words:?}: {}", out.show());
        }
    }
}

#[test]
fn fleet_stderr_and_failures_are_marked_per_host() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), "");
    let (bad, _) = &fleet.hosts[1];
    let line = format!(
        "echo out; if [ \"$(cat /etc/hostname)\" = {bad} ]; then echo broken >&2; exit 4; fi"
    );
    let out = adhoc(&inv, &["--", &line]);
    assert_eq!(out.code, 2, "{}", out.show());
    let lines: Vec<&str> = out.stdout.lines().collect();
    for name in fleet.names() {
        assert_eq!(stdout_of(&out, name), ["out"], "{}", out.show());
        let marked = lines.contains(&format!("{name} [stderr]: broken").as_str());
        assert_eq!(marked, name == bad, "{name}: {}", out.show());
    }
    assert!(
        lines.contains(&format!("{bad} [failed]: rc=4").as_str()),
        "{}",
        out.show()
    );
    assert!(
        out.stdout.ends_with(&format!("failed: {bad}\n")),
        "{}",
        out.show()
    );
}

#[test]
fn fleet_unreachable_host_is_a_marked_line() {
    let fleet = fleet();
    let tmp = tempdir();
    let extra = format!("ghost ansible_host={}\n", fleet.silent_address());
    let inv = fleet.inventory(tmp.path(), &extra);
    let out = adhoc(&inv, &["-T", "3", "--", "true"]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("ghost [unreachable]: ")),
        "{}",
        out.show()
    );
    assert!(
        out.stdout.ends_with("unreachable: ghost\n"),
        "{}",
        out.show()
    );
}

#[test]
fn fleet_collate_groups_identical_output() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), "");
    let out = adhoc(&inv, &["--collate", "--", "grep ^ID= /etc/os-release"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let rule = "-".repeat(16);
    let all = drover::report::compress_hosts(&fleet.names());
    assert!(all.contains('['), "the fleet's names compress: {all}");
    assert!(
        out.stdout
            .starts_with(&format!("{rule}\n{all}\n{rule}\nID=debian\n\n")),
        "{}",
        out.show()
    );
    let each = adhoc(&inv, &["--collate", "--", "cat /etc/hostname"]);
    for name in fleet.names() {
        assert!(
            each.stdout
                .contains(&format!("{rule}\n{name}\n{rule}\n{name}\n")),
            "{name}: {}",
            each.show()
        );
    }
}

#[test]
fn fleet_output_dir_has_each_hosts_streams() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), "");
    let dir = tmp.path().join("out");
    let dir_arg = dir.display().to_string();
    let out = adhoc(
        &inv,
        &[
            "--output-dir",
            &dir_arg,
            "--",
            "cat /etc/hostname; echo e >&2",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    for name in fleet.names() {
        let read = |ext: &str| {
            std::fs::read_to_string(dir.join(format!("{name}.{ext}")))
                .unwrap_or_else(|e| panic!("{name}.{ext}: {e}"))
        };
        assert_eq!(read("stdout"), format!("{name}\n"));
        assert_eq!(read("stderr"), "e\n");
        assert_eq!(read("rc"), "0\n");
    }
}

#[test]
fn fleet_check_diff_shows_the_copy_diff() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path(), "");
    let dest = format!("/srv/adhoc-diff-{}", std::process::id());
    let args = format!("content=hello dest={dest}");
    let out = adhoc(&inv, &["--check", "--diff", "-m", "copy", "-a", &args]);
    assert_eq!(out.code, 0, "{}", out.show());
    let diffs = out.stdout.matches("+hello").count();
    assert_eq!(
        diffs,
        fleet.hosts.len(),
        "one diff per host: {}",
        out.show()
    );
    for name in fleet.names() {
        assert!(
            out.stdout.contains(&format!("{name} | CHANGED")),
            "{}",
            out.show()
        );
    }
    let exists = adhoc(
        &inv,
        &[
            "--",
            &format!("test -e {dest} && echo present || echo absent"),
        ],
    );
    for name in fleet.names() {
        assert_eq!(stdout_of(&exists, name), ["absent"], "{}", exists.show());
    }
}
