//! `--junit FILE` over the local connection: the XML follows the JUnit schema CI reporters read, and
//! says per play, task and host what happened.
//! The schema's rules are in `support/junit_schema.rs`; every document is also validated against
//! the XSD itself (`support/junit_xsd.rs`).

mod common;
#[path = "support/junit_schema.rs"]
mod junit_schema;
#[path = "support/junit_xsd.rs"]
mod junit_xsd;

use common::{run_in, tempdir, write};
use junit_schema::{check_counts, check_junit_10, children, surefire_time};
use junit_xsd::validate_junit_xsd;
use roxmltree::{Document, Node};

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
    assert_eq!(validate_junit_xsd(&xml), Ok(()), "{xml}");
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
    assert_eq!(validate_junit_xsd(&xml), Ok(()), "{xml}");
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

#[test]
fn adhoc_runs_write_junit_too() {
    let root = tempdir();
    write(&root.path().join("hosts.ini"), HOSTS);
    let out = run_in(
        root.path(),
        &[
            "run",
            "web",
            "-i",
            "hosts.ini",
            "--junit",
            "j.xml",
            "--",
            "echo",
            "hi",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("web1: hi"), "{}", out.show());
    let xml = std::fs::read_to_string(root.path().join("j.xml")).unwrap_or_default();
    assert_eq!(check_junit_10(&xml), Vec::<String>::new(), "{xml}");
    assert_eq!(validate_junit_xsd(&xml), Ok(()), "{xml}");
    let doc = Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(cases.len(), 2, "{xml}");
    assert!(cases.iter().all(|c| c.starts_with("[web")), "{cases:?}");
}

#[test]
fn the_xsd_check_rejects_what_the_schema_forbids() {
    let bad = r#"<testsuites skipped="1"><testsuite name="p" tests="1" failures="0" errors="0" time="1.5s"><testcase classname="c"><stdout/></testcase></testsuite></testsuites>"#;
    let said = validate_junit_xsd(bad).expect_err("an invalid document validated");
    for expected in ["skipped", "time", "name", "stdout"] {
        assert!(said.contains(expected), "{expected}\n{said}");
    }
    let good = r#"<testsuites><testsuite name="p" tests="1" failures="0" errors="0" time="1.500"><testcase name="t" time="1.500"/></testsuite></testsuites>"#;
    assert_eq!(validate_junit_xsd(good), Ok(()));
}

#[test]
fn a_playbook_or_inventory_that_does_not_load_still_leaves_a_valid_junit_file() {
    let root = tempdir();
    write(&root.path().join("hosts.ini"), HOSTS);
    write(
        &root.path().join("broken.yml"),
        "- hosts: all\n  tasks:\n    - debug: msg=hi\n      nonsense_keyword: 1\n",
    );
    write(
        &root.path().join("fine.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n",
    );
    write(&root.path().join("bad.ini"), "[web\nweb1\n");
    for (playbook, inventory, place) in [
        (
            "broken.yml",
            "hosts.ini",
            "broken.yml:4: `nonsense_keyword`",
        ),
        ("fine.yml", "bad.ini", "bad.ini:1"),
    ] {
        let junit = root.path().join(format!("{playbook}-{inventory}.xml"));
        let out = run_in(
            root.path(),
            &[
                "play",
                playbook,
                "-i",
                inventory,
                "--junit",
                &junit.display().to_string(),
            ],
        );
        assert_eq!(out.code, 4, "{}", out.show());
        let xml = std::fs::read_to_string(&junit)
            .unwrap_or_else(|e| panic!("no JUnit file: {e}\n{}", out.show()));
        assert_eq!(validate_junit_xsd(&xml), Ok(()), "{xml}");
        assert_eq!(check_junit_10(&xml), Vec::<String>::new(), "{xml}");
        let doc = Document::parse(&xml).unwrap_or_else(|e| panic!("{e}"));
        let error = doc
            .descendants()
            .find(|n| n.has_tag_name("error"))
            .unwrap_or_else(|| panic!("{xml}"));
        assert_eq!(error.attribute("type"), Some("load"), "{xml}");
        assert!(
            error.text().is_some_and(|t| t.contains(place)),
            "{place} in {xml}"
        );
    }
}
