use super::*;
use crate::exec::HostStats;
use serde_json::json;

fn command_result(status: Status, rc: i64, stdout: &str, stderr: &str) -> TaskResult {
    let mut r = Map::new();
    r.insert("changed".into(), json!(status == Status::Changed));
    r.insert("rc".into(), json!(rc));
    r.insert("stdout".into(), json!(stdout));
    r.insert("stderr".into(), json!(stderr));
    if status == Status::Failed {
        r.insert("failed".into(), json!(true));
        r.insert("msg".into(), json!("non-zero return code"));
    }
    TaskResult::new(status, r, "shell")
}

fn view(format: AdhocFormat, collate: bool) -> AdhocView {
    AdhocView {
        format,
        collate,
        diff: true,
        output_dir: None,
    }
}

/// Feeds the results in order, then the summary (hosts in the given order), and returns the text.
fn report(view: AdhocView, results: &[(&str, TaskResult)]) -> String {
    let mut out = Vec::new();
    let mut reporter = AdhocReporter::new(&mut out, false, view);
    let mut summary = RunSummary::default();
    let mut names: Vec<&str> = results.iter().map(|(h, _)| *h).collect();
    names.sort();
    for name in names {
        summary.stats.insert(name.to_string(), HostStats::default());
    }
    for (host, result) in results {
        reporter.host_result(host, None, result);
        if let Some(stats) = summary.stats.get_mut(*host) {
            stats.count(result);
        }
    }
    reporter.recap(&summary);
    drop(reporter);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn every_line_is_prefixed_with_its_host() {
    let text = report(
        view(AdhocFormat::Lines, false),
        &[
            ("web1", command_result(Status::Changed, 0, "a\n\nb", "")),
            (
                "web2",
                command_result(Status::Failed, 3, "out", "warn 1\nwarn 2"),
            ),
        ],
    );
    assert_eq!(
        text,
        "web1: a\nweb1: \nweb1: b\n\
         web2: out\nweb2 [stderr]: warn 1\nweb2 [stderr]: warn 2\nweb2 [failed]: rc=3\n\
         \n2 hosts: 1 ok (1 changed), 1 failed, 0 unreachable\nfailed: web2\n"
    );
}

#[test]
fn unreachable_and_module_failures_are_marked_lines() {
    let text = report(
        view(AdhocFormat::Lines, false),
        &[
            (
                "db1",
                TaskResult::unreachable("connection refused\nretry later".into(), "shell"),
            ),
            (
                "db2",
                TaskResult::failed("no command given".into(), "shell"),
            ),
        ],
    );
    assert!(
        text.starts_with(
            "db1 [unreachable]: connection refused\ndb1 [unreachable]: retry later\n\
             db2 [failed]: no command given\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with(
            "0 ok (0 changed), 1 failed, 1 unreachable\nfailed: db2\nunreachable: db1\n"
        ),
        "{text}"
    );
}

#[test]
fn collate_groups_identical_outputs_under_a_host_list() {
    let same = || command_result(Status::Changed, 0, "bookworm", "");
    let text = report(
        view(AdhocFormat::Lines, true),
        &[
            ("host05", same()),
            ("host02", same()),
            (
                "host04",
                command_result(Status::Failed, 1, "", "no such file"),
            ),
            ("host01", same()),
            ("host03", same()),
        ],
    );
    let rule = "-".repeat(16);
    assert_eq!(
        text,
        format!(
            "{rule}\nhost[01-03,05]\n{rule}\nbookworm\n\
             {rule}\nhost04\n{rule}\n[stderr] no such file\n[failed] rc=1\n\
             \n5 hosts: 4 ok (4 changed), 1 failed, 0 unreachable\nfailed: host04\n"
        )
    );
}

#[test]
fn ansible_layout_is_kept() {
    let text = report(
        view(AdhocFormat::Ansible, false),
        &[("web1", command_result(Status::Changed, 0, "out", "err"))],
    );
    assert!(
        text.starts_with("web1 | CHANGED | rc=0 >>\nout\nerr\n"),
        "{text}"
    );
    let mut ping = Map::new();
    ping.insert("ping".into(), json!("pong"));
    let text = report(
        view(AdhocFormat::Ansible, false),
        &[("web1", TaskResult::new(Status::Ok, ping, "ping"))],
    );
    assert!(
        text.starts_with("web1 | SUCCESS => {\n    \"ping\": \"pong\"\n}\n"),
        "{text}"
    );
}

#[test]
fn collate_in_ansible_layout_names_the_host_list() {
    let text = report(
        view(AdhocFormat::Ansible, true),
        &[
            ("web2", command_result(Status::Changed, 0, "x", "")),
            ("web1", command_result(Status::Changed, 0, "x", "")),
        ],
    );
    assert!(
        text.starts_with("web[1-2] | CHANGED | rc=0 >>\nx\n"),
        "{text}"
    );
}

#[test]
fn diffs_come_before_the_host_line() {
    let mut result = TaskResult::new(Status::Changed, Map::new(), "copy");
    result.diffs.push(drover_modules::Diff {
        before_header: "/tmp/f".into(),
        after_header: "/tmp/f".into(),
        before: String::new(),
        after: "x\n".into(),
    });
    let text = report(
        view(AdhocFormat::Ansible, false),
        &[("web1", result.clone())],
    );
    assert!(
        text.starts_with("--- /tmp/f\n+++ /tmp/f\n@@ -0,0 +1 @@\n+x\nweb1 | CHANGED => {}\n"),
        "{text}"
    );
    let mut quiet = view(AdhocFormat::Ansible, false);
    quiet.diff = false;
    let text = report(quiet, &[("web1", result)]);
    assert!(text.starts_with("web1 | CHANGED"), "{text}");
}

#[test]
fn output_dir_gets_one_file_per_stream() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut with_dir = view(AdhocFormat::Lines, false);
    with_dir.output_dir = Some(dir.path().to_path_buf());
    let stale = dir.path().join("web2.rc");
    std::fs::write(&stale, "0\n").unwrap_or_else(|e| panic!("{e}"));
    report(
        with_dir,
        &[
            ("web1", command_result(Status::Failed, 2, "out", "err")),
            ("web2", TaskResult::unreachable("refused".into(), "shell")),
        ],
    );
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    assert_eq!(read("web1.stdout"), "out\n");
    assert_eq!(read("web1.stderr"), "err\n");
    assert_eq!(read("web1.rc"), "2\n");
    assert_eq!(read("web2.stdout"), "");
    assert_eq!(read("web2.stderr"), "refused\n");
    assert!(!stale.exists(), "no command ran on web2: no rc file");
}
