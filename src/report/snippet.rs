//! The one place a load error (YAML, playbook, inventory) is drawn for a person: the message, then
//! where it is as `file:line:column`, the source line and a caret under the column — the layout of
//! rustc and miette:
//!
//! ```text
//! ERROR! p.yml:5: (copy) module: missing required arguments: dest
//!   --> p.yml:5:7
//!    |
//!  5 |     - copy: content=hi
//!    |       ^
//! ```
//!
//! Where only the line is known (INI inventories, errors about a whole task) the caret marks the
//! line's first character that is not a blank or a `- ` list dash.

use crate::inventory::InventoryError;
use crate::playbook::LoadError;
use crate::yaml::Origin;
use serde_json::{Value, json};
use std::path::Path;

/// Where a load error is, if it says.
pub fn origin_of_load(e: &LoadError) -> Option<&Origin> {
    match e {
        LoadError::Yaml(y) => Some(&y.origin),
        LoadError::Invalid { origin, .. } | LoadError::Unsupported { origin, .. } => Some(origin),
        LoadError::Several(_) => None,
    }
}

pub fn origin_of_inventory(e: &InventoryError) -> Option<&Origin> {
    match e {
        InventoryError::Parse { origin, .. } => Some(origin),
        InventoryError::Yaml(y) => Some(&y.origin),
        InventoryError::Other(_) => None,
    }
}

/// A source place resolved against its file: the line's text and the 1-based column shown.
struct Resolved {
    text: String,
    column: usize,
}

fn resolve(origin: &Origin, source: &str) -> Option<Resolved> {
    let index = usize::try_from(origin.line).ok()?.checked_sub(1)?;
    let text = source
        .lines()
        .nth(index)?
        .trim_end_matches('\r')
        .to_string();
    let column = match usize::try_from(origin.column).unwrap_or(0) {
        0 => first_meaningful_column(&text),
        c => c.min(text.chars().count() + 1),
    };
    Some(Resolved { text, column })
}

/// 1-based column of the first character that is not indentation or a YAML list dash.
fn first_meaningful_column(line: &str) -> usize {
    let trimmed = line.trim_start();
    let after_dash = trimmed
        .strip_prefix("- ")
        .map(str::trim_start)
        .unwrap_or(trimmed);
    line.chars().count() - after_dash.chars().count() + 1
}

/// The snippet under an error message (no trailing newline); `None` when the file or line cannot
/// be read (the message alone then says file:line).
pub fn snippet(origin: &Origin, colour: bool) -> Option<String> {
    let source = std::fs::read_to_string(&origin.file).ok()?;
    snippet_of(origin, &source, colour)
}

pub fn snippet_of(origin: &Origin, source: &str, colour: bool) -> Option<String> {
    let place = resolve(origin, source)?;
    let number = origin.line.to_string();
    let gutter = " ".repeat(number.len());
    let blue = console::Style::new().blue().bold().force_styling(colour);
    let red = console::Style::new().red().bold().force_styling(colour);
    // Tabs keep their width when the caret line copies them.
    let pad: String = place
        .text
        .chars()
        .take(place.column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    Some(format!(
        "{gutter}{} {}:{}:{}\n{gutter} {}\n{} {} {}\n{gutter} {} {pad}{}",
        blue.apply_to("-->"),
        display_path(&origin.file),
        origin.line,
        place.column,
        blue.apply_to("|"),
        blue.apply_to(&number),
        blue.apply_to("|"),
        place.text,
        blue.apply_to("|"),
        red.apply_to("^"),
    ))
}

fn display_path(path: &Path) -> String {
    path.display().to_string()
}

/// A load error as `--output json` carries it: `{"message", "file", "line", "column"}`.
pub fn error_json(message: &str, origin: Option<&Origin>) -> Value {
    let Some(origin) = origin else {
        return json!({ "message": message });
    };
    let column = std::fs::read_to_string(&origin.file)
        .ok()
        .and_then(|source| resolve(origin, &source))
        .map(|r| r.column as u64)
        .unwrap_or(origin.column);
    json!({
        "message": message,
        "file": origin.file.display().to_string(),
        "line": origin.line,
        "column": column,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_sits_under_the_column() {
        let origin = Origin::at(Path::new("p.yml"), 2, 9);
        let text = snippet_of(&origin, "- hosts: all\n  tasks: [oops\n", false);
        assert_eq!(
            text.as_deref(),
            Some(" --> p.yml:2:9\n  |\n2 |   tasks: [oops\n  |         ^")
        );
    }

    #[test]
    fn without_a_column_the_caret_marks_the_first_word_after_a_dash() {
        let origin = Origin::new(Path::new("p.yml"), 11);
        let source = "\n".repeat(10) + "    - copy: content=hi\n";
        let text = snippet_of(&origin, &source, false).unwrap_or_default();
        assert!(text.starts_with("  --> p.yml:11:7\n"), "{text}");
        assert!(
            text.ends_with("11 |     - copy: content=hi\n   |       ^"),
            "{text}"
        );
    }

    #[test]
    fn a_line_past_the_end_gives_no_snippet() {
        let origin = Origin::new(Path::new("p.yml"), 5);
        assert_eq!(snippet_of(&origin, "a\n", false), None);
        assert_eq!(
            snippet_of(&Origin::new(Path::new("p.yml"), 0), "a\n", false),
            None
        );
    }
}
