//! Property tests: no playbook text and no `k=v` line makes the loader panic or hang, and every
//! problem it reports names the file (and a line where one exists).
//!
//! CI runs proptest's default 256 cases per property; a longer run:
//! `PROPTEST_CASES=200000 cargo test --release --lib playbook::fuzz`.

use super::kv::parse_kv;
use super::load::{LoadError, parse_playbook};
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

/// Characters that matter to the k=v splitter, mixed with anything at all.
fn kv_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        4 => prop::sample::select(vec![
            "=", " ", "  ", "\n", "\t", "\"", "'", "\\", "\\\\", "\\n", "\\x4", "\\u00e9", "\\U0001F600",
            "\\N{BULLET}", "\\N{", "\\ud800", "{{", "}}", "{%", "%}", "{#", "#}", "a", "key", "=v",
            "é", "\u{1c}", "\u{a0}",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
    ];
    prop::collection::vec(pieces, 0..24).prop_map(|p| p.concat())
}

const WORDS: &[&str] = &[
    "hosts",
    "hots",
    "name",
    "tasks",
    "handlers",
    "pre_tasks",
    "post_tasks",
    "vars",
    "vars_files",
    "gather_facts",
    "serial",
    "block",
    "when",
    "loop",
    "with_items",
    "with_dict",
    "loop_control",
    "register",
    "regster",
    "notify",
    "listen",
    "args",
    "become",
    "no_log",
    "copy",
    "copyy",
    "file",
    "command",
    "shell",
    "raw",
    "debug",
    "set_fact",
    "lineinfile",
    "stat",
    "assert",
    "fail",
    "ping",
    "template",
    "apt",
    "frobnicate",
    "ansible.builtin.copy",
    "dest",
    "content",
    "src",
    "state",
    "path",
    "msg",
    "var",
    "that",
    "mode",
    "line",
    "regexp",
    "insertafter",
    "insertbefore",
    "search_string",
    "_raw_params",
    "cmd",
    "argv",
    "checksum_algorithm",
    "loop_var",
    "label",
];

const SCALARS: &[&str] = &[
    "all",
    "true",
    "no",
    "0755",
    "12345678901234567890123456789012345678901",
    "directory",
    "dirctory",
    "link",
    "absent",
    "{{ x }}",
    "{% if a %}b{% endif %}",
    "a\\nb",
    "a=1 b='2'",
    "dest=/x content=\"q\"",
    "x=",
    "echo hi chdir=/tmp",
    "'open",
    "sha265",
    "(",
    "",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::sample::select(SCALARS).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => "[ -~]{0,12}".prop_map(Value::from),
    ]
}

/// A mapping of known and misspelt words to `value`s.
fn mapping_of(
    value: impl Strategy<Value = Value>,
    size: std::ops::Range<usize>,
) -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(WORDS), value), size).prop_map(|entries| {
        Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    })
}

/// Playbook-shaped YAML: plays of tasks built from real and misspelt keywords, modules and
/// arguments, with scalars holding templates, quotes, escapes and k=v lines.
fn playbook_text() -> impl Strategy<Value = String> {
    let args = prop_oneof![scalar(), mapping_of(scalar(), 0..4)];
    let task = mapping_of(args, 1..5);
    let tasks = prop::collection::vec(task, 0..4).prop_map(Value::Array);
    let play_value = prop_oneof![2 => scalar(), 1 => tasks, 1 => prop::collection::vec(scalar(), 0..3).prop_map(Value::Array)];
    let play = mapping_of(play_value, 1..7);
    prop::collection::vec(play, 0..3)
        .prop_map(|plays| crate::yaml::to_string(&Value::Array(plays)).unwrap_or_default())
}

/// Every problem names the file it is about.
fn names_the_file(e: &LoadError) -> bool {
    e.problems()
        .iter()
        .all(|p| p.to_string().starts_with("p.yml"))
}

proptest! {
    #[test]
    fn kv_parsing_never_panics(text in kv_text(), check_raw in any::<bool>()) {
        let _ = parse_kv(&text, check_raw);
    }

    #[test]
    fn simple_pairs_read_back(pairs in prop::collection::vec(("[a-z_][a-z0-9_]{0,6}", "[a-zA-Z0-9/._:-]{0,8}"), 1..6)) {
        let text = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
        let parsed = parse_kv(&text, false).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (k, v) in pairs.iter().rev() {
            // The last of a repeated key wins, as in a Python dict.
            if pairs.iter().rev().find(|(k2, _)| k2 == k).map(|(_, v2)| v2) == Some(v) {
                prop_assert_eq!(parsed.get(k).and_then(|x| x.as_str()), Some(v.as_str()));
            }
        }
    }

    #[test]
    fn playbook_loading_never_panics_and_names_the_file(text in playbook_text()) {
        if let Err(e) = parse_playbook(&text, Path::new("p.yml")) {
            prop_assert!(names_the_file(&e), "{}", e);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_loader(text in any::<String>()) {
        if let Err(e) = parse_playbook(&text, Path::new("p.yml")) {
            prop_assert!(names_the_file(&e), "{}", e);
        }
    }

    #[test]
    fn truncated_playbooks_never_panic(text in playbook_text(), cut in any::<prop::sample::Index>()) {
        let mut end = cut.index(text.len() + 1);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if let Err(e) = parse_playbook(&text[..end], Path::new("p.yml")) {
            prop_assert!(names_the_file(&e), "{}", e);
        }
    }
}

/// The generator reaches the loader's checks, not only the YAML parser.
#[test]
fn generated_playbooks_reach_the_checks() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut loaded, mut checked) = (0, 0);
    for _ in 0..300 {
        let Ok(tree) = playbook_text().new_tree(&mut runner) else {
            continue;
        };
        match parse_playbook(&tree.current(), Path::new("p.yml")) {
            Ok(_) => loaded += 1,
            Err(LoadError::Yaml(_)) => {}
            Err(_) => checked += 1,
        }
    }
    assert!(
        loaded > 0 && checked > 100,
        "loaded {loaded}, checked {checked}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!(
        "- hosts: all\n  vars:\n    v: {}1{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = parse_playbook(&text, Path::new("p.yml")).err();
    assert!(e.as_ref().is_some_and(names_the_file), "{e:?}");
}
