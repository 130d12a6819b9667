//! `--junit` and `--report` from a real fleet run with a failed and an unreachable host: the JUnit
//! file follows the schema, and the HTML page is rendered by headless Chromium (Debian's
//! `chromium`, installed by scripts/test) — its DOM after the page's script ran, and a screenshot.
//! Fails, never skips, without the fleet or without Chromium.

mod common;
#[path = "support/junit_schema.rs"]
mod junit_schema;

use common::{Outcome, run_in, tempdir, write};
use junit_schema::{check_counts, check_junit_10, children};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const PLAY: &str = r#"- name: Configure the fleet
  hosts: all
  gather_facts: false
  tasks:
    - name: Write config
      copy:
        content: "host={{ inventory_hostname }} run={{ run_id }}\n"
        dest: "/tmp/drover-report-{{ run_id }}.conf"
    - name: Break host03
      shell: "echo 'disk <full> & more' >&2; exit 3"
      when: inventory_hostname == 'host03'
    - name: Slow step
      command: sleep 0.3
    - name: Never
      debug: msg=never
      when: false
"#;

fn fleet_dir() -> PathBuf {
    let dir = std::env::var("DROVER_FLEET_DIR").unwrap_or_else(|_| {
        panic!("DROVER_FLEET_DIR is not set: these tests need the real fleet; run scripts/test")
    });
    let dir = PathBuf::from(dir);
    assert!(
        dir.join("inventory.ini").exists(),
        "the fleet is not up ({}/inventory.ini)",
        dir.display()
    );
    dir
}

/// A run on the fleet plus a host that cannot be reached (nothing listens on .250 of the fleet's net).
/// `test` keeps the file each test writes on the hosts its own (tests of one process run at once).
fn run_with_reports(dir: &Path, test: &str, extra: &[&str]) -> Outcome {
    let fleet = fleet_dir();
    let net = std::env::var("DROVER_FLEET_NET").unwrap_or_else(|_| "78".into());
    write(
        &dir.join("ghost.ini"),
        &format!("[ghosts]\nghost ansible_host=127.0.{net}.250 ansible_user=root\n"),
    );
    write(&dir.join("site.yml"), PLAY);
    let inventory = fleet.join("inventory.ini").display().to_string();
    let run_id = format!("run_id={test}-{}", std::process::id());
    let mut args = vec![
        "play",
        "site.yml",
        "-i",
        &inventory,
        "-i",
        "ghost.ini",
        "-e",
        &run_id,
        "--junit",
        "results.xml",
        "--report",
        "run.html",
        "-T",
        "3",
    ];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

fn chromium() -> &'static str {
    for candidate in ["chromium", "chromium-browser", "google-chrome"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {candidate}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if found {
            return candidate;
        }
    }
    panic!("no headless Chromium: `apt-get install chromium` (scripts/test installs it)")
}

/// Chromium, headless, on `page` (`file://…#…`), with a profile of its own.
fn headless(page: &str, profile: &Path, what: &[&str]) -> std::process::Output {
    Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=3000", "--window-size=1280,1100"])
        .args(what)
        .arg(page)
        .output()
        .unwrap_or_else(|e| panic!("chromium: {e}"))
}

fn dom(page: &Path, hash: &str, profile: &Path) -> String {
    let url = format!("file://{}#{hash}", page.display());
    let out = headless(&url, profile, &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("data-ready=\"true\""),
        "the page's script did not finish\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dom
}

/// The inlined data of the page, as the page's script reads it.
fn inlined_data(html: &str) -> Value {
    let start = html
        .find("id=\"run-data\">")
        .map(|i| i + "id=\"run-data\">".len());
    let json = start
        .and_then(|s| html[s..].find("</script>").map(|e| &html[s..s + e]))
        .unwrap_or_else(|| panic!("no inlined run data"));
    serde_json::from_str(json).unwrap_or_else(|e| panic!("inlined data: {e}"))
}

/// `play.task.result` of `host`'s result for the task named `task`.
fn result_id(data: &Value, host: &str, task: &str) -> String {
    for (p, play) in data["plays"].as_array().into_iter().flatten().enumerate() {
        for (t, entry) in play["tasks"].as_array().into_iter().flatten().enumerate() {
            if entry["name"] != task {
                continue;
            }
            for (r, result) in entry["results"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                if result["host"] == host {
                    return format!("{p}.{t}.{r}");
                }
            }
        }
    }
    panic!("no result of {task} on {host}")
}

fn visible_rows(dom: &str) -> usize {
    dom.matches("<tr class=\"host-row\"").count()
}

#[test]
fn junit_of_a_fleet_run_has_failures_and_errors() {
    let tmp = tempdir();
    let out = run_with_reports(tmp.path(), "junit", &[]);
    assert_eq!(out.code, 4, "{}", out.show());
    let xml = std::fs::read_to_string(tmp.path().join("results.xml"))
        .unwrap_or_else(|e| panic!("{e}\n{}", out.show()));
    assert_eq!(check_junit_10(&xml), Vec::<String>::new(), "{xml}");
    assert_eq!(check_counts(&xml), Vec::<String>::new(), "{xml}");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}"));
    let case = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
            .unwrap_or_else(|| panic!("no testcase {name}\n{xml}"))
    };
    let error = children(case("[ghost] Write config"), "error").next();
    assert_eq!(error.and_then(|e| e.attribute("type")), Some("unreachable"));
    let failure = children(case("[host03] Break host03"), "failure").next();
    let failure = failure.unwrap_or_else(|| panic!("{xml}"));
    assert!(
        failure
            .text()
            .is_some_and(|t| t.contains("disk <full> & more")),
        "{xml}"
    );
    let slow = case("[host01] Slow step");
    let time = slow.attribute("time").unwrap_or_default();
    assert!(
        time.split_once('.')
            .is_some_and(|(s, f)| s.parse::<u64>().is_ok() && f.len() == 3),
        "a time in seconds with milliseconds: {time:?}"
    );
}

