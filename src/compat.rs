//! `docs/compatibility-table.md`: what drover runs and refuses, read from the registries the loader
//! and the template environment use, so it cannot drift from them (tests/compatibility.rs checks the
//! checked-in copy; `DROVER_BLESS=1 cargo test --test compatibility` rewrites it).

use crate::playbook::WithLookup;
use crate::playbook::keywords::{
    BLOCK_KEYWORDS, MODULES_LATER, PLAY_KEYWORDS, PLAY_KEYWORDS_LATER, TASK_KEYWORDS,
    TASK_KEYWORDS_LATER,
};
use crate::template::catalog;

const SUPPORTED: &str = "supported";
const REFUSED: &str = "not supported yet";

/// The whole table, as markdown.
pub fn table() -> String {
    let mut out = String::from(
        "# Compatibility table\n\nGenerated from drover's own registries (`DROVER_BLESS=1 cargo test \
         --test compatibility` rewrites this file; CI fails when it is stale). \"not supported yet\" \
         is refused at load time or when templated, with an error naming it — never ignored. \
         [compatibility.md](compatibility.md) explains the differences in behaviour.\n",
    );
    let sections = [
        ("Play keywords", "keyword", play_keywords()),
        ("Block keywords", "keyword", block_keywords()),
        ("Task keywords", "keyword", task_keywords()),
        ("Filters", "filter", catalog::filters()),
        ("Tests", "test", catalog::tests()),
        ("Lookups", "lookup", catalog::lookups()),
        ("`with_*` loops", "keyword", with_loops()),
    ];
    let modules = section("Modules and actions", "module", &modules());
    for (title, what, rows) in sections {
        let cells: Vec<(String, bool)> = rows.into_iter().map(|(n, ok)| (code(&n), ok)).collect();
        out.push_str(&section(title, what, &cells));
        if title == "Task keywords" {
            out.push_str(&modules);
        }
    }
    out
}

fn section(title: &str, what: &str, rows: &[(String, bool)]) -> String {
    let supported = rows.iter().filter(|(_, ok)| *ok).count();
    let mut out = format!(
        "\n## {title}\n\n{supported} of {} supported.\n\n| {what} | status |\n| --- | --- |\n",
        rows.len()
    );
    for (name, ok) in rows {
        let status = if *ok { SUPPORTED } else { REFUSED };
        out.push_str(&format!("| {name} | {status} |\n"));
    }
    out
}

/// Supported names, then the ones drover knows of but refuses.
fn keyword_rows(supported: &[&str], later: &[&str]) -> Vec<(String, bool)> {
    let rows = supported.iter().map(|k| (k.to_string(), true));
    rows.chain(later.iter().map(|k| (k.to_string(), false)))
        .collect()
}

fn play_keywords() -> Vec<(String, bool)> {
    keyword_rows(PLAY_KEYWORDS, PLAY_KEYWORDS_LATER)
}

/// Blocks have no list of refused keywords: any other key of a block is an error.
fn block_keywords() -> Vec<(String, bool)> {
    keyword_rows(BLOCK_KEYWORDS, &[])
}

fn task_keywords() -> Vec<(String, bool)> {
    keyword_rows(TASK_KEYWORDS, TASK_KEYWORDS_LATER)
}

fn code(name: &str) -> String {
    format!("`{name}`")
}

/// The module registry and the engine's own actions (with the full name drover accepts them by),
/// then the modules drover knows it lacks.
fn modules() -> Vec<(String, bool)> {
    let modules = drover_modules::registry::MODULES.iter().map(|m| m.name());
    let mut rows: Vec<(&str, bool)> = modules
        .chain(crate::playbook::engine_action_names())
        .map(|name| (name, true))
        .collect();
    rows.extend(MODULES_LATER.iter().map(|name| (*name, false)));
    rows.sort();
    rows.into_iter()
        .map(|(name, runs)| match runs {
            true if drover_modules::registry::DROVER_NAMES.contains(&name) => {
                (format!("{} (drover's own)", code(name)), true)
            }
            true => (format!("{} ({})", code(name), code(&full_name(name))), true),
            false => (code(name), false),
        })
        .collect()
}

/// `ansible.builtin.NAME`, or the collection's name for modules Ansible does not ship as builtin.
fn full_name(short: &str) -> String {
    drover_modules::registry::COLLECTION_NAMES
        .iter()
        .find(|(_, name)| *name == short)
        .map_or_else(
            || format!("ansible.builtin.{short}"),
            |(full, _)| full.to_string(),
        )
}

/// `with_<lookup>` for every lookup drover loops over, then for ansible-core's other lookups (the
/// loader refuses those).
fn with_loops() -> Vec<(String, bool)> {
    let mut rows: Vec<(String, bool)> = catalog::lookups()
        .into_iter()
        .map(|(name, _)| {
            let keyword = format!("with_{name}");
            let runs = WithLookup::from_keyword(&keyword).is_some();
            (keyword, runs)
        })
        .collect();
    for lookup in WithLookup::all() {
        let keyword = format!("with_{}", lookup.name());
        if !rows.iter().any(|(k, _)| *k == keyword) {
            rows.push((keyword, true));
        }
    }
    rows.sort();
    rows
}
