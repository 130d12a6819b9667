//! Every expression of `fixtures/lookup_cases.json` rendered by drover and compared with what
//! ansible-core's Templar made of it (the generator is `fixtures/lookup_cases.py`): lookup
//! options and the errors of bad lookup arguments, by their words.

use super::{Templar, Vars};
use serde_json::Value;
use std::path::Path;

/// The fixture with `@TREE@` made the fixture tree's path.
fn fixture() -> Value {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/template/fixtures/tree");
    let text = include_str!("fixtures/lookup_cases.json");
    serde_json::from_str(&text.replace("@TREE@", &tree.display().to_string()))
        .unwrap_or(Value::Null)
}

/// What drover made of one case, when it is not what ansible-core made of it.
fn difference(templar: &Templar, vars: &Vars, case: &Value) -> Option<String> {
    let expr = case["expr"].as_str().unwrap_or_default();
    match (case.get("result"), templar.render_str(expr, vars)) {
        (Some(want), Ok(got)) if *want == got => None,
        (Some(want), got) => Some(format!("{expr}\n  want {want}\n  got  {got:?}")),
        (None, Err(e)) => {
            let words = case["words"].as_str().unwrap_or_default();
            let message = e.to_string();
            (!message.contains(words))
                .then(|| format!("{expr}\n  want an error with {words:?}\n  got  {message}"))
        }
        (None, Ok(got)) => Some(format!(
            "{expr}\n  want error {}\n  got  {got}",
            case["error"]
        )),
    }
}

#[test]
fn lookup_options_and_errors_are_ansible_cores() {
    let fixture = fixture();
    let vars: Vars = match &fixture["vars"] {
        Value::Object(m) => m.clone(),
        _ => Vars::new(),
    };
    let cases = fixture["cases"].as_array().cloned().unwrap_or_default();
    assert!(cases.len() > 30, "the fixture holds {} cases", cases.len());
    let templar = Templar::new();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| difference(&templar, &vars, case))
        .collect();
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
