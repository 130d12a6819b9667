//! The template text minijinja compiles, prepared as Ansible's Jinja would read it:
//!
//! - **Backslashes in `{{ }}` string constants are literal** when the template comes from YAML (task
//!   arguments, variables): ansible-core's `AnsibleLexer` doubles them before Jinja decodes escapes,
//!   so `regex_replace('(\d+)', '<\1>')` in a double-quoted YAML string means the regex `(\d+)` and
//!   the backreference `\1`, processed by YAML alone. Conditionals (`when:`, `that:`) and template
//!   files keep Jinja's escapes, as in Ansible.
//! - **Collection names of built-in plugins** (`ansible.builtin.combine`, `ansible.legacy.upper`)
//!   name the same filter or test as the short name.
//! - **Unary plus** before a number (`[-2.5, +2.5]`), which minijinja does not parse, is dropped:
//!   `+2.5` is `2.5`.
//! - **Subtraction of datetimes**: in a template that makes datetime objects (`to_datetime`,
//!   `now()`), a binary `-` becomes a function call that subtracts them as Python does (see
//!   [`super::datetime`]).

use std::borrow::Cow;

/// `{% endraw %}` with any whitespace control.
fn raw_end() -> &'static regex::Regex {
    static RAW_END: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RAW_END
        .get_or_init(|| regex::Regex::new(r"\{%[-+]?\s*endraw\s*[-+]?%\}").expect("static regex"))
}

const FQCN_PREFIXES: [&str; 2] = ["ansible.builtin.", "ansible.legacy."];

/// `text` ready for minijinja; borrowed when nothing changes (the common case).
pub fn prepare(text: &str, escape_backslashes: bool) -> Cow<'_, str> {
    with_date_arithmetic(prepare_text(text, escape_backslashes), false)
}

/// A template that makes datetimes and subtracts something gets its subtractions rewritten.
fn with_date_arithmetic(code: Cow<'_, str>, expression: bool) -> Cow<'_, str> {
    let makes_dates = code.contains("to_datetime") || code.contains("now(");
    if !makes_dates || !code.contains('-') {
        return code;
    }
    match super::datetime::rewrite_subtractions(&code, expression) {
        Some(rewritten) => Cow::Owned(rewritten),
        None => code,
    }
}

fn prepare_text(text: &str, escape_backslashes: bool) -> Cow<'_, str> {
    let needs_work = (escape_backslashes && text.contains('\\'))
        || FQCN_PREFIXES.iter().any(|p| text.contains(p))
        || may_have_unary_plus(text);
    if !needs_work {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(start) = rest.find(['{']) {
        let (before, tag) = rest.split_at(start);
        out.push_str(before);
        let close = match tag.as_bytes().get(1) {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            _ => {
                out.push('{');
                rest = &tag[1..];
                continue;
            }
        };
        let in_expression = close == "}}";
        let (code, after) = split_code(&tag[2..], close);
        out.push_str(&tag[..2]);
        rewrite_code(code, escape_backslashes && in_expression, &mut out);
        rest = after;
        if !in_expression && code.trim_matches(['-', '+', ' ', '\t', '\n']) == "raw" {
            // A raw block's text is output as written: copy it up to its `{% endraw %}`.
            let end = raw_end().find(rest).map_or(rest.len(), |m| m.start());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A bare expression (`when:`, or the inside of a lone `{{ … }}`), prepared as [`prepare`] does
/// the code of a `{{ … }}`.
pub fn prepare_expression(expr: &str, escape_backslashes: bool) -> Cow<'_, str> {
    with_date_arithmetic(prepare_code(expr, escape_backslashes), true)
}

fn prepare_code(expr: &str, escape_backslashes: bool) -> Cow<'_, str> {
    let needs_work = (escape_backslashes && expr.contains('\\'))
        || FQCN_PREFIXES.iter().any(|p| expr.contains(p))
        || may_have_unary_plus(expr);
    if !needs_work {
        return Cow::Borrowed(expr);
    }
    let mut out = String::with_capacity(expr.len() + 8);
    rewrite_code(expr, escape_backslashes, &mut out);
    Cow::Owned(out)
}

/// The code of one `{{ … }}`/`{% … %}` up to its closing delimiter (outside string constants),
/// and the text from that delimiter on.
fn split_code<'a>(code: &'a str, close: &str) -> (&'a str, &'a str) {
    let bytes = code.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            (Some(_), b'\\') => i += 1,
            (Some(q), b) if b == q => quote = None,
            (None, b'\'' | b'"') => quote = Some(bytes[i]),
            // Byte-wise: `i` may sit inside a multi-byte character; `close` is ASCII.
            (None, _) if bytes[i..].starts_with(close.as_bytes()) => return code.split_at(i),
            _ => {}
        }
        i += 1;
    }
    (code, "")
}

