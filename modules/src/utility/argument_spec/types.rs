//! ansible-core's type checkers (module_utils/common/validation.py `check_type_*`): a value
//! converted to the wanted type, or the message of the `TypeError` it raises.

use super::python;
use serde_json::{Map, Value};

/// `DEFAULT_TYPE_VALIDATORS[wanted](value)`; an unknown type is Python calling `None`.
pub fn convert(wanted: &str, value: &Value) -> Result<Value, String> {
    match wanted {
        "str" => Ok(Value::String(to_str(value))),
        "path" => Ok(Value::String(expand_user(&expand_vars(&to_str(value))))),
        "raw" => Ok(value.clone()),
        "list" => to_list(value),
        "dict" => to_dict(value),
        "bool" => to_bool(value),
        "int" => to_int(value),
        "float" => to_float(value),
        "json" | "jsonarg" => to_json(value),
        "bytes" => human_to_bytes(&python::str_of(value), false).map_err(|()| {
            format!(
                "{} cannot be converted to a Byte value",
                python::class(value)
            )
        }),
        "bits" => human_to_bytes(&python::str_of(value), true).map_err(|()| {
            format!(
                "{} cannot be converted to a Bit value",
                python::class(value)
            )
        }),
        _ => Err("'NoneType' object is not callable".into()),
    }
}

/// `check_type_str`: `None` is `''` (2.19), anything else its `str()`.
fn to_str(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        other => python::str_of(other),
    }
}

