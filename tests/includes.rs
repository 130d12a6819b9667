//! Task files and playbooks brought in by others, over the local connection: `import_tasks`,
//! `include_tasks`, `include_vars`, `import_playbook`. Modelled on ansible-core's `include_import`
//! integration target (nested layouts, relative paths, loops, `when`, tags, `apply`); the expected
//! orders and recaps are what ansible-playbook 2.19 prints for the same files.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

/// Three local hosts; `kind` picks a file per host.
const HOSTS: &str = "h1 ansible_connection=local kind=a\nh2 ansible_connection=local kind=b\nh3 ansible_connection=local kind=a\n";

fn files(dir: &Path, files: &[(&str, &str)]) {
    write(&dir.join("hosts.ini"), HOSTS);
    for (name, text) in files {
        write(&dir.join(name), text);
    }
}

fn play(dir: &Path, playbook: &str, extra: &[&str]) -> Outcome {
    let mut args = vec!["play", playbook, "-i", "hosts.ini"];
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
        .filter_map(|w| w[0].strip_prefix("ok: [")?.split(']').next())
        .map(String::from)
        .collect()
}

const DEBUG_A: &str = "- name: a1\n  debug: msg=a1\n- name: a2\n  debug: msg=a2\n";
const DEBUG_B: &str = "- name: b1\n  debug: msg=b1\n";

#[test]
fn import_tasks_carry_the_imports_keywords_and_find_files_beside_the_importing_one() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: all
  gather_facts: false
  tasks:
    - import_tasks: tasks/outer.yml
      when: kind == 'a'
      tags: [imp]
      vars:
        greeting: hello
    - name: last
      debug: msg=last
"#,
            ),
            (
                "tasks/outer.yml",
                "- name: outer1\n  debug: msg=\"{{ greeting }}\"\n- import_tasks: sub/inner.yml\n",
            ),
            (
                "tasks/sub/inner.yml",
                "- name: inner1\n  debug: msg=inner\n  tags: [innertag]\n- import_tasks: sibling.yml\n",
            ),
            (
                "tasks/sub/sibling.yml",
                "- name: sibling1\n  debug: msg=sibling\n",
            ),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        ["outer1", "inner1", "sibling1", "last"],
        "{}",
        out.show()
    );
    assert_eq!(said(&out, "hello"), ["h1", "h3"], "{}", out.show());
    assert_eq!(said(&out, "sibling"), ["h1", "h3"], "{}", out.show());
    // The import's `when` is on every imported task: h2 skips each of them.
    assert_eq!(out.count("h2", "skipped"), 3, "{}", out.show());
    assert_eq!(out.count("h1", "ok"), 4, "{}", out.show());

    let tagged = play(
        dir.path(),
        "site.yml",
        &["--tags", "imp", "--skip-tags", "innertag"],
    );
    assert_eq!(tagged.code, 0, "{}", tagged.show());
    assert_eq!(
        tagged.task_banners(),
        ["outer1", "sibling1"],
        "{}",
        tagged.show()
    );
}

#[test]
fn import_tasks_recursion_is_an_error_naming_the_chain() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                "- hosts: all\n  gather_facts: false\n  tasks:\n    - import_tasks: a.yml\n",
            ),
            ("a.yml", "- debug: msg=a\n- import_tasks: b.yml\n"),
            ("b.yml", "- import_tasks: a.yml\n"),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr.contains("b.yml:1: import_tasks recursion:")
            && out.stderr.contains("a.yml -> b.yml -> a.yml"),
        "{}",
        out.show()
    );
}

#[test]
fn import_tasks_refuses_loops_and_missing_files_at_load_time() {
    let dir = tempdir();
    files(
        dir.path(),
        &[(
            "site.yml",
            r#"- hosts: all
  gather_facts: false
  tasks:
    - import_tasks: there.yml
      loop: [1, 2]
    - import_tasks: nowhere.yml
"#,
        )],
    );
    write(&dir.path().join("there.yml"), "- debug: msg=x\n");
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr
            .contains("site.yml:5: You cannot use loops on 'import_tasks' statements"),
        "{}",
        out.show()
    );
    assert!(
        out.stderr
            .contains("site.yml:6: Could not find or access 'nowhere.yml'"),
        "{}",
        out.show()
    );
}

