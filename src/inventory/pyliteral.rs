//! Python literals as `ast.literal_eval` reads them (Python 3.11, which ansible-core's INI inventory
//! plugin calls on every `key=value`): numbers (`0x1f`, `1_000`, `1e3`, `-5`), strings with their
//! prefixes, escapes and implicit concatenation, `True`/`False`/`None`, lists, tuples and sets (as
//! lists), dicts, `set()`, `...`; a trailing `# comment` is allowed. Anything else is not a literal
//! (`None` here), and Ansible keeps the text as a string. Converted as Ansible converts: complex
//! numbers and `...` to their text, bytes to text.
//!
//! Where JSON cannot hold the value (an integer beyond 64 bits, an infinite float) the text is kept
//! too: drover's variables are JSON values.

mod parser;

use parser::{Node, Parser};
use serde_json::{Map, Number, Value};

/// The value of a Python literal, or `None` when `text` is not one.
pub fn literal_eval(text: &str) -> Option<Value> {
    let text = text.trim_start_matches([' ', '\t']);
    let mut parser = Parser::new(text);
    let node = parser.top_level()?;
    to_json(&evaluate(node)?)
}

/// Python's `repr` of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let text = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else {
            let point = point as usize;
            let int: String = format!("{digits:0<point$}");
            let (int, frac) = int.split_at(point);
            let frac = if frac.is_empty() { "0" } else { frac };
            format!("{int}.{frac}")
        };
        format!("{sign}{text}")
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{sign}{first}{rest}e{exp_sign}{:02}",
            exponent.unsigned_abs()
        )
    }
}

/// Python values a literal can produce.
#[derive(Clone, Debug, PartialEq)]
enum Py {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Complex(f64, f64),
    Str(String),
    Bytes(Vec<u8>),
    Ellipsis,
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
}

/// `literal_eval`'s rules on the parsed shape: signs only on numbers, `+`/`-` only as
/// `real ± imaginary`, sets and dicts of hashable items.
fn evaluate(node: Node) -> Option<Py> {
    match node {
        Node::Const(value) => Some(value),
        Node::Neg(operand) => negate(signed_number_operand(*operand)?),
        Node::Pos(operand) => signed_number_operand(*operand),
        Node::Add(left, right) => complex_sum(*left, *right, 1.0),
        Node::Sub(left, right) => complex_sum(*left, *right, -1.0),
        Node::List(items) | Node::Tuple(items) => items
            .into_iter()
            .map(evaluate)
            .collect::<Option<_>>()
            .map(Py::List),
        Node::Set(items) => {
            let mut unique: Vec<Py> = Vec::new();
            for item in items {
                let value = evaluate(item)?;
                if !hashable(&value) {
                    return None;
                }
                if !unique.contains(&value) {
                    unique.push(value);
                }
            }
            Some(Py::List(unique))
        }
        Node::Dict(pairs) => {
            let mut out: Vec<(Py, Py)> = Vec::new();
            for (key, value) in pairs {
                let (key, value) = (evaluate(key)?, evaluate(value)?);
                if !hashable(&key) {
                    return None;
                }
                match out.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => out.push((key, value)),
                }
            }
            Some(Py::Dict(out))
        }
    }
}

/// The operand of a unary sign: a number written as a constant (not a bool, not another sign).
fn signed_number_operand(node: Node) -> Option<Py> {
    match node {
        Node::Const(value @ (Py::Int(_) | Py::Float(_) | Py::Complex(..))) => Some(value),
        _ => None,
    }
}

fn negate(value: Py) -> Option<Py> {
    match value {
        Py::Int(i) => Some(Py::Int(i.checked_neg()?)),
        Py::Float(f) => Some(Py::Float(-f)),
        Py::Complex(re, im) => Some(Py::Complex(-re, -im)),
        _ => None,
    }
}

