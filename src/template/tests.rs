use super::*;
use serde_json::json;

fn vars() -> Vars {
    match json!({
        "name": "web", "port": 8080, "users": ["alice", "bob"], "empty": "",
        "conf": {"a": 1, "b": {"c": 2}}, "flag": "yes", "path": "/etc/nginx/nginx.conf",
        "result": {"changed": true, "failed": false, "rc": 0}, "skipped_r": {"skipped": true, "changed": false},
    }) {
        Value::Object(m) => m,
        _ => Vars::new(),
    }
}

fn render(t: &str) -> Value {
    Templar::new()
        .render_str(t, &vars())
        .unwrap_or_else(|e| panic!("{t}: {e}"))
}

fn text(t: &str) -> String {
    match render(t) {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

#[test]
fn plain_strings_are_untouched() {
    assert_eq!(render("no template here"), json!("no template here"));
}

#[test]
fn single_expressions_keep_their_type() {
    assert_eq!(render("{{ users }}"), json!(["alice", "bob"]));
    assert_eq!(render("{{ port }}"), json!(8080));
    assert_eq!(render(" {{ conf }} "), json!({"a": 1, "b": {"c": 2}}));
    assert_eq!(render("{{ port }}-{{ name }}"), json!("8080-web"));
}

#[test]
fn filters_match_ansible() {
    let cases = [
        ("{{ missing | default('x') }}", "x"),
        ("{{ empty | default('x', true) }}", "x"),
        ("{{ users | join(',') }}", "alice,bob"),
        ("{{ name | upper }}", "WEB"),
        ("{{ 'ABC' | lower }}", "abc"),
        ("{{ '42' | int + 1 }}", "43"),
        ("{{ flag | bool }}", "true"),
        ("{{ 'off' | bool }}", "false"),
        ("{{ conf | to_json }}", r#"{"a":1,"b":{"c":2}}"#),
        ("{{ path | basename }}", "nginx.conf"),
        ("{{ path | dirname }}", "/etc/nginx"),
        (
            "{{ 'hello world' | regex_replace('o', '0') }}",
            "hell0 w0rld",
        ),
        (
            "{{ 'ab12' | regex_replace('^([a-z]+)(\\d+)$', '\\\\2-\\\\1') }}",
            "12-ab",
        ),
        ("{{ 'version 1.2.3' | regex_search('\\d+\\.\\d+') }}", "1.2"),
        ("{{ 'a b' | quote }}", "'a b'"),
        ("{{ 'hi' | b64encode }}", "aGk="),
        ("{{ 'aGk=' | b64decode }}", "hi"),
        (
            "{{ 'abc' | hash('sha1') }}",
            "a9993e364706816aba3e25717850c26c9cd0d89d",
        ),
        ("{{ (true) | ternary('y', 'n') }}", "y"),
        ("{{ [[1, 2], [3, [4]]] | flatten | to_json }}", "[1,2,3,4]"),
        (
            "{{ [[1, 2], [3, [4]]] | flatten(levels=1) | to_json }}",
            "[1,2,3,[4]]",
        ),
        (
            "{{ {'a': 1} | combine({'b': 2}) | to_json }}",
            r#"{"a":1,"b":2}"#,
        ),
        (
            "{{ conf | combine({'b': {'d': 3}}, recursive=true) | to_json }}",
            r#"{"a":1,"b":{"c":2,"d":3}}"#,
        ),
        (
            "{{ {'k': 'v'} | dict2items | to_json }}",
            r#"[{"key":"k","value":"v"}]"#,
        ),
        (
            "{{ [{'key': 'k', 'value': 'v'}] | items2dict | to_json }}",
            r#"{"k":"v"}"#,
        ),
        ("{{ [1, 2, 2, 3] | unique | to_json }}", "[1,2,3]"),
        ("{{ [1, 2, 3] | difference([2]) | to_json }}", "[1,3]"),
        ("{{ 'a.tar.gz' | splitext | last }}", ".gz"),
        ("{{ name.upper() }}", "WEB"),
        ("{{ users | length }}", "2"),
        ("{{ 3 | type_debug }}", "int"),
    ];
    for (t, want) in cases {
        assert_eq!(text(t), want, "{t}");
    }
}

#[test]
fn nice_json_sorts_and_indents_by_four() {
    assert_eq!(
        text("{{ {'b': 1, 'a': [1]} | to_nice_json }}"),
        "{\n    \"a\": [\n        1\n    ],\n    \"b\": 1\n}"
    );
}

#[test]
fn yaml_round_trip() {
    assert_eq!(
        render("{{ 'a: 1\\nb: [x]' | from_yaml }}"),
        json!({"a": 1, "b": ["x"]})
    );
    assert!(text("{{ conf | to_yaml }}").contains("a: 1"));
}

#[test]
fn tests_match_ansible() {
    let t = Templar::new();
    let v = vars();
    let cases = [
        ("result is changed", true),
        ("result is failed", false),
        ("result is succeeded", true),
        ("skipped_r is skipped", true),
        ("missing is defined", false),
        ("missing is undefined", true),
        ("name is match('we')", true),
        ("name is match('eb')", false),
        ("name is search('eb')", true),
        ("'1.10.0' is version('1.9', '>')", true),
        ("'alice' in users", true),
        ("port == 8080 and name != 'db'", true),
    ];
    for (expr, want) in cases {
        assert_eq!(
            t.eval_bool(expr, &v)
                .unwrap_or_else(|e| panic!("{expr}: {e}")),
            want,
            "{expr}"
        );
    }
}

#[test]
fn undefined_variables_are_named() {
    let t = Templar::new();
    for source in ["{{ nope }}", "port {{ nope }}", "{{ nope | upper }}"] {
        let e = t.render_str(source, &vars()).map(|_| ()).unwrap_err();
        assert!(
            e.to_string().contains("'nope' is undefined"),
            "{source}: {e}"
        );
    }
    let e = t.eval_bool("nope == 1", &vars()).unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
    let e = t
        .render_str("{{ missing | mandatory }}", &vars())
        .unwrap_err();
    assert!(
        e.to_string().contains("Mandatory") || e.to_string().contains("missing"),
        "{e}"
    );
}

#[test]
fn syntax_errors_show_the_text() {
    let e = Templar::new()
        .render_str("{{ port + }}", &vars())
        .unwrap_err();
    assert!(e.to_string().contains("{{ port + }}"), "{e}");
}

#[test]
fn render_value_renders_nested_strings_and_keys() {
    let v = json!({"dest": "/srv/{{ name }}", "list": ["{{ port }}", 1], "{{ name }}_key": true});
    let out = Templar::new()
        .render_value(&v, &vars())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out,
        json!({"dest": "/srv/web", "list": [8080, 1], "web_key": true})
    );
}

#[test]
fn files_keep_trailing_newline_and_trim_blocks() {
    let text = "{% for u in users %}\nuser={{ u }}\n{% endfor %}\nend\n";
    let out = Templar::new()
        .render_file_text("t.j2", text, &vars(), &[])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out, "user=alice\nuser=bob\nend\n");
}

#[test]
fn lookups_env_and_unknown() {
    let t = Templar::new();
    let home = std::env::var("HOME").unwrap_or_default();
    assert_eq!(
        t.render_str("{{ lookup('env', 'HOME') }}", &vars()).ok(),
        Some(json!(home))
    );
    assert!(t.render_str("{{ lookup('pipe', 'ls') }}", &vars()).is_err());
}

#[test]
fn variables_may_refer_to_templated_variables() {
    let mut v = vars();
    v.insert(
        "root".into(),
        json!("{{ base | default('/srv') }}/{{ name }}"),
    );
    v.insert("conf".into(), json!("{{ root }}/etc"));
    v.insert("broken".into(), json!("{{ nope }}"));
    let t = Templar::new();
    t.resolve_vars(&mut v);
    assert_eq!(v["conf"], json!("/srv/web/etc"));
    assert_eq!(v["broken"], json!("{{ nope }}"));
    assert!(t.eval_bool("conf == '/srv/web/etc'", &v).unwrap());
}

#[test]
fn slicing_and_int_in_one_expression() {
    let mut v = Vars::new();
    v.insert("inventory_hostname".into(), json!("web07"));
    assert_eq!(
        Templar::new()
            .render_str("10.0.0.{{ inventory_hostname[3:] | int + 10 }}", &v)
            .map_err(|e| e.to_string()),
        Ok(json!("10.0.0.17"))
    );
}
