//! Remote commands built from parts: arguments are always quoted for a POSIX shell, shell syntax is
//! explicit, secrets are masked whenever a command is shown. No command is ever pasted together from
//! unquoted input.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Shell syntax written by drover itself (`&&`, `>`, `|`, a program name).
    Syntax(String),
    /// A value: quoted.
    Arg(String),
    /// A value that must never be shown: quoted when run, `********` when displayed.
    Secret(String),
}

/// A command line for `/bin/sh` on the target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cmd {
    parts: Vec<Part>,
}

impl Cmd {
    /// Starts a command with a program name or shell syntax written by drover (not user input).
    pub fn new(syntax: &str) -> Self {
        Cmd {
            parts: vec![Part::Syntax(syntax.to_string())],
        }
    }

    /// Appends a value, quoted.
    pub fn arg(mut self, value: impl AsRef<str>) -> Self {
        self.parts.push(Part::Arg(value.as_ref().to_string()));
        self
    }

    /// Appends several values, each quoted.
    pub fn args<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for v in values {
            self = self.arg(v);
        }
        self
    }

    /// Appends a value that is masked whenever the command is displayed.
    pub fn secret(mut self, value: impl AsRef<str>) -> Self {
        self.parts.push(Part::Secret(value.as_ref().to_string()));
        self
    }

    /// Appends shell syntax written by drover (`&&`, `2>/dev/null`, a program name).
    pub fn syntax(mut self, syntax: &str) -> Self {
        self.parts.push(Part::Syntax(syntax.to_string()));
        self
    }

    /// Appends a user-written shell script verbatim (the `shell`/`raw` modules' whole point).
    pub fn script(mut self, script: &str) -> Self {
        self.parts.push(Part::Syntax(script.to_string()));
        self
    }

    /// Joins two commands with `&&`.
    pub fn and(mut self, other: Cmd) -> Self {
        self.parts.push(Part::Syntax("&&".into()));
        self.parts.extend(other.parts);
        self
    }

    /// Joins two commands with `;` (the second runs whatever the first returns).
    pub fn then(mut self, other: Cmd) -> Self {
        self.parts.push(Part::Syntax(";".into()));
        self.parts.extend(other.parts);
        self
    }

    /// The command line to send to the target.
    pub fn to_shell(&self) -> String {
        self.join(|p| match p {
            Part::Syntax(s) => s.clone(),
            Part::Arg(s) | Part::Secret(s) => quote(s),
        })
    }

    /// The command line with secrets masked, for output and logs.
    pub fn display(&self) -> String {
        self.join(|p| match p {
            Part::Syntax(s) => s.clone(),
            Part::Arg(s) => quote(s),
            Part::Secret(_) => "********".into(),
        })
    }

    fn join(&self, render: impl Fn(&Part) -> String) -> String {
        self.parts.iter().map(render).collect::<Vec<_>>().join(" ")
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Quotes a value for a POSIX shell; plain words stay as they are for readable output.
pub fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_values_and_keeps_syntax() {
        let c = Cmd::new("test")
            .arg("-e")
            .arg("/tmp/a b")
            .syntax("&&")
            .arg("it's");
        assert_eq!(c.to_shell(), r"test -e '/tmp/a b' && 'it'\''s'");
    }

    #[test]
    fn masks_secrets_only_when_displayed() {
        let c = Cmd::new("echo").secret("hunter2");
        assert_eq!(c.to_shell(), "echo hunter2");
        assert_eq!(c.display(), "echo ********");
    }

    #[test]
    fn empty_argument_is_quoted() {
        assert_eq!(Cmd::new("printf").arg("").to_shell(), "printf ''");
    }
}