#[test]
fn include_tasks_per_host_files_run_in_ansibles_lockstep_order() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: all
  gather_facts: false
  tasks:
    - name: inc
      include_tasks: "{{ kind }}.yml"
    - name: after
      debug: msg=after
"#,
            ),
            ("a.yml", DEBUG_A),
            ("b.yml", DEBUG_B),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    // Every file one host included runs before the next task, in the order they were included.
    assert_eq!(
        out.task_banners(),
        ["inc", "a1", "a2", "b1", "after"],
        "{}",
        out.show()
    );
    let root = std::fs::canonicalize(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let a = format!("included: {}/a.yml for h1, h3", root.display());
    let b = format!("included: {}/b.yml for h2", root.display());
    assert!(out.stdout.contains(&a), "{}", out.show());
    assert!(out.stdout.contains(&b), "{}", out.show());
    assert_eq!(said(&out, "a1"), ["h1", "h3"], "{}", out.show());
    assert_eq!(said(&out, "after"), ["h1", "h2", "h3"], "{}", out.show());
    // The include counts as ok on each host, as in ansible-playbook's recap.
    assert_eq!(out.count("h1", "ok"), 4, "{}", out.show());
    assert_eq!(out.count("h2", "ok"), 3, "{}", out.show());
}

#[test]
fn include_tasks_loop_when_vars_apply_and_nested_relative_includes() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: all
  gather_facts: false
  tasks:
    - include_tasks:
        file: tasks/dyn.yml
        apply:
          tags: [dyn]
          vars:
            applied: applied
      tags: [dyn]
    - include_tasks:
        file: tasks/dyn.yml
      vars:
        applied: from_vars
      loop: [x, z]
      loop_control:
        loop_var: thing
      when: thing != 'z' or kind == 'b'
"#,
            ),
            (
                "tasks/dyn.yml",
                "- name: dyn1\n  debug: msg=\"{{ applied }} {{ thing | default('none') }}\"\n- include_tasks: sub/nested.yml\n",
            ),
            (
                "tasks/sub/nested.yml",
                "- name: nested1\n  debug: msg=nested\n",
            ),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        said(&out, "applied none"),
        ["h1", "h2", "h3"],
        "{}",
        out.show()
    );
    assert_eq!(
        said(&out, "from_vars x"),
        ["h1", "h2", "h3"],
        "{}",
        out.show()
    );
    assert_eq!(said(&out, "from_vars z"), ["h2"], "{}", out.show());
    assert!(
        out.stdout.contains("skipping: [h1] => (item=z)"),
        "{}",
        out.show()
    );
    // ansible-playbook 2.19's recap for these files.
    assert_eq!(out.count("h1", "ok"), 8, "{}", out.show());
    assert_eq!(out.count("h2", "ok"), 12, "{}", out.show());
    assert_eq!(out.count("h1", "skipped"), 0, "{}", out.show());

    // The include's tags select the include; only `apply` tags reach the included tasks.
    let tagged = play(dir.path(), "site.yml", &["--tags", "dyn"]);
    assert_eq!(tagged.code, 0, "{}", tagged.show());
    assert_eq!(
        tagged.task_banners(),
        ["include_tasks", "dyn1", "include_tasks", "nested1"],
        "{}",
        tagged.show()
    );
}

#[test]
fn a_missing_include_fails_the_host_even_with_ignore_errors_and_a_block_rescues_it() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: h1
  gather_facts: false
  tasks:
    - block:
        - include_tasks: "{{ kind }}-missing.yml"
          ignore_errors: true
      rescue:
        - debug: msg="rescued {{ ansible_failed_result.msg is search('a-missing.yml') }}"
    - include_tasks: nope.yml
      ignore_errors: true
    - debug: msg=never
