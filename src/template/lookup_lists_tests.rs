//! Given a lookup's terms, the items: each expectation is what ansible-core 2.19 loops over
//! (checked with ansible-playbook on the same terms).

use super::*;
use crate::template::lookups::{LookupContext, run};
use serde_json::json;
use std::path::{Path, PathBuf};

fn no_var(_: &str) -> Option<Value> {
    None
}

fn no_render(_: &crate::template::lookups::TemplateJob) -> Result<String, String> {
    Err("no templates here".into())
}

/// A lookup as a `with_` loop of a task running `action` in the playbook directory `dir`.
fn expand_in(
    lookup: &str,
    terms: Vec<Value>,
    dir: Option<&Path>,
    action: &str,
) -> Result<Vec<Value>, String> {
    let ctx = LookupContext {
        var: &no_var,
        names: &Vec::new,
        search_dirs: dir
            .map(Path::to_path_buf)
            .into_iter()
            .collect::<Vec<PathBuf>>(),
        render: &no_render,
        subdir: LookupContext::subdir_for_action(action),
    };
    run(lookup, &terms, &ctx)
}

fn items(lookup: &str, terms: Value) -> Vec<Value> {
    let Value::Array(terms) = terms else {
        panic!("terms are a list")
    };
    expand_in(lookup, terms, None, "debug").unwrap_or_else(|e| panic!("{e}"))
}

fn error(lookup: &str, terms: Value) -> String {
    let Value::Array(terms) = terms else {
        panic!("terms are a list")
    };
    expand_in(lookup, terms, None, "debug").expect_err("an error")
}

#[test]
fn items_flattens_one_level_and_list_none() {
    assert_eq!(
        items("items", json!([[1, [2]], 3, "a"])),
        vec![json!(1), json!([2]), json!(3), json!("a")]
    );
    assert_eq!(
        items("list", json!([[1, 2], [3]])),
        vec![json!([1, 2]), json!([3])]
    );
}

#[test]
fn dict_gives_key_value_items_in_order() {
    assert_eq!(
        items("dict", json!([{"b": 1, "a": {"x": 2}}])),
        vec![
            json!({"key": "b", "value": 1}),
            json!({"key": "a", "value": {"x": 2}})
        ]
    );
    let e = error("dict", json!([[1]]));
    assert!(e.contains("expects a dictionary, got '[1]'"), "{e}");
}

#[test]
fn together_pads_with_none() {
    assert_eq!(
        items("together", json!([[1, 2, 3], ["a", "b"]])),
        vec![json!([1, "a"]), json!([2, "b"]), json!([3, null])]
    );
    assert_eq!(
        items("together", json!([[1], ["a", "b"]])),
        vec![json!([1, "a"]), json!([null, "b"])]
    );
    assert!(error("together", json!([])).contains("at least one element"));
}

#[test]
fn nested_is_the_cartesian_product() {
    let expected = vec![
        json!([1, "a"]),
        json!([1, "b"]),
        json!([2, "a"]),
        json!([2, "b"]),
    ];
    assert_eq!(items("nested", json!([[1, 2], ["a", "b"]])), expected);
    assert_eq!(items("cartesian", json!([[1, 2], ["a", "b"]])), expected);
    assert_eq!(
        items("nested", json!([["x"], [1], ["y", "z"]])),
        vec![json!(["x", 1, "y"]), json!(["x", 1, "z"])]
    );
    assert!(error("nested", json!([])).contains("with_nested requires"));
}

#[test]
fn sequence_key_value_form() {
    assert_eq!(
        items(
            "sequence",
            json!(["start=1 end=10 stride=3 format=host%02d"])
        ),
        vec![
            json!("host01"),
            json!("host04"),
            json!("host07"),
            json!("host10")
        ]
    );
    assert_eq!(
        items("sequence", json!(["count=3"])),
        vec![json!("1"), json!("2"), json!("3")]
    );
    assert_eq!(
        items("sequence", json!(["start=0 count=3 stride=2"])),
        vec![json!("0"), json!("2"), json!("4")]
    );
    assert_eq!(
        items("sequence", json!(["start=5 end=1 stride=-2"])),
        vec![json!("5"), json!("3"), json!("1")]
    );
    assert_eq!(
        items("sequence", json!(["start=1 end=3 format=%03x"])),
        vec![json!("001"), json!("002"), json!("003")]
    );
    assert!(items("sequence", json!(["count=0"])).is_empty());
}