#[test]
fn html_report_of_a_fleet_run_renders_in_chromium() {
    let tmp = tempdir();
    let out = run_with_reports(tmp.path(), "html", &["--diff"]);
    assert_eq!(out.code, 4, "{}", out.show());
    let page = tmp.path().join("run.html");
    let html = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{e}\n{}", out.show()));
    for outside in ["src=", "href=", "url(", "@import", "http://", "https://"] {
        assert!(
            !html.contains(outside),
            "the page must need nothing outside itself: {outside}"
        );
    }
    let data = inlined_data(&html);
    let profile = tmp.path().join("chromium-profile");

    // As opened: every host a row, every status a colour, the first failure shown.
    let opened = dom(&page, "", &profile);
    assert_eq!(visible_rows(&opened), 7, "6 fleet hosts and the ghost");
    for (status, at_least) in [
        ("changed", 6),
        ("failed", 1),
        ("unreachable", 1),
        ("skipped", 6),
        ("ok", 0),
    ] {
        let cells = opened.matches(&format!("cell s-{status}")).count();
        assert!(cells >= at_least, "{status}: {cells} cells");
    }
    assert!(
        opened.contains("<td class=\"host w-unreachable\">ghost</td>"),
        "the recap marks the unreachable host"
    );
    let rows: Vec<&str> = opened
        .split("<tr class=\"host-row\" data-host=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .collect();
    assert_eq!(
        rows,
        [
            "host01", "host02", "host03", "host04", "host05", "host06", "ghost"
        ],
        "rows in inventory order, whatever order the results came in"
    );
    assert!(
        !opened.contains("id=\"detail\" class=\"empty\""),
        "a problem is shown at once"
    );

    // A failure's cell: its message and stderr.
    let failed = result_id(&data, "host03", "Break host03");
    let shown = dom(&page, &format!("show={failed}"), &profile);
    assert!(shown.contains("host03 · Break host03"), "{shown}");
    assert!(
        shown.contains("disk &lt;full&gt; &amp; more"),
        "stderr shown"
    );

    // A changed cell: its diff, lines coloured.
    let changed = result_id(&data, "host01", "Write config");
    let diff = dom(&page, &format!("show={changed}"), &profile);
    assert!(
        diff.contains("<span class=\"add\">+host=host01 run="),
        "the diff of host01's file"
    );

    // Filters: a host pattern, then a status.
    let some = dom(&page, "hosts=host0[1-3]", &profile);
    assert!(some.contains("3 of 7 hosts"), "host pattern filter");
    assert_eq!(some.matches("class=\"host-row hidden\"").count(), 4);
    let unreachable = dom(&page, "status=unreachable", &profile);
    assert!(unreachable.contains("1 of 7 hosts"), "status filter");

    // The waterfall: one lane per host, a bar per task that ran on it.
    assert_eq!(opened.matches("<div class=\"lane\"").count(), 7);
    assert!(opened.matches("class=\"bar s-").count() >= 6 * 3);

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fleet-report.png");
    let url = format!("file://{}#show={failed}", page.display());
    let out = headless(
        &url,
        &profile,
        &[&format!("--screenshot={}", shot.display())],
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot {}: {e}\n{}",
            shot.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    assert_eq!((width, height), (1280, 1100));
    assert!(png.len() > 20_000, "a page with content, not a blank one");
}
