//! The INI dialect of ansible.cfg, read as Python's `configparser.ConfigParser(inline_comment_prefixes=(';',))`
//! reads it (Ansible reads values raw, so `%` needs no escaping): `key = value` or `key: value`, keys
//! lower-cased, `#`/`;` full-line comments, ` ;` inline comments, indented continuation lines joined
//! with newlines, a `[DEFAULT]` section every other section falls back on, and a repeated section or
//! key is an error (configparser's strict mode).

use std::collections::HashMap;

/// A value and the line it started on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub value: String,
    pub line: usize,
}

/// One parsed file: sections in file order, keys in file order within each.
#[derive(Debug, Default)]
pub struct Ini {
    sections: Vec<(String, Vec<(String, Entry)>)>,
}

/// Why a line cannot be read, with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct IniError {
    pub line: usize,
    pub reason: String,
}

const DEFAULT_SECTION: &str = "DEFAULT";

impl Ini {
    /// The value of `key` in `section`, else in `[DEFAULT]`, as configparser's `get` falls back.
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.entry(section, key)
            .or_else(|| self.entry(DEFAULT_SECTION, key))
    }

    /// The keys set in `section` itself, in file order.
    pub fn keys(&self, section: &str) -> Vec<&str> {
        self.section(section)
            .map(|entries| entries.iter().map(|(k, _)| k.as_str()).collect())
            .unwrap_or_default()
    }

    fn section(&self, name: &str) -> Option<&Vec<(String, Entry)>> {
        self.sections
            .iter()
            .find(|(s, _)| s == name)
            .map(|(_, entries)| entries)
    }

    fn entry(&self, section: &str, key: &str) -> Option<&Entry> {
        self.section(section)?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, e)| e)
    }
}

/// Parses the text of an INI file.
pub fn parse(text: &str) -> Result<Ini, IniError> {
    Parser::default().run(text)
}

/// The state configparser keeps while reading line by line.
#[derive(Default)]
struct Parser {
    ini: Ini,
    /// Index into `ini.sections` of the section being filled.
    section: Option<usize>,
    /// Whether the current key may still take continuation lines.
    in_value: bool,
    /// Indentation of the current key's line; deeper lines continue its value.
    indent: usize,
    /// Blank lines met inside a value: kept only if a continuation line follows.
    pending_blank: usize,
    seen: HashMap<String, usize>,
}

impl Parser {
    fn run(mut self, text: &str) -> Result<Ini, IniError> {
        for (index, raw) in text.lines().enumerate() {
            self.line(index + 1, raw)?;
        }
        Ok(self.ini)
    }

    fn line(&mut self, number: usize, raw: &str) -> Result<(), IniError> {
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            return Ok(());
        }
        let content = strip_inline_comment(raw).trim();
        if content.is_empty() {
            // A blank line may belong to a multi-line value; a line holding only a comment does not.
            if trimmed.is_empty() && self.in_value {
                self.pending_blank += 1;
            }
            return Ok(());
        }
        let indent = raw.len() - raw.trim_start().len();
        if self.in_value && indent > self.indent {
            self.continue_value(content);
            return Ok(());
        }
        self.pending_blank = 0;
        self.indent = indent;
        if let Some(name) = section_header(content) {
            return self.start_section(number, name);
        }
        self.start_key(number, raw, content)
    }

    fn continue_value(&mut self, content: &str) {
        let newlines = "\n".repeat(self.pending_blank + 1);
        self.pending_blank = 0;
        if let Some((_, entry)) = self.current_entries().and_then(|e| e.last_mut()) {
            entry.value.push_str(&newlines);
            entry.value.push_str(content);
        }
    }

    fn current_entries(&mut self) -> Option<&mut Vec<(String, Entry)>> {
        let index = self.section?;
        self.ini.sections.get_mut(index).map(|(_, e)| e)
    }

    fn start_section(&mut self, number: usize, name: &str) -> Result<(), IniError> {
        self.in_value = false;
        if let Some(first) = self.seen.get(&format!("[{name}]")) {
            return Err(IniError {
                line: number,
                reason: format!("section [{name}] already exists (line {first})"),
            });
        }
        self.seen.insert(format!("[{name}]"), number);
        self.ini.sections.push((name.to_string(), Vec::new()));
        self.section = Some(self.ini.sections.len() - 1);
        Ok(())
    }

    fn start_key(&mut self, number: usize, raw: &str, content: &str) -> Result<(), IniError> {
        let Some(index) = self.section else {
            return Err(IniError {
                line: number,
                reason: format!("a setting before any [section] header: {:?}", raw.trim()),
            });
        };
        let Some((key, value)) = content
            .split_once(['=', ':'])
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim()))
            .filter(|(k, _)| !k.is_empty())
        else {
            return Err(IniError {
                line: number,
                reason: format!("not a `key = value` line: {:?}", raw.trim()),
            });
        };
        let section = self.ini.sections[index].0.clone();
        let seen_key = format!("[{section}]{key}");
        if let Some(first) = self.seen.get(&seen_key) {
            return Err(IniError {
                line: number,
                reason: format!(
                    "option {key:?} in section [{section}] already exists (line {first})"
                ),
            });
        }
        self.seen.insert(seen_key, number);
        let entry = Entry {
            value: value.to_string(),
            line: number,
        };
        self.ini.sections[index].1.push((key, entry));
        self.in_value = true;
        Ok(())
    }
}