/// `os.path.expandvars`: `$NAME` and `${NAME}` of the controller's environment; unknown names stay.
fn expand_vars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match std::env::var(name) {
            Ok(value) if !name.is_empty() => out.push_str(&value),
            _ => out.push_str(&rest[at..at + 1 + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// `os.path.expanduser` for `~` and `~/…` (another user's `~name` stays as written).
fn expand_user(path: &str) -> String {
    let home = std::env::var("HOME");
    match (path, home) {
        ("~", Ok(home)) => home,
        (p, Ok(home)) if p.starts_with("~/") => {
            format!("{}{}", home.trim_end_matches('/'), &p[1..])
        }
        (p, _) => p.to_string(),
    }
}

fn to_list(value: &Value) -> Result<Value, String> {
    match value {
        Value::Array(_) => Ok(value.clone()),
        Value::String(s) => Ok(Value::Array(s.split(',').map(Value::from).collect())),
        // Python's bool is an int: `True` → `['True']`.
        Value::Number(_) | Value::Bool(_) => {
            Ok(Value::Array(vec![Value::String(python::str_of(value))]))
        }
        other => Err(format!(
            "{} cannot be converted to a list",
            python::class(other)
        )),
    }
}

fn to_dict(value: &Value) -> Result<Value, String> {
    match value {
        Value::Object(_) => Ok(value.clone()),
        Value::String(s) if s.starts_with('{') => serde_json::from_str::<Map<String, Value>>(s)
            .map(Value::Object)
            .map_err(|_| "unable to evaluate string as dictionary".to_string()),
        Value::String(s) if s.contains('=') => key_value_fields(s)
            .into_iter()
            .map(|field| {
                field
                    .split_once('=')
                    .map(|(k, v)| (k.to_string(), Value::from(v)))
                    .ok_or_else(|| {
                        "unable to evaluate string in the \"key=value\" format as dictionary"
                            .to_string()
                    })
            })
            .collect::<Result<Map<String, Value>, String>>()
            .map(Value::Object),
        Value::String(_) => Err("dictionary requested, could not parse JSON or key=value".into()),
        other => Err(format!(
            "{} cannot be converted to a dict",
            python::class(other)
        )),
    }
}

/// `check_type_dict` as a public name: the no_log walk converts string sub-parameters with it.
pub fn dict_from(value: &Value) -> Result<Value, String> {
    to_dict(value)
}

/// `a=1, b="x y"` → its fields, split on commas and spaces outside quotes (Ansible's loop).
fn key_value_fields(text: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.trim().chars() {
        match c {
            _ if escaped => {
                field.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            '\'' | '"' if quote.is_none() => quote = Some(c),
            _ if quote == Some(c) => quote = None,
            ',' | ' ' if quote.is_none() => {
                if !field.is_empty() {
                    fields.push(std::mem::take(&mut field));
                }
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() {
        fields.push(field);
    }
    fields
}

const BOOLEANS_TRUE: [&str; 6] = ["y", "yes", "on", "1", "true", "t"];
const BOOLEANS_FALSE: [&str; 6] = ["n", "no", "off", "0", "false", "f"];

/// Whether a value is in Python's `BOOLEANS_FALSE` (`'no'`, `0`, `False`, …) or `BOOLEANS_TRUE`.
pub fn is_boolean_word(value: &Value, truth: bool) -> bool {
    let words = if truth { BOOLEANS_TRUE } else { BOOLEANS_FALSE };
    match value {
        Value::String(s) => words.contains(&s.as_str()),
        Value::Bool(_) | Value::Number(_) => python::equal(value, &Value::Bool(truth)),
        _ => false,
    }
}

fn to_bool(value: &Value) -> Result<Value, String> {
    let normalized = match value {
        Value::Bool(b) => return Ok(Value::Bool(*b)),
        Value::String(s) => Value::String(s.trim().to_lowercase()),
        Value::Number(_) => value.clone(),
        other => {
            return Err(format!(
                "{} cannot be converted to a bool",
                python::class(other)
            ));
        }
    };
    if is_boolean_word(&normalized, true) {
        return Ok(Value::Bool(true));
    }
    if is_boolean_word(&normalized, false) {
        return Ok(Value::Bool(false));
    }
    Err(format!(
        "The value '{}' is not a valid boolean. Valid booleans include: 0, 1, 'false', 't', 'off', 'yes', '1', 'on', 'true', '0', 'no', 'y', 'f', 'n'",
        python::str_of(value)
    ))
}

/// `check_type_int`: an int (a bool stays itself), or a value `Decimal` reads without a decimal part.
fn to_int(value: &Value) -> Result<Value, String> {
    let fail = || format!("\"{}\" cannot be converted to an int", python::repr(value));
    match value {
        Value::Bool(_) => Ok(value.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
        Value::Number(n) => n.as_f64().and_then(integral).ok_or_else(fail),
        Value::String(s) => decimal(s.trim()).and_then(integral).ok_or_else(fail),
        _ => Err(fail()),
    }
}

/// A float without a fractional part, as a JSON integer.
fn integral(f: f64) -> Option<Value> {
    (f.is_finite() && f.fract() == 0.0).then(|| {
        if f.abs() < 9.0e15 {
            Value::from(f as i64)
        } else {
            Value::from(f)
        }
    })
}

/// What Python's `Decimal(text)` accepts (digits, a point, an exponent; `_` between digits), as a
/// float; integers read exactly.
fn decimal(text: &str) -> Option<f64> {
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    if plain.len() != text.len()
        && (text.starts_with('_') || text.ends_with('_') || text.contains("__"))
    {
        return None;
    }
    let body = plain.strip_prefix(['-', '+']).unwrap_or(&plain);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let digits_ok = {
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        (!int.is_empty() || !frac.is_empty())
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    if !digits_ok || !exponent_ok {
        return None;
    }
    plain.parse::<f64>().ok()
}

/// `check_type_float`: Python's `float()`.
fn to_float(value: &Value) -> Result<Value, String> {
    let f = match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::String(s) => python_float(s.trim()),
        _ => None,
    };
    f.map(Value::from)
        .ok_or_else(|| format!("{} cannot be converted to a float", python::class(value)))
}

fn python_float(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.strip_prefix(['-', '+']).unwrap_or(&lower);
    match unsigned {
        "inf" | "infinity" | "nan" => lower.parse().ok(),
        _ => decimal(text),
    }
}

/// `check_type_jsonarg`: text is stripped, lists and dicts become JSON text.
fn to_json(value: &Value) -> Result<Value, String> {
    match value {
        Value::String(s) => Ok(Value::String(s.trim().to_string())),
        Value::Array(_) | Value::Object(_) => Ok(Value::String(python::json_dumps(value))),
        other => Err(format!(
            "{} cannot be converted to a json string",
            python::class(other)
        )),
    }
}

/// `human_to_bytes` of `str(value)`: `10M`, `1.5 MB`, `512`, `1Mb` (bits), `1 kilobyte`.
fn human_to_bytes(text: &str, bits: bool) -> Result<Value, ()> {
    let text = text.trim_end();
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = (&text[..number_end], text[number_end..].trim_start());
    let number_ok = number.matches('.').count() <= 1
        && !number.ends_with('.')
        && number.bytes().any(|b| b.is_ascii_digit());
    if !number_ok || !unit.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(());
    }
    let num: f64 = number.parse().map_err(|_| ())?;
    let Some(first) = unit.chars().next() else {
        return Ok(Value::from(python::round_half_even(num) as i64));
    };
    let range = first.to_ascii_uppercase();
    let power = "BKMGTPEZY".find(range).ok_or(())?;
    if unit.len() > 1 {
        let (long, short) = unit_names(range, bits);
        if unit.to_lowercase() != long && unit != short {
            return Err(());
        }
    }
    let exponent = i32::try_from(power).map_err(|_| ())?;
    Ok(Value::from(
        python::round_half_even(num * 1024f64.powi(exponent)) as i64,
    ))
}

/// `VALID_UNITS[range][bits]`: the long and the short name of a unit.
fn unit_names(range: char, bits: bool) -> (String, String) {
    let prefix = match range {
        'K' => "kilo",
        'M' => "mega",
        'G' => "giga",
        'T' => "tera",
        'P' => "peta",
        'E' => "exa",
        'Z' => "zeta",
        'Y' => "yotta",
        _ => "",
    };
    let (word, letter) = if bits { ("bit", 'b') } else { ("byte", 'B') };
    let short = if range == 'B' {
        letter.to_string()
    } else {
        format!("{range}{letter}")
    };
    (format!("{prefix}{word}"), short)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_convert_as_ansibles_checkers() {
        assert_eq!(convert("list", &json!("a,b")), Ok(json!(["a", "b"])));
        assert_eq!(convert("list", &json!(true)), Ok(json!(["True"])));
        assert_eq!(
            convert("dict", &json!("a=1 b=2")),
            Ok(json!({"a": "1", "b": "2"}))
        );
        assert_eq!(convert("bool", &json!(" YES ")), Ok(json!(true)));
        assert_eq!(convert("int", &json!("1e3")), Ok(json!(1000)));
        assert_eq!(convert("float", &json!("1.5")), Ok(json!(1.5)));
        assert_eq!(convert("bytes", &json!("1.5 MB")), Ok(json!(1572864)));
        assert_eq!(convert("bytes", &json!(2.5)), Ok(json!(2)));
        assert_eq!(convert("bits", &json!("1Mb")), Ok(json!(1048576)));
        assert_eq!(convert("bytes", &json!("1kilobyte")), Ok(json!(1024)));
        assert!(convert("bytes", &json!("10Mb")).is_err());
        assert!(convert("bytes", &json!(" 1K")).is_err());
        assert_eq!(
            convert("json", &json!({"a": [1]})),
            Ok(json!("{\"a\": [1]}"))
        );
        assert_eq!(
            convert("int", &json!(1.5)),
            Err("\"1.5\" cannot be converted to an int".into())
        );
    }
}
