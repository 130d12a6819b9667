//! `include_role` over the local connection, modelled on ansible-core's `include_import` and
//! `roles` integration targets: `when` per host, loops, templated role names, `tasks_from` and the
//! other entry points, `public`, `apply`, handlers, meta dependencies and the role magic variables.
//! The expected banners, messages and recaps are what ansible-playbook 2.19 prints for the same
//! files.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

/// Two local hosts; `kind` decides the `when` of some includes.
const HOSTS: &str = "h1 ansible_connection=local kind=a\nh2 ansible_connection=local kind=b\n";

/// A role `web` (defaults, vars, two task files, two handler files, a meta dependency on `base`),
/// `base` (once per play), `outer` (includes `web` with `tasks_from`) and `solo` (no dependency).
const ROLES: &[(&str, &str)] = &[
    ("roles/web/defaults/main.yml", "web_port: 80\n"),
    ("roles/web/defaults/alt.yml", "web_port: 8080\n"),
    ("roles/web/vars/main.yml", "web_user: www\n"),
    ("roles/web/vars/prod.yml", "web_user: prod\n"),
    (
        "roles/web/tasks/main.yml",
        "- name: web main\n  debug: msg=\"web {{ web_port }} {{ web_user }} {{ item | default('-') }}\"\n  changed_when: true\n  notify: restart web\n",
    ),
    (
        "roles/web/tasks/extra.yml",
        "- name: web extra\n  debug: msg=\"extra {{ role_name }} {{ role_path | basename }} {{ ansible_parent_role_names | default(['none']) | join(',') }}\"\n",
    ),
    (
        "roles/web/tasks/show.yml",
        "- name: web show\n  debug: msg=\"show {{ web_port }} {{ web_user }}\"\n- name: web notify\n  command: /bin/true\n  notify: restart web\n",
    ),
    (
        "roles/web/handlers/main.yml",
        "- name: restart web\n  debug: msg=restarted\n",
    ),
    (
        "roles/web/handlers/other.yml",
        "- name: restart web\n  debug: msg=restarted-other\n",
    ),
    ("roles/web/meta/main.yml", "dependencies:\n  - base\n"),
    (
        "roles/base/tasks/main.yml",
        "- name: base task\n  debug: msg=base\n",
    ),
    (
        "roles/outer/tasks/main.yml",
        "- include_role:\n    name: web\n    tasks_from: extra\n",
    ),
    (
        "roles/solo/tasks/main.yml",
        "- name: solo task\n  debug: msg=\"solo {{ solo_var }} {{ applied | default('no') }}\"\n",
    ),
    ("roles/solo/defaults/main.yml", "solo_default: sd\n"),
    ("roles/solo/vars/main.yml", "solo_var: sv\n"),
];

fn setup(dir: &Path, playbook: &str) {
    write(&dir.join("hosts.ini"), HOSTS);
    write(&dir.join("site.yml"), playbook);
    for (name, text) in ROLES {
        write(&dir.join(name), text);
    }
}

