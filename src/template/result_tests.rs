//! ansible-core's task result tests that read more than one field (`plugins/test/core.py`):
//! `changed` (a loop's `results`), `started` (true without the async field), `timedout`.

use minijinja::value::ValueKind;
use minijinja::{Environment, Error, ErrorKind, Value};

pub fn register(env: &mut Environment<'static>) {
    env.add_test("changed", |r: Value| changed(&r));
    env.add_test("change", |r: Value| changed(&r));
    env.add_test("started", |r: Value| flag_or_true(&r, "started"));
    env.add_test("timedout", |r: Value| timedout(&r));
}

fn dictionary(r: &Value, test: &str) -> Result<(), Error> {
    if r.kind() == ValueKind::Map {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!("The '{test}' test expects a dictionary, got {}", r.kind()),
    ))
}

fn field(r: &Value, key: &str) -> Option<Value> {
    r.get_attr(key).ok().filter(|v| !v.is_undefined())
}

/// A result without `changed` is changed when one of its loop `results` is.
fn changed(r: &Value) -> Result<bool, Error> {
    dictionary(r, "changed")?;
    if let Some(value) = field(r, "changed") {
        return Ok(value.is_true());
    }
    let Some(results) = field(r, "results").filter(|v| v.kind() == ValueKind::Seq) else {
        return Ok(false);
    };
    let first_is_map = results
        .get_item(&Value::from(0))
        .is_ok_and(|v| v.kind() == ValueKind::Map);
    Ok(first_is_map
        && results.try_iter().is_ok_and(|mut items| {
            items.any(|item| field(&item, "changed").is_some_and(|c| c.is_true()))
        }))
}

/// `started`/`finished` of a task that did not run async: true (ansible-core warns).
fn flag_or_true(r: &Value, key: &str) -> Result<bool, Error> {
    dictionary(r, key)?;
    Ok(field(r, key).is_none_or(|v| v.is_true()))
}

/// A task stopped by `timeout:` carries `timedout: {period: N}`.
fn timedout(r: &Value) -> Result<bool, Error> {
    dictionary(r, "timedout")?;
    Ok(field(r, "timedout")
        .and_then(|t| field(&t, "period"))
        .is_some_and(|p| p.is_true()))
}

#[cfg(test)]
mod tests {
    use crate::template::Templar;
    use serde_json::json;

    fn eval(expr: &str) -> serde_json::Value {
        let vars = json!({
            "all": {"results": [{"changed": true}, {"changed": false}]},
            "unchanged": {"results": [{"changed": false}]},
            "plain": {"ok": 1},
            "timed": {"failed": true, "timedout": {"period": 3}},
        });
        let vars = vars.as_object().cloned().unwrap_or_default();
        Templar::new()
            .eval(expr, &vars)
            .unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    /// ansible-core's test_core target asserts these.
    #[test]
    fn results_started_and_timedout_read_as_ansible_core_reads_them() {
        assert_eq!(eval("all is changed"), json!(true));
        assert_eq!(eval("unchanged is changed"), json!(false));
        assert_eq!(eval("plain is changed"), json!(false));
        assert_eq!(eval("plain is started"), json!(true));
        assert_eq!(eval("timed is timedout"), json!(true));
        assert_eq!(eval("plain is timedout"), json!(false));
    }
}
