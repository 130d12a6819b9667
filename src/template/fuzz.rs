//! Property tests: random templates, expressions and variables never panic, abort or hang the
//! renderer, and what to_json writes reads back as the same value.
//!
//! CI runs a short round (32 cases each). A long run:
//! `PROPTEST_CASES=20000 cargo test --release --lib template::fuzz`

use super::{Templar, Vars};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A render taking longer than this counts as a hang (fuel bounds a render to about a second).
const SLOW: Duration = Duration::from_secs(20);

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        "[a-z{}%# ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,6}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn vars() -> impl Strategy<Value = Vars> {
    prop::collection::vec(
        (
            prop_oneof![Just("a".to_string()), Just("b".to_string()), "[a-e]"],
            prop_oneof![
                json_value(),
                expression().prop_map(|e| json!(format!("{{{{ {e} }}}}")))
            ],
        ),
        0..6,
    )
    .prop_map(|kv| kv.into_iter().collect())
}

const FILTERS: &[&str] = &[
    "to_json",
    "to_nice_json",
    "to_yaml",
    "to_nice_yaml",
    "from_json",
    "from_yaml",
    "length",
    "upper",
    "string",
    "int",
    "float",
    "bool",
    "list",
    "unique",
    "flatten",
    "dict2items",
    "items2dict",
    "combine({'k': 1}, recursive=true)",
    "default('d')",
    "mandatory",
    "regex_replace('a+', 'b')",
    "regex_search('(x)', '\\\\1')",
    "regex_findall('.')",
    "b64encode",
    "b64decode",
    "hash('sha256')",
    "quote",
    "basename",
    "dirname",
    "splitext",
    "type_debug",
    "join(',')",
    "batch(2)",
    "sort",
    "reverse",
    "first",
    "last",
    "ternary(1, 2)",
    "zip([1, 2])",
    "difference([1])",
];

fn expression() -> impl Strategy<Value = String> {
    expression_over(&["a", "b", "c", "missing", "ns.x"])
}

/// Expressions over the given names. The loop that grows a namespace must not read it twice per
/// pass: `[ns.x, ns.x]` in a loop is the shared-structure bomb that only the output and
/// serializing paths refuse (see limits.rs and [`WRITERS`]); the `~` operator and comparisons
/// written as operators are minijinja's own and not bounded yet.
fn expression_over(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        prop::sample::select(names).prop_map(str::to_string),
        any::<i32>().prop_map(|i| i.to_string()),
        "[a-z{}%' ]{0,6}".prop_map(|s| format!("{s:?}")),
        Just("[1, 'x', none, [true]]".to_string()),
        Just("{'k': [1, {'j': 2}]}".to_string()),
        (0u32..30_000).prop_map(|n| format!("range({n})")),
    ];
    atom.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), prop::sample::select(FILTERS))
                .prop_map(|(e, f)| format!("({e}) | {f}")),
            (
                inner.clone(),
                prop::sample::select(&["~", "+", "*", "//", "%", "==", "in", "and", "-"][..]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a}) {op} ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})[{b}]")),
            inner.clone().prop_map(|e| format!("[{e}, {e}]")),
            inner.prop_map(|e| format!("({e}).keys()")),
        ]
    })
}

fn template() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        ".{0,10}",
        expression().prop_map(|e| format!("{{{{ {e} }}}}")),
        expression().prop_map(|e| format!("{{% if {e} %}}y{{% else %}}n{{% endif %}}")),
        expression().prop_map(|e| format!("{{% for i in {e} %}}{{{{ i }}}},{{% endfor %}}")),
        expression().prop_map(|e| format!("{{% set ns = namespace(x={e}) %}}")),
        expression_over(&["a", "b", "missing"]).prop_map(|e| {
            format!("{{% for i in range(300) %}}{{% set ns.x = [ns.x, {e}] %}}{{% endfor %}}")
        }),
        Just("{% set ns = namespace(x=[1]) %}{% for i in range(60) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ ns.x }}{{ ns.x | to_json }}{{ ns.x | tojson }}{{ ns.x | string }}".to_string()),
        Just("{% set ns = namespace(x=[]) %}".to_string()),
        Just("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}".to_string()),
    ];
    prop::collection::vec(piece, 1..5).prop_map(|p| p.concat())
}

/// Equal, but floats only nearly: serde_json (without its float_roundtrip feature) may read the
/// shortest decimal of a float a few ULPs off.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x == y || (x - y).abs() <= x.abs().max(y.abs()) * 1e-15
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(start.elapsed() < SLOW, "{what} took {:?}", start.elapsed());
    out
}

