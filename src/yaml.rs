//! The one place drover reads YAML. Ansible's YAML is 1.1 as PyYAML reads it: `yes/no/on/off` are
//! booleans, `0755` is octal, `<<` merges, a repeated key keeps its last value. serde-saphyr does all of
//! these with the options below. Where it reads more than PyYAML, the scalar is quoted before
//! parsing: a bare `y`/`n` or a mixed-case `yEs` (serde-saphyr: a boolean; PyYAML: a string) stays a
//! string, and an integer too big for 64 bits (Python keeps every digit) is read as the string of its
//! digits, never rounded to a float.

use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};

pub use serde_saphyr::Spanned;

/// A place in a source file, for error messages (`site.yml:12`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: PathBuf,
    pub line: u64,
    /// 1-based; 0 when only the line is known. Shown by the error snippet, not in `Display`.
    pub column: u64,
}

impl Origin {
    pub fn new(file: &Path, line: u64) -> Self {
        Origin::at(file, line, 0)
    }
    pub fn at(file: &Path, line: u64, column: u64) -> Self {
        Origin {
            file: file.to_path_buf(),
            line,
            column,
        }
    }
    /// Where a spanned YAML value starts.
    pub fn of<T>(file: &Path, spanned: &Spanned<T>) -> Self {
        Origin::at(file, spanned.referenced.line(), spanned.referenced.column())
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}", self.file.display(), self.line)
        } else {
            write!(f, "{}", self.file.display())
        }
    }
}

/// A YAML file that could not be read into the shape drover expects.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct YamlError {
    pub origin: Origin,
    pub message: String,
}

fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.legacy_octal_numbers = true;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    options.with_snippet = false;
    options.budget = Some(budget());
    options
}

/// Limits that real playbooks and inventories never reach (a 100,000-task playbook is ~700,000
/// nodes) while alias bombs stay capped by serde-saphyr's alias and depth limits.
fn budget() -> serde_saphyr::Budget {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = 100_000_000;
    budget.max_nodes = 50_000_000;
    budget
}

/// Parses YAML text from `file` (named in errors) into `T`. Inline `!vault` values are decrypted
/// with the run's vault secrets first.
pub fn from_str<T: DeserializeOwned>(text: &str, file: &Path) -> Result<T, YamlError> {
    let expanded;
    let text = if text.contains("!vault") {
        expanded =
            crate::vault::expand_inline(text, crate::vault::installed()).map_err(|(line, e)| {
                YamlError {
                    origin: Origin::new(file, line as u64),
                    message: e.to_string(),
                }
            })?;
        expanded.as_str()
    } else {
        text
    };
    let literal = unsafe_as_literal(text);
    let text = as_pyyaml_reads(&literal);
    serde_saphyr::from_str_with_options(&text, options()).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        YamlError {
            origin: Origin::at(file, line, column),
            message: message_for_people(&e),
        }
    })
}

/// Every document of a YAML stream (`from_yaml_all`), read as [`from_str`] reads one.
pub fn documents_from_str<T: DeserializeOwned>(
    text: &str,
    file: &Path,
) -> Result<Vec<T>, YamlError> {
    let literal = unsafe_as_literal(text);
    let text = as_pyyaml_reads(&literal);
    serde_saphyr::from_multiple_with_options(&text, options()).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        YamlError {
            origin: Origin::at(file, line, column),
            message: message_for_people(&e),
        }
    })
}

/// serde-saphyr's message, reworded where it speaks to a Rust programmer rather than to the person
/// who wrote the file.
fn message_for_people(e: &serde_saphyr::Error) -> String {
    match e {
        serde_saphyr::Error::MultipleDocuments { .. } => {
            "a second YAML document (after a `---` line) starts here: drover reads one document per file (a \
             playbook is one list of plays); remove the `---` line or split the file"
                .to_string()
        }
        serde_saphyr::Error::Budget { breach, .. } => format!(
            "the file is too large or too deeply nested for drover to read safely ({}); split it \
             into smaller files",
            budget_breach(breach)
        ),
        other => {
            let message = other.to_string();
            // saphyr prefixes "error: line N column M: "; the origin already says where.
            let message = match message.split_once(": ") {
                Some((head, rest)) if head.starts_with("error") => rest
                    .split_once(": ")
                    .map(|(_, m)| m)
                    .unwrap_or(rest)
                    .to_string(),
                _ => message,
            };
            message.lines().next().unwrap_or("").to_string()
        }
    }
}

fn budget_breach(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Depth { depth } => format!("nested {depth} levels deep"),
        B::Nodes { nodes } => format!("more than {nodes} values"),
        B::Events { events } => format!("more than {events} YAML events"),
        B::Aliases { aliases } => format!("{aliases} aliases (`*name`)"),
        B::Documents { documents } => format!("{documents} documents"),
        other => format!("{other:?}"),
    }
}

