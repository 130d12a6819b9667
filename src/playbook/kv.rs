//! Ansible's one-line argument syntax: `dest=/tmp/x mode=0644 content="a b"`.
//!
//! A line-by-line port of ansible-core's `parse_kv` / `split_args` / `unquote`
//! (`ansible/parsing/splitter.py`, `quoting.py`), quirks included: splitting is on spaces and
//! newlines only (a tab stays inside a token), Jinja blocks and quotes hold tokens together, escapes
//! (`\n`, `\t`, `\\`, `\"`, `\x41`, `\u00e9`, `\U0001F600`, `\N{BULLET}`) are decoded in every
//! `k=v` token, quoted or not, and one level of matching outer quotes is removed from a value. The
//! table in `kv_cases.json` holds ansible-core's own answers (`scripts/kv-cases` regenerates it).

use serde_json::{Map, Value};

/// The options `command`/`shell`/`raw` take as `k=v` inside their free-form text; every other
/// token is part of the command (`_raw_params`). Ansible's own list.
const RAW_PARAM_KEYS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "warn",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
];

/// A `k=v` string that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KvError {
    #[error("failed at splitting arguments, either an unbalanced jinja2 block or quotes: {text:?}")]
    Unbalanced { text: String },
    #[error("expected key=value, found {token:?}")]
    NotKeyValue { token: String },
    #[error("{escape} in {token:?} is not a character (a lone surrogate or beyond U+10FFFF)")]
    BadEscape { escape: String, token: String },
    #[error("{escape} in {token:?} names no Unicode character")]
    UnknownCharacterName { escape: String, token: String },
}

/// Splits `k=v` pairs as ansible-core's `parse_kv` does. With `check_raw` (the free-form modules
/// `command`, `shell`, `raw`), tokens that are not `k=v` for one of [`RAW_PARAM_KEYS`] are joined
/// into `_raw_params`, exactly as written; without it, a token that is not `k=v` is an error (Ansible
/// would pass it on as `_raw_params`, which no such module accepts).
pub fn parse_kv(text: &str, check_raw: bool) -> Result<Map<String, Value>, KvError> {
    let mut options = Map::new();
    let mut raw_params: Vec<String> = Vec::new();
    for orig in split_args(text)? {
        let x = decode_escapes(&orig)?;
        let Some(pos) = x.contains('=').then(|| unescaped_equals(&x)) else {
            raw_params.push(orig);
            continue;
        };
        let Some(pos) = pos else {
            raw_params.push(x.replace("\\=", "="));
            continue;
        };
        let (key, value) = (&x[..pos], &x[pos + 1..]);
        if check_raw && !RAW_PARAM_KEYS.contains(&key) {
            raw_params.push(orig);
        } else {
            options.insert(
                py_strip(key).to_string(),
                Value::String(unquote(py_strip(value)).to_string()),
            );
        }
    }
    if !check_raw && let Some(token) = raw_params.first() {
        return Err(KvError::NotKeyValue {
            token: token.clone(),
        });
    }
    if check_raw && !raw_params.is_empty() {
        options.insert("_raw_params".into(), Value::String(join_args(&raw_params)));
    }
    Ok(options)
}

/// The first `=` after the token's first character that no backslash precedes (Ansible searches
/// from index 1, so a leading `=` never separates a key).
fn unescaped_equals(x: &str) -> Option<usize> {
    let bytes = x.as_bytes();
    (1..bytes.len()).find(|&i| bytes[i] == b'=' && bytes[i - 1] != b'\\')
}

/// Python's `str.strip()`: Rust's whitespace plus the ASCII separators `\x1c`–`\x1f`.
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// ansible's `quoting.unquote`: one level of matching outer quotes, unless the closing one is
/// escaped.
fn unquote(data: &str) -> &str {
    let chars: Vec<char> = data.chars().collect();
    let quoted = chars.len() > 1
        && chars[0] == chars[chars.len() - 1]
        && (chars[0] == '"' || chars[0] == '\'')
        && chars[chars.len() - 2] != '\\';
    if quoted {
        &data[1..data.len() - 1]
    } else {
        data
    }
}

/// ansible's `join_args`: tokens joined by a space, except after a newline.
fn join_args(tokens: &[String]) -> String {
    let mut result = String::new();
    for token in tokens {
        if !result.is_empty() && !result.ends_with('\n') {
            result.push(' ');
        }
        result.push_str(token);
    }
    result
}

/// Where [`split_args`] stands between tokens: open quote and Jinja nesting depths.
#[derive(Default)]
struct SplitState {
    quote: Option<char>,
    print_depth: usize,
    block_depth: usize,
    comment_depth: usize,
}

