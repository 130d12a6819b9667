//! Python `re` patterns and replacement templates on top of Rust's `regex` crate, as far as it goes.
//!
//! Ansible's file modules (`replace`, `blockinfile`, `find`) take Python regular expressions. The
//! common syntax is the same; what differs is handled here: `\Z` (end of text) becomes `\z`, and
//! a replacement template uses Python's `\1`, `\g<1>`, `\g<name>` and escapes (`\n`, `\t`, `\\`)
//! rather than Rust's `$1`. What the `regex` crate cannot do (look-around, backreferences inside a
//! pattern such as `(?P=name)` or `\1`) is refused with the crate's message — except by
//! [`Pattern`], which falls back to a backtracking engine for them (`lineinfile`).

use crate::ModuleError;
use regex::bytes;

/// Compiles a Python pattern for text, with flags (`"m"` for `re.MULTILINE`, `"s"` for `re.DOTALL`).
pub fn compile_flags(flags: &str, pattern: &str, what: &str) -> Result<regex::Regex, ModuleError> {
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!("(?{flags})")
    };
    regex::Regex::new(&format!("{flags}{}", translate(pattern)))
        .map_err(|e| invalid(pattern, what, &e))
}

/// Compiles a Python pattern for bytes (`blockinfile` works on a file's raw lines).
pub fn compile_bytes(pattern: &str, what: &str) -> Result<bytes::Regex, ModuleError> {
    bytes::Regex::new(&translate(pattern)).map_err(|e| invalid(pattern, what, &e))
}

/// A Python pattern matched line by line: Rust's `regex` where it can, else `fancy_regex` for
/// look-around and backreferences (os_hardening's `pam_unix.so(?!.*no_pass_expiry)`).
#[derive(Debug)]
pub enum Pattern {
    Linear(regex::Regex),
    Backtracking(fancy_regex::Regex),
}

/// The groups of one match: by number (0 is the whole match) and by name.
pub struct Groups {
    pub numbered: Vec<Option<String>>,
    pub named: std::collections::HashMap<String, String>,
}

impl Pattern {
    pub fn compile(pattern: &str, what: &str) -> Result<Pattern, ModuleError> {
        let translated = translate(pattern);
        match regex::Regex::new(&translated) {
            Ok(re) => Ok(Pattern::Linear(re)),
            Err(linear) => fancy_regex::Regex::new(&translated)
                .map(Pattern::Backtracking)
                .map_err(|_| invalid(pattern, what, &linear)),
        }
    }

    /// Whether the pattern matches somewhere in `text` (Python's `re.search`); a pattern that
    /// backtracks past the engine's limit counts as no match.
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Linear(re) => re.is_match(text),
            Pattern::Backtracking(re) => re.is_match(text).unwrap_or(false),
        }
    }

    /// The groups of the first match in `text`.
    pub fn groups(&self, text: &str) -> Option<Groups> {
        let owned = |m: Option<&str>| m.map(str::to_string);
        match self {
            Pattern::Linear(re) => {
                let caps = re.captures(text)?;
                let named = re
                    .capture_names()
                    .flatten()
                    .filter_map(|n| Some((n.to_string(), caps.name(n)?.as_str().to_string())))
                    .collect();
                let numbered = (0..caps.len())
                    .map(|i| owned(caps.get(i).map(|m| m.as_str())))
                    .collect();
                Some(Groups { numbered, named })
            }
            Pattern::Backtracking(re) => {
                let caps = re.captures(text).ok()??;
                let named = re
                    .capture_names()
                    .flatten()
                    .filter_map(|n| Some((n.to_string(), caps.name(n)?.as_str().to_string())))
                    .collect();
                let numbered = (0..caps.len())
                    .map(|i| owned(caps.get(i).map(|m| m.as_str())))
                    .collect();
                Some(Groups { numbered, named })
            }
        }
    }
}

fn invalid(pattern: &str, what: &str, e: &regex::Error) -> ModuleError {
    ModuleError::Params(format!(
        "{what} {pattern:?} is not a valid regular expression: {e}"
    ))
}

/// Python's spelling of the few escapes Rust spells differently.
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Z') => out.push_str("\\z"),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Whether the pattern turns on MULTILINE with a leading inline flag group (`(?m)`, `(?im)`), the
/// only way a module argument can (Python's `re.compile` flags are not reachable from a task).
pub fn has_multiline_flag(pattern: &str) -> bool {
    pattern
        .strip_prefix("(?")
        .and_then(|rest| rest.split_once(')'))
        .is_some_and(|(flags, _)| {
            flags.chars().all(|c| "aiLmsux".contains(c)) && flags.contains('m')
        })
}

/// One piece of a parsed replacement template.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Group(usize),
    Named(String),
}

