//! Undefined values as ansible-core 2.19 has them, seen from a playbook over the local connection:
//! an undefined value chains (`x.a.b | default('d')`, `x.a is defined`) while using it fails with
//! Ansible's message; `None` printed; variables templated from undefined names. Each playbook
//! asserts what ansible-playbook 2.19 gives for the same text (checked with it), so a run exits 0
//! only when drover agrees.

mod common;

use common::{Outcome, play_with, tempdir, write};
use std::path::Path;

fn play(dir: &Path, play: &str) -> Outcome {
    play_with(dir, "localhost ansible_connection=local\n", play, &[])
}

fn assert_ok(out: &Outcome) {
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.total("failed"), 0, "{}", out.show());
}

#[test]
fn an_undefined_value_chains_into_default_and_the_defined_tests() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  vars:
    d: {k: 1}
    l: [1, 2]
    s: "str"
    n: null
  tasks:
    - command: echo hi
      register: r
    - assert:
        that:
          - x.attr | default('d') == 'd'
          - x.a.b | default('d') == 'd'
          - x.a is not defined
          - x.a is undefined
          - x['a'] | default('d') == 'd'
          - x.a.b is not defined
          - "[x.a | d(omit)] | length == 1"
          - d.a.b | default('d') == 'd'
          - d.a is not defined
          - d['a'] | default('dd') == 'dd'
          - d.a.b is not defined
          - d['a']['b'] | default('dd') == 'dd'
          - l.a.b | default('d') == 'd'
          - l[5].x | default('l5') == 'l5'
          - l.a.b is not defined
          - s.a.b | default('d') == 'd'
          - s.a.b is not defined
          - n.a.b | default('d') == 'd'
          - n.a is not defined
          - r.a.b | default('d') == 'd'
          - r.stdout.a.b is not defined
          - hostvars.localhost.a.b | default('d') == 'd'
          - hostvars['localhost'].a is not defined
          - hostvars.nohost.a.b is not defined
          - (d.a | default({})).b | default('nested') == 'nested'
          - x.a | default('d', true) == 'd'
          - x is not defined or x.a
          - d.a is defined and d.a.b or true
"#,
    );
    assert_ok(&out);
}

#[test]
fn using_an_undefined_value_fails_naming_its_first_missing_link() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  vars:
    d: {k: 1}
    l: [1, 2]
    s: "str"
    n: null
  tasks:
    - command: echo hi
      register: r
    - {debug: {msg: "{{ x.a.b }}"}, register: u_root, ignore_errors: true}
    - {debug: {msg: "{{ d.a.b }}"}, register: u_dict, ignore_errors: true}
    - {debug: {msg: "p{{ d.a }}q"}, register: u_text, ignore_errors: true}
    - {debug: {msg: "{{ d.a ~ 'x' }}"}, register: u_concat, ignore_errors: true}
    - {debug: {msg: "{{ d.a + 1 }}"}, register: u_add, ignore_errors: true}
    - {debug: {msg: "{{ d.a.b | upper }}"}, register: u_filter, ignore_errors: true}
    - {debug: {msg: "{% if d.a.b %}y{% endif %}"}, register: u_if, ignore_errors: true}
    - {debug: {msg: "{% for i in d.a.b %}{{ i }}{% endfor %}"}, register: u_for, ignore_errors: true}
    - {debug: {msg: "{{ l[5] }}"}, register: u_index, ignore_errors: true}
    - {debug: {msg: "{{ l.a }}"}, register: u_list, ignore_errors: true}
    - {debug: {msg: "{{ s.a }}"}, register: u_str, ignore_errors: true}
    - {debug: {msg: "{{ n.a.b }}"}, register: u_none, ignore_errors: true}
    - {debug: {msg: "{{ r.stdout.a }}"}, register: u_registered, ignore_errors: true}
    - {debug: {msg: "{{ d['a'] }}"}, register: u_item, ignore_errors: true}
    - {debug: {msg: w}, when: d.a.b, register: u_when, ignore_errors: true}
    - {debug: {msg: w}, when: x.a | length > 0, register: u_when_root, ignore_errors: true}
    - {command: "echo {{ d.a }}", register: u_arg, ignore_errors: true}
    - {debug: {msg: "{{ [d.a] }}"}, register: u_kept_list, ignore_errors: true}
    - {debug: {msg: "{{ [1, d.a] | length }}"}, register: list_length}
    - {debug: {msg: "{{ d.a | mandatory }}"}, register: u_mandatory, ignore_errors: true}
    - {debug: {msg: "{{ x.a | mandatory }}"}, register: u_mandatory_root, ignore_errors: true}
    - debug: var=d.a
      register: shown
    - assert:
        that:
          - u_root.msg is contains "'x' is undefined"
          - u_dict.msg is contains "object of type 'dict' has no attribute 'a'"
          - u_text.msg is contains "object of type 'dict' has no attribute 'a'"
          - u_concat.msg is contains "object of type 'dict' has no attribute 'a'"
          - u_add.msg is contains "object of type 'dict' has no attribute 'a'"
          - u_filter.msg is contains "object of type 'dict' has no attribute 'a'"
          - u_if.msg is contains "object of type 'dict' has no attribute 'a'"
          - u_for.msg is contains "object of type 'dict' has no attribute 'a'"
          - u_index.msg is contains "object of type 'list' has no attribute 5"
          - u_list.msg is contains "object of type 'list' has no attribute 'a'"
          - u_str.msg is contains "object of type 'str' has no attribute 'a'"
          - u_none.msg is contains "object of type 'NoneType' has no attribute 'a'"
          - u_registered.msg is contains "object of type 'str' has no attribute 'a'"
          - u_item.msg is contains "object of type 'dict' has no attribute 'a'"
          - u_when is failed
          - u_when.msg is contains "object of type 'dict' has no attribute 'a'"
          - u_when_root.msg is contains "'x' is undefined"
          - u_arg is failed
          - u_arg.msg is contains "object of type 'dict' has no attribute 'a'"
          - u_kept_list.msg is contains "object of type 'dict' has no attribute 'a'"
          - list_length.msg == 2
          - u_mandatory.msg is contains "Mandatory variable 'a' not defined."
          - u_mandatory_root.msg is contains "Mandatory variable 'x' not defined."
          - shown['d.a'] == "<< error 1 - object of type 'dict' has no attribute 'a' >>"