impl SplitState {
    fn in_jinja(&self) -> bool {
        self.print_depth > 0 || self.block_depth > 0 || self.comment_depth > 0
    }
}

/// ansible's `split_args`: splits on spaces and newlines, then glues back together what a quote or
/// a Jinja block (`{{ }}`, `{% %}`, `{# #}`) spans, keeping the original spacing inside them.
fn split_args(args: &str) -> Result<Vec<String>, KvError> {
    let mut params: Vec<String> = Vec::new();
    if args.is_empty() {
        return Ok(params);
    }
    let mut state = SplitState::default();
    let items: Vec<&str> = args.split('\n').collect();
    for (item_idx, item) in items.iter().enumerate() {
        let mut line_continuation = false;
        for (idx, token) in item.split(' ').enumerate() {
            if token.is_empty() && idx != 0 {
                last(&mut params).push(' ');
                continue;
            }
            if token == "\\" && state.quote.is_none() {
                line_continuation = true;
                continue;
            }
            split_token(&mut params, &mut state, token, idx);
        }
        if items.len() > 1 && item_idx != items.len() - 1 && !line_continuation {
            last(&mut params).push('\n');
        }
    }
    if state.in_jinja() || state.quote.is_some() {
        return Err(KvError::Unbalanced {
            text: args.to_string(),
        });
    }
    Ok(params)
}

/// The last token, created empty if there is none yet (Python's `params[-1]` after its guard).
fn last(params: &mut Vec<String>) -> &mut String {
    if params.is_empty() {
        params.push(String::new());
    }
    let end = params.len() - 1;
    &mut params[end]
}

/// One space-separated piece: a new token, or the continuation of an open quote or Jinja block.
fn split_token(params: &mut Vec<String>, state: &mut SplitState, token: &str, idx: usize) {
    let was_inside_quotes = state.quote.is_some();
    state.quote = quote_state(token, state.quote);
    let inside_quotes = state.quote.is_some();
    let mut appended = false;
    if inside_quotes && !was_inside_quotes && !state.in_jinja() {
        params.push(token.to_string());
        appended = true;
    } else if state.in_jinja() || inside_quotes || was_inside_quotes {
        let previous = last(params);
        if idx > 0 {
            previous.push(' ');
        }
        previous.push_str(token);
        appended = true;
    }
    for (depth, open, close) in [
        (&mut state.print_depth, "{{", "}}"),
        (&mut state.block_depth, "{%", "%}"),
        (&mut state.comment_depth, "{#", "#}"),
    ] {
        let before = *depth;
        *depth = jinja_depth(token, before, open, close);
        if *depth != before && !appended {
            params.push(token.to_string());
            appended = true;
        }
    }
    if !state.in_jinja() && state.quote.is_none() && !appended && !token.is_empty() {
        params.push(token.to_string());
    }
}

/// ansible's `_get_quote_state`: the quote still open at the end of `token`; a quote right after a
/// backslash does not count.
fn quote_state(token: &str, mut quote: Option<char>) -> Option<char> {
    let mut prev: Option<char> = None;
    for c in token.chars() {
        if (c == '"' || c == '\'') && prev != Some('\\') {
            match quote {
                Some(q) if q == c => quote = None,
                Some(_) => {}
                None => quote = Some(c),
            }
        }
        prev = Some(c);
    }
    quote
}

/// ansible's `_count_jinja2_blocks`: the depth after `token`, never below zero.
fn jinja_depth(token: &str, depth: usize, open: &str, close: &str) -> usize {
    let opened = token.matches(open).count();
    let closed = token.matches(close).count();
    (depth + opened).saturating_sub(closed)
}

