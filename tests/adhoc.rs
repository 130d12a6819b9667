//! `drover run` as a user types it, over the local connection: the words after `--` are one shell
//! line (as ssh runs them), and the output can be grepped by host.

mod common;

use common::{Outcome, run, tempdir, write};
use std::path::Path;

/// An inventory of local hosts (`host01 ansible_connection=local`, …) with per-host `extra` text.
fn local_hosts(dir: &Path, hosts: &[(&str, &str)]) -> String {
    let text: String = hosts
        .iter()
        .map(|(name, extra)| format!("{name} ansible_connection=local {extra}\n"))
        .collect();
    let inv = dir.join("hosts.ini");
    write(&inv, &text);
    inv.display().to_string()
}

fn localhost(dir: &Path) -> String {
    local_hosts(dir, &[("localhost", "")])
}

/// `drover run all -i INV <words…>`.
fn adhoc(inv: &str, words: &[&str]) -> Outcome {
    let mut args = vec!["run", "all", "-i", inv];
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
fn a_quoted_command_is_one_shell_line() {
    let root = tempdir();
    let inv = localhost(root.path());
    let one = adhoc(&inv, &["--", "cat /etc/os-release"]);
    assert_eq!(one.code, 0, "{}", one.show());
    assert!(
        stdout_of(&one, "localhost")
            .iter()
            .any(|l| l.starts_with("ID=")),
        "{}",
        one.show()
    );
    let many = adhoc(&inv, &["--", "cat", "/etc/os-release"]);
    assert_eq!(one.stdout, many.stdout, "one word or many, the same line");
}

#[test]
fn pipes_work_with_and_without_shell_module() {
    let root = tempdir();
    let inv = localhost(root.path());
    for words in [
        vec!["-m", "shell", "--", "echo a | tr a b"],
        vec!["--", "echo a | tr a b"],
        vec!["-m", "command", "--", "echo", "a", "|", "tr", "a", "b"],
        vec!["-m", "raw", "--", "echo a | tr a b"],
    ] {
        let out = adhoc(&inv, &words);
        assert_eq!(out.code, 0, "{words:?}: {}", out.show());
        assert_eq!(
            stdout_of(&out, "localhost"),
            ["b"],
            "{words:?}: {}",
            out.show()
        );
    }
}

#[test]
fn quotes_variables_globs_and_several_lines_are_the_shells() {
    let root = tempdir();
    let dir = root.path();
    write(&dir.join("files/one.txt"), "");
    write(&dir.join("files/two.txt"), "");
    write(&dir.join("files/three.log"), "");
    let inv = localhost(dir);
    let glob = format!("ls {}/files/*.txt | xargs -n1 basename", dir.display());
    let cases: [(&str, &[&str]); 5] = [
        (r#"printf '%s|' "a  b" 'c "d"'; echo"#, &[r#"a  b|c "d"|"#]),
        (r#"GREETING=hi; echo "$GREETING ${#GREETING}""#, &["hi 2"]),
        (&glob, &["one.txt", "two.txt"]),
        ("echo one\nif true; then\n  echo two\nfi", &["one", "two"]),
        (
            "echo {{ not_jinja }} {% neither %}",
            &["{{ not_jinja }} {% neither %}"],
        ),
    ];
    for (line, expected) in cases {
        let out = adhoc(&inv, &["--", line]);
        assert_eq!(out.code, 0, "{line}: {}", out.show());
        assert_eq!(
            stdout_of(&out, "localhost"),
            expected,
            "{line}: {}",
            out.show()
        );
    }
}

#[test]
fn dash_a_keeps_ansible_command_semantics() {
    let root = tempdir();
    let inv = local_hosts(root.path(), &[("localhost", "colour=blue")]);
    let out = adhoc(&inv, &["-a", "echo a | tr {{ colour }} b"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        stdout_of(&out, "localhost"),
        ["a | tr blue b"],
        "command with -a: no shell, templated: {}",
        out.show()
    );
    let out = adhoc(&inv, &["--", "echo", "a", "b", "-a"]);
    assert_eq!(stdout_of(&out, "localhost"), ["a b -a"], "{}", out.show());
}

#[test]
fn every_line_names_its_host_and_stream() {
    let root = tempdir();
    let inv = local_hosts(root.path(), &[("web1", ""), ("web2", "")]);
    let out = adhoc(
        &inv,
        &[
            "-m",
            "shell",
            "-a",
            "printf 'one\\ntwo\\n'; echo oops >&2; [ {{ inventory_hostname }} = web1 ]",
        ],
    );
    assert_eq!(out.code, 2, "web2 failed: {}", out.show());
    for host in ["web1", "web2"] {
        assert_eq!(stdout_of(&out, host), ["one", "two"], "{}", out.show());
        assert!(
            out.stdout
                .lines()
                .any(|l| l == format!("{host} [stderr]: oops")),
            "{}",
            out.show()
        );
    }
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.contains(&"web2 [failed]: rc=1"), "{}", out.show());
    assert!(
        !out.stdout.contains("web1 [failed]"),
        "web1 succeeded: {}",
        out.show()
    );
    assert!(
        out.stdout
            .ends_with("\n2 hosts: 1 ok (1 changed), 1 failed, 0 unreachable\nfailed: web2\n"),
        "{}",
        out.show()
    );
}

#[test]
fn collate_groups_hosts_with_the_same_output() {
    let root = tempdir();
    let inv = local_hosts(
        root.path(),
        &[
            ("host01", "word=same"),
            ("host02", "word=same"),
            ("host03", "word=same"),
            ("host04", "word=other"),
            ("host05", "word=same"),
        ],
    );
    let out = adhoc(&inv, &["-a", "echo {{ word }}", "--collate"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let rule = "-".repeat(16);
    assert!(
        out.stdout.starts_with(&format!(
            "{rule}\nhost[01-03,05]\n{rule}\nsame\n{rule}\nhost04\n{rule}\nother\n\n5 hosts:"
        )),
        "{}",
        out.show()
    );
}

#[test]
fn ansible_format_keeps_the_ansible_layout() {
    let root = tempdir();
    let inv = localhost(root.path());
    let out = adhoc(
        &inv,
        &["--format", "ansible", "--", "echo hi; echo err >&2"],
    );
    assert!(
        out.stdout
            .starts_with("localhost | CHANGED | rc=0 >>\nhi\nerr\n"),
        "{}",
        out.show()
    );
    let ping = adhoc(&inv, &["-m", "ping"]);
    assert!(
        ping.stdout.starts_with("localhost | SUCCESS => {\n"),
        "modules other than command/shell default to Ansible's layout: {}",
        ping.show()
    );
}

#[test]
fn output_dir_holds_each_hosts_streams() {
    let root = tempdir();
    let inv = local_hosts(root.path(), &[("web1", ""), ("web2", "")]);
    let dir = root.path().join("out/new");
    let dir_arg = dir.display().to_string();
    let out = adhoc(
        &inv,
        &[
            "--output-dir",
            &dir_arg,
            "--",
            "echo hello; echo warn >&2; exit 3",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    for host in ["web1", "web2"] {
        let read = |ext: &str| {
            std::fs::read_to_string(dir.join(format!("{host}.{ext}")))
                .unwrap_or_else(|e| panic!("{host}.{ext}: {e}\n{}", out.show()))
        };
        assert_eq!(read("stdout"), "hello\n");
        assert_eq!(read("stderr"), "warn\n");
        assert_eq!(read("rc"), "3\n");
    }
    assert_eq!(stdout_of(&out, "web1"), ["hello"], "still printed");
}

#[test]
fn check_diff_shows_what_copy_would_change() {
    let root = tempdir();
    let inv = localhost(root.path());
    let dest = root.path().join("f");
    let args = format!("content=x dest={}", dest.display());
    let out = adhoc(&inv, &["--check", "--diff", "-m", "copy", "-a", &args]);
    assert_eq!(out.code, 0, "{}", out.show());
    let diff_at = out
        .stdout
        .find("+x")
        .unwrap_or_else(|| panic!("no diff: {}", out.show()));
    let host_at = out
        .stdout
        .find("localhost | CHANGED")
        .unwrap_or_else(|| panic!("{}", out.show()));
    assert!(diff_at < host_at, "the diff comes first: {}", out.show());
    assert!(!dest.exists(), "check mode changes nothing");
}

#[test]
fn json_output_is_unchanged() {
    let root = tempdir();
    let inv = localhost(root.path());
    let out = adhoc(&inv, &["--output", "json", "--", "echo a | tr a b"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.show()));
    let result = &doc["plays"][0]["tasks"][0]["hosts"]["localhost"];
    assert_eq!(result["status"], "changed", "{doc}");
    assert_eq!(result["stdout"], "b", "{doc}");
}

#[test]
fn bad_output_dir_is_an_options_error() {
    let root = tempdir();
    let inv = localhost(root.path());
    let file = root.path().join("a-file");
    write(&file, "");
    let dir = file.join("sub").display().to_string();
    let out = adhoc(&inv, &["--output-dir", &dir, "--", "true"]);
    assert_eq!(out.code, 5, "{}", out.show());
    assert!(
        out.stderr.contains(&format!("--output-dir {dir}")),
        "names the directory: {}",
        out.show()
    );
}

#[test]
fn a_command_module_without_a_command_is_refused_before_running() {
    let root = tempdir();
    let inv = localhost(root.path());
    for words in [vec![], vec!["-m", "shell"], vec!["-a", ""]] {
        let out = adhoc(&inv, &words);
        assert_eq!(out.code, 5, "{words:?}: {}", out.show());
        assert!(
            out.stderr.contains("No argument passed to"),
            "{words:?}: {}",
            out.show()
        );
        assert!(out.stdout.is_empty(), "no host was run: {}", out.show());
    }
}
