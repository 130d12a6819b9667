//! Jinja2's `urlencode` as ansible-core runs it: a string is percent-quoted (`/` kept), a dict
//! or any other iterable of pairs becomes a query string (`k=v&…`, spaces as `+`).

use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, Value};

/// Python's `urllib.parse.quote_from_bytes`: letters, digits, `_.-~` and `safe` stay.
fn quote(text: &str, safe: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || safe.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Python's `str()` of a value (what Jinja's `url_quote` quotes).
fn text_of(value: &Value) -> String {
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => "None".into(),
        ValueKind::Bool if value.is_true() => "True".into(),
        ValueKind::Bool => "False".into(),
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        _ => serde_json::to_value(value)
            .map(|v| super::lookup_lists::python_str(&v))
            .unwrap_or_else(|_| value.to_string()),
    }
}

fn query_part(value: &Value) -> String {
    quote(&text_of(value), b"").replace("%20", "+")
}

pub fn urlencode(value: Value) -> Result<String, Error> {
    match value.kind() {
        ValueKind::String | ValueKind::Number | ValueKind::Bool | ValueKind::None => {
            Ok(quote(&text_of(&value), b"/"))
        }
        ValueKind::Map => {
            let mut pairs = Vec::new();
            for key in value.try_iter()? {
                let v = value.get_item(&key)?;
                pairs.push(format!("{}={}", query_part(&key), query_part(&v)));
            }
            Ok(pairs.join("&"))
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let mut pairs = Vec::new();
            for item in value.try_iter()? {
                let pair: Vec<Value> = item.try_iter().map(Iterator::collect).map_err(|_| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!("cannot unpack non-iterable {} object", item.kind()),
                    )
                })?;
                let [k, v] = pair.as_slice() else {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!("too many values to unpack (expected 2, got {})", pair.len()),
                    ));
                };
                pairs.push(format!("{}={}", query_part(k), query_part(v)));
            }
            Ok(pairs.join("&"))
        }
        _ => Ok(quote(&value.to_string(), b"/")),
    }
}
