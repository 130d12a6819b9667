//! An `{% include %}` inside a `{% macro %}` sees the template's own names, as in Jinja2.
//!
//! Jinja2 renders such an include with the template's context (its top-level `set`s and
//! imports) and the macro's locals. minijinja runs it in the macro's frame, which holds only the
//! names the macro's own body mentions (its closure, computed when the macro is compiled), so an
//! included `{{ vars.test }}` finds no `vars` that the template imported (ansible-core's
//! `template` target, 72262.yml). The fix is in the text minijinja compiles: a macro whose body
//! includes a template gets a never-rendered mention of every name the template assigns
//! (`{% if false %}{{ a }}{{ b }}{% endif %}`), so minijinja encloses them like names the body
//! uses itself — bound when the macro is defined and kept current as the template assigns them.

use regex::Regex;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// `text` with each include-holding macro made to enclose the template's names; borrowed when
/// no macro includes anything (the common case).
pub fn enclose_template_names(text: &str) -> Cow<'_, str> {
    if !(text.contains("macro") && text.contains("include")) {
        return Cow::Borrowed(text);
    }
    let names = assigned_names(text);
    if names.is_empty() {
        return Cow::Borrowed(text);
    }
    let mention: String = names.iter().map(|n| format!("{{{{ {n} }}}}")).collect();
    let mut out = String::with_capacity(text.len() + mention.len() + 32);
    let mut last = 0;
    let mut changed = false;
    for tag in macro_tag().captures_iter(text) {
        let (Some(whole), close) = (tag.get(0), tag.get(1).map_or("", |m| m.as_str())) else {
            continue;
        };
        if !body_includes(&text[whole.end()..]) {
            continue;
        }
        out.push_str(&text[last..whole.end()]);
        // The macro tag's own whitespace control goes to the inserted block's end, so what follows
        // the tag is trimmed as before.
        out.push_str(&format!("{{% if false %}}{mention}{{% endif {close}%}}"));
        last = whole.end();
        changed = true;
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Whether the macro body starting at `body` holds an `{% include %}` before its `{% endmacro %}`.
fn body_includes(body: &str) -> bool {
    let end = end_macro().find(body).map_or(body.len(), |m| m.start());
    include_tag().is_match(&body[..end])
}

/// Every name a `set`, `import … as`, `from … import` or `macro` of the template binds.
fn assigned_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for found in binding().captures_iter(text) {
        let Some(list) = found.get(1).or(found.get(2)).or(found.get(4)) else {
            if let Some(imported) = found.get(3) {
                names.extend(from_import_names(imported.as_str()));
            }
            continue;
        };
        names.extend(list.as_str().split(',').map(|n| n.trim().to_string()));
    }
    names.retain(|n| is_identifier(n) && n != "caller" && n != "loop");
    names
}

/// `a, b as c with context` → `a`, `c`.
fn from_import_names(list: &str) -> Vec<String> {
    let list = list
        .trim()
        .trim_end_matches("with context")
        .trim_end_matches("without context")
        .trim();
    list.split(',')
        .filter_map(|item| item.split_whitespace().last().map(str::to_string))
        .collect()
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn macro_tag() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\{%[-+]?\s*macro\s+[A-Za-z_]\w*\s*\([^%]*?\)\s*([-+]?)%\}")
            .expect("static regex")
    })
}

fn end_macro() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{%[-+]?\s*endmacro\b").expect("static regex"))
}

fn include_tag() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{%[-+]?\s*include\s").expect("static regex"))
}

/// Group 1: `set` targets; 2: `import … as NAME`; 3: `from … import LIST`; 4: a macro's name.
fn binding() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"\{%[-+]?\s*(?:",
            r"set\s+([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?:=|[-+]?%\})",
            r"|import\s+[^%]+?\s+as\s+([A-Za-z_]\w*)",
            r"|from\s+[^%]+?\s+import\s+([^%]+?)\s*[-+]?%\}",
            r"|macro\s+([A-Za-z_]\w*)\s*\(",
            r")"
        ))
        .expect("static regex")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ansible-core's `template` target, 72262.j2.
    const T72262: &str = "{% import '72262-vars.j2' as vars with context %}\n\
        {% macro included() %}{% include '72262-included.j2' %}{% endmacro %}\n\
        {{ included()|indent }}\n";

    #[test]
    fn a_macro_that_includes_mentions_the_templates_names() {
        assert_eq!(
            enclose_template_names(T72262),
            "{% import '72262-vars.j2' as vars with context %}\n\
             {% macro included() %}{% if false %}{{ included }}{{ vars }}{% endif %}\
             {% include '72262-included.j2' %}{% endmacro %}\n\
             {{ included()|indent }}\n"
        );
    }

    #[test]
    fn names_come_from_sets_imports_and_macros() {
        let text = "{% set a = 1 %}{% set b, c = [1, 2] %}{%- set d -%}x{% endset %}\
                    {% import 'm' as m %}{% from 'f' import x, y as z with context %}\
                    {% macro mac(arg) %}{{ caller() }}{% endmacro %}";
        let names: Vec<String> = assigned_names(text).into_iter().collect();
        assert_eq!(names, ["a", "b", "c", "d", "m", "mac", "x", "z"]);
    }

    #[test]
    fn other_templates_are_left_as_written() {
        for text in [
            "{% macro m() %}{{ x }}{% endmacro %}{% include 'y' %}{% set x = 1 %}",
            "{% set a = 1 %}{% include 'y' %}",
            "plain {{ macro }} include",
        ] {
            assert!(
                matches!(enclose_template_names(text), Cow::Borrowed(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn the_macro_tags_whitespace_control_moves_to_the_inserted_block() {
        let text = "{% set a = 1 %}{% macro m() -%}\n  {% include 'y' %}{% endmacro %}";
        assert_eq!(
            enclose_template_names(text),
            "{% set a = 1 %}{% macro m() -%}{% if false %}{{ a }}{{ m }}{% endif -%}\n  \
             {% include 'y' %}{% endmacro %}"
        );
    }
}
