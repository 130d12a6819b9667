//! Loading a playbook as a user meets it: every mistake that can be found without a host is found
//! before any host is touched, all of them at once, each at its file:line with a near miss; and what
//! loads is read as Ansible reads it (`k=v` escapes, big integers, large files).

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

fn local_inventory(dir: &Path) -> String {
    let inv = dir.join("hosts.ini");
    write(&inv, "localhost ansible_connection=local\n");
    inv.display().to_string()
}

/// Writes `p.yml` in `dir` and runs `drover play p.yml` (plus `extra` arguments) there.
fn play(dir: &Path, text: &str, extra: &[&str]) -> Outcome {
    write(&dir.join("p.yml"), text);
    let inv = local_inventory(dir);
    let mut args = vec!["play", "p.yml", "-i", inv.as_str()];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

fn error_lines(out: &Outcome) -> Vec<&str> {
    out.stderr
        .lines()
        .filter(|l| l.starts_with("ERROR! "))
        .collect()
}

#[test]
fn static_argument_errors_stop_the_run_before_any_task() {
    let root = tempdir();
    let marker = root.path().join("first-task-ran");
    let text = format!(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - file: path={} state=touch\n    - copy: content=hi\n    - file: path=/tmp/x state=dirctory\n",
        marker.display()
    );
    for extra in [&[][..], &["--syntax-check"][..]] {
        let out = play(root.path(), &text, extra);
        assert_eq!(out.code, 4, "{}", out.show());
        let errors = error_lines(&out);
        assert_eq!(errors.len(), 2, "{}", out.show());
        assert!(
            errors[0].contains("p.yml:5")
                && errors[0].contains("(copy) module")
                && errors[0].contains("missing required arguments: dest"),
            "{}",
            out.show()
        );
        assert!(
            errors[1].contains("p.yml:6")
                && errors[1].contains("(file) module")
                && errors[1].contains("value of state must be one of:")
                && errors[1].contains("directory")
                && errors[1].contains("got: dirctory (did you mean `directory`?)"),
            "{}",
            out.show()
        );
        assert!(!marker.exists(), "a task ran before the load error");
    }
}

#[test]
fn module_argument_and_keyword_near_misses_are_named() {
    let root = tempdir();
    let cases = [
        (
            "    - copyy: content=a dest=/tmp/x\n",
            "p.yml:4",
            "did you mean `copy`?",
        ),
        (
            "    - copy: content=a dset=/tmp/x\n",
            "p.yml:4",
            "dset (did you mean `dest`?)",
        ),
        (
            "    - debug: msg=a\n      regster: out\n",
            "p.yml:5",
            "`regster` is not a valid task keyword (did you mean `register`?)",
        ),
        (
            "    - debug: msg=a\n      whne: true\n",
            "p.yml:5",
            "(did you mean `when`?)",
        ),
        (
            "    - lineinfile: path=/x line=a insertbefore=BOF insertafter=EOF\n",
            "p.yml:4",
            "parameters are mutually exclusive: insertbefore|insertafter",
        ),
    ];
    for (task, place, want) in cases {
        let text = format!("- hosts: all\n  gather_facts: false\n  tasks:\n{task}");
        let out = play(root.path(), &text, &["--syntax-check"]);
        assert_eq!(out.code, 4, "{text}\n{}", out.show());
        assert!(
            out.stderr.contains(place) && out.stderr.contains(want),
            "{text}\n{}",
            out.show()
        );
    }
    let out = play(
        root.path(),
        "- hots: all\n  tasks: []\n",
        &["--syntax-check"],
    );
    assert!(
        out.stderr.contains("p.yml:1") && out.stderr.contains("(did you mean `hosts`?)"),
        "{}",
        out.show()
    );
}

#[test]
fn unsupported_keywords_point_at_their_own_line_and_all_are_reported() {
    let root = tempdir();
    let text = "\
- hosts: all
  gather_facts: false
  module_defaults: {}
  tasks:
    - name: grouped
      block:
        - debug: msg=a
      debugger: never
    - name: later
      debug: msg=b
      debugger: never
      module_defaults: {}
    - synchronize: src=a dest=b
    - frobnicate: x=1
";
    let out = play(root.path(), text, &["--syntax-check"]);
    assert_eq!(out.code, 4, "{}", out.show());
    let errors = error_lines(&out);
    let want = [
        ("p.yml:3:", "play keyword `module_defaults`"),
        ("p.yml:8:", "block keyword `debugger`"),
        ("p.yml:11:", "task keyword `debugger`"),
        ("p.yml:12:", "task keyword `module_defaults`"),
        ("p.yml:13:", "module `synchronize`"),
        ("p.yml:14:", "couldn't resolve module/action `frobnicate`"),
    ];
    assert_eq!(errors.len(), want.len(), "{}", out.show());
    for (line, (place, what)) in errors.iter().zip(want) {
        assert!(
            line.contains(place) && line.contains(what),
            "{line} should name {place} {what}\n{}",
            out.show()
        );
    }
}

#[test]
fn gather_facts_must_be_a_boolean_or_a_template() {
    let root = tempdir();
    let text = "- hosts: all\n  gather_facts: sometimes\n  tasks:\n    - debug: msg=a\n";
    let out = play(root.path(), text, &["--syntax-check"]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr.contains("p.yml:1") && out.stderr.contains("gather_facts must be a boolean"),
        "{}",
        out.show()
    );
    for (setting, gathers) in [
        ("  gather_facts: false\n", false),
        ("  gather_facts: no\n", false),
        ("  gather_facts: true\n", true),
        ("  gather_facts: \"{{ 1 == 1 }}\"\n", true),
        ("", true),
    ] {
        let text = format!("- hosts: all\n{setting}  tasks:\n    - debug: msg=a\n");
        let out = play(root.path(), &text, &[]);
        assert_eq!(out.code, 0, "{setting}\n{}", out.show());
        assert_eq!(
            out.stdout.contains("TASK [Gathering Facts]"),
            gathers,
            "{setting}\n{}",
            out.show()
        );
    }
}

#[test]
fn templated_argument_errors_name_the_task_at_run_time() {
    let root = tempdir();
    let text = "- hosts: all\n  gather_facts: false\n  tasks:\n    - file: path=/tmp/x state={{ wanted }}\n";
    let out = play(root.path(), text, &["-e", "wanted=dirctory"]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(
        out.stdout.contains("got: dirctory") && out.stdout.contains("p.yml:4"),
        "{}",
        out.show()
    );
}

#[test]
fn key_value_escapes_are_decoded_as_ansible_does() {
    let root = tempdir();
    let dest = root.path().join("out.txt");
    let text = format!(
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: content=\"hello\\nworld\\t\\u00e9\\n\" dest={}\n",
        dest.display()
    );
    let out = play(root.path(), &text, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    let written = std::fs::read_to_string(&dest).unwrap_or_default();
    assert_eq!(written, "hello\nworld\t\u{e9}\n");
}

#[test]
fn several_documents_are_explained() {
    let root = tempdir();
    let text = "- hosts: all\n  tasks: []\n---\n- hosts: all\n  tasks: []\n";
    let out = play(root.path(), text, &["--syntax-check"]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr.contains("p.yml:4")
            && out.stderr.contains("second YAML document")
            && !out.stderr.contains("from_str_multiple"),
        "{}",
        out.show()
    );
}

#[test]
fn a_hundred_thousand_tasks_load() {
    let root = tempdir();
    let mut text = String::from("- hosts: all\n  gather_facts: false\n  tasks:\n");
    for i in 0..100_000 {
        text.push_str(&format!("    - name: task {i}\n      debug: msg=m{i}\n"));
    }
    let out = play(root.path(), &text, &["--syntax-check"]);
    assert_eq!(out.code, 0, "{}", out.show());
}

#[test]
fn big_integers_keep_every_digit() {
    let root = tempdir();
    let text = "- hosts: all\n  gather_facts: false\n  vars:\n    big: 12345678901234567890123456789012345678901\n  tasks:\n    - debug: var=big\n";
    let out = play(root.path(), text, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout
            .contains("12345678901234567890123456789012345678901")
            && !out.stdout.contains("e+40"),
        "{}",
        out.show()
    );
}

#[test]
fn a_wrong_keyword_value_is_reported_where_it_is_written() {
    let root = tempdir();
    let text = "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: t\n      debug: msg=a\n      register: [x]\n      notify: {a: 1}\n";
    let out = play(root.path(), text, &["--syntax-check"]);
    assert_eq!(out.code, 4, "{}", out.show());
    let errors = error_lines(&out);
    assert!(
        errors.len() == 2
            && errors[0].contains("p.yml:6:")
            && errors[0].contains("`register` must be a name")
            && errors[1].contains("p.yml:7:")
            && errors[1].contains("`notify` must be a string or a list"),
        "{}",
        out.show()
    );
}
