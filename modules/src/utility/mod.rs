//! Modules that run on the controller only: they print, decide or remember, and change no host.

pub mod assert;
pub mod debug;
pub mod fail;
pub mod ping;
pub mod set_fact;

use serde_json::Value;

/// Python's truthiness of a value, as Ansible applies it to conditions.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}