"#,
    );
    assert_ok(&out);
}

#[test]
fn none_prints_as_nothing_inside_text_and_stays_none_alone() {
    let root = tempdir();
    let dir = root.path();
    write(
        &dir.join("templates/n.j2"),
        "a={{ none_var }}\nb=x{{ none_var }}y\nc={{ [none_var] }}\nd={{ none_var ~ '' }}\n",
    );
    let dest = dir.join("n.out");
    let out = play(
        dir,
        &format!(
            r#"- hosts: all
  gather_facts: false
  vars:
    none_var: null
    rendered: "a=\nb=xy\nc=[None]\nd=None\n"
  tasks:
    - debug: msg={{{{ none_var }}}}
      register: kv
    - debug:
        msg: "{{{{ none_var }}}}"
      register: alone
    - debug:
        msg: "a{{{{ none_var }}}}b"
      register: inside
    - debug: msg=None
      register: text
    - debug:
        msg: null
      register: null_msg
    - set_fact:
        fact_alone: "{{{{ none_var }}}}"
        fact_inside: "a{{{{ none_var }}}}"
    - template: src=n.j2 dest={dest}
    - assert:
        that:
          - kv.msg is none
          - alone.msg is none
          - inside.msg == 'ab'
          - text.msg == 'None'
          - null_msg.msg is none
          - fact_alone is none
          - fact_inside == 'a'
          - lookup('template', 'n.j2') == rendered
          - lookup('file', '{dest}') ~ '\n' == rendered
"#,
            dest = dest.display()
        ),
    );
    assert_ok(&out);
}

#[test]
fn a_variable_templated_from_an_undefined_name_fails_when_used_naming_it() {
    let root = tempdir();
    let dir = root.path();
    write(
        &dir.join("roles/r1/defaults/main.yml"),
        "role_default: \"{{ undefined_in_default }}\"\n",
    );
    write(
        &dir.join("roles/r1/tasks/main.yml"),
        r#"- debug: msg="{{ role_default }}"
  register: role_used
  ignore_errors: true
- assert:
    that:
      - role_used is failed
      - role_used.msg is contains "'undefined_in_default' is undefined"
      - role_default | default('rd') == 'rd'
      - role_default is undefined
"#,
    );
    write(
        &dir.join("inc.yml"),
        "included: \"{{ undefined_in_file }}\"\nincluded_attr: \"{{ d.nope }}\"\n",
    );
    let out = play(
        dir,
        r#"- hosts: all
  gather_facts: false
  vars:
    d: {k: 1}
    from_vars: "{{ undefined_in_vars }}"
    attr_vars: "{{ d.missing_key }}"
    via: "{{ from_vars }}"
  tasks:
    - include_vars: inc.yml
    - set_fact:
        from_set_fact: "{{ undefined_in_set_fact }}"
      register: sf
      ignore_errors: true
    - {debug: {msg: "{{ from_vars }}"}, register: u_vars, ignore_errors: true}
    - {debug: {msg: "{{ via }}"}, register: u_via, ignore_errors: true}
    - {debug: {msg: "x{{ attr_vars }}"}, register: u_attr, ignore_errors: true}
    - {debug: {msg: "{{ included }}"}, register: u_included, ignore_errors: true}
    - {debug: {msg: "{{ included_attr }}"}, register: u_included_attr, ignore_errors: true}
    - {debug: {msg: "{{ lookup('vars', 'missing') }}"}, register: u_missing, ignore_errors: true}
    - {debug: {msg: "{{ query('vars', 'd', 'missing') }}"}, register: u_query, ignore_errors: true}
    - assert:
        that:
          - sf is failed
          - sf.msg is contains "'undefined_in_set_fact' is undefined"
          - u_vars.msg is contains "'undefined_in_vars' is undefined"
          - u_via.msg is contains "'undefined_in_vars' is undefined"
          - u_attr.msg is contains "object of type 'dict' has no attribute 'missing_key'"
          - u_included.msg is contains "'undefined_in_file' is undefined"
          - u_included_attr.msg is contains "object of type 'dict' has no attribute 'nope'"
          - u_missing.msg is contains "No variable named 'missing' was found."
          - u_query.msg is contains "No variable named 'missing' was found."
          - from_vars | default('d1') == 'd1'
          - via | default('d2') == 'd2'
          - attr_vars | default('d3') == 'd3'
          - included | default('d4') == 'd4'
          - included_attr | default('d5') == 'd5'
          - from_vars is not defined
          - attr_vars is undefined
          - lookup('vars', 'missing', default='dv') == 'dv'
          - query('vars', 'missing', default=[]) == [[]]
          - "lookup('vars', 'd', 'missing', default='z') == [{'k': 1}, 'z']"
    - import_role: name=r1
"#,
    );
    assert_ok(&out);
}
