//! Constructs public roles use (dev-sec's hardening collection, geerlingguy's roles) that drover
//! once refused or ran differently from ansible-playbook; each test is our own small model of the
//! construct, run over the local connection, expecting what ansible-playbook 2.19 gives.
//! docs/compatibility.md "Public roles tried" lists the roles and what is left.

mod common;

use common::{Outcome, run_in, tree};

const HOSTS: &str = "h1 ansible_connection=local\nh2 ansible_connection=local\n";

fn play(files: &[(&str, &str)], extra: &[&str]) -> Outcome {
    let mut all = vec![("hosts.ini", HOSTS)];
    all.extend_from_slice(files);
    let dir = tree(&all);
    let mut args = vec!["play", "site.yml", "-i", "hosts.ini"];
    args.extend_from_slice(extra);
    run_in(dir.path(), &args)
}

#[test]
fn a_templated_hosts_pattern_and_play_name_are_rendered_with_the_extra_vars() {
    let out = play(
        &[(
            "site.yml",
            "- name: \"deploy to {{ target }}\"\n  hosts: \"{{ target }}\"\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n",
        )],
        &["-e", "target=h2"],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("PLAY [deploy to h2]"), "{}", out.show());
    assert_eq!(out.count("h2", "ok"), 1, "{}", out.show());
    assert_eq!(out.count("h1", "ok"), 0, "{}", out.show());
}

#[test]
fn a_role_named_with_a_dot_from_the_roles_path_keeps_its_whole_name() {
    let out = play(
        &[
            (
                "site.yml",
                "- hosts: h1\n  gather_facts: false\n  roles: [acme.web]\n",
            ),
            // galaxy_info's role_name is documentation: Ansible names the role as written.
            (
                "roles/acme.web/meta/main.yml",
                "galaxy_info:\n  role_name: web\n",
            ),
            (
                "roles/acme.web/tasks/main.yml",
                "- debug: msg=\"{{ role_name }}\"\n",
            ),
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.task_banners(), ["acme.web : debug"], "{}", out.show());
    assert!(
        out.stdout.contains("\"msg\": \"acme.web\""),
        "{}",
        out.show()
    );
}

#[test]
fn loops_and_lookups_named_by_their_collection_run_as_the_short_ones() {
    // os_hardening loops `with_community.general.flattened:` over lists of lists.
    let out = play(
        &[(
            "site.yml",
            r#"- hosts: h1
  gather_facts: false
  vars:
    base: [a, [b]]
    extra: [c]
  tasks:
    - debug: msg="item {{ item }}"
      with_community.general.flattened:
        - "{{ base }}"
        - "{{ extra }}"
    - debug: msg="{{ lookup('community.general.flattened', [[1, [2]], 3]) | join('-') }}"
    - debug: msg="{{ query('ansible.builtin.items', 'x') }}"
"#,
        )],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    for item in ["item a", "item b", "item c"] {
        assert!(
            out.stdout.contains(&format!("\"msg\": \"{item}\"")),
            "{}",
            out.show()
        );
    }
    assert!(out.stdout.contains("\"msg\": \"1-2-3\""), "{}", out.show());
    assert_eq!(out.count("h1", "ok"), 3, "{}", out.show());
}

#[test]
fn varnames_finds_the_variables_in_scope_so_a_default_is_set_only_where_none_is() {
    // os_hardening sets its OS defaults with `when: not lookup('varnames', '^' + item.key + '$')`.
    let out = play(
        &[(
            "site.yml",
            r#"- hosts: h1
  gather_facts: false
  vars:
    os_a: 1
    os_ab: 2
  tasks:
    - set_fact:
        os_c: 3
    - debug: msg="{{ lookup('varnames', '^os_a') }}|{{ lookup('varnames', '^os_a$') }}|{{ query('varnames', '^os_') }}"
    - set_fact:
        "{{ item.key }}": "{{ item.value }}"
      when: not lookup('varnames', '^' + item.key + '$')
      with_dict: {os_a: 10, os_d: 4}
    - debug: msg="{{ os_a }} {{ os_d }}"
"#,
        )],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let expected = "\"msg\": \"os_a,os_ab|os_a|['os_a', 'os_ab', 'os_c']\"";
    assert!(out.stdout.contains(expected), "{}", out.show());
    assert!(out.stdout.contains("\"msg\": \"1 4\""), "{}", out.show());
}

#[test]
fn the_template_module_gives_a_file_ansible_managed_and_its_template_path() {
    // os_hardening's templates begin with `{{ ansible_managed | comment }}` (facts gathered: the
    // host's variables then hold a pending `ansible_managed` of their own).
    let dir = tree(&[
        ("hosts.ini", HOSTS),
        (
            "templates/m.j2",
            "{{ ansible_managed | comment }}\nsrc={{ template_path }}\n",
        ),
        (
            "site.yml",
            "- hosts: h1\n  tasks:\n    - template: src=m.j2 dest={{ playbook_dir }}/out.txt\n",
        ),
    ]);
    let out = run_in(dir.path(), &["play", "site.yml", "-i", "hosts.ini"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let written = std::fs::read_to_string(dir.path().join("out.txt")).unwrap_or_default();
    assert_eq!(
        written,
        "#\n# Ansible managed\n#\nsrc=m.j2\n",
        "{}",
        out.show()
    );
}
