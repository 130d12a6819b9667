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
        ("{{ conf | to_json }}", r#"{"a": 1, "b": {"c": 2}}"#),
        ("{{ path | basename }}", "nginx.conf"),
        ("{{ path | dirname }}", "/etc/nginx"),
        (
            "{{ 'hello world' | regex_replace('o', '0') }}",
            "hell0 w0rld",
        ),
        (
            "{{ 'ab12' | regex_replace('^([a-z]+)(\\d+)$', '\\2-\\1') }}",
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
        (
            "{{ [[1, 2], [3, [4]]] | flatten | to_json }}",
            "[1, 2, 3, 4]",
        ),
        (
            "{{ [[1, 2], [3, [4]]] | flatten(levels=1) | to_json }}",
            "[1, 2, 3, [4]]",
        ),
        (
            "{{ {'a': 1} | combine({'b': 2}) | to_json }}",
            r#"{"a": 1, "b": 2}"#,
        ),
        (
            "{{ conf | combine({'b': {'d': 3}}, recursive=true) | to_json }}",
            r#"{"a": 1, "b": {"c": 2, "d": 3}}"#,
        ),
        (
            "{{ {'k': 'v'} | dict2items | to_json }}",
            r#"[{"key": "k", "value": "v"}]"#,
        ),
        (
            "{{ [{'key': 'k', 'value': 'v'}] | items2dict | to_json }}",
            r#"{"k": "v"}"#,
        ),
        ("{{ [1, 2, 2, 3] | unique | to_json }}", "[1, 2, 3]"),
        ("{{ [1, 2, 3] | difference([2]) | to_json }}", "[1, 3]"),
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
        render("{{ 'a: 1\nb: [x]' | from_yaml }}"),
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
    let unknown = t.render_str("{{ lookup('no_such_lookup', 'x') }}", &vars());
    assert!(
        unknown.as_ref().is_err_and(|e| e
            .to_string()
            .contains("The lookup plugin 'no_such_lookup' was not found")),
        "{unknown:?}"
    );
    let unsupported = t.render_str("{{ lookup('unvault', 'x') }}", &vars());
    assert!(
        unsupported.as_ref().is_err_and(|e| e
            .to_string()
            .contains("lookup plugin 'unvault' is not supported yet")),
        "{unsupported:?}"
    );
    let url = t.render_str("{{ lookup('url', 'https://example.com/') }}", &vars());
    assert!(
        url.as_ref().is_err_and(|e| e
            .to_string()
            .contains("'url' is not supported: drover templates never reach the network")),
        "{url:?}"
    );
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

mod places_loops_and_bombs {
    use super::*;

    fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    fn render_file(dir: &std::path::Path, name: &str, vars: &Vars) -> Result<String, String> {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        Templar::new()
            .render_file_text(
                &path.display().to_string(),
                &text,
                vars,
                &[dir.to_path_buf()],
            )
            .map_err(|e| e.to_string())
    }

    #[test]
    fn file_errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let x = write(
            dir.path(),
            "x.j2",
            "one\ntwo {{ port }}\nthree {{ nope }}\n",
        );
        let e = render_file(dir.path(), "x.j2", &vars()).unwrap_err();
        assert_eq!(
            e,
            format!("'nope' is undefined. Origin: {}:3", x.display()),
            "{e}"
        );
        let syn = write(dir.path(), "syn.j2", "a\nb {{ port + }}\n");
        let e = render_file(dir.path(), "syn.j2", &vars()).unwrap_err();
        assert!(e.starts_with("Syntax error in template: "), "{e}");
        assert!(e.ends_with(&format!("Origin: {}:2", syn.display())), "{e}");
    }

    #[test]
    fn errors_in_included_templates_name_both_files() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let inc = write(
            dir.path(),
            "inc.j2",
            "inc one\ninc two {{ other_missing }}\n",
        );
        let top = write(dir.path(), "top.j2", "a\nb\n{% include 'inc.j2' %}\n");
        let e = render_file(dir.path(), "top.j2", &vars()).unwrap_err();
        assert_eq!(
            e,
            format!(
                "'other_missing' is undefined. Origin: {}:2 (included from {}:3)",
                inc.display(),
                top.display()
            )
        );
    }

    fn with(pairs: &[(&str, Value)]) -> Vars {
        let mut v = vars();
        for (k, val) in pairs {
            v.insert((*k).into(), val.clone());
        }
        Templar::new().resolve_vars(&mut v);
        v
    }

    fn failure(template: &str, v: &Vars) -> String {
        match Templar::new().render_str(template, v) {
            Ok(out) => panic!("{template} rendered to {out}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_variable_referring_to_itself_is_a_recursive_loop() {
        let v = with(&[("a", json!("{{ a }}"))]);
        for t in ["{{ a }}", "x {{ a }}", "{{ a | default('d') }}"] {
            let e = failure(t, &v);
            assert!(
                e.contains("Recursive loop detected in template: a -> a"),
                "{t}: {e}"
            );
        }
        assert!(Templar::new().eval_bool("a == 1", &v).is_err());
    }

    #[test]
    fn loops_through_other_variables_name_the_whole_cycle() {
        let v = with(&[
            ("b", json!("{{ c }}")),
            ("c", json!("x{{ b }}")),
            ("f", json!(["{{ b | default('fallback') }}"])),
            ("fine", json!("{{ name }}-{{ port }}")),
        ]);
        assert!(failure("{{ b }}", &v).contains("b -> c -> b"));
        assert!(failure("{{ c }}", &v).contains("c -> b -> c"));
        assert!(failure("{{ f }}", &v).contains("f -> b -> c -> b"));
        assert_eq!(v["fine"], json!("web-8080"));
    }

    #[test]
    fn a_long_chain_of_variables_is_not_a_loop() {
        let mut pairs: Vec<(String, Value)> = (1..2000)
            .map(|i| (format!("v{i}"), json!(format!("{{{{ v{} }}}}", i - 1))))
            .collect();
        pairs.push(("v0".into(), json!("end")));
        let pairs: Vec<(&str, Value)> =
            pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let v = with(&pairs);
        let e = Templar::new().render_str("{{ v1999 }}", &v);
        assert!(!format!("{e:?}").contains("Recursive loop"), "{e:?}");
    }

    #[test]
    fn a_value_doubled_thirty_times_fails_without_taking_gigabytes() {
        let mut pairs = vec![("d0".to_string(), json!("x".repeat(100)))];
        for i in 1..=30 {
            pairs.push((
                format!("d{i}"),
                json!(format!("{{{{ d{0} ~ d{0} }}}}", i - 1)),
            ));
        }
        let mut v = vars();
        v.extend(pairs);
        let t = Templar::new();
        t.resolve_vars(&mut v);
        let e = failure("{{ d30 | length }}", &v);
        assert!(e.contains("exceeds 64 MiB (in variable 'd20')"), "{e}");
        let e = failure(
            "{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}",
            &vars(),
        );
        assert!(e.contains("budget"), "{e}");
    }

    #[test]
    fn a_loop_without_end_runs_out_of_budget() {
        let e = failure(
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            &vars(),
        );
        assert!(e.contains("budget of"), "{e}");
    }

    #[test]
    fn output_is_capped() {
        let mut v = vars();
        v.insert("big".into(), json!("y".repeat(100_000)));
        let e = failure("{% for i in range(1000) %}{{ big }}{% endfor %}", &v);
        assert!(e.contains("exceeds 64 MiB"), "{e}");
    }

    const DEEP: &str = "{% set ns = namespace(x=[]) %}{% for i in range(50000) %}{% set ns.x = [ns.x] %}{% endfor %}";

    #[test]
    fn a_50000_deep_structure_neither_overflows_nor_leaves_the_render() {
        let t = Templar::new();
        assert_eq!(
            t.render_str(&format!("{DEEP}{{{{ ns.x | length }}}}"), &vars())
                .map_err(|e| e.to_string()),
            Ok(json!("1"))
        );
        let e = failure(&format!("{DEEP}{{{{ ns.x | to_json | length }}}}"), &vars());
        assert!(e.contains("nested deeper than"), "{e}");
        let deeper = "{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% for j in range(100) %}{% set ns.x = [[[[[[[[[[ns.x]]]]]]]]]] %}{% endfor %}{% endfor %}";
        assert!(failure(deeper, &vars()).contains("budget"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        write(dir.path(), "deep.j2", &format!("{DEEP}{{{{ ns.x }}}}\n"));
        let e = render_file(dir.path(), "deep.j2", &vars()).unwrap_err();
        assert!(e.contains("nested deeper than 512 levels. Origin: "), "{e}");
    }

    #[test]
    fn shared_structures_are_not_written_out_exponentially() {
        let dag = "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}";
        for use_it in [
            "{{ ns.x }}",
            "{{ ns.x | to_json }}",
            "{{ ns.x | tojson }}",
            "{{ ns.x | string }}",
        ] {
            let e = failure(&format!("{dag}{use_it}"), &vars());
            assert!(e.contains("holds more than"), "{use_it}: {e}");
        }
        let e = failure(&format!("{dag}{{{{ ns.x }}}}x"), &vars());
        assert!(e.contains("holds more than"), "{e}");
    }

    #[test]
    fn deep_values_do_not_leave_a_render() {
        let e = failure(
            &format!("{{{{ {} }}}}", "[".repeat(600) + &"]".repeat(600)),
            &vars(),
        );
        assert!(!e.is_empty());
    }
}

/// Every case of fixtures/to_text.json: ansible-core's own output for the same input and options.
#[test]
fn to_json_and_to_yaml_write_exactly_what_ansible_writes() {
    let fixtures: Value = serde_json::from_str(include_str!("fixtures/to_text.json"))
        .unwrap_or_else(|e| panic!("fixtures/to_text.json: {e}"));
    let cases = fixtures["cases"].as_array().cloned().unwrap_or_default();
    assert!(cases.len() > 100);
    let t = Templar::new();
    let mut failures = Vec::new();
    for case in &cases {
        let filter = case["filter"].as_str().unwrap_or_default();
        let args: Vec<String> = case["kwargs"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| format!("{k}={v}")).collect())
            .unwrap_or_default();
        let template = format!("{{{{ input | {filter}({}) }}}}", args.join(", "));
        let mut v = Vars::new();
        v.insert("input".into(), case["input"].clone());
        let got = t.render_str(&template, &v).map_err(|e| e.to_string());
        if got.as_ref().ok() != Some(&case["output"]) {
            failures.push(format!(
                "{template} with {}\n--- want\n{}\n--- got\n{}",
                case["input"],
                case["output"].as_str().unwrap_or_default(),
                match &got {
                    Ok(Value::String(s)) => s.clone(),
                    other => format!("{other:?}"),
                }
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
