//! Templated tags, task names and role names, as ansible-playbook 2.19 renders them (the `tags`,
//! `roles` and `include_import` targets of ansible-core check the same): `tags:` rendered with the
//! play's variables before `--tags`/`--skip-tags` select, a task's banner named with the first
//! host's variables, a role named by a template found by its rendered name. Every expected line
//! below was printed by ansible-playbook 2.19.14 on the same files.

mod common;

use common::{Outcome, run_in, tempdir, write};
use std::path::Path;

fn files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        write(&dir.join(path), text);
    }
}

fn play(dir: &Path, extra: &[&str]) -> Outcome {
    write(
        &dir.join("hosts.ini"),
        "h1 ansible_connection=local hv=one\nh2 ansible_connection=local hv=two\n",
    );
    let mut args = vec!["play", "site.yml", "-i", "hosts.ini"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

#[test]
fn a_banner_shows_the_task_name_rendered_with_the_first_hosts_variables() {
    let root = tempdir();
    files(
        root.path(),
        &[
            (
                "site.yml",
                r#"- hosts: all
  gather_facts: false
  vars:
    pv: playvar
  roles:
    - role: r
      info: First definition
  tasks:
    - name: "plain {{ pv }} {{ hv }} {{ inventory_hostname }}"
      debug: msg=x
    - name: "when {{ hv }}"
      debug: msg=x
      when: inventory_hostname == 'h2'
    - set_fact: reg=r1
    - name: "fact {{ reg }}"
      debug: msg=x
    - name: "{{ pv | upper }} filter {{ {'a': 1} }}"
      debug: msg=x
    - name: "include {{ pv }}"
      include_tasks: inc.yml
"#,
            ),
            (
                "roles/r/tasks/main.yml",
                "- name: \"{{ info }} - {{ role_name }}: content\"\n  debug: msg=x\n",
            ),
            ("inc.yml", "- name: \"inside {{ hv }}\"\n  debug: msg=x\n"),
        ],
    );
    let out = play(root.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        [
            "r : First definition - r: content",
            "plain playvar one h1",
            "when one",
            "set_fact",
            "fact r1",
            "PLAYVAR filter {'a': 1}",
            "include playvar",
            "inside one",
        ],
        "{}",
        out.show()
    );
}

/// The plays of ansible-core's `tags` target (test_template_*_tags.yml) in one playbook, with a
/// tag from `vars_files` and one from `-e`.
const TAGGED: &str = r#"- hosts: h1
  gather_facts: false
  vars:
    tags_in_var: [tag1]
  tasks:
    - block:
        - name: parent_tagged
          debug: msg=x
      tags: "{{ tags_in_var }}"
- hosts: h1
  gather_facts: false
  vars:
    t: tag1
  tags: "{{ t }}"
  tasks:
    - name: play_tagged
      debug: msg=x
- hosts: h1
  gather_facts: false
  vars:
    t: tag1
  roles:
    - name: a
      tags: "{{ t }}"
- hosts: h1
  gather_facts: false
  vars_files: [vf.yml]
  tasks:
    - name: file_tagged
      debug: msg=x
      tags: ["{{ from_file }}", "{{ from_extra }}"]
    - name: included
      include_tasks: inc.yml
"#;

fn tagged_files(dir: &Path) {
    files(
        dir,
        &[
            ("site.yml", TAGGED),
            ("vf.yml", "from_file: tag1\n"),
            ("roles/a/meta/main.yml", "dependencies: [b]\n"),
            ("roles/a/tasks/main.yml", "- name: role_a\n  debug: msg=x\n"),
            ("roles/b/tasks/main.yml", "- name: role_b\n  debug: msg=x\n"),
            (
                "inc.yml",
                "- name: inside_tagged\n  debug: msg=x\n  tags: \"{{ from_file }}\"\n",
            ),
        ],
    );
}

#[test]
fn templated_tags_are_rendered_with_the_plays_variables_before_tags_select() {
    let root = tempdir();
    tagged_files(root.path());
    let only = play(root.path(), &["-e", "from_extra=extra", "--tags", "tag1"]);
    assert_eq!(only.code, 0, "{}", only.show());
    assert_eq!(
        only.task_banners(),
        // A dependency gets its dependent role's templated tag untemplated (ansible-core's
        // quirk), and the untagged include leaves its tagged task out.
        ["parent_tagged", "play_tagged", "a : role_a", "file_tagged"],
        "{}",
        only.show()
    );
    let extra = play(root.path(), &["-e", "from_extra=extra", "--tags", "extra"]);
    assert_eq!(extra.task_banners(), ["file_tagged"], "{}", extra.show());
    let skipped = play(
        root.path(),
        &["-e", "from_extra=extra", "--skip-tags", "tag1"],
    );
    assert_eq!(skipped.code, 0, "{}", skipped.show());
    assert_eq!(
        skipped.task_banners(),
        ["b : role_b", "included"],
        "{}",
        skipped.show()
    );
}

#[test]
fn list_tasks_shows_templated_tags_rendered() {
    let root = tempdir();
    tagged_files(root.path());
    let out = play(root.path(), &["-e", "from_extra=extra", "--list-tasks"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout.contains("file_tagged\tTAGS: [extra, tag1]"),
        "{}",
        out.show()
    );
    assert!(
        out.stdout.contains("a : role_a\tTAGS: [tag1]")
            && out.stdout.contains("b : role_b\tTAGS: [{{ t }}]"),
        "{}",
        out.show()
    );
}

/// Ansible: `[ERROR]: 'undefined_thing' is undefined` with the tag's origin, exit 1.
#[test]
fn a_tag_that_cannot_be_rendered_is_an_error_naming_its_task() {
    let root = tempdir();
    files(
        root.path(),
        &[(
            "site.yml",
            "- hosts: h1\n  gather_facts: false\n  tasks:\n    - debug: msg=one\n      tags: \"{{ undefined_thing }}\"\n",
        )],
    );
    let out = play(root.path(), &[]);
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr.contains("site.yml:4") && out.stderr.contains("'undefined_thing' is undefined"),
        "{}",
        out.show()
    );
}

/// ansible-core prints a recap without hosts when tags left no task to run.
#[test]
fn a_play_whose_tasks_tags_all_left_out_has_an_empty_recap() {
    let root = tempdir();
    tagged_files(root.path());
    let out = play(
        root.path(),
        &["-e", "from_extra=extra", "--tags", "nothing_has_it"],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.recap().is_empty(), "{}", out.show());
    assert!(out.stdout.contains("PLAY RECAP"), "{}", out.show());
}

/// Ansible names a role by a template when loading: `roles:` entries and dependencies with the
/// play's vars and the extra vars, `import_role` with the enclosing variables too, and a play of an
/// `import_playbook` with the import's `vars` (ansible-core's include_import/playbook target).
#[test]
fn a_templated_role_name_is_rendered_when_the_playbook_is_loaded() {
    let root = tempdir();
    files(
        root.path(),
        &[
            (
                "site.yml",
                r#"- hosts: h1
  gather_facts: false
  vars:
    which: first
  roles:
    - "{{ which }}"
    - role: "{{ from_extra }}"
  tasks:
    - block:
        - import_role:
            name: "{{ in_block }}"
      vars:
        in_block: third
- import_playbook: imported.yml
  vars:
    import_role_name: fourth
"#,
            ),
            (
                "imported.yml",
                "- hosts: h1\n  gather_facts: false\n  tasks:\n    - import_role:\n        name: \"{{ import_role_name }}\"\n",
            ),
            ("roles/first/tasks/main.yml", "- debug: msg=first\n"),
            ("roles/second/tasks/main.yml", "- debug: msg=second\n"),
            ("roles/third/tasks/main.yml", "- debug: msg=third\n"),
            ("roles/fourth/tasks/main.yml", "- debug: msg=fourth\n"),
        ],
    );
    let out = play(root.path(), &["-e", "from_extra=second"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        [
            "first : debug",
            "second : debug",
            "third : debug",
            "fourth : debug"
        ],
        "{}",
        out.show()
    );
    let missing = play(root.path(), &[]);
    assert_eq!(missing.code, 4, "{}", missing.show());
    assert!(
        missing.stderr.contains("site.yml:7") && missing.stderr.contains("from_extra"),
        "{}",
        missing.show()
    );
}

/// ansible-playbook renders a play's tags when the play starts: the plays before it run, its
/// banner is shown, then `[ERROR]: 'undefined_thing' is undefined`, exit 1, no recap, no later play.
#[test]
fn a_tag_that_cannot_be_rendered_stops_the_run_at_its_play() {
    let root = tempdir();
    files(
        root.path(),
        &[(
            "site.yml",
            r#"- name: first
  hosts: h1
  gather_facts: false
  tasks:
    - name: runs
      debug: msg=one
- name: second
  hosts: h1
  gather_facts: false
  tasks:
    - name: never shown
      debug: msg=two
      tags: "{{ undefined_thing }}"
- name: third
  hosts: h1
  gather_facts: false
  tasks:
    - name: not reached
      debug: msg=three
"#,
        )],
    );
    let out = play(root.path(), &[]);
    assert_eq!(out.code, 1, "{}", out.show());
    assert_eq!(out.task_banners(), ["runs"], "{}", out.show());
    assert!(
        out.stdout.contains("PLAY [second]") && !out.stdout.contains("PLAY [third]"),
        "{}",
        out.show()
    );
    assert!(!out.stdout.contains("PLAY RECAP"), "{}", out.show());
    assert!(
        out.stderr.contains("site.yml:11") && out.stderr.contains("'undefined_thing' is undefined"),
        "{}",
        out.show()
    );
    // --list-tasks lists up to that play's header, then the error.
    let listed = play(root.path(), &["--list-tasks"]);
    assert_eq!(listed.code, 1, "{}", listed.show());
    assert!(
        listed.stdout.contains("play #2 (h1): second") && !listed.stdout.contains("play #3"),
        "{}",
        listed.show()
    );
}

/// The tags of included tasks are rendered with the play's variables and the include's, never
/// a host's: ansible-core 2.19 filters an included file with `get_vars(play, task=include)`, so
/// host variables, facts and registered results are undefined there (`[ERROR]: 'sf' is
/// undefined`, the include failed on every host).
#[test]
fn included_tags_do_not_see_host_variables_facts_or_registered_results() {
    for tag in ["tag{{ hv }}", "{{ sf }}", "{{ reg.stdout }}"] {
        let root = tempdir();
        let inc = format!("- name: inside\n  debug: msg=x\n  tags: \"{tag}\"\n");
        files(
            root.path(),
            &[
                (
                    "site.yml",
                    r#"- hosts: all
  gather_facts: false
  vars:
    pv: tagp
  tasks:
    - set_fact: sf=tagsf
    - command: echo tagreg
      register: reg
      changed_when: false
    - name: with the play's vars
      include_tasks: play_vars.yml
    - name: with host vars
      include_tasks: inc.yml
"#,
                ),
                (
                    "play_vars.yml",
                    "- name: by play vars\n  debug: msg=x\n  tags: \"{{ pv }}\"\n",
                ),
                ("inc.yml", &inc),
            ],
        );
        let out = play(root.path(), &[]);
        assert_eq!(out.code, 2, "{tag}: {}", out.show());
        assert_eq!(
            out.task_banners(),
            [
                "set_fact",
                "command",
                "with the play's vars",
                "by play vars",
                "with host vars"
            ],
            "{tag}: {}",
            out.show()
        );
        assert_eq!(out.total("failed"), 2, "{tag}: {}", out.show());
        assert!(out.stdout.contains("is undefined"), "{tag}: {}", out.show());
    }
}

/// A templated role name sees the play's `vars_files` (Ansible's `get_vars(play=play)` holds
/// them), in `roles:` and in `import_role`.
#[test]
fn a_templated_role_name_sees_the_plays_vars_files() {
    let root = tempdir();
    files(
        root.path(),
        &[
            (
                "site.yml",
                r#"- hosts: h1
  gather_facts: false
  vars:
    iname: overridden
  vars_files: [vf.yml]
  roles:
    - "{{ rname }}"
  tasks:
    - import_role:
        name: "{{ iname }}"
"#,
            ),
            ("vf.yml", "rname: fromfile\niname: imp\n"),
            ("roles/fromfile/tasks/main.yml", "- debug: msg=fromfile\n"),
            ("roles/imp/tasks/main.yml", "- debug: msg=imp\n"),
        ],
    );
    let out = play(root.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        ["fromfile : debug", "imp : debug"],
        "{}",
        out.show()
    );
}

/// A named `include_role` inside a role is shown without the role's prefix (ansible-core gives it
/// only a parent role); its `include_tasks` sibling and an unnamed one keep theirs.
#[test]
fn an_include_role_in_a_role_is_shown_without_the_roles_prefix() {
    let root = tempdir();
    files(
        root.path(),
        &[
            (
                "site.yml",
                "- hosts: h1\n  gather_facts: false\n  roles: [r1]\n",
            ),
            (
                "roles/r1/tasks/main.yml",
                "- name: inc named\n  include_role: name=r2\n- include_role: name=r2\n- name: tasks named\n  include_tasks: x.yml\n",
            ),
            ("roles/r1/tasks/x.yml", "- debug: msg=x\n"),
            ("roles/r2/tasks/main.yml", "- debug: msg=r2\n"),
        ],
    );
    let out = play(root.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        out.task_banners(),
        [
            "inc named",
            "r2 : debug",
            "include_role : r2",
            "r2 : debug",
            "r1 : tasks named",
            "r1 : debug"
        ],
        "{}",
        out.show()
    );
}