fn play(dir: &Path, extra: &[&str]) -> Outcome {
    let mut args = vec!["play", "site.yml", "-i", "hosts.ini"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// The `TASK [...]` banners in order.
/// Which hosts printed `"msg": "<msg>"` (debug output), in order.
fn said(out: &Outcome, msg: &str) -> Vec<String> {
    let lines: Vec<&str> = out.stdout.lines().collect();
    let wanted = format!("\"msg\": \"{msg}\"");
    lines
        .windows(2)
        .filter(|w| w[1].trim() == wanted)
        .filter_map(|w| {
            let host = w[0].split_once(": [")?.1;
            host.split(']').next()
        })
        .map(String::from)
        .collect()
}

fn lines_with(out: &Outcome, text: &str) -> Vec<String> {
    out.stdout
        .lines()
        .filter(|l| l.contains(text))
        .map(String::from)
        .collect()
}

#[test]
fn include_role_when_loop_and_templated_name_per_host_with_dependency_once() {
    let dir = tempdir();
    setup(
        dir.path(),
        r#"- hosts: all
  gather_facts: false
  vars:
    role_to_run: web
  tasks:
    - include_role:
        name: "{{ role_to_run }}"
      when: kind == 'a'
    - include_role:
        name: web
      loop: [x, z]
    - name: last
      debug: msg=last
"#,
    );
    let out = play(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        [
            "include_role : {{ role_to_run }}",
            "base : base task",
            "web : web main",
            "include_role : web",
            "base : base task",
            "web : web main",
            "web : web main",
            "last",
        ],
        "{}",
        out.show()
    );
    assert_eq!(
        lines_with(&out, "included: "),
        [
            "included: web for h1",
            "included: web for h1, h2 => (item=x)",
            "included: web for h1, h2 => (item=z)",
        ],
        "{}",
        out.show()
    );
    // `base` is a dependency without `allow_duplicates`: once per host and play.
    assert_eq!(said(&out, "base"), ["h1", "h2"], "{}", out.show());
    // The handler the role's tasks notify runs once, at the end of the play.
    assert_eq!(said(&out, "restarted"), ["h1", "h2"], "{}", out.show());
    // ansible-playbook: h1 ok=9 changed=3, h2 ok=7 changed=2 skipped=1.
    assert_eq!(out.count("h1", "ok"), 9, "{}", out.show());
    assert_eq!(out.count("h1", "changed"), 3, "{}", out.show());
    assert_eq!(out.count("h2", "ok"), 7, "{}", out.show());
    assert_eq!(out.count("h2", "changed"), 2, "{}", out.show());
    assert_eq!(out.count("h2", "skipped"), 1, "{}", out.show());
}

#[test]
fn entry_points_choose_the_files_of_each_directory() {
    let dir = tempdir();
    setup(
        dir.path(),
        r#"- hosts: h1
  gather_facts: false
  tasks:
    - include_role:
        name: web
        tasks_from: show
        defaults_from: alt
        vars_from: prod
        handlers_from: other
"#,
    );
    let out = play(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(said(&out, "show 8080 prod"), ["h1"], "{}", out.show());
    assert_eq!(said(&out, "restarted-other"), ["h1"], "{}", out.show());
    assert!(said(&out, "restarted").is_empty(), "{}", out.show());
    assert_eq!(out.count("h1", "ok"), 5, "{}", out.show());
    assert_eq!(out.count("h1", "changed"), 1, "{}", out.show());
}

#[test]
fn a_roles_variables_stay_private_unless_the_include_is_public() {
    let dir = tempdir();
    setup(
        dir.path(),
        r#"- hosts: h1
  gather_facts: false
  tasks:
    - include_role:
        name: solo
    - name: after private
      debug: msg="{{ solo_var | default('hidden') }} {{ solo_default | default('hidden') }}"
    - include_role:
        name: solo
        public: true
    - name: after public
      debug: msg="{{ solo_var | default('hidden') }} {{ solo_default | default('hidden') }}"
"#,
    );
    let out = play(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(said(&out, "solo sv no"), ["h1", "h1"], "{}", out.show());
    assert_eq!(said(&out, "hidden hidden"), ["h1"], "{}", out.show());
    assert_eq!(said(&out, "sv sd"), ["h1"], "{}", out.show());
}

#[test]
fn nested_includes_know_their_parent_role_and_apply_reaches_the_tasks() {
    let dir = tempdir();
    setup(
        dir.path(),
        r#"- hosts: h1
  gather_facts: false
  tasks:
    - include_role:
        name: outer
    - include_role:
        name: solo
        apply:
          vars:
            applied: yes
          tags: [applied]
      tags: [applied]
    - name: untagged
      debug: msg=untagged
"#,
    );
    let out = play(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        [
            "include_role : outer",
            "include_role : web",
            "base : base task",
            "web : web extra",
            "include_role : solo",
            "solo : solo task",
            "untagged",
        ],
        "{}",
        out.show()
    );
    assert_eq!(said(&out, "extra web web outer"), ["h1"], "{}", out.show());
    assert_eq!(said(&out, "solo sv True"), ["h1"], "{}", out.show());

    // `apply`'s tags are on the role's tasks, the include's own on the include.
    let tagged = play(dir.path(), &["--tags", "applied"]);
    assert_eq!(tagged.code, 0, "{}", tagged.show());
    assert_eq!(
        tagged.task_banners(),
        ["include_role : solo", "solo : solo task"],
        "{}",
        tagged.show()
    );
}

#[test]
fn allow_duplicates_false_skips_a_role_an_include_ran_already() {
    let dir = tempdir();
    setup(
        dir.path(),
        r#"- hosts: h1
  gather_facts: false
  tasks:
    - include_role:
        name: solo
    - include_role:
        name: solo
        allow_duplicates: false
    - include_role:
        name: solo
"#,
    );
    let out = play(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(said(&out, "solo sv no"), ["h1", "h1"], "{}", out.show());
    assert_eq!(out.count("h1", "ok"), 5, "{}", out.show());
}

#[test]
fn a_missing_role_is_a_load_error_unless_its_name_is_templated() {
    let dir = tempdir();
    setup(
        dir.path(),
        "- hosts: h1\n  gather_facts: false\n  tasks:\n    - debug: msg=before\n    - include_role:\n        name: nosuch\n",
    );
    let out = play(dir.path(), &[]);
    assert_ne!(out.code, 0, "{}", out.show());
    assert!(
        out.stderr
            .contains("site.yml:5: the role 'nosuch' was not found in"),
        "{}",
        out.show()
    );
    assert!(!out.stdout.contains("before"), "{}", out.show());

    setup(
        dir.path(),
        "- hosts: h1\n  gather_facts: false\n  vars:\n    r: nosuch\n  tasks:\n    - debug: msg=before\n    - include_role:\n        name: \"{{ r }}\"\n      ignore_errors: true\n    - debug: msg=after\n",
    );
    let out = play(dir.path(), &[]);
    assert_ne!(out.code, 0, "{}", out.show());
    assert_eq!(said(&out, "before"), ["h1"], "{}", out.show());
    // As in Ansible, a role that cannot be found fails the host even with `ignore_errors`.
    assert!(said(&out, "after").is_empty(), "{}", out.show());
    assert_eq!(out.count("h1", "failed"), 1, "{}", out.show());
}

#[test]
fn unknown_arguments_and_include_role_among_handlers_are_refused_at_load_time() {
    let dir = tempdir();
    setup(
        dir.path(),
        "- hosts: h1\n  gather_facts: false\n  tasks:\n    - include_role:\n        name: solo\n        task_from: x\n  handlers:\n    - name: h\n      include_role:\n        name: solo\n",
    );
    let out = play(dir.path(), &[]);
    assert_ne!(out.code, 0, "{}", out.show());
    assert!(out.stderr.contains("task_from"), "{}", out.show());
    assert!(
        out.stderr
            .contains("not supported yet: include_role among handlers"),
        "{}",
        out.show()
    );
}