/// ansible's `_decode_escapes`: Python's unicode-escape decoding of `\\ \' \" \a \b \f \n \r \t \v`,
/// `\xHH`, `\uHHHH`, `\UHHHHHHHH` and `\N{NAME}`; any other backslash stays as written.
fn decode_escapes(token: &str) -> Result<String, KvError> {
    let mut out = String::with_capacity(token.len());
    let mut rest = token;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        match decode_escape(escape, token)? {
            Some((decoded, used)) => {
                out.push(decoded);
                rest = &escape[used..];
            }
            None => {
                out.push('\\');
                rest = &escape[1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The character an escape at the start of `text` stands for, and its length in bytes; `None` when
/// the backslash starts no escape.
fn decode_escape(text: &str, token: &str) -> Result<Option<(char, usize)>, KvError> {
    let Some(kind) = text[1..].chars().next() else {
        return Ok(None);
    };
    let simple = match kind {
        '\\' => Some('\\'),
        '\'' => Some('\''),
        '"' => Some('"'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\x0b'),
        _ => None,
    };
    if let Some(c) = simple {
        return Ok(Some((c, 2)));
    }
    let digits = match kind {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        'N' => return named_escape(text, token),
        _ => return Ok(None),
    };
    let hex = text.get(2..2 + digits).filter(|h| h.len() == digits);
    let Some(code) = hex
        .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
        .and_then(|h| u32::from_str_radix(h, 16).ok())
    else {
        return Ok(None);
    };
    match char::from_u32(code) {
        Some(c) => Ok(Some((c, 2 + digits))),
        None => Err(KvError::BadEscape {
            escape: text[..2 + digits].to_string(),
            token: token.to_string(),
        }),
    }
}

/// `\N{LATIN SMALL LETTER E WITH ACUTE}`: a character by its Unicode name.
fn named_escape(text: &str, token: &str) -> Result<Option<(char, usize)>, KvError> {
    let Some(body) = text.strip_prefix("\\N{") else {
        return Ok(None);
    };
    let Some(end) = body.find('}').filter(|&e| e > 0) else {
        return Ok(None);
    };
    let escape = &text[..3 + end + 1];
    match unicode_names2::character(&body[..end]) {
        Some(c) => Ok(Some((c, escape.len()))),
        None => Err(KvError::UnknownCharacterName {
            escape: escape.to_string(),
            token: token.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn kv(text: &str) -> Value {
        Value::Object(parse_kv(text, false).unwrap_or_else(|e| panic!("{e}")))
    }

    /// One row of ansible-core's answers: `want` is what `parse_kv(args, check_raw)` returned,
    /// `error` says it raised.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Case {
        args: String,
        check_raw: bool,
        #[serde(default)]
        want: Option<Map<String, Value>>,
        #[serde(default)]
        error: Option<String>,
    }

    #[test]
    fn matches_ansible_core_on_every_recorded_case() {
        let cases: Vec<Case> = serde_json::from_str(include_str!("kv_cases.json"))
            .unwrap_or_else(|e| panic!("kv_cases.json: {e}"));
        assert!(cases.len() > 50, "the table lost its rows");
        let mut wrong = Vec::new();
        for case in &cases {
            let got = parse_kv(&case.args, case.check_raw);
            let ok = match (&got, &case.want, &case.error) {
                (Ok(got), Some(want), _) => got == want,
                (Err(_), None, Some(_)) => true,
                // Ansible passes a stray word on as `_raw_params`, which no k=v module takes.
                (Err(KvError::NotKeyValue { .. }), Some(want), _) => {
                    !case.check_raw && want.contains_key("_raw_params")
                }
                _ => false,
            };
            if !ok {
                wrong.push(format!(
                    "{:?} (check_raw={}): ansible-core {:?} / {:?}, drover {got:?}",
                    case.args, case.check_raw, case.want, case.error
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn decodes_escapes_in_values() {
        assert_eq!(
            kv(r#"content="hello\nworld\n" line='a\tb'"#),
            json!({"content": "hello\nworld\n", "line": "a\tb"})
        );
    }

    #[test]
    fn keeps_jinja_whole() {
        assert_eq!(
            kv("msg={{ a ~ ' ' ~ b }}"),
            json!({"msg": "{{ a ~ ' ' ~ b }}"})
        );
    }

    #[test]
    fn raw_params_for_commands() {
        let args = parse_kv("echo a=b 'c d' chdir=/tmp creates=/x", true).unwrap_or_default();
        assert_eq!(
            Value::Object(args),
            json!({"chdir": "/tmp", "creates": "/x", "_raw_params": "echo a=b 'c d'"})
        );
    }

    #[test]
    fn rejects_bare_words_where_pairs_are_expected() {
        assert!(matches!(
            parse_kv("dest=/x oops", false),
            Err(KvError::NotKeyValue { .. })
        ));
        assert!(matches!(
            parse_kv("msg='open", false),
            Err(KvError::Unbalanced { .. })
        ));
    }

    #[test]
    fn escapes_that_are_no_character_are_errors() {
        assert!(matches!(
            parse_kv(r"k=\ud800", false),
            Err(KvError::BadEscape { .. })
        ));
        let unknown = parse_kv(r#"k="\N{NO SUCH THING}""#, false);
        assert!(
            matches!(unknown, Err(KvError::UnknownCharacterName { .. })),
            "{unknown:?}"
        );
    }
}