/// `[name]` → `name` (up to the last `]`, as configparser's greedy pattern does).
fn section_header(content: &str) -> Option<&str> {
    let rest = content.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    Some(&rest[..end]).filter(|name| !name.is_empty())
}

/// Cuts a `;` comment that starts the line or follows whitespace (`a;b` keeps its `;`).
fn strip_inline_comment(line: &str) -> &str {
    let mut previous: Option<char> = None;
    for (index, c) in line.char_indices() {
        if c == ';' && previous.is_none_or(char::is_whitespace) {
            return &line[..index];
        }
        previous = Some(c);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(ini: &Ini, section: &str, key: &str) -> Option<String> {
        ini.get(section, key).map(|e| e.value.clone())
    }

    fn parsed(text: &str) -> Ini {
        parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn both_delimiters_comments_and_case() {
        let ini = parsed(
            "# comment\n; also a comment\n[defaults]\nInventory = hosts.ini ; inline\nforks: 7\n\
             remote_user=me;not-a-comment\n  # indented comment\nurl = http://x:80/a=b\n",
        );
        assert_eq!(
            value(&ini, "defaults", "inventory").as_deref(),
            Some("hosts.ini")
        );
        assert_eq!(value(&ini, "defaults", "forks").as_deref(), Some("7"));
        assert_eq!(
            value(&ini, "defaults", "remote_user").as_deref(),
            Some("me;not-a-comment")
        );
        assert_eq!(
            value(&ini, "defaults", "url").as_deref(),
            Some("http://x:80/a=b")
        );
        assert_eq!(ini.get("defaults", "forks").map(|e| e.line), Some(5));
        assert_eq!(
            value(&ini, "Defaults", "forks"),
            None,
            "section names keep their case"
        );
    }

    #[test]
    fn continuation_lines_join_with_newlines() {
        let ini = parsed("[defaults]\nkey = first\n  second\n\n   third\n\nother = x\n");
        assert_eq!(
            value(&ini, "defaults", "key").as_deref(),
            Some("first\nsecond\n\nthird")
        );
        assert_eq!(value(&ini, "defaults", "other").as_deref(), Some("x"));
    }

    #[test]
    fn default_section_is_a_fallback() {
        let ini = parsed("[DEFAULT]\ntimeout = 3\n[defaults]\nforks = 2\n");
        assert_eq!(value(&ini, "defaults", "timeout").as_deref(), Some("3"));
        assert_eq!(ini.keys("defaults"), vec!["forks"]);
    }

    #[test]
    fn errors_name_the_line() {
        let err = |text: &str| parse(text).err().map(|e| e.line);
        assert_eq!(err("forks = 1\n"), Some(1), "no section header");
        assert_eq!(err("[defaults]\nforks\n"), Some(2), "no delimiter");
        assert_eq!(err("[defaults]\na = 1\nA = 2\n"), Some(3), "duplicate key");
        assert_eq!(err("[a]\n[b]\n[a]\n"), Some(3), "duplicate section");
        assert_eq!(err("[defaults]\n= 1\n"), Some(2), "empty key");
    }
}