/// `1+2j`, `-1.5-2j`: a real (optionally signed) then an imaginary constant.
fn complex_sum(left: Node, right: Node, sign: f64) -> Option<Py> {
    let real = match left {
        Node::Neg(operand) => negate(signed_number_operand(*operand)?)?,
        Node::Pos(operand) => signed_number_operand(*operand)?,
        other => signed_number_operand(other)?,
    };
    let real = match real {
        Py::Int(i) => i as f64,
        Py::Float(f) => f,
        _ => return None,
    };
    match signed_number_operand(right)? {
        Py::Complex(re, im) => Some(Py::Complex(real + sign * re, sign * im)),
        _ => None,
    }
}

fn hashable(value: &Py) -> bool {
    !matches!(value, Py::List(_) | Py::Dict(_))
}

fn to_json(value: &Py) -> Option<Value> {
    Some(match value {
        Py::None => Value::Null,
        Py::Bool(b) => Value::Bool(*b),
        Py::Int(i) => int_to_json(*i)?,
        Py::Float(f) => Value::Number(Number::from_f64(*f)?),
        Py::Complex(re, im) => Value::String(complex_repr(*re, *im)),
        Py::Str(s) => Value::String(s.clone()),
        Py::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        Py::Ellipsis => Value::String("...".into()),
        Py::List(items) => Value::Array(items.iter().map(to_json).collect::<Option<_>>()?),
        Py::Dict(pairs) => {
            let mut map = Map::new();
            for (key, value) in pairs {
                map.insert(json_key(key)?, to_json(value)?);
            }
            Value::Object(map)
        }
    })
}

fn int_to_json(i: i128) -> Option<Value> {
    if let Ok(small) = i64::try_from(i) {
        return Some(Value::from(small));
    }
    u64::try_from(i).ok().map(Value::from)
}

/// A dict key as Python's `json.dumps` writes it.
fn json_key(key: &Py) -> Option<String> {
    Some(match key {
        Py::Str(s) => s.clone(),
        Py::Int(i) => i.to_string(),
        Py::Float(f) => float_repr(*f),
        Py::Bool(b) => b.to_string(),
        Py::None => "null".into(),
        _ => return None,
    })
}

/// Python's `repr(complex)`: `2j`, `(1+2j)`, `(-0-1j)`.
fn complex_repr(re: f64, im: f64) -> String {
    let part = |f: f64| {
        let text = float_repr(f);
        text.strip_suffix(".0").map(String::from).unwrap_or(text)
    };
    if re == 0.0 && re.is_sign_positive() {
        return format!("{}j", part(im));
    }
    let sign = if im.is_sign_negative() { "-" } else { "+" };
    format!("({}{sign}{}j)", part(re), part(im.abs()))
}

#[cfg(test)]
mod tests {
    use super::{float_repr, literal_eval};
    use serde_json::json;

    fn eval(text: &str) -> Option<serde_json::Value> {
        literal_eval(text)
    }

    #[test]
    fn numbers_as_python_reads_them() {
        assert_eq!(eval("8080"), Some(json!(8080)));
        assert_eq!(eval("-5"), Some(json!(-5)));
        assert_eq!(eval("+3"), Some(json!(3)));
        assert_eq!(eval("0x1f"), Some(json!(31)));
        assert_eq!(eval("0x_1F"), Some(json!(31)));
        assert_eq!(eval("0o17"), Some(json!(15)));
        assert_eq!(eval("0b101"), Some(json!(5)));
        assert_eq!(eval("1_000"), Some(json!(1000)));
        assert_eq!(eval("00"), Some(json!(0)));
        assert_eq!(eval("0755"), None, "a SyntaxError in Python 3");
        assert_eq!(eval("1__0"), None);
        assert_eq!(eval("1_"), None);
        assert_eq!(eval("1.5"), Some(json!(1.5)));
        assert_eq!(eval("1e3"), Some(json!(1000.0)));
        assert_eq!(eval("09.5"), Some(json!(9.5)));
        assert_eq!(eval("1."), Some(json!(1.0)));
        assert_eq!(eval(".5"), Some(json!(0.5)));
        assert_eq!(eval("-0.25"), Some(json!(-0.25)));
        assert_eq!(eval("1j"), Some(json!("1j")));
        assert_eq!(eval("1+2j"), Some(json!("(1+2j)")));
        assert_eq!(eval("-1j"), Some(json!("(-0-1j)")));
        assert_eq!(eval("1.2.3"), None);
        assert_eq!(eval("10.0.0.1"), None);
        assert_eq!(eval("1abc"), None);
        assert_eq!(eval("--1"), None);
        assert_eq!(eval("1+2"), None);
        assert_eq!(eval("-True"), None);
        assert_eq!(eval("1e999"), None, "infinite: JSON cannot hold it");
        assert_eq!(
            eval("123456789012345678901234567890"),
            None,
            "beyond 64 bits"
        );
    }

