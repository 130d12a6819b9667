//! `--report run.html`: one self-contained HTML page of the run (no server, no network when it is
//! viewed): a host × task grid coloured by status, a cell's result and diff on click, a timing
//! waterfall per host, the recap, and filters by status and host pattern. The run's data is inlined
//! as JSON; the page is rendered from `html/run.html` (minijinja) and written at every recap.
//! Timings are measured by the controller (see `record`).

use super::record::{HostRecord, RunRecord};
use super::record_file::{RecordFile, RecordFormat};
use serde::Serialize;
use std::path::PathBuf;

const TEMPLATE: &str = include_str!("html/run.html");

/// The statuses a cell can have, in the order the page lists them.
pub const STATUSES: [&str; 5] = ["ok", "changed", "failed", "skipped", "unreachable"];

/// `--report run.html`: the run's record as one page; `title` names the run in its heading.
pub struct Html {
    title: String,
}

impl RecordFormat for Html {
    const OPTION: &'static str = "--report";
    fn render(&self, record: &RunRecord) -> Result<String, String> {
        render(&self.title, record).map_err(|e| e.to_string())
    }
}

pub type HtmlReporter = RecordFile<Html>;

impl HtmlReporter {
    /// `title` names the run in the page's heading (the playbooks, or the ad-hoc pattern); diffs
    /// are shown with `--diff` only.
    pub fn new(path: PathBuf, title: String, diff: bool) -> Self {
        RecordFile::with_format(path, RunRecord::with_diffs(diff), Html { title })
    }
}

/// What the template shows; everything is computed here so the template only lays it out.
#[derive(Serialize)]
struct Page<'a> {
    title: &'a str,
    started_at: &'a str,
    duration: String,
    statuses: [&'static str; 5],
    columns: Vec<Column>,
    plays: Vec<PlayHeader>,
    rows: Vec<Row>,
    recap: Vec<RecapRow>,
    totals: Vec<(String, usize)>,
    warnings: &'a [String],
    data: minijinja::Value,
}

/// One task of the grid (a column).
#[derive(Serialize)]
struct Column {
    id: String,
    name: String,
    short: String,
    path: String,
    handler: bool,
}

/// A play's span over the columns.
#[derive(Serialize)]
struct PlayHeader {
    name: String,
    span: usize,
}

/// One host: its cells (one per column, `None` when the task did not run on it) and its waterfall.
#[derive(Serialize)]
struct Row {
    host: String,
    cells: Vec<Option<Cell>>,
    bars: Vec<Bar>,
    statuses: Vec<&'static str>,
}

#[derive(Serialize, Clone)]
struct Cell {
    /// `play.task.result` indexes into the inlined data.
    id: String,
    status: &'static str,
    ignored: bool,
    title: String,
}

/// A bar of the waterfall, in percent of the run's duration.
#[derive(Serialize)]
struct Bar {
    id: String,
    status: &'static str,
    left: String,
    width: String,
    title: String,
}

#[derive(Serialize)]
struct RecapRow {
    host: String,
    stats: crate::exec::HostStats,
    worst: &'static str,
}

/// The page for a run.
pub fn render(title: &str, record: &RunRecord) -> Result<String, minijinja::Error> {
    let mut env = minijinja::Environment::new();
    env.add_template("run.html", TEMPLATE)?;
    let page = page(title, record);
    env.get_template("run.html")?
        .render(minijinja::Value::from(minijinja::value::Serde(&page)))
}

fn page<'a>(title: &'a str, record: &'a RunRecord) -> Page<'a> {
    let columns = columns(record);
    let rows = record
        .hosts
        .iter()
        .map(|host| row(host, record, columns.len()))
        .collect();
    Page {
        title,
        started_at: &record.started_at,
        duration: format!("{:.1} s", record.duration),
        statuses: STATUSES,
        plays: record
            .plays
            .iter()
            .filter(|p| !p.tasks.is_empty())
            .map(|p| PlayHeader {
                name: if p.name.is_empty() {
                    p.hosts.clone()
                } else {
                    p.name.clone()
                },
                span: p.tasks.len(),
            })
            .collect(),
        columns,
        rows,
        recap: recap(record),
        totals: totals(record),
        warnings: &record.warnings,
        data: minijinja::Value::from_safe_string(inline_json(record)),
    }
}

