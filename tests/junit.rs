//! `--junit FILE` over the local connection: the XML follows the JUnit schema CI reporters read, and
//! says per play, task and host what happened.
//!
//! The schema is the one Jenkins' xunit plugin ships as `junit-10.xsd` (Surefire's format, the one
//! GitLab's and GitHub's JUnit reporters accept). No copy of it is checked in: `check_junit_10`
//! below states its rules — which element may hold which, the required and the allowed attributes,
//! the time format — and checks every element of the document against them.

mod common;

use common::{run_in, tempdir, write};
use roxmltree::{Document, Node};
use std::collections::HashMap;

const PLAY: &str = r#"- name: Web servers
  hosts: all
  gather_facts: false
  tasks:
    - name: Write a file
      copy:
        content: "hello {{ inventory_hostname }}\n"
        dest: "{{ root }}/out-{{ inventory_hostname }}.txt"
    - name: Only on db1
      debug: msg="db <here> & \"quoted\""
      when: inventory_hostname == 'db1'
    - name: Fails on web2
      shell: "echo 'bad <thing> & more' >&2; echo out; test {{ inventory_hostname }} != web2"
    - name: Ignored failure
      command: /bin/false
      ignore_errors: true
- name: Second play
  hosts: web
  gather_facts: false
  tasks:
    - name: Still here
      command: "true"
"#;

const HOSTS: &str = "[web]\nweb1 ansible_connection=local\nweb2 ansible_connection=local\n[db]\ndb1 ansible_connection=local\n";

/// One rule per element of junit-10.xsd: allowed children, required and optional attributes,
/// whether it holds text only.
struct Rule {
    children: &'static [&'static str],
    required: &'static [&'static str],
    optional: &'static [&'static str],
}

fn junit_10_rules() -> HashMap<&'static str, Rule> {
    let outcome = Rule {
        children: &[],
        required: &[],
        optional: &["type", "message"],
    };
    let text = || Rule {
        children: &[],
        required: &[],
        optional: &[],
    };
    HashMap::from([
        (
            "testsuites",
            Rule {
                children: &["testsuite"],
                required: &[],
                optional: &["name", "time", "tests", "failures", "errors"],
            },
        ),
        (
            "testsuite",
            Rule {
                children: &[
                    "testsuite",
                    "properties",
                    "testcase",
                    "system-out",
                    "system-err",
                ],
                required: &["name", "tests", "failures", "errors"],
                optional: &[
                    "group",
                    "time",
                    "skipped",
                    "timestamp",
                    "hostname",
                    "id",
                    "package",
                    "file",
                    "log",
                    "url",
                ],
            },
        ),
        (
            "testcase",
            Rule {
                children: &[
                    "skipped",
                    "error",
                    "failure",
                    "rerunFailure",
                    "rerunError",
                    "flakyFailure",
                    "flakyError",
                    "system-out",
                    "system-err",
                ],
                required: &["name"],
                optional: &["time", "classname", "group"],
            },
        ),
        (
            "properties",
            Rule {
                children: &["property"],
                required: &[],
                optional: &[],
            },
        ),
        (
            "property",
            Rule {
                children: &[],
                required: &["name", "value"],
                optional: &[],
            },
        ),
        ("failure", outcome),
        (
            "error",
            Rule {
                children: &[],
                required: &[],
                optional: &["type", "message"],
            },
        ),
        (
            "skipped",
            Rule {
                children: &[],
                required: &[],
                optional: &["type", "message"],
            },
        ),
        ("system-out", text()),
        ("system-err", text()),
    ])
}

