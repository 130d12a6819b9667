//! `--junit` from a real fleet run — failures, skips, a rescued block, an ignored failure, loop
//! items, a handler, output with bytes XML cannot carry, and a host that cannot be reached — is
//! valid against the JUnit XSD (see tests/data/junit/README.md; checked with xmllint).
//! Fails, never skips, without the fleet or without xmllint.

mod common;
#[path = "support/junit_xsd.rs"]
mod junit_xsd;

use common::{fleet_dir, run_in, tempdir, write};
use junit_xsd::validate_junit_xsd;

const PLAY: &str = r#"- name: Fleet <checks> & "more"
  hosts: all
  gather_facts: false
  tasks:
    - name: Only on host01
      command: "true"
      when: inventory_hostname == 'host01'
    - name: Break host03
      shell: "printf 'disk \\001 <full> & more\n' >&2; echo partial; exit 3"
      when: inventory_hostname == 'host03'
    - name: Rescued
      block:
        - command: /bin/false
      rescue:
        - debug: msg=rescued
    - name: Ignored
      command: /bin/false
      ignore_errors: true
    - name: Items
      command: "echo {{ item }}"
      loop: [a, b]
      changed_when: true
      notify: restart
  handlers:
    - name: restart
      command: "true"
- hosts: fleet
  gather_facts: false
  tasks:
    - debug: msg="second play"
"#;

#[test]
fn junit_of_a_fleet_run_with_failures_skips_and_unreachable_hosts_is_valid_against_the_xsd() {
    let fleet = fleet_dir("DROVER_FLEET_DIR", "the real fleet");
    let net = std::env::var("DROVER_FLEET_NET").unwrap_or_else(|_| "78".into());
    let dir = tempdir();
    write(
        &dir.path().join("ghost.ini"),
        &format!("[ghosts]\nghost ansible_host=127.0.{net}.250 ansible_user=root\n"),
    );
    write(&dir.path().join("p.yml"), PLAY);
    let inventory = fleet.join("inventory.ini").display().to_string();
    let out = run_in(
        dir.path(),
        &[
            "play",
            "p.yml",
            "-i",
            &inventory,
            "-i",
            "ghost.ini",
            "--junit",
            "j.xml",
            "-T",
            "3",
        ],
    );
    assert_eq!(out.code, 4, "{}", out.show());
    let xml = std::fs::read_to_string(dir.path().join("j.xml"))
        .unwrap_or_else(|e| panic!("{e}\n{}", out.show()));
    assert_eq!(validate_junit_xsd(&xml), Ok(()), "{xml}");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}"));
    let has = |case: &str, outcome: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(case))
            .is_some_and(|n| n.children().any(|c| c.has_tag_name(outcome)))
    };
    assert!(has("[host03] Break host03", "failure"), "{xml}");
    assert!(has("[host02] Break host03", "skipped"), "{xml}");
    assert!(has("[ghost] Only on host01", "skipped"), "{xml}");
    let ghost_error = doc.descendants().any(|n| {
        n.has_tag_name("error")
            && n.attribute("type") == Some("unreachable")
            && n.parent()
                .and_then(|c| c.attribute("name"))
                .is_some_and(|name| name.starts_with("[ghost] "))
    });
    assert!(ghost_error, "{xml}");
    assert!(
        xml.contains("disk \u{fffd} &lt;full&gt; &amp; more"),
        "{xml}"
    );
    let suites = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .count();
    assert_eq!(suites, 2, "{xml}");
}