#[test]
fn sequence_shortcut_form() {
    assert_eq!(
        items("sequence", json!(["2-6/2:n%d"])),
        vec![json!("n2"), json!("n4"), json!("n6")]
    );
    assert_eq!(
        items("sequence", json!(["4:host%02d"])),
        vec![
            json!("host01"),
            json!("host02"),
            json!("host03"),
            json!("host04")
        ]
    );
    assert_eq!(
        items("sequence", json!([3])),
        vec![json!("1"), json!("2"), json!("3")]
    );
}

#[test]
fn sequence_errors_are_ansibles() {
    let cases = [
        ("start=1", "must specify count or end in with_sequence"),
        (
            "end=3 count=2",
            "can't specify both count and end in with_sequence",
        ),
        ("start=5 end=1", "to count backwards make stride negative"),
        (
            "start=1 end=5 stride=-1",
            "to count forward don't make stride negative",
        ),
        ("end=3 format=%d%d", "bad formatting string: %d%d"),
        (
            "end=3 foo=1",
            "unrecognized arguments to with_sequence: ['foo']",
        ),
        (
            "5-1/-2:%03x",
            "unrecognized arguments to with_sequence: ['_raw_params']",
        ),
        (
            "start=0x0a end=0x0c",
            "Invalid value provided for 'integer': '0x0a'",
        ),
    ];
    for (term, wanted) in cases {
        let e = error("sequence", json!([term]));
        assert!(e.contains(wanted), "{term}: {e}");
    }
}

#[test]
fn printf_formats_one_integer_as_python_does() {
    let cases = [
        ("%d", 7, "7"),
        ("%02d", 7, "07"),
        ("%5d", -7, "   -7"),
        ("%-4d|", 7, "7   |"),
        ("%+d", 7, "+7"),
        ("%x", 255, "ff"),
        ("%X", 255, "FF"),
        ("%#x", 255, "0xff"),
        ("%o", 8, "10"),
        ("%#o", 8, "0o10"),
        ("%s", 12, "12"),
        ("%.3d", 5, "005"),
        ("web%03d.example", 42, "web042.example"),
    ];
    for (format, n, wanted) in cases {
        assert_eq!(printf_int(format, n).as_deref(), Ok(wanted), "{format}");
    }
    assert!(printf_int("%q", 1).is_err());
}

#[test]
fn subelements_pairs_parents_with_their_elements() {
    let groups = json!([
        {"name": "g1", "members": ["a", "b"]},
        {"name": "g2", "members": ["c"]},
        {"name": "g3"}
    ]);
    assert_eq!(
        items(
            "subelements",
            json!([groups, "members", {"skip_missing": true}])
        ),
        vec![
            json!([{"name": "g1"}, "a"]),
            json!([{"name": "g1"}, "b"]),
            json!([{"name": "g2"}, "c"])
        ]
    );
    let e = error("subelements", json!([groups, "members"]));
    assert!(
        e.contains("could not find 'members' key in iterated item '{'name': 'g3'}'"),
        "{e}"
    );
    let nested = json!([{"n": 1, "a": {"b": [1, 2]}}]);
    assert_eq!(
        items("subelements", json!([nested, "a.b"])),
        vec![json!([{"n": 1, "a": {}}, 1]), json!([{"n": 1, "a": {}}, 2])]
    );
    let not_list = json!([{"m": "x"}]);
    assert!(
        error("subelements", json!([not_list, "m"]))
            .contains("the key m should point to a list, got 'x'")
    );
    assert!(
        error("subelements", json!([[]]))
            .contains("subelements lookup expects a list of two or three items")
    );
    let skipped = json!({"skipped": true, "results": []});
    assert!(items("subelements", json!([skipped, "x"])).is_empty());
}