/// junit-10.xsd's SUREFIRE_TIME: digits (optionally grouped by commas), an optional fraction.
fn surefire_time(value: &str) -> bool {
    let re = regex::Regex::new(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$");
    re.is_ok_and(|re| re.is_match(value))
}

/// Every problem of `xml` against junit-10.xsd, as `element: problem` lines.
fn check_junit_10(xml: &str) -> Vec<String> {
    let doc = match Document::parse(xml) {
        Ok(doc) => doc,
        Err(e) => return vec![format!("not well-formed XML: {e}")],
    };
    let rules = junit_10_rules();
    let root = doc.root_element();
    let mut problems = Vec::new();
    if root.tag_name().name() != "testsuites" {
        problems.push(format!(
            "root is <{}>, not <testsuites>",
            root.tag_name().name()
        ));
    }
    for node in root.descendants().filter(Node::is_element) {
        check_element(node, &rules, &mut problems);
    }
    problems
}

fn check_element(node: Node, rules: &HashMap<&str, Rule>, problems: &mut Vec<String>) {
    let name = node.tag_name().name();
    let Some(rule) = rules.get(name) else {
        problems.push(format!("<{name}> is not a JUnit element"));
        return;
    };
    for attr in rule.required {
        if node.attribute(*attr).is_none() {
            problems.push(format!("<{name}> lacks required attribute {attr}"));
        }
    }
    for attr in node.attributes() {
        let known = rule.required.contains(&attr.name()) || rule.optional.contains(&attr.name());
        if !known {
            problems.push(format!("<{name}> has unknown attribute {}", attr.name()));
        }
        if attr.name() == "time" && name != "testcase" && !surefire_time(attr.value()) {
            problems.push(format!(
                "<{name}> time={:?} is not SUREFIRE_TIME",
                attr.value()
            ));
        }
    }
    for child in node.children().filter(Node::is_element) {
        let child_name = child.tag_name().name();
        if !rule.children.contains(&child_name) {
            problems.push(format!("<{name}> may not contain <{child_name}>"));
        }
    }
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn count_attr(node: Node, name: &str) -> usize {
    node.attribute(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX)
}

/// The counters of every suite and of the whole document agree with the cases they hold.
fn check_counts(xml: &str) -> Vec<String> {
    let Ok(doc) = Document::parse(xml) else {
        return vec!["not XML".into()];
    };
    let mut problems = Vec::new();
    let root = doc.root_element();
    let mut all_cases = 0;
    for suite in children(root, "testsuite") {
        let cases: Vec<Node> = children(suite, "testcase").collect();
        all_cases += cases.len();
        let with = |outcome: &str| {
            cases
                .iter()
                .filter(|c| children(**c, outcome).next().is_some())
                .count()
        };
        for (attr, actual) in [
            ("tests", cases.len()),
            ("failures", with("failure")),
            ("errors", with("error")),
            ("skipped", with("skipped")),
        ] {
            if count_attr(suite, attr) != actual {
                problems.push(format!(
                    "suite {:?}: {attr}={:?} but {actual} found",
                    suite.attribute("name"),
                    suite.attribute(attr)
                ));
            }
        }
    }
    if count_attr(root, "tests") != all_cases {
        problems.push(format!("testsuites tests= but {all_cases} cases"));
    }
    problems
}

fn case<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Option<Node<'a, 'i>> {
    doc.descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
}

#[test]
fn junit_file_follows_the_schema_and_tells_each_task_on_each_host() {
    let root = tempdir();
    write(&root.path().join("hosts.ini"), HOSTS);
    write(&root.path().join("p.yml"), PLAY);
    let junit = root.path().join("results.xml");
    let vars = format!("root={}", root.path().display());
    let out = run_in(
        root.path(),
        &[
            "play",
            "p.yml",
            "-i",
            "hosts.ini",
            "-e",
            &vars,
            "--junit",
            &junit.display().to_string(),
        ],
    );
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(
        out.stdout.contains("PLAY RECAP"),
        "the normal output is still printed\n{}",
        out.show()
    );
    let xml = std::fs::read_to_string(&junit).unwrap_or_else(|e| panic!("{e}\n{}", out.show()));
    assert_eq!(check_junit_10(&xml), Vec::<String>::new(), "{xml}");
    assert_eq!(check_counts(&xml), Vec::<String>::new(), "{xml}");

    let doc = Document::parse(&xml).unwrap_or_else(|e| panic!("{e}"));
    let suites: Vec<_> = children(doc.root_element(), "testsuite")
        .map(|s| s.attribute("name").unwrap_or_default().to_string())
        .collect();
    assert_eq!(suites, ["Web servers", "Second play"], "one suite per play");
    let cases = doc.descendants().filter(|n| n.has_tag_name("testcase"));
    // Play 1: 3 hosts × 4 tasks, less web2's last (it left the play); play 2: web1 only.
    assert_eq!(cases.count(), 3 * 4 - 1 + 1, "{xml}");

    let failed = case(&doc, "[web2] Fails on web2").unwrap_or_else(|| panic!("{xml}"));
    let failure = children(failed, "failure")
        .next()
        .unwrap_or_else(|| panic!("{xml}"));
    assert_eq!(failure.attribute("message"), Some("non-zero return code"));
    assert!(
        failure
            .text()
            .is_some_and(|t| t.contains("bad <thing> & more")),
        "the failure carries stderr: {xml}"
    );
    let skipped = case(&doc, "[web1] Only on db1").unwrap_or_else(|| panic!("{xml}"));
    assert!(children(skipped, "skipped").next().is_some(), "{xml}");
    let ignored = case(&doc, "[web1] Ignored failure").unwrap_or_else(|| panic!("{xml}"));
    assert!(
        children(ignored, "failure").next().is_none(),
        "an ignored failure does not fail the build: {xml}"
    );
    let fine = case(&doc, "[db1] Fails on web2").unwrap_or_else(|| panic!("{xml}"));
    assert!(fine.children().all(|c| !c.has_tag_name("failure")));
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let time = case.attribute("time").unwrap_or_default();
        assert!(
            surefire_time(time),
            "time {time:?} of {:?}",
            case.attribute("name")
        );
    }
}

#[test]
fn several_playbooks_share_one_junit_file() {
    let root = tempdir();
    write(&root.path().join("hosts.ini"), HOSTS);
    let one =
        "- name: One\n  hosts: web1\n  gather_facts: false\n  tasks:\n    - command: \"true\"\n";
    let two =
        "- name: Two\n  hosts: db1\n  gather_facts: false\n  tasks:\n    - command: \"true\"\n";
    write(&root.path().join("one.yml"), one);
    write(&root.path().join("two.yml"), two);
    let out = run_in(
        root.path(),
        &[
            "play",
            "one.yml",
            "two.yml",
            "-i",
            "hosts.ini",
            "--junit",
            "j.xml",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let xml = std::fs::read_to_string(root.path().join("j.xml")).unwrap_or_default();
    assert_eq!(check_junit_10(&xml), Vec::<String>::new(), "{xml}");
    let doc = Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suites: Vec<_> = children(doc.root_element(), "testsuite")
        .filter_map(|s| s.attribute("name"))
        .collect();
    assert_eq!(suites, ["One", "Two"], "{xml}");
}

#[test]
fn an_unwritable_junit_path_is_an_option_error_before_any_host() {
    let root = tempdir();
    write(&root.path().join("hosts.ini"), HOSTS);
    let marker = root.path().join("ran");
    write(
        &root.path().join("p.yml"),
        &format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - file: path={} state=touch\n",
            marker.display()
        ),
    );
    let out = run_in(
        root.path(),
        &[
            "play",
            "p.yml",
            "-i",
            "hosts.ini",
            "--junit",
            "/nonexistent-dir/j.xml",
        ],
    );
    assert_eq!(out.code, 5, "{}", out.show());
    assert!(
        out.stderr.contains("--junit /nonexistent-dir/j.xml"),
        "{}",
        out.show()
    );
    assert!(!marker.exists());
}

#[test]
fn the_checker_finds_what_the_schema_forbids() {
    let bad = r#"<testsuites skipped="1"><testsuite name="p" tests="1"><testcase time="1" file="x"><failure/><stdout/></testcase></testsuite></testsuites>"#;
    let problems = check_junit_10(bad).join("\n");
    for expected in [
        "<testsuites> has unknown attribute skipped",
        "<testsuite> lacks required attribute failures",
        "<testsuite> lacks required attribute errors",
        "<testcase> lacks required attribute name",
        "<testcase> has unknown attribute file",
        "<testcase> may not contain <stdout>",
    ] {
        assert!(problems.contains(expected), "{expected}\n{problems}");
    }
    assert!(!surefire_time("1.5s"));
    assert!(surefire_time("12.345"));
}