"#,
            ),
            ("a.yml", DEBUG_A),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(said(&out, "rescued True"), ["h1"], "{}", out.show());
    assert!(!out.stdout.contains("never"), "{}", out.show());
    assert_eq!(out.count("h1", "failed"), 1, "{}", out.show());
    assert_eq!(out.count("h1", "rescued"), 1, "{}", out.show());
}

#[test]
fn a_failure_in_included_tasks_reaches_the_enclosing_rescue() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: h1
  gather_facts: false
  tasks:
    - block:
        - include_tasks: breaks.yml
        - debug: msg=skipped-by-failure
      rescue:
        - debug: msg="rescued {{ ansible_failed_task.name }}"
"#,
            ),
            (
                "breaks.yml",
                "- name: breaker\n  command: /bin/false\n- debug: msg=not-after-failure\n",
            ),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(said(&out, "rescued breaker"), ["h1"], "{}", out.show());
    assert!(!out.stdout.contains("not-after-failure"), "{}", out.show());
    assert!(!out.stdout.contains("skipped-by-failure"), "{}", out.show());
}

#[test]
fn an_included_files_problems_are_found_before_any_host_is_touched() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: touch ran\n    - include_tasks: bad.yml\n",
            ),
            ("bad.yml", "- debug: msg=ok\n- no_such_module: x=1\n"),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr
            .contains("bad.yml:2: couldn't resolve module/action `no_such_module`"),
        "{}",
        out.show()
    );
    assert!(!dir.path().join("ran").exists(), "nothing ran");
}

#[test]
fn include_tasks_may_include_itself_under_a_condition() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                "- hosts: h1\n  gather_facts: false\n  tasks:\n    - include_tasks: count.yml\n",
            ),
            (
                "count.yml",
                "- set_fact:\n    n: \"{{ n | default(-1) | int + 1 }}\"\n- debug: msg=\"n={{ n }}\"\n- include_tasks: count.yml\n  when: n | int < 2\n",
            ),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    for n in ["n=0", "n=1", "n=2"] {
        assert_eq!(said(&out, n), ["h1"], "{n}: {}", out.show());
    }
}

#[test]
fn import_tasks_among_handlers_and_include_tasks_files_notify_them() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: h1
  gather_facts: false
  tasks:
    - include_tasks: notify.yml
  handlers:
    - import_tasks: handlers.yml
"#,
            ),
            ("notify.yml", "- command: /bin/true\n  notify: say hi\n"),
            ("handlers.yml", "- name: say hi\n  debug: msg=handler-ran\n"),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(said(&out, "handler-ran"), ["h1"], "{}", out.show());
}

#[test]
fn include_vars_file_dir_name_and_precedence() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: h1
  gather_facts: false
  vars:
    from_play: play
    x: play
  tasks:
    - include_vars: common.yml
    - debug: msg="{{ x }} {{ from_common }}"
    - debug: msg="{{ x }}"
      vars:
        x: task
    - set_fact:
        x: set_fact
    - include_vars: {file: common.yml}
    - debug: msg="after set_fact {{ x }}"
    - include_vars:
        dir: conf
        files_matching: '^(a|b|c)'
        ignore_files: ['b.*\.yml']
        depth: 1
        name: conf
      register: loaded
    - debug: msg="{{ conf | dictsort | map('join', '=') | join(',') }}"
    - debug: msg="{{ loaded.ansible_included_var_files | map('basename') | join(',') }}"
