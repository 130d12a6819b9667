//! Ansible's one-line argument syntax: `dest=/tmp/x mode=0644 content="a b"`.

use serde_json::{Map, Value};

/// Splits `k=v` pairs, honouring quotes and backslash escapes as Ansible's `parse_kv` does. Tokens
/// that are not `k=v` (or whose key is not in `raw_keys` when `raw_keys` is given) are joined into
/// `_raw_params` — the free-form command of `command`/`shell`/`raw`.
pub fn parse_kv(text: &str, raw_keys: Option<&[&str]>) -> Result<Map<String, Value>, String> {
    let mut args = Map::new();
    let mut raw: Vec<&str> = Vec::new();
    for token in split_args(text)? {
        match kv_of(token) {
            Some((key, value)) if raw_keys.is_none_or(|keys| keys.contains(&key)) => {
                args.insert(key.to_string(), Value::String(unquote(value)));
            }
            _ if raw_keys.is_some() => raw.push(token),
            _ => return Err(format!("expected key=value, found {token:?}")),
        }
    }
    if !raw.is_empty() {
        args.insert("_raw_params".into(), Value::String(raw.join(" ")));
    }
    Ok(args)
}

/// `key=value` where key is an identifier; `a == b` or `x='=y'` is not.
fn kv_of(token: &str) -> Option<(&str, &str)> {
    let (key, value) = token.split_once('=')?;
    let is_ident = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    is_ident.then_some((key, value))
}

/// Splits on unquoted whitespace, keeping quotes in tokens (so a raw command keeps them) and
/// Jinja blocks (`{{ a b }}`) whole.
fn split_args(text: &str) -> Result<Vec<&str>, String> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut jinja_depth = 0usize;
    let mut escaped = false;
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < bytes.len() {
        let (pos, c) = bytes[i];
        let next = bytes.get(i + 1).map(|(_, c)| *c);
        if start.is_none() && !c.is_whitespace() {
            start = Some(pos);
        }
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if jinja_depth == 0 && quote == Some(c) {
            quote = None;
        } else if jinja_depth == 0 && quote.is_none() && (c == '"' || c == '\'') {
            quote = Some(c);
        } else if c == '{' && matches!(next, Some('{' | '%' | '#')) {
            jinja_depth += 1;
            i += 1;
        } else if jinja_depth > 0 && matches!(c, '}' | '%' | '#') && next == Some('}') {
            jinja_depth -= 1;
            i += 1;
        } else if c.is_whitespace()
            && quote.is_none()
            && jinja_depth == 0
            && let Some(s) = start.take()
        {
            tokens.push(&text[s..pos]);
        }
        i += 1;
    }
    if quote.is_some() {
        return Err(format!("unbalanced quotes in {text:?}"));
    }
    if let Some(s) = start {
        tokens.push(&text[s..]);
    }
    Ok(tokens)
}

/// Removes one level of matching outer quotes and the escapes inside them.
fn unquote(value: &str) -> String {
    let bytes = value.as_bytes();
    if bytes.len() >= 2
        && (bytes[0] == b'"' || bytes[0] == b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
    {
        let inner = &value[1..value.len() - 1];
        let q = bytes[0] as char;
        inner.replace(&format!("\\{q}"), &q.to_string())
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kv(text: &str) -> Value {
        Value::Object(parse_kv(text, None).unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn splits_pairs_with_quotes() {
        assert_eq!(
            kv(r#"dest=/tmp/x mode=0644 content="a b" other='it''s'"#),
            json!({"dest": "/tmp/x", "mode": "0644", "content": "a b", "other": "it''s"})
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
        let keys = ["chdir", "creates"];
        let args =
            parse_kv("echo a=b 'c d' chdir=/tmp creates=/x", Some(&keys)).unwrap_or_default();
        assert_eq!(
            Value::Object(args),
            json!({"chdir": "/tmp", "creates": "/x", "_raw_params": "echo a=b 'c d'"})
        );
    }

    #[test]
    fn rejects_bare_words_where_pairs_are_expected() {
        assert!(parse_kv("dest=/x oops", None).is_err());
        assert!(parse_kv("msg='open", None).is_err());
    }
}