#[test]
fn indexed_items_and_flattened() {
    assert_eq!(
        items("indexed_items", json!([["a", "b"], "c"])),
        vec![json!([0, "a"]), json!([1, "b"]), json!([2, "c"])]
    );
    assert_eq!(
        items("flattened", json!([[1, [2, [3]]], 4])),
        vec![json!(1), json!(2), json!(3), json!(4)]
    );
}

#[test]
fn random_choice_picks_one_of_the_terms() {
    let picked = items("random_choice", json!(["a", "b", "c"]));
    assert_eq!(picked.len(), 1);
    assert!(["a", "b", "c"].contains(&picked[0].as_str().unwrap_or_default()));
    assert!(items("random_choice", json!([])).is_empty());
}

fn files_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    for dir in ["files/d.conf", "templates", "sub"] {
        std::fs::create_dir_all(root.join(dir)).expect("mkdir");
    }
    for file in [
        "files/b.conf",
        "files/a.conf",
        "files/.hidden.conf",
        "top.txt",
        "templates/t.j2",
        "sub/s.conf",
    ] {
        std::fs::write(root.join(file), "x").expect("write");
    }
    dir
}

#[test]
fn fileglob_looks_in_files_then_the_directory_and_skips_directories() {
    let tree = files_tree();
    let root = tree.path();
    let found = |pattern: &str| {
        expand_in("fileglob", vec![json!(pattern)], Some(root), "debug").expect("globs")
    };
    let path = |p: &str| json!(root.join(p).display().to_string());
    assert_eq!(
        found("*.conf"),
        vec![path("files/a.conf"), path("files/b.conf")]
    );
    assert_eq!(found("*.txt"), vec![path("top.txt")]);
    assert_eq!(found("sub/*.conf"), vec![path("sub/s.conf")]);
    assert!(found("*.nothing").is_empty());
    let absolute = format!("{}/*.conf", root.join("sub").display());
    assert_eq!(found(&absolute), vec![path("sub/s.conf")]);
}

#[test]
fn first_found_returns_the_first_existing_file() {
    let tree = files_tree();
    let root = tree.path();
    let path = |p: &str| json!(root.join(p).display().to_string());
    let first = |terms: Value| {
        let Value::Array(terms) = terms else {
            panic!("a list")
        };
        expand_in("first_found", terms, Some(root), "debug")
    };
    assert_eq!(
        first(json!(["nope", "a.conf", "top.txt"])),
        Ok(vec![path("files/a.conf")])
    );
    assert_eq!(
        first(json!([{"files": ["nope", "s.conf"], "paths": ["sub"]}])),
        Ok(vec![path("sub/s.conf")])
    );
    assert_eq!(
        first(json!([{"files": ["nope"], "skip": true}])),
        Ok(vec![])
    );
    assert_eq!(
        first(json!(["nope"])),
        Err("No file was found when using first_found.".to_string())
    );
    // ansible-core's "legacy formats": files split on `,;`, paths on `,:;`, in lists too.
    assert_eq!(
        first(json!([{"files": "nope;s.conf", "paths": "no/where:sub"}])),
        Ok(vec![path("sub/s.conf")])
    );
    assert_eq!(
        first(json!([{"files": ["nope,s.conf"], "paths": ["no/where:sub"]}])),
        Ok(vec![path("sub/s.conf")])
    );
    assert_eq!(
        expand_in("first_found", vec![json!("t.j2")], Some(root), "template"),
        Ok(vec![path("templates/t.j2")])
    );
}

#[test]
fn every_lookup_is_a_with_keyword() {
    use crate::playbook::WithLookup;
    for (name, _) in crate::template::lookups::LOOKUPS {
        let keyword = format!("with_{name}");
        assert_eq!(
            WithLookup::from_keyword(&keyword).map(WithLookup::name),
            Some(*name)
        );
    }
    assert_eq!(WithLookup::from_keyword("with_foo"), None);
    assert_eq!(WithLookup::from_keyword("items"), None);
}