    #[test]
    fn constants_strings_and_containers() {
        assert_eq!(eval("True"), Some(json!(true)));
        assert_eq!(eval("None"), Some(json!(null)));
        assert_eq!(eval("true"), None);
        assert_eq!(eval("yes"), None);
        assert_eq!(eval("'a b'"), Some(json!("a b")));
        assert_eq!(eval(r#""tab\there""#), Some(json!("tab\there")));
        assert_eq!(eval(r#"r"\d""#), Some(json!("\\d")));
        assert_eq!(eval(r#""\d""#), Some(json!("\\d")));
        assert_eq!(eval(r#""\x41\u00e9\101""#), Some(json!("AéA")));
        assert_eq!(eval("'a' \"b\""), Some(json!("ab")));
        assert_eq!(eval("b'x'"), Some(json!("x")));
        assert_eq!(eval("b'x' 'y'"), None);
        assert_eq!(eval("f'x'"), None);
        assert_eq!(eval("'''tri'''"), Some(json!("tri")));
        assert_eq!(eval("[1, 'a', 2.0]"), Some(json!([1, "a", 2.0])));
        assert_eq!(eval("(1, 2)"), Some(json!([1, 2])));
        assert_eq!(eval("1, 2"), Some(json!([1, 2])));
        assert_eq!(eval("(1)"), Some(json!(1)));
        assert_eq!(eval("(1,)"), Some(json!([1])));
        assert_eq!(eval("()"), Some(json!([])));
        assert_eq!(eval("{1, 2, 1}"), Some(json!([1, 2])));
        assert_eq!(eval("set()"), Some(json!([])));
        assert_eq!(
            eval("{'k': 'v', 1: [True]}"),
            Some(json!({"k": "v", "1": [true]}))
        );
        assert_eq!(eval("{}"), Some(json!({})));
        assert_eq!(eval("{[1]: 2}"), None, "unhashable key");
        assert_eq!(eval("..."), Some(json!("...")));
        assert_eq!(eval("8080 # the port"), Some(json!(8080)));
        assert_eq!(eval("abc # a comment"), None);
        assert_eq!(eval(""), None);
        assert_eq!(eval("[1, 2"), None);
        assert_eq!(eval("[1][0]"), None);
        assert_eq!(eval("x"), None);
    }

    #[test]
    fn nesting_is_bounded_like_python() {
        let ok = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(eval(&ok).is_some());
        let deep = format!("{}{}", "[".repeat(201), "]".repeat(201));
        assert_eq!(eval(&deep), None);
        assert_eq!(eval(&"(".repeat(100_000)), None);
    }

    #[test]
    fn float_repr_is_pythons() {
        assert_eq!(float_repr(1000.0), "1000.0");
        assert_eq!(float_repr(0.5), "0.5");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-5), "1.5e-05");
        assert_eq!(float_repr(0.0001), "0.0001");
        assert_eq!(float_repr(-2.5), "-2.5");
        assert_eq!(float_repr(123456789.125), "123456789.125");
        assert_eq!(float_repr(1.2345678901234568e17), "1.2345678901234568e+17");
    }
}
