//! The rules of JUnit's XML schema as CI reporters read it: the one Jenkins' xunit plugin ships as
//! `junit-10.xsd` (Surefire's format, accepted by GitLab's and GitHub's JUnit reporters).
//! `check_junit_10` states its rules — which element may hold which, the required and the allowed
//! attributes, the time format — and names each broken one; the XSD itself is in
//! `tests/data/junit/` and `junit_xsd.rs` validates against it with xmllint.

#![allow(dead_code)]

use roxmltree::{Document, Node};
use std::collections::HashMap;

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
pub fn surefire_time(value: &str) -> bool {
    let re = regex::Regex::new(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$");
    re.is_ok_and(|re| re.is_match(value))
}

/// Every problem of `xml` against junit-10.xsd, as `element: problem` lines.
pub fn check_junit_10(xml: &str) -> Vec<String> {
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

pub fn children<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn count_attr(node: Node, name: &str) -> usize {
    node.attribute(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX)
}

/// The counters of every suite and of the whole document agree with the cases they hold.
pub fn check_counts(xml: &str) -> Vec<String> {
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