"#,
            ),
            // `vars/` beside the task's file comes before the file itself.
            ("vars/common.yml", "x: included\nfrom_common: vars-dir\n"),
            ("common.yml", "x: wrong\nfrom_common: wrong\n"),
            ("conf/a.yml", "a: 1\nshared: a\n"),
            ("conf/b.yml", "b: 2\n"),
            ("conf/c.json", "{\"c\": 3, \"shared\": \"c\"}\n"),
            ("conf/d.yml", "d: 4\n"),
            ("conf/deeper/a2.yml", "deep: 5\n"),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(said(&out, "included vars-dir"), ["h1"], "{}", out.show());
    // include_vars is above task vars, below set_fact (ansible-core's order).
    assert_eq!(said(&out, "included"), ["h1"], "{}", out.show());
    assert_eq!(
        said(&out, "after set_fact set_fact"),
        ["h1"],
        "{}",
        out.show()
    );
    assert_eq!(said(&out, "a=1,c=3,shared=c"), ["h1"], "{}", out.show());
    assert_eq!(said(&out, "a.yml,c.json"), ["h1"], "{}", out.show());
}

#[test]
fn include_vars_reads_a_vault_file_and_never_shows_it() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                "- hosts: h1\n  gather_facts: false\n  tasks:\n    - include_vars: secret.yml\n    - assert:\n        that: token == 's3cr3t-value'\n",
            ),
            ("secret.yml", "token: s3cr3t-value\n"),
            ("pw", "hunter2\n"),
        ],
    );
    let enc = run_in(
        dir.path(),
        &[
            "vault",
            "encrypt",
            "secret.yml",
            "--vault-password-file",
            "pw",
        ],
    );
    assert_eq!(enc.code, 0, "{}", enc.show());
    let out = play(
        dir.path(),
        "site.yml",
        &["--vault-password-file", "pw", "-vvv"],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(!out.stdout.contains("s3cr3t-value"), "{}", out.show());
}

#[test]
fn import_playbook_with_vars_when_tags_and_its_own_directory() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                r#"- hosts: all
  gather_facts: false
  tasks:
    - name: first
      debug: msg=first
- import_playbook: plays/second.yml
  vars:
    who: imported
  when: kind == 'b'
  tags: [second]
"#,
            ),
            (
                "plays/second.yml",
                r#"- hosts: all
  gather_facts: false
  vars:
    who: own
  tasks:
    - name: second1
      debug: msg="who={{ who }} dir={{ playbook_dir | basename }}"
    - include_tasks: local.yml
- import_playbook: third.yml
"#,
            ),
            ("plays/local.yml", "- name: local1\n  debug: msg=local\n"),
            (
                "plays/third.yml",
                "- hosts: h1\n  gather_facts: false\n  tasks:\n    - name: third1\n      debug: msg=third\n",
            ),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        said(&out, "who=imported dir=plays"),
        ["h2"],
        "{}",
        out.show()
    );
    assert_eq!(said(&out, "local"), ["h2"], "{}", out.show());
    assert_eq!(said(&out, "third"), [] as [&str; 0], "{}", out.show());
    assert_eq!(out.count("h1", "skipped"), 3, "{}", out.show());

    let tagged = play(dir.path(), "site.yml", &["--tags", "second"]);
    assert_eq!(
        tagged.task_banners(),
        ["second1", "include_tasks", "local1", "third1"],
        "{}",
        tagged.show()
    );
}

#[test]
fn import_playbook_among_tasks_is_an_error_at_its_line() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            (
                "site.yml",
                "- hosts: all\n  tasks:\n    - debug: msg=x\n    - import_playbook: other.yml\n",
            ),
            ("other.yml", "- hosts: all\n  tasks: []\n"),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr
            .contains("site.yml:4: import_playbook is only valid at the top level"),
        "{}",
        out.show()
    );
}

#[test]
fn import_playbook_recursion_is_an_error() {
    let dir = tempdir();
    files(
        dir.path(),
        &[
            ("site.yml", "- import_playbook: other.yml\n"),
            ("other.yml", "- import_playbook: site.yml\n"),
        ],
    );
    let out = play(dir.path(), "site.yml", &[]);
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr
            .contains("import_playbook recursion: site.yml -> other.yml -> site.yml"),
        "{}",
        out.show()
    );
}