/// A Python replacement template (`re.sub`'s `repl`), parsed once.
#[derive(Debug, Clone)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `\1`…`\99`, `\g<1>`, `\g<name>` and the escapes Python knows; an unknown escape of an
    /// ASCII letter is an error, as in Python; any other `\x` stays as written.
    pub fn parse(template: &str) -> Result<Template, ModuleError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                text.push(c);
                continue;
            }
            let Some(next) = chars.next() else {
                return Err(bad_template(template, "bad escape (end of pattern)"));
            };
            let escaped = match next {
                'n' => Some('\n'),
                't' => Some('\t'),
                'r' => Some('\r'),
                'f' => Some('\x0c'),
                'v' => Some('\x0b'),
                'a' => Some('\x07'),
                'b' => Some('\x08'),
                '\\' => Some('\\'),
                _ => None,
            };
            if let Some(e) = escaped {
                text.push(e);
                continue;
            }
            let group = match next {
                'g' => Some(named_group(&mut chars, template)?),
                d if d.is_ascii_digit() && d != '0' => {
                    let mut n = d.to_digit(10).unwrap_or(0) as usize;
                    if let Some(d2) = chars.peek().and_then(|c| c.to_digit(10)) {
                        n = n * 10 + d2 as usize;
                        chars.next();
                    }
                    Some(Piece::Group(n))
                }
                '0' => {
                    text.push('\0');
                    None
                }
                l if l.is_ascii_alphabetic() => {
                    return Err(bad_template(template, &format!("bad escape \\{l}")));
                }
                other => {
                    text.push('\\');
                    text.push(other);
                    None
                }
            };
            if let Some(g) = group {
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(g);
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Template { pieces })
    }

    /// Fails like Python when the template names a group the pattern does not have.
    pub fn check_groups(&self, re: &regex::Regex) -> Result<(), ModuleError> {
        for piece in &self.pieces {
            match piece {
                Piece::Group(n) if *n >= re.captures_len() => {
                    return Err(ModuleError::Params(format!("invalid group reference {n}")));
                }
                Piece::Named(name) if !re.capture_names().any(|c| c == Some(name)) => {
                    return Err(ModuleError::Params(format!("unknown group name '{name}'")));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The replacement for one match; a group that did not take part is empty (Python ≥ 3.5).
    pub fn expand(&self, caps: &regex::Captures) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(n) => out.push_str(caps.get(*n).map_or("", |m| m.as_str())),
                Piece::Named(name) => out.push_str(caps.name(name).map_or("", |m| m.as_str())),
            }
        }
        out
    }
}

fn named_group(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    template: &str,
) -> Result<Piece, ModuleError> {
    if chars.next() != Some('<') {
        return Err(bad_template(template, "missing <"));
    }
    let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
    if name.is_empty() {
        return Err(bad_template(template, "missing group name"));
    }
    Ok(match name.parse::<usize>() {
        Ok(n) => Piece::Group(n),
        Err(_) => Piece::Named(name),
    })
}

fn bad_template(template: &str, why: &str) -> ModuleError {
    ModuleError::Params(format!("invalid replacement {template:?}: {why}"))
}

/// `re.subn(pattern, repl, text)`: the new text and the number of replacements. Empty matches next
/// to a previous match are replaced as Python ≥ 3.7 does (`re.sub('x*', '-', 'abxd')` is
/// `-a-b--d-`), which Rust's `replace_all` skips.
pub fn subn(re: &regex::Regex, template: &Template, text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut copied_to = 0;
    let mut pos = 0;
    let mut last_empty_at = None;
    while pos <= text.len() {
        let Some(caps) = re.captures_at(text, pos) else {
            break;
        };
        let Some(m) = caps.get(0) else {
            break;
        };
        if m.is_empty() && last_empty_at == Some(m.start()) {
            // Python never takes two empty matches at one place: move on one character.
            match text[m.start()..].chars().next() {
                Some(c) => pos = m.start() + c.len_utf8(),
                None => break,
            }
            continue;
        }
        out.push_str(&text[copied_to..m.start()]);
        out.push_str(&template.expand(&caps));
        count += 1;
        copied_to = m.end();
        pos = m.end();
        last_empty_at = m.is_empty().then_some(m.start());
    }
    out.push_str(&text[copied_to..]);
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(pattern: &str, repl: &str, text: &str) -> (String, usize) {
        let re = compile_flags("m", pattern, "regexp").unwrap();
        let t = Template::parse(repl).unwrap();
        t.check_groups(&re).unwrap();
        subn(&re, &t, text)
    }

    #[test]
    fn replaces_like_python_re_subn() {
        // Each expectation is what CPython 3.11 prints for re.subn(pattern, repl, text, flags=re.M).
        assert_eq!(sub("x*", "-", "abxd"), ("-a-b--d-".into(), 5));
        assert_eq!(
            sub(r"^(\w+)=(\d+)$", r"\2=\1", "a=1\nb=2\n"),
            ("1=a\n2=b\n".into(), 2)
        );
        assert_eq!(
            sub(r"(?P<k>\w+):", r"\g<k>\t\g<0>", "k:v"),
            ("k\tk:v".into(), 1)
        );
        assert_eq!(sub("a", r"\.\\", "a"), (r"\.\".into(), 1));
        assert_eq!(sub("$", "!", "a\nb"), ("a!\nb!".into(), 2));
        assert_eq!(sub(r"b\Z", "c", "b\nb"), ("b\nc".into(), 1));
        assert_eq!(sub("(a)|b", r"[\1]", "ab"), ("[a][]".into(), 2));
    }

    #[test]
    fn refuses_what_python_refuses() {
        assert!(Template::parse(r"\q").is_err());
        assert!(Template::parse("\\").is_err());
        let re = compile_flags("", "(a)", "regexp").unwrap();
        assert!(Template::parse(r"\2").unwrap().check_groups(&re).is_err());
        assert!(
            Template::parse(r"\g<x>")
                .unwrap()
                .check_groups(&re)
                .is_err()
        );
        assert!(compile_flags("", "(?<=a)b", "regexp").is_err());
    }

    #[test]
    fn multiline_flag_is_read_from_the_pattern() {
        assert!(has_multiline_flag("(?m)^a"));
        assert!(has_multiline_flag("(?im)^a"));
        assert!(!has_multiline_flag("^a(?m)"));
        assert!(!has_multiline_flag("(?i)a"));
        assert!(!has_multiline_flag("(?P<m>a)"));
    }
}
