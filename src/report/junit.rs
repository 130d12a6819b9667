//! `--junit FILE`: JUnit XML for CI test reporters (GitLab, GitHub actions, Jenkins), written in
//! addition to the normal output. One `<testsuite>` per play, one `<testcase>` per task × host;
//! a failed host-task is a `<failure>` (message and stderr), an unreachable host an `<error>`, a
//! skipped one `<skipped>`. Shaped after the schema Jenkins' xunit plugin calls `junit-10.xsd`
//! (Surefire's format), which is what those reporters read; the tests validate against that XSD
//! (see tests/data/junit/README.md).
//!
//! The file is rewritten at every recap, so a run of several playbooks leaves all of them in it.

use super::record::{HostRecord, PlayRecord, RunRecord, TaskRecord};
use super::record_file::{RecordFile, RecordFormat};
use crate::yaml::Origin;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `--junit FILE`: the run's record as JUnit XML.
pub struct Junit;

impl RecordFormat for Junit {
    const OPTION: &'static str = "--junit";
    fn render(&self, record: &RunRecord) -> Result<String, String> {
        Ok(junit_xml(record))
    }
}

pub type JunitReporter = RecordFile<Junit>;

impl JunitReporter {
    pub fn new(path: PathBuf) -> Self {
        RecordFile::with_format(path, RunRecord::default(), Junit)
    }
}

/// `--junit` for a run that could not start (a playbook or inventory that does not load): one
/// suite, `load`, with a case per error that is an `<error type="load">` naming its file:line, so
/// the CI page says why there are no results instead of finding no file.
pub fn write_load_errors(path: &Path, errors: &[(String, Option<Origin>)]) -> Result<(), String> {
    std::fs::write(path, load_errors_xml(errors))
        .map_err(|e| format!("--junit {}: {e}", path.display()))
}

fn load_errors_xml(errors: &[(String, Option<Origin>)]) -> String {
    let mut cases = String::new();
    for (message, origin) in errors {
        let place = origin.as_ref().map(|o| o.to_string()).unwrap_or_default();
        let name = if place.is_empty() {
            "load".to_string()
        } else {
            place.clone()
        };
        let _ = write!(
            cases,
            "    <testcase name=\"{}\" classname=\"load\" time=\"0.000\">\n      <error message=\"{}\" type=\"load\">{}</error>\n    </testcase>\n",
            attr(&name),
            attr(message),
            text(&located(&place, message))
        );
    }
    let n = errors.len();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"drover\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" time=\"0.000\">\n  <testsuite name=\"load\" id=\"0\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" skipped=\"0\" time=\"0.000\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

/// `file:line: message`, unless the message names its place already.
fn located(place: &str, message: &str) -> String {
    if place.is_empty() || message.starts_with(place) {
        message.to_string()
    } else {
        format!("{place}: {message}")
    }
}

/// Counts of one suite (or all of them).
#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn of_play(play: &PlayRecord) -> Self {
        let mut counts = Counts::default();
        for result in play.tasks.iter().flat_map(|t| &t.results) {
            counts.tests += 1;
            match result.status {
                "unreachable" => counts.errors += 1,
                "skipped" => counts.skipped += 1,
                _ if result.failed() => counts.failures += 1,
                _ => {}
            }
        }
        counts
    }

    fn add(&mut self, other: &Counts) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
    }
}

/// The whole document.
pub fn junit_xml(record: &RunRecord) -> String {
    let mut suites = String::new();
    let mut total = Counts::default();
    for (index, play) in record.plays.iter().enumerate() {
        let counts = Counts::of_play(play);
        total.add(&counts);
        suites.push_str(&suite_xml(record, index, play, &counts));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"drover\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">\n{suites}</testsuites>\n",
        total.tests,
        total.failures,
        total.errors,
        seconds(record.duration)
    )
}

