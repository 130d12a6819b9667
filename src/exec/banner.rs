//! What a task's banner shows: its name templated, as ansible-core's strategies template it
//! (`post_validate_attribute("name")`) with the variables of the first host that runs the task,
//! before the callbacks see it.

use super::RunContext;
use super::host::HostState;
use super::worker;
use crate::playbook::Task;
use crate::template::lookup_lists::python_str;
use crate::template::{Templar, TemplateError, Vars};
use std::borrow::Cow;

/// `task` with its name templated with `host`'s variables; the task itself when its name holds
/// no template. A name that cannot be rendered (an undefined variable, such as a loop's `item`
/// before the loop) is shown with ansible-core 2.19's error markers, and the warning it prints
/// before the banner comes with it.
pub(super) fn shown<'t>(
    ctx: &RunContext<'_>,
    host: &mut HostState,
    task: &'t Task,
) -> (Cow<'t, Task>, Option<String>) {
    let Some(name) = task.name.as_deref().filter(|n| is_templated(n)) else {
        return (Cow::Borrowed(task), None);
    };
    let vars = worker::task_vars(ctx, host, task);
    let (rendered, warning) = match ctx.templar.render_str(name, &vars) {
        Ok(rendered) => (python_str(&rendered), None),
        Err(_) => {
            let (shown, errors) = with_error_markers(ctx.templar, name, &vars);
            (shown, Some(template_errors_warning(&errors, task)))
        }
    };
    let mut task = task.clone();
    task.name = Some(rendered);
    (Cow::Owned(task), warning)
}

fn is_templated(name: &str) -> bool {
    name.contains("{{") || name.contains("{%") || name.contains("{#")
}

/// A name that does not render, as ansible-core 2.19 shows it: each `{{ … }}` that fails is
/// `<< error N - MESSAGE >>` and the rest is rendered; a failing `{% … %}` ends the name with
/// `<< error N - template potentially truncated >>`; a name that does not parse (an unknown
/// filter is a syntax error to Jinja) is one marker. Returns the name and the errors' messages.
fn with_error_markers(templar: &Templar, name: &str, vars: &Vars) -> (String, Vec<String>) {
    let mut shown = String::new();
    let mut errors = Vec::new();
    for segment in segments(name) {
        match segment {
            Segment::Text(text) => shown.push_str(text),
            Segment::Expression(expr) => match templar.render_str(expr, vars) {
                Ok(value) => shown.push_str(&python_str(&value)),
                Err(e) if is_syntax(&e) => return syntax_marker(&e),
                Err(e) => push_marker(&mut shown, &mut errors, e.to_string()),
            },
            Segment::Rest(rest) => {
                match templar.render_str(rest, vars) {
                    Ok(value) => shown.push_str(&python_str(&value)),
                    Err(e) if is_syntax(&e) => return syntax_marker(&e),
                    Err(e) => {
                        push_marker(&mut shown, &mut errors, e.to_string());
                        push_marker(
                            &mut shown,
                            &mut errors,
                            "template potentially truncated".into(),
                        );
                    }
                }
                break;
            }
        }
    }
    (shown, errors)
}

fn push_marker(shown: &mut String, errors: &mut Vec<String>, message: String) {
    shown.push_str(&format!("<< error {} - {message} >>", errors.len() + 1));
    errors.push(message);
}

/// Jinja finds these when it compiles the name, before any part of it renders.
fn is_syntax(e: &TemplateError) -> bool {
    matches!(e, TemplateError::Syntax { .. }) || e.is_unknown_plugin()
}

fn syntax_marker(e: &TemplateError) -> (String, Vec<String>) {
    let message = match e {
        TemplateError::Syntax { message, .. } => format!("Syntax error in template: {message}"),
        other => format!("Syntax error in template: {other}"),
    };
    (format!("<< error 1 - {message} >>"), vec![message])
}

/// ansible-core's warning before such a banner, with the name's place.
fn template_errors_warning(errors: &[String], task: &Task) -> String {
    let count = match errors.len() {
        1 => "1 template error".to_string(),
        n => format!("{n} template errors"),
    };
    let mut warning = format!("Encountered {count}.");
    for (i, message) in errors.iter().enumerate() {
        warning.push_str(&format!("\nerror {} - {message}", i + 1));
    }
    warning.push_str(&format!("\nOrigin: {}", task.origin));
    warning
}

/// A part of a name: text as written, one `{{ … }}`, or everything from the first `{% … %}` or
/// `{# … #}` on (a statement may span the rest, so it renders as one).
#[derive(Debug, PartialEq)]
enum Segment<'a> {
    Text(&'a str),
    Expression(&'a str),
    Rest(&'a str),
}

fn segments(name: &str) -> Vec<Segment<'_>> {
    let mut parts = Vec::new();
    let mut rest = name;
    while !rest.is_empty() {
        let Some(start) = ["{{", "{%", "{#"].iter().filter_map(|o| rest.find(o)).min() else {
            parts.push(Segment::Text(rest));
            break;
        };
        if start > 0 {
            parts.push(Segment::Text(&rest[..start]));
        }
        let tail = &rest[start..];
        let end = tail.find("}}").filter(|_| tail.starts_with("{{"));
        match end {
            Some(end) => {
                parts.push(Segment::Expression(&tail[..end + 2]));
                rest = &tail[end + 2..];
            }
            None => {
                parts.push(Segment::Rest(tail));
                break;
            }
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        serde_json::from_value(json!({"ok": "fine", "yes": true})).expect("vars")
    }

    fn markers(name: &str) -> String {
        with_error_markers(&Templar::new(), name, &vars()).0
    }

    /// Each expected name is what ansible-core 2.19.14 shows for the same name.
    #[test]
    fn failing_parts_of_a_name_become_numbered_markers() {
        assert_eq!(
            markers("a {{ x1 }} b {{ 'ok' }} c {{ x2 | upper }} d"),
            "a << error 1 - 'x1' is undefined >> b ok c << error 2 - 'x2' is undefined >> d"
        );
        assert_eq!(
            markers("a {% if x3 %}yes{% endif %} b {{ x4 }}"),
            "a << error 1 - 'x3' is undefined >><< error 2 - template potentially truncated >>"
        );
        assert_eq!(
            markers("loop {{ item }} of {{ ok }}"),
            "loop << error 1 - 'item' is undefined >> of fine"
        );
        assert_eq!(
            markers("filter {{ 'a' | nofilter }}"),
            "<< error 1 - Syntax error in template: No filter named 'nofilter'. >>"
        );
        assert!(
            markers("name {{ nope.attr }} {{ 1 + }} here")
                .starts_with("<< error 1 - Syntax error in template: "),
            "{}",
            markers("name {{ nope.attr }} {{ 1 + }} here")
        );
    }

    #[test]
    fn a_name_splits_into_text_expressions_and_the_rest() {
        assert_eq!(
            segments("a {{ b }}c{% if d %}e{% endif %}"),
            [
                Segment::Text("a "),
                Segment::Expression("{{ b }}"),
                Segment::Text("c"),
                Segment::Rest("{% if d %}e{% endif %}")
            ]
        );
        assert_eq!(segments("{{ open"), [Segment::Rest("{{ open")]);
    }
}