/// Runs `f` on its own thread and fails if it has not finished within [`SLOW`] (a hang then
/// fails the test instead of stalling it; the stuck thread is left behind).
fn finishes<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(f()));
    rx.recv_timeout(SLOW)
        .unwrap_or_else(|_| panic!("{what} did not finish within {SLOW:?}"))
}

/// A list doubled 40 times by sharing (`[x, x]`): 2^40 items written out, 41 in memory.
const DOUBLED: &str = "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}";

/// Every way a value can be written out, serialized, hashed or compared by a filter, test or
/// Python method (the shallow ones, `length`, `first`..., must not walk it at all).
const WRITERS: &[&str] = &[
    "{{ ns.x | string }}",
    "{{ ns.x | to_json }}",
    "{{ ns.x | to_nice_json }}",
    "{{ ns.x | to_yaml }}",
    "{{ ns.x | to_nice_yaml }}",
    "{{ ns.x | tojson }}",
    "{{ ns.x | join(',') }}",
    "{{ ns.x | flatten | length }}",
    "{{ ns.x | unique | length }}",
    "{{ ns.x | upper | length }}",
    "{{ ns.x | lower }}",
    "{{ ns.x | title }}",
    "{{ ns.x | trim }}",
    "{{ ns.x | sort | length }}",
    "{{ ns.x | max }}",
    "{{ ns.x | hash('sha1') }}",
    "{{ ns.x | checksum }}",
    "{{ ns.x | b64encode }}",
    "{{ ns.x | regex_replace('a', 'b') }}",
    "{{ ns.x | quote }}",
    "{{ ns.x | comment }}",
    "{{ ns.x | to_uuid }}",
    "{{ ns.x | combine({}) }}",
    "{{ ns.x | difference([]) | length }}",
    "{{ ns.x | urlencode }}",
    "{{ ns.x | escape }}",
    "{{ ns.x | int }}",
    "{{ '%s' | format(ns.x) }}",
    "{{ ns.x is eq(ns.x) }}",
    "{{ 1 is in(ns.x) }}",
    "{{ ns.x is search('a') }}",
    "{{ ','.join(ns.x) }}",
    "{{ lookup('vars', 'missing', default=ns.x) | length }}",
];

/// Each writer on the doubled list ends with the error, not after 2^40 steps (each walks the
/// list up to the item cap once, so this takes a few seconds in a debug build, not a hang).
#[test]
fn shared_structures_end_in_bounded_time() {
    for writer in WRITERS {
        let t = format!("{DOUBLED}{writer}");
        let out = finishes(&t, {
            let t = t.clone();
            move || {
                Templar::new()
                    .render_str(&t, &Vars::new())
                    .map_err(|e| e.to_string())
            }
        });
        let e = out.err().unwrap_or_default();
        assert!(e.contains("holds more than"), "{t}: {e}");
    }
}

/// 32 cases each unless PROPTEST_CASES says otherwise (the long run).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn templates_never_panic_or_hang(t in template(), v in vars()) {
        let templar = Templar::new();
        timed(&t, || templar.render_str(&t, &v)).ok();
        timed(&t, || templar.render_file_text("fuzz.j2", &t, &v, &[])).ok();
    }

    #[test]
    fn expressions_never_panic_or_hang(e in expression(), v in vars()) {
        let templar = Templar::new();
        timed(&e, || templar.eval(&e, &v)).ok();
        timed(&e, || templar.eval_bool(&e, &v)).ok();
    }

    #[test]
    fn variables_always_resolve(mut v in vars()) {
        timed("resolve_vars", || Templar::new().resolve_vars(&mut v));
    }

    #[test]
    fn arbitrary_text_never_panics(t in "\\PC{0,40}", v in vars()) {
        let templar = Templar::new();
        templar.render_str(&t, &v).ok();
        templar.eval(&t, &v).ok();
    }

    #[test]
    fn to_json_reads_back_as_the_same_value(value in json_value()) {
        let mut v = Vars::new();
        v.insert("x".into(), value.clone());
        let templar = Templar::new();
        for filter in ["to_json", "to_nice_json", "to_json(sort_keys=true, indent=3)"] {
            let text = templar.render_str(&format!("{{{{ x | {filter} }}}}"), &v);
            let text = text.map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: Value = serde_json::from_str(text.as_str().unwrap_or_default())
                .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert!(same(&back, &value), "{} read back as {}", value, back);
        }
        for filter in ["to_yaml", "to_nice_yaml"] {
            let text = templar.render_str(&format!("{{{{ x | {filter} }}}}"), &v);
            prop_assert!(text.is_ok_and(|t| t.as_str().is_some_and(|s| s.ends_with('\n'))));
        }
    }
}