fn suite_xml(record: &RunRecord, index: usize, play: &PlayRecord, counts: &Counts) -> String {
    let end = record
        .plays
        .get(index + 1)
        .map_or(record.duration, |next| next.start);
    let name = if play.name.is_empty() {
        play.hosts.clone()
    } else {
        play.name.clone()
    };
    let mut xml = format!(
        "  <testsuite name=\"{}\" id=\"{index}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\" file=\"{}\">\n",
        attr(&name),
        counts.tests,
        counts.failures,
        counts.errors,
        counts.skipped,
        seconds(end - play.start),
        attr(&record.started_at),
        attr(&play.path),
    );
    for task in &play.tasks {
        // Cases in inventory order, not in the order results happened to arrive.
        let mut results: Vec<&HostRecord> = task.results.iter().collect();
        results.sort_by_key(|r| record.hosts.iter().position(|h| *h == r.host));
        for result in results {
            xml.push_str(&case_xml(&name, task, result));
        }
    }
    xml.push_str("  </testsuite>\n");
    xml
}

/// `<testcase name="[web1] Install nginx" classname="Play name.Install nginx">`: host first, so a
/// CI page sorted by name groups a host's tasks.
fn case_xml(play_name: &str, task: &TaskRecord, result: &HostRecord) -> String {
    let handler = if task.handler { "handler: " } else { "" };
    let mut xml = format!(
        "    <testcase name=\"[{}] {handler}{}\" classname=\"{}\" time=\"{}\">\n",
        attr(&result.host),
        attr(&task.name),
        attr(&format!("{play_name}.{}", task.name)),
        seconds(result.duration),
    );
    match result.status {
        "unreachable" => xml.push_str(&outcome_xml("error", "unreachable", result)),
        "skipped" => {
            let reason = result
                .result
                .get("skip_reason")
                .and_then(|v| v.as_str())
                .unwrap_or("Conditional result was False");
            let _ = writeln!(xml, "      <skipped message=\"{}\"/>", attr(reason));
        }
        _ if result.failed() => xml.push_str(&outcome_xml("failure", "failed", result)),
        _ => {}
    }
    let stdout = result.stdout();
    if !stdout.is_empty() {
        let _ = writeln!(xml, "      <system-out>{}</system-out>", text(&stdout));
    }
    let stderr = result.stderr();
    if !stderr.is_empty() {
        let _ = writeln!(xml, "      <system-err>{}</system-err>", text(&stderr));
    }
    xml.push_str("    </testcase>\n");
    xml
}

/// `<failure message="…" type="failed">` with the stderr and the whole result as its text: what a
/// CI page shows when the case is opened.
fn outcome_xml(element: &str, kind: &str, result: &HostRecord) -> String {
    let mut body = String::new();
    let stderr = result.stderr();
    if !stderr.is_empty() {
        let _ = writeln!(body, "stderr:\n{stderr}");
    }
    let shown = serde_json::to_string_pretty(&result.result).unwrap_or_default();
    let _ = write!(body, "result:\n{shown}");
    format!(
        "      <{element} message=\"{}\" type=\"{kind}\">{}</{element}>\n",
        attr(&result.message()),
        text(&body)
    )
}

/// Seconds as JUnit writes them: `1.234`.
fn seconds(value: f64) -> String {
    format!("{:.3}", value.max(0.0))
}

/// Text content: escaped, and without the characters XML 1.0 cannot carry at all (a command's
/// output may hold any byte).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if xml_char(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
    out
}

/// Attribute values: as text, and quotes and line breaks as references so they survive.
fn attr(value: &str) -> String {
    text(value)
        .replace('"', "&quot;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

fn xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_xml_cannot_carry() {
        assert_eq!(text("a<b & c>\u{1b}[1m"), "a&lt;b &amp; c&gt;\u{fffd}[1m");
        assert_eq!(attr("say \"hi\"\nnow"), "say &quot;hi&quot;&#10;now");
        assert_eq!(seconds(-0.5), "0.000");
        assert_eq!(seconds(1.23456), "1.235");
    }
}
