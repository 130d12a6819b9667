//! Templating as ansible-core 2.19 does it, seen from a playbook over the local connection: the
//! `template` lookup's includes, Jinja syntax minijinja lacks, the `vars` dict, undefined values
//! used lazily, and `set_fact`'s variable names. Each playbook asserts what ansible-playbook 2.19
//! gives for the same text (checked with it), so a run exits 0 only when drover agrees.

mod common;

use common::{Outcome, play_with, tempdir, write};
use std::path::Path;

fn play(dir: &Path, play: &str) -> Outcome {
    play_with(
        dir,
        "localhost ansible_connection=local
",
        play,
        &[],
    )
}

fn assert_ok(out: &Outcome) {
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.total("failed"), 0, "{}", out.show());
}

#[test]
fn the_template_lookup_finds_includes_and_imports_beside_the_template() {
    let root = tempdir();
    let dir = root.path();
    write(
        &dir.join("templates/top.j2"),
        "{% for x in items %}{% include 'part.j2' with context %}{% endfor %}\n\
         {% set foo = 'top-foo' %}{% from 'macros.j2' import show with context %}{{ show('arg') }}\n",
    );
    write(&dir.join("templates/part.j2"), "<{{ x }}>");
    write(
        &dir.join("templates/macros.j2"),
        "{% macro show(value) %}{{ foo }}/{{ value }}{% endmacro %}",
    );
    let out = play(
        dir,
        r#"- hosts: all
  gather_facts: false
  vars:
    items: [a, b]
    foo: play-foo
  tasks:
    - set_fact:
        result: "{{ lookup('template', 'top.j2') }}"
    - assert:
        that:
          - result == "<a><b>top-foo/arg\n"
"#,
    );
    assert_ok(&out);
}

#[test]
fn a_unary_plus_before_a_number_is_jinjas() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - assert:
        that:
          - left_hand_2 == '[1 + 2 * 3 / 4] + [-2.5, 2.5, 3.5]'
          - +2 == 2
          - 1 + +2 == 3
      vars:
        left_hand_2: '[1 + 2 * 3 / 4] + {{ [-2.5, +2.5, 1 + 2.5] }}'
"#,
    );
    assert_ok(&out);
}

#[test]
fn vars_is_every_variable_as_a_dict() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  vars:
    from_play: p
    derived: "{{ from_play }}-d"
  tasks:
    - assert:
        that:
          - vars['from_play'] == 'p'
          - vars.from_task == 't'
          - vars[name] == 'p-d'
          - "'nothing_like_this' not in vars"
          - vars.inventory_hostname == 'localhost'
      vars:
        from_task: t
        name: derived
"#,
    );
    assert_ok(&out);
}

#[test]
fn vars_shows_no_bookkeeping_of_variables_still_to_render() {
    // `later` reads `item`, undefined until a loop defines it: it stays pending, and the list of
    // pending names drover keeps beside the variables must not be one of them.
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  vars:
    later: "{{ item }}-x"
  tasks:
    - assert:
        that:
          - vars.keys() | select('search', 'pending') | list == []
    - debug: msg="{{ later }}"
      loop: [1]
"#,
    );
    assert_ok(&out);
    assert!(out.stdout.contains("\"1-x\""), "{}", out.show());
}

#[test]
fn the_template_lookup_sees_task_vars_while_a_variable_is_still_to_render() {
    // With a variable left pending, templates render in a lazy scope; the `template` lookup
    // lists that scope's variables to render its file, so the scope must list them.
    let root = tempdir();
    write(&root.path().join("templates/t.j2"), "Hello {{ my_var }}!");
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  vars:
    later: "{{ item }}-x"
  tasks:
    - set_fact:
        said: "{{ lookup('template', 't.j2') }}"
      vars:
        my_var: world
    - assert:
        that: said == 'Hello world!'
"#,
    );
    assert_ok(&out);
}

#[test]
fn set_fact_refuses_a_templated_name_that_is_no_variable_name() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - set_fact:
        "{{ a_key }}": my_value
      vars:
        a_key: my_key
    - set_fact:
        "{{ 'true' }}": value
      register: keyword
      ignore_errors: true
    - set_fact:
        "{{ 1 }}": value
      register: number
      ignore_errors: true
    - assert:
        that:
          - my_key == 'my_value'
          - keyword is failed
          - keyword.msg is contains "Invalid variable name 'true'"
          - number is failed
          - number.msg is contains "Invalid variable name '1' of type 'int'"
"#,
    );
    assert_ok(&out);
}

#[test]
fn a_variable_reading_an_undefined_name_is_undefined_until_used_and_a_loop_item_defines_it() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  vars:
    per_item: "{{ item }}-x"
    deep_undefined: "{{ nested_undefined_variable }}"
    deeper: "{{ deep_undefined }}"
  tasks:
    - set_fact:
        seen: "{{ (seen | default([])) + [per_item] }}"
      loop: [1, 2]
    - assert:
        that:
          - seen == ['1-x', '2-x']
          - deep_undefined is undefined
          - deep_undefined is not defined
          - deep_undefined | default('defaulted') == 'defaulted'
          - deeper | default('d2') == 'd2'
    - debug:
        msg: "{{ deeper }}"
      register: used
      ignore_errors: true
    - assert:
        that:
          - used is failed
          - used.msg is contains("'nested_undefined_variable' is undefined")
"#,
    );
    assert_ok(&out);
}

#[test]
fn debug_var_of_an_undefined_variable_shows_the_error_marker() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: all
  gather_facts: false
  tasks:
    - debug: var=undefined_variable
      register: shown
    - assert:
        that:
          - shown.undefined_variable == "<< error 1 - 'undefined_variable' is undefined >>"
"#,
    );
    assert_ok(&out);
}