/// `!unsafe` scalars become strings that render to exactly their text: Ansible never templates
/// them. A value without template markers only loses its tag; one with markers is wrapped in
/// `{% raw %}…{% endraw %}`, which every render turns back into the text as written. Lines keep
/// their numbers (a multi-line scalar is followed by as many newlines as it spanned).
/// `!!binary` scalars are Python `bytes` in Ansible, never templated either: drover's variables
/// are JSON, so they become the decoded text (bytes that are not UTF-8 as U+FFFD, as Ansible
/// shows them when it prints them); a payload that is not base64 is left to the parser's error.
fn unsafe_as_literal(text: &str) -> std::borrow::Cow<'_, str> {
    use serde_saphyr::granit_parser::{Event, Parser};
    if !text.contains("!unsafe") && !text.contains("!!binary") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut spans = Vec::new();
    for event in Parser::new_from_str(text) {
        let Ok((Event::Scalar(value, _, _, Some(tag)), span)) = event else {
            if event.is_err() {
                break;
            }
            continue;
        };
        let start = span.tag_start().and_then(|m| m.byte_offset());
        let binary = tag.handle() == "tag:yaml.org,2002:" && tag.suffix() == "binary";
        let literal = if binary {
            binary_text(&value)
        } else {
            (tag.original() == "!unsafe").then(|| value.to_string())
        };
        if let (Some(literal), Some(start), Some(range)) = (literal, start, span.byte_range()) {
            // A block scalar's span runs to the next token, over the next line's indentation.
            let end = start + text.get(start..range.end).map_or(0, |t| t.trim_end().len());
            spans.push((start, end, crate::template::literal_text(&literal)));
        }
    }
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 32 * spans.len());
    let mut at = 0;
    for (start, end, literal) in spans {
        let (Some(before), Some(replaced)) = (text.get(at..start), text.get(start..end)) else {
            continue;
        };
        out.push_str(before);
        out.push_str(&serde_json::to_string(&literal).unwrap_or_default());
        out.push_str(&"\n".repeat(replaced.matches('\n').count()));
        // A block scalar's span ends after the next line's indentation: keep it, or the next
        // key would move to column 1.
        if let Some((_, tail)) = replaced.rsplit_once('\n')
            && tail.bytes().all(|b| b == b' ')
        {
            out.push_str(tail);
        }
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    std::borrow::Cow::Owned(out)
}

/// The text of a `!!binary` payload (base64, whitespace ignored as YAML allows), or `None` when it
/// is not base64.
fn binary_text(payload: &str) -> Option<String> {
    use base64::Engine as _;
    let compact: String = payload.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Quotes the plain scalars serde-saphyr would read differently from PyYAML, so they arrive as
/// the strings PyYAML makes of them: integers outside 64 bits (`123456789012345678901234567890`
/// is an exact int in Python, serde-saphyr would round it to a float) and the boolean spellings
/// PyYAML does not know (`y`, `N`, `yEs`). Only files with such a word or a run of 19+ digits pay
/// for the extra parse.
fn as_pyyaml_reads(text: &str) -> std::borrow::Cow<'_, str> {
    if !has_long_digit_run(text) && !has_foreign_boolean_word(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let spans = foreign_scalar_spans(text);
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 2 * spans.len());
    let mut at = 0;
    for (start, end) in spans {
        out.push_str(&text[at..start]);
        let scalar = text[start..end].trim_start_matches('+');
        out.push('"');
        out.push_str(scalar);
        out.push('"');
        at = end;
    }
    out.push_str(&text[at..]);
    std::borrow::Cow::Owned(out)
}

fn has_long_digit_run(text: &str) -> bool {
    text.as_bytes()
        .split(|b| !b.is_ascii_digit())
        .any(|run| run.len() >= 19)
}

fn has_foreign_boolean_word(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .any(is_foreign_boolean)
}

/// A word serde-saphyr reads as a YAML 1.1 boolean (any case, `y`/`n` included) but PyYAML's
/// resolver does not: it knows only the lower, Title and UPPER case of yes/no/true/false/on/off.
fn is_foreign_boolean(word: &str) -> bool {
    const WORDS: [&str; 8] = ["y", "n", "yes", "no", "true", "false", "on", "off"];
    let lower = word.to_ascii_lowercase();
    if !WORDS.contains(&lower.as_str()) {
        return false;
    }
    let title = |w: &str| {
        let mut chars = w.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    };
    let pyyaml = lower.len() > 1
        && (word == lower || word == title(&lower) || word == lower.to_ascii_uppercase());
    !pyyaml
}

