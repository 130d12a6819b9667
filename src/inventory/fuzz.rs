//! Property tests: whatever the input, the INI and YAML inventory parsers, the host-range expander,
//! the Python literal reader and the shlex splitter return (never panic, abort or hang), and every
//! error names its place. Inputs are built from each format's own characters so that most cases get
//! deep into the parsers, plus some arbitrary text.
//!
//! `cargo test --lib inventory::fuzz` runs proptest's default 256 cases per property (CI); a long run:
//! `PROPTEST_CASES=200000 cargo test --release --lib inventory::fuzz` (docs/testing-inventory.md).

use super::{Inventory, MAX_HOSTS_PER_PATTERN, pyliteral, pyshlex, range};
use proptest::prelude::*;
use std::path::Path;

/// Lines an INI inventory is made of, well-formed or nearly so.
fn ini_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\[[a-d]{1,2}(:(vars|children|hosts|x))?\\]( #c)?",
        "[a-d]{1,2}(\\[[0-9a-c]{0,2}:[0-9a-c]{0,2}(:[0-9])?\\])?(:[0-9]{1,5})?",
        "[a-d]{1,2} [a-z]{1,3}=[-+0-9a-zA-Z.'\"\\[\\]{}(), #:_\\\\]{0,12}",
        "[a-z]{1,3} ?= ?[-+0-9a-zA-Z.'\"\\[\\]{}(), #:_]{0,16}",
        "[a-d]{1,2}",
        "[#;].{0,10}",
        ".{0,30}",
    ]
}

fn ini_text() -> impl Strategy<Value = String> {
    prop::collection::vec(ini_line(), 0..24).prop_map(|lines| lines.join("\n"))
}

/// YAML inventory documents: nested groups, hosts, vars at random indents.
fn yaml_line() -> impl Strategy<Value = String> {
    prop_oneof![
        " {0,8}(all|hosts|vars|children|[a-d]{1,2}|h\\[[0-9]:[0-9]{1,3}\\]):( [-0-9a-z\\[\\]{}:,'\"]{0,8})?",
        " {0,8}- [a-z0-9]{0,4}",
        " {0,8}[a-z]{1,3}: [-0-9a-zA-Z.\\[\\]{}]{0,8}",
        ".{0,20}",
    ]
}

fn yaml_text() -> impl Strategy<Value = String> {
    prop::collection::vec(yaml_line(), 0..20).prop_map(|lines| lines.join("\n"))
}

/// Uses everything a loaded inventory offers, as `drover inventory` and a run would.
fn exercise(inv: &Inventory) {
    let list = inv.to_list_json();
    let _ = super::ansible_json(&list);
    for host in inv.host_names() {
        let _ = inv.host_vars(&host);
        let _ = inv.group_names(&host);
    }
    let _ = inv.groups();
    let _ = inv.graph(None);
    let _ = inv.select("all:!a:&b*");
}

fn names_its_place(error: &str, file: &str) -> bool {
    error.starts_with(file) || error.starts_with("group cycle: ")
}

proptest! {
    #[test]
    fn ini_parser_never_panics_and_errors_name_the_file(text in ini_text()) {
        match Inventory::from_ini_str(&text, Path::new("fuzz.ini")) {
            Ok(inv) => exercise(&inv),
            Err(e) => {
                let e = e.to_string();
                prop_assert!(names_its_place(&e, "fuzz.ini:"), "{e}");
            }
        }
    }

    #[test]
    fn yaml_parser_never_panics_and_errors_name_the_file(text in yaml_text()) {
        match Inventory::from_yaml_str(&text, Path::new("fuzz.yml")) {
            Ok(inv) => exercise(&inv),
            Err(e) => {
                let e = e.to_string();
                prop_assert!(names_its_place(&e, "fuzz.yml"), "{e}");
            }
        }
    }

    #[test]
    fn range_expander_is_bounded_and_errors_name_the_pattern(
        pattern in "([a-z]{0,2}\\[[-+ _0-9a-zA-Z|]{0,6}(:[-0-9a-zA-Z_]{0,6}){0,3}\\]?){0,4}[a-z:0-9\\]]{0,3}"
    ) {
        match range::expand_host_pattern(&pattern) {
            Ok((names, _)) => prop_assert!(names.len() as u128 <= MAX_HOSTS_PER_PATTERN),
            Err(e) => prop_assert!(e.contains(&format!("{pattern:?}")) || e.contains("in \""), "{e}"),
        }
    }

    #[test]
    fn python_literals_never_panic(text in "[-+ 0-9a-zA-Z_.'\"\\[\\](){}:,#\\\\]{0,40}") {
        let _ = pyliteral::literal_eval(&text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,60}") {
        let _ = pyliteral::literal_eval(&text);
        let _ = pyshlex::split(&text);
        let _ = range::expand_host_pattern(&text);
    }

    #[test]
    fn integers_read_back_as_themselves(n in any::<i64>()) {
        prop_assert_eq!(pyliteral::literal_eval(&n.to_string()), Some(serde_json::json!(n)));
    }

    #[test]
    fn floats_read_back_as_themselves(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let text = pyliteral::float_repr(f);
        prop_assert_eq!(pyliteral::literal_eval(&text), Some(serde_json::json!(f)), "{}", text);
    }
}
