//! Templating as ansible-core 2.19 does it, seen from a playbook over the local connection: the
//! `template` lookup's includes, Jinja syntax minijinja lacks, the `vars` dict, undefined values
//! used lazily, and `set_fact`'s variable names. Each playbook asserts what ansible-playbook 2.19
//! gives for the same text (checked with it), so a run exits 0 only when drover agrees.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

fn play(dir: &Path, play: &str) -> Outcome {
    write(
        &dir.join("hosts.ini"),
        "localhost ansible_connection=local\n",
    );
    write(&dir.join("play.yml"), play);
    run_in(dir, &["play", "play.yml", "-i", "hosts.ini"])
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