fn rewrite_code(code: &str, escape_backslashes: bool, out: &mut String) {
    let mut chars = code.char_indices().peekable();
    let mut quote: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) => match c {
                '\\' => {
                    let next = chars.next().map(|(_, n)| n);
                    if escape_backslashes {
                        // Ansible's `replace('\\', '\\\\')`: each backslash stands for itself.
                        out.push_str("\\\\");
                        match next {
                            Some(n) if n == q || n == '\\' => {
                                out.push('\\');
                                out.push(n);
                            }
                            Some(n) => out.push(n),
                            None => {}
                        }
                    } else {
                        out.push('\\');
                        out.extend(next);
                    }
                }
                c if c == q => {
                    quote = None;
                    out.push(c);
                }
                c => out.push(c),
            },
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                    out.push(c);
                    continue;
                }
                let here = &code[i..];
                if let Some(prefix) = FQCN_PREFIXES.iter().find(|p| here.starts_with(**p))
                    && !code[..i].ends_with(|p: char| p.is_alphanumeric() || p == '_' || p == '.')
                {
                    for _ in 1..prefix.len() {
                        chars.next();
                    }
                    continue;
                }
                if c == '+' && is_unary_plus(code, i) {
                    continue;
                }
                out.push(c);
            }
        }
    }
}

/// A `+` directly before a digit (`+2`, `+ 2.5`): the cheap test before the exact one.
fn may_have_unary_plus(text: &str) -> bool {
    text.match_indices('+')
        .any(|(i, _)| starts_with_number(&text[i + 1..]))
}

fn starts_with_number(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with(|c: char| c.is_ascii_digit())
        || (text.starts_with('.') && text[1..].starts_with(|c: char| c.is_ascii_digit()))
}

/// The `+` at `at` (outside string constants) is Jinja's unary plus on a number literal: a number
/// follows, and no operand precedes it (an operator, an opening bracket, a comma or a keyword).
fn is_unary_plus(code: &str, at: usize) -> bool {
    if !starts_with_number(&code[at + 1..]) {
        return false;
    }
    let before = code[..at].trim_end();
    match before.chars().next_back() {
        None => true,
        Some(c) if "([{,:+-*/%~=<>!".contains(c) => true,
        Some(c) if c.is_alphanumeric() || c == '_' => {
            let word_start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            ["and", "or", "not", "in", "if", "else", "is"].contains(&&before[word_start..])
        }
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{prepare, split_code};

    #[test]
    fn non_ascii_code_before_the_closing_delimiter_is_split_on_a_character_boundary() {
        assert_eq!(
            split_code("x ~ 'é' ~ ü }} rest", "}}"),
            ("x ~ 'é' ~ ü ", "}} rest")
        );
        assert_eq!(split_code("ü", "}}"), ("ü", ""));
    }

    #[test]
    fn backslashes_in_expression_strings_stand_for_themselves() {
        assert_eq!(
            prepare(r"{{ x | regex_replace('(\d+)', '<\1>') }}", true),
            r"{{ x | regex_replace('(\\d+)', '<\\1>') }}"
        );
        assert_eq!(prepare(r"{{ 'it\'s' }}", true), r"{{ 'it\\\'s' }}");
        assert_eq!(prepare(r"{{ 'a\\b' }}", true), r"{{ 'a\\\\b' }}");
    }

    #[test]
    fn statements_conditionals_and_text_keep_jinja_escapes() {
        let text = r"a\1 {% set x = '\n' %}{{ x }}";
        assert_eq!(prepare(text, true), text);
        let raw = r"{% raw %}{{ '\1' }}{% endraw %}{{ '\1' }}";
        assert_eq!(
            prepare(raw, true),
            r"{% raw %}{{ '\1' }}{% endraw %}{{ '\\1' }}"
        );
        assert_eq!(prepare(r"{{ '\d' }}", false), r"{{ '\d' }}");
    }

    #[test]
    fn a_unary_plus_before_a_number_is_dropped_and_an_addition_kept() {
        assert_eq!(
            prepare("{{ [-2.5, +2.5, 1 + 2.5] }}", false),
            "{{ [-2.5, 2.5, 1 + 2.5] }}"
        );
        assert_eq!(
            prepare("{{ +1 if x else + .5 }}", false),
            "{{ 1 if x else  .5 }}"
        );
        assert_eq!(prepare("{{ a+1 }}{{ '+1' }}", false), "{{ a+1 }}{{ '+1' }}");
        assert_eq!(super::prepare_expression("x == +3", false), "x == 3");
    }

    #[test]
    fn builtin_collection_names_are_the_short_names() {
        assert_eq!(
            prepare(
                "{{ x | ansible.builtin.combine(y) is ansible.legacy.mapping }}",
                false
            ),
            "{{ x | combine(y) is mapping }}"
        );
        assert_eq!(
            prepare("{{ 'ansible.builtin.x' ~ my.ansible.builtin }}", false),
            "{{ 'ansible.builtin.x' ~ my.ansible.builtin }}"
        );
        assert_eq!(
            prepare("{% if x is ansible.builtin.defined %}y{% endif %}", false),
            "{% if x is defined %}y{% endif %}"
        );
    }
}