fn columns(record: &RunRecord) -> Vec<Column> {
    let mut columns = Vec::new();
    for (p, play) in record.plays.iter().enumerate() {
        for (t, task) in play.tasks.iter().enumerate() {
            columns.push(Column {
                id: format!("{p}.{t}"),
                name: task.name.clone(),
                short: shorten(&task.name, 24),
                path: task.path.clone(),
                handler: task.handler,
            });
        }
    }
    columns
}

fn row(host: &str, record: &RunRecord, width: usize) -> Row {
    let mut cells = Vec::with_capacity(width);
    let mut bars = Vec::new();
    let total = record.duration.max(1e-6);
    for (p, play) in record.plays.iter().enumerate() {
        for (t, task) in play.tasks.iter().enumerate() {
            let found = task
                .results
                .iter()
                .enumerate()
                .find(|(_, r)| r.host == host);
            let Some((r, result)) = found else {
                cells.push(None);
                continue;
            };
            let id = format!("{p}.{t}.{r}");
            let title = format!(
                "{}: {} ({:.2} s)",
                task.name,
                label(result),
                result.duration
            );
            bars.push(Bar {
                id: id.clone(),
                status: result.status,
                left: percent(task.start / total),
                width: percent(result.duration / total),
                title: title.clone(),
            });
            cells.push(Some(Cell {
                id,
                status: result.status,
                ignored: result.ignored,
                title,
            }));
        }
    }
    let mut statuses: Vec<&'static str> = cells.iter().flatten().map(|c| c.status).collect();
    statuses.sort_unstable();
    statuses.dedup();
    Row {
        host: host.to_string(),
        cells,
        bars,
        statuses,
    }
}

fn label(result: &HostRecord) -> String {
    if result.ignored {
        format!("{} (ignored)", result.status)
    } else {
        result.status.to_string()
    }
}

fn recap(record: &RunRecord) -> Vec<RecapRow> {
    record
        .stats
        .iter()
        .map(|(host, stats)| RecapRow {
            host: host.clone(),
            worst: if stats.unreachable > 0 {
                "unreachable"
            } else if stats.failed > 0 {
                "failed"
            } else if stats.changed > 0 {
                "changed"
            } else {
                "ok"
            },
            stats: stats.clone(),
        })
        .collect()
}

/// How many host × task results had each status.
fn totals(record: &RunRecord) -> Vec<(String, usize)> {
    STATUSES
        .iter()
        .map(|status| {
            let count = record
                .plays
                .iter()
                .flat_map(|p| &p.tasks)
                .flat_map(|t| &t.results)
                .filter(|r| r.status == *status)
                .count();
            (status.to_string(), count)
        })
        .collect()
}

fn percent(fraction: f64) -> String {
    format!("{:.3}%", (fraction * 100.0).clamp(0.0, 100.0))
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{head}…")
}

/// The record as JSON that is safe inside `<script>`: `<`, `>` and `&` only occur in JSON strings,
/// where their `\u` escapes mean the same, so no `</script>` in a result can end the script.
fn inline_json(record: &RunRecord) -> String {
    serde_json::to_string(record)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlined_json_cannot_close_the_script() {
        let mut record = RunRecord::default();
        record.warning("</script><script>alert(1)</script> & more");
        let json = inline_json(&record);
        assert!(!json.contains("</"), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(
            back["warnings"][0],
            "</script><script>alert(1)</script> & more"
        );
    }

    #[test]
    fn an_empty_run_renders() {
        let page = render("empty", &RunRecord::default());
        let page = page.unwrap_or_else(|e| panic!("{e:#}"));
        assert!(page.contains("<title>drover: empty</title>"), "{page}");
    }
}
