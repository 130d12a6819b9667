//! What a failed render tells a person: the problem in Ansible's words, and where it is — the
//! template file and line (through `{% include %}` chains) for file templates.

use super::limits;
use minijinja::ErrorKind;
use std::collections::HashMap;
use std::path::PathBuf;

/// A template that cannot be rendered, with what a person needs to fix it.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("'{name}' is undefined")]
    Undefined { name: String },
    /// An attribute or item a value lacks was used: Ansible's message (`object of type 'dict'
    /// has no attribute 'a'`). Undefined like [`TemplateError::Undefined`]: a variable whose
    /// template meets it stays pending, and `default()` applies to it.
    #[error("{message}")]
    NoAttribute { message: String },
    /// ansible-core 2.19's words first (users grep them), then the text, which ansible-core
    /// shows as the error's origin.
    #[error("Syntax error in template: {message}. String: {source_text}")]
    Syntax {
        message: String,
        source_text: String,
    },
    #[error("{message}")]
    Render { message: String },
    /// An error inside a template file: `origin` is `file:line`, then the includes that led there.
    #[error("{error}. Origin: {origin}")]
    InFile {
        error: Box<TemplateError>,
        origin: String,
    },
}

impl TemplateError {
    /// A filter or test that does not exist (or that drover lacks): Jinja finds it when compiling,
    /// so Ansible reports it as a syntax error of the whole template.
    pub fn is_unknown_plugin(&self) -> bool {
        let TemplateError::Render { message } = self else {
            return false;
        };
        ["No filter named '", "No test named '", "filter '", "test '"]
            .iter()
            .any(|start| message.starts_with(start))
            && (message.starts_with("No ") || message.contains("is not supported"))
    }
}

/// minijinja's own words for a missing name: "`name` is undefined".
pub fn undefined_name(e: &minijinja::Error) -> Option<String> {
    let detail = e.detail()?;
    let name = detail.strip_prefix('`')?.strip_suffix("` is undefined")?;
    Some(name.to_string())
}

/// The expression minijinja names as undefined anywhere in its message (`` `d.a` is undefined ``,
/// also after another problem: `` unsupported types undefined and number (`d.a` is undefined) ``).
pub fn undefined_expr(e: &minijinja::Error) -> Option<&str> {
    let detail = e.detail()?;
    let end = detail.rfind("` is undefined")?;
    let start = detail[..end].rfind('`')? + 1;
    Some(&detail[start..end])
}

/// The problem itself, without place, for errors whose cause is not a template's syntax.
pub fn problem(e: &minijinja::Error) -> TemplateError {
    if let Some(name) = undefined_name(e) {
        return TemplateError::Undefined { name };
    }
    let message = match e.kind() {
        ErrorKind::OutOfFuel => limits::out_of_fuel(),
        ErrorKind::UnknownFilter | ErrorKind::UnknownTest => unknown_plugin(e),
        ErrorKind::SyntaxError => format!(
            "Syntax error in template: {}",
            e.detail().unwrap_or("invalid syntax")
        ),
        _ => e
            .detail()
            .map(str::to_string)
            .unwrap_or_else(|| e.kind().to_string()),
    };
    TemplateError::Render { message }
}

/// An error from a file template: the innermost error of an include chain, with its file and line
/// and the lines of the templates that included it. `paths` maps template names to the files read.
pub fn in_file(e: &minijinja::Error, paths: &HashMap<String, PathBuf>) -> TemplateError {
    let place = |err: &minijinja::Error| {
        let name = err.name().unwrap_or("<template>");
        let file = paths
            .get(name)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| name.to_string());
        match err.line() {
            Some(line) => format!("{file}:{line}"),
            None => file,
        }
    };
    let mut chain = vec![e];
    while let Some(inner) = chain
        .last()
        .filter(|err| err.kind() == ErrorKind::BadInclude)
        .and_then(|err| std::error::Error::source(*err))
        .and_then(|s| s.downcast_ref::<minijinja::Error>())
    {
        chain.push(inner);
    }
    let innermost = chain.last().copied().unwrap_or(e);
    let mut origin = place(innermost);
    for includer in chain.iter().rev().skip(1) {
        origin.push_str(&format!(" (included from {})", place(includer)));
    }
    TemplateError::InFile {
        error: Box::new(problem(innermost)),
        origin,
    }
}

/// The error's message, with `(line N)` when the template has several lines.
pub fn describe(e: &minijinja::Error, source: &str) -> String {
    let mut msg = match e.kind() {
        ErrorKind::OutOfFuel => limits::out_of_fuel(),
        ErrorKind::UnknownFilter | ErrorKind::UnknownTest => unknown_plugin(e),
        _ => e
            .detail()
            .map(|detail| in_pythons_words(detail).unwrap_or_else(|| detail.to_string()))
            .unwrap_or_else(|| e.kind().to_string()),
    };
    if let Some(line) = e.line().filter(|_| source.contains('\n')) {
        msg = format!("{msg} (line {line})");
    }
    msg
}

/// minijinja's words for what Python raises while rendering, as ansible-core 2.19 reports it
/// (`Error rendering template: division by zero`).
fn in_pythons_words(detail: &str) -> Option<String> {
    let calculation = detail.strip_prefix("unable to calculate ")?;
    let by_zero = |op: &str| {
        [" 0", " 0.0"]
            .iter()
            .any(|zero| calculation.ends_with(&format!(" {op}{zero}")))
    };
    let python = if by_zero("/") {
        "division by zero"
    } else if by_zero("//") || by_zero("%") {
        "integer division or modulo by zero"
    } else {
        return None;
    };
    Some(format!("Error rendering template: {python}"))
}

/// A filter or test drover lacks: "not supported yet" when Ansible has it (built in, or from a
/// collection), else Ansible's own "No filter named 'x'".
fn unknown_plugin(e: &minijinja::Error) -> String {
    let kind = if e.kind() == ErrorKind::UnknownTest {
        "test"
    } else {
        "filter"
    };
    // minijinja: "filter NAME is unknown"
    let name = e
        .detail()
        .and_then(|d| d.strip_prefix(kind))
        .and_then(|d| d.strip_suffix("is unknown"))
        .map(str::trim)
        .unwrap_or("?");
    if name.starts_with("win_") && super::plugins::ansible_has(kind, name) {
        // A refusal, not a gap: drover's targets are POSIX hosts with /bin/sh.
        format!(
            "{kind} '{name}' is not supported: drover manages POSIX hosts only and has no Windows \
             path filters (use basename/dirname on POSIX paths)"
        )
    } else if super::plugins::ansible_has(kind, name) || name.contains('.') {
        format!("{kind} '{name}' is not supported yet")
    } else {
        format!("No {kind} named '{name}'.")
    }
}

#[cfg(test)]
mod tests {
    use super::in_pythons_words;

    #[test]
    fn division_by_zero_is_said_as_python_says_it() {
        let said = |d: &str| in_pythons_words(d).unwrap_or_default();
        assert_eq!(
            said("unable to calculate 1 / 0"),
            "Error rendering template: division by zero"
        );
        assert_eq!(
            said("unable to calculate 7 // 0"),
            "Error rendering template: integer division or modulo by zero"
        );
        assert_eq!(
            said("unable to calculate 7 % 0"),
            "Error rendering template: integer division or modulo by zero"
        );
        assert_eq!(in_pythons_words("unable to calculate 1 / 10"), None);
        assert_eq!(in_pythons_words("something else"), None);
    }
}
