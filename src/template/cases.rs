//! Every expression of `fixtures/ansible_cases.json` rendered by drover and compared with what
//! ansible-core's Templar made of it (the generator is `fixtures/ansible_cases.py`).

use super::{Templar, Vars};
use serde_json::Value;
use std::path::Path;

/// Where drover knowingly differs; each is refused with an error saying so, or answers as noted.
const DIFFERENCES: &[(&str, Expected)] = &[
    // A dict literal ending in `}}` inside one `{{ }}`: drover renders the text, not the value.
    (
        "{{ {'a': {'x': 1}} | combine({'a': None}, recursive=True) }}",
        Expected::Text("{'a': None}"),
    ),
    // Not yet: vault tags on values (drover decrypts `!vault` when loading), Windows paths.
    (
        "vault_encrypted",
        Expected::Error("test 'vault_encrypted' is not supported yet"),
    ),
    // A refusal: drover manages POSIX hosts only.
    (
        "win_basename|win_dirname|win_splitdrive",
        Expected::Error("is not supported: drover manages POSIX hosts only"),
    ),
];

enum Expected {
    Error(&'static str),
    Text(&'static str),
}

fn difference(expr: &str) -> Option<&'static Expected> {
    DIFFERENCES
        .iter()
        .find(|(key, _)| {
            *key == expr || (!key.starts_with("{{") && key.split('|').any(|k| expr.contains(k)))
        })
        .map(|(_, e)| e)
}

fn fixture() -> Value {
    let text = include_str!("fixtures/ansible_cases.json");
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn tree() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/template/fixtures/tree")
        .display()
        .to_string()
}

fn with_tree(v: &Value) -> Value {
    let text = serde_json::to_string(v).unwrap_or_default();
    serde_json::from_str(&text.replace("@TREE@", &tree())).unwrap_or(Value::Null)
}

/// fileglob's order is the directory's (Python); drover sorts by name.
fn comparable(expr: &str, v: Value) -> Value {
    match v {
        Value::Array(mut items) if expr.contains("fileglob") => {
            items.sort_by_key(|a| a.to_string());
            Value::Array(items)
        }
        Value::String(s) if expr.contains("fileglob") => {
            let mut parts: Vec<&str> = s.split(',').collect();
            parts.sort();
            Value::String(parts.join(","))
        }
        other => other,
    }
}

#[test]
fn every_expression_renders_as_ansible_core_renders_it() {
    let fixture = fixture();
    let vars: Vars = match with_tree(&fixture["vars"]) {
        Value::Object(m) => m,
        _ => Vars::new(),
    };
    let templar = Templar::new();
    let mut failures = Vec::new();
    let cases = fixture["cases"].as_array().cloned().unwrap_or_default();
    assert!(cases.len() > 300, "the fixture holds {} cases", cases.len());
    for case in cases {
        let expr = case["expr"].as_str().unwrap_or_default();
        let got = templar.render_str(expr, &vars);
        match difference(expr) {
            Some(Expected::Error(word)) => {
                match got {
                    Err(e) if e.to_string().contains(word) => {}
                    other => failures.push(format!(
                        "{expr}\n  want an error with {word:?}\n  got  {other:?}"
                    )),
                }
                continue;
            }
            Some(Expected::Text(text)) => {
                if got.as_ref().ok() != Some(&Value::from(*text)) {
                    failures.push(format!("{expr}\n  want {text:?}\n  got  {got:?}"));
                }
                continue;
            }
            None => {}
        }
        match (case.get("result"), got) {
            (Some(want), Ok(got)) => {
                let want = comparable(expr, with_tree(want));
                let got = comparable(expr, got);
                if !same(&want, &got) {
                    failures.push(format!("{expr}\n  want {want}\n  got  {got}"));
                }
            }
            (Some(want), Err(e)) => {
                failures.push(format!("{expr}\n  want {want}\n  got error {e}"))
            }
            (None, Ok(got)) => failures.push(format!(
                "{expr}\n  want error {}\n  got  {got}",
                case["error"]
            )),
            (None, Err(_)) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// JSON equality where 3 and 3.0 are the same number (Python's `8 | log(2)` is 3.0).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