/// Byte ranges of untagged plain scalars PyYAML reads as strings and serde-saphyr would not (see
/// [`as_pyyaml_reads`]). A text the parser rejects yields what was found before the error; the
/// real parse reports the error.
fn foreign_scalar_spans(text: &str) -> Vec<(usize, usize)> {
    use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};
    let mut spans = Vec::new();
    for event in Parser::new_from_str(text) {
        let Ok((Event::Scalar(value, ScalarStyle::Plain, _, None), span)) = event else {
            if event.is_err() {
                break;
            }
            continue;
        };
        if let Some(range) = span.byte_range()
            && text.get(range.clone()) == Some(value.as_ref())
            && (is_big_integer(&value) || is_foreign_boolean(&value))
        {
            spans.push((range.start, range.end));
        }
    }
    spans
}

/// `[-+]?[1-9][0-9]*` that fits neither i64 nor u64.
fn is_big_integer(scalar: &str) -> bool {
    let digits = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    digits.starts_with(|c: char| ('1'..='9').contains(&c))
        && digits.bytes().all(|b| b.is_ascii_digit())
        && scalar.parse::<i64>().is_err()
        && scalar.trim_start_matches('+').parse::<u64>().is_err()
}

/// Reads and parses a YAML file; a file encrypted with ansible-vault is decrypted first.
pub fn from_file<T: DeserializeOwned>(file: &Path) -> Result<T, YamlError> {
    let fail = |message: String| YamlError {
        origin: Origin::new(file, 0),
        message,
    };
    let bytes = crate::vault::read_file(file)
        .map_err(|e| fail(format!("cannot read: {e}")))?
        .map_err(|e| fail(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".into()))?;
    from_str(&text, file)
}

/// Writes a value as YAML (the `to_yaml` filter, `--list` outputs).
pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_saphyr::to_string(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(text: &str) -> Value {
        from_str(text, Path::new("t.yml")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// What PyYAML (and so Ansible) reads for each scalar.
    #[test]
    fn reads_scalars_like_pyyaml() {
        let cases = [
            ("yes", json!(true)),
            ("No", json!(false)),
            ("on", json!(true)),
            ("off", json!(false)),
            ("true", json!(true)),
            ("0755", json!(493)),
            ("'0755'", json!("0755")),
            ("0o755", json!(493)),
            ("0x1f", json!(31)),
            ("1.5", json!(1.5)),
            ("~", json!(null)),
            ("null", json!(null)),
            ("hello", json!("hello")),
            ("'yes'", json!("yes")),
            ("8080", json!(8080)),
        ];
        for (text, want) in cases {
            assert_eq!(parse(&format!("v: {text}"))["v"], want, "{text}");
        }
    }

    /// Every spelling ansible-core 2.19 was asked about (`type_debug` of each bare scalar):
    /// booleans only in lower, Title and UPPER case; `y`/`n` and mixed case stay strings.
    #[test]
    fn booleans_are_the_spellings_ansible_reads_as_booleans() {
        let strings = [
            "y", "Y", "n", "N", "yEs", "oN", "tRue", "fAlse", "nO", "oFF",
        ];
        let truths = [
            "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ];
        let lies = [
            "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
        ];
        for text in strings {
            assert_eq!(parse(&format!("v: {text}"))["v"], json!(text), "{text}");
            assert_eq!(parse(&format!("v: [{text}]"))["v"], json!([text]), "{text}");
        }
        for (texts, want) in [(truths, true), (lies, false)] {
            for text in texts {
                assert_eq!(parse(&format!("v: {text}"))["v"], json!(want), "{text}");
                assert_eq!(parse(&format!("- {text}\n"))[0], json!(want), "{text}");
            }
        }
    }

    /// A nested `!unsafe |` block (filter_core's `vars:`) leaves the next key where it was.
    #[test]
    fn an_unsafe_block_keeps_the_indentation_of_the_key_after_it() {
        let text = "t:\n  vars:\n    a: !unsafe |\n      ---\n      b: y\n    c: !unsafe |\n      d\n    e: 1\n";
        assert_eq!(
            parse(text),
            json!({"t": {"vars": {"a": "---\nb: y\n", "c": "d\n", "e": 1}}})
        );
    }

    /// ansible-core reads `!!binary` as bytes (a GIF in roles_arg_spec's test): drover keeps the
    /// decoded text, U+FFFD for the bytes that are not UTF-8, and never templates it.
    #[test]
    fn binary_values_are_their_decoded_text() {
        let v = parse(
            "m:\n  gif: !!binary |\n    R0lGODlh\n    /w==\n  hello: !!binary aGVsbG8=\nt: !!binary e3sgeCB9fQ==\nafter: 4\n",
        );
        assert_eq!(v["m"]["gif"], json!("GIF89a\u{FFFD}"));
        assert_eq!(v["m"]["hello"], json!("hello"));
        let templar = crate::template::Templar::new();
        let rendered = templar
            .render_value(&v["t"], &serde_json::Map::new())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rendered, json!("{{ x }}"));
        assert_eq!(v["after"], json!(4));
    }

    /// `!unsafe` text reaches every consumer as it is written, never templated: what
    /// ansible-core 2.19 printed for the same values.
    #[test]
    fn unsafe_values_are_never_templated() {
        let text = "a: !unsafe '{{ x }}'\nb: [!unsafe \"{% raw %}{{ y }}{% endraw %}\", 2]\nc: !unsafe plain {{ z }}\nd: !unsafe |\n  {# c #}\n  {{ w }}\ne: !unsafe no braces\nf: line 7\n";
        let v = parse(text);
        let templar = crate::template::Templar::new();
        let rendered = templar
            .render_value(&v, &serde_json::Map::new())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            rendered,
            json!({"a": "{{ x }}", "b": ["{% raw %}{{ y }}{% endraw %}", 2], "c": "plain {{ z }}",
                   "d": "{# c #}\n{{ w }}\n", "e": "no braces", "f": "line 7"})
        );
        let lines: Vec<Spanned<Value>> =
            from_str("- !unsafe |\n  {{ a }}\n  b\n- x\n", Path::new("t")).unwrap_or_default();
        assert_eq!(
            lines.get(1).map(|s| s.referenced.line()),
            Some(4),
            "lines keep their numbers"
        );
    }

    #[test]
    fn big_integers_keep_every_digit() {
        let v = parse(
            "a: 12345678901234567890123456789012345678901\nb: -99999999999999999999\nc: [+123456789012345678901]\nd: 18446744073709551615\ne: '7'\nf: 1.5e300\n",
        );
        assert_eq!(v["a"], json!("12345678901234567890123456789012345678901"));
        assert_eq!(v["b"], json!("-99999999999999999999"));
        assert_eq!(v["c"], json!(["123456789012345678901"]));
        assert_eq!(v["d"], json!(18446744073709551615u64));
        assert_eq!(v["e"], json!("7"));
        assert_eq!(v["f"], json!(1.5e300));
    }

    #[test]
    fn several_documents_are_explained() {
        let e = from_str::<Value>("- a: 1\n---\n- b: 2\n", Path::new("site.yml")).unwrap_err();
        assert!(e.message.contains("one document per file"), "{e}");
        assert!(!e.message.contains("from_str_multiple"), "{e}");
        assert_eq!(e.origin.line, 3, "{e}");
    }

    /// More values than serde-saphyr's default budget (250,000 nodes) allows; the CLI test loads a
    /// 100,000-task playbook in release mode.
    #[test]
    fn a_large_file_is_read() {
        let text = "- 1\n".repeat(300_000);
        let v: Vec<Value> = from_str(&text, Path::new("big.yml")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.len(), 300_000);
    }

    #[test]
    fn exceeding_the_budget_is_worded_for_people() {
        let text = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let e = from_str::<Value>(&text, Path::new("deep.yml")).unwrap_err();
        assert!(e.message.contains("too large or too deeply nested"), "{e}");
        assert!(e.to_string().starts_with("deep.yml"), "{e}");
    }

    #[test]
    fn merges_keys_and_keeps_last_duplicate() {
        let v = parse("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nd: 1\nd: 2\n");
        assert_eq!(v["m"], json!({"x": 1, "y": 3}));
        assert_eq!(v["d"], json!(2));
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = from_str::<Value>("a: 1\nb: [1,\nc: }\n", Path::new("site.yml")).unwrap_err();
        assert_eq!(e.origin.file, Path::new("site.yml"));
        assert!(e.origin.line >= 2, "{e}");
        assert!(e.to_string().starts_with("site.yml:"), "{e}");
    }

    #[test]
    fn spans_give_lines() {
        let v: Vec<Spanned<Value>> =
            from_str("- a: 1\n- b: 2\n", Path::new("x")).unwrap_or_default();
        assert_eq!(
            v.iter().map(|s| s.referenced.line()).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }
}

#[cfg(test)]
mod flow_booleans {
    use serde_json::{Value, json};

    fn read(text: &str) -> Value {
        super::from_str(text, std::path::Path::new("t.yml")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// What ansible-core 2.19's loader (PyYAML) gives for the same text.
    #[test]
    fn bare_y_and_n_in_flow_collections_are_strings_as_pyyaml_reads_them() {
        assert_eq!(
            read("a: [y, n, yes, no, on, off, Y, N, ~, True]"),
            json!({"a": ["y", "n", true, false, true, false, "Y", "N", null, true]})
        );
        assert_eq!(
            read("a: {y: n, k: [off], x: y}"),
            json!({"a": {"y": "n", "k": [false], "x": "y"}})
        );
        assert_eq!(read("a: [ y ,n]"), json!({"a": ["y", "n"]}));
        assert_eq!(read("- [y]\n- {n: y}\n"), json!([["y"], {"n": "y"}]));
    }
}
