//! `include_tasks` among handlers, modelled on ansible-core's `handlers` integration target
//! (`include_handlers`): the include is notified by its name or a `listen` topic, its file's tasks
//! then run as handlers on the hosts that notified it. Banners and recap are ansible-playbook
//! 2.19's on the same playbook.

mod common;

use common::{run_in, tempdir, write};

#[test]
fn an_included_handler_file_runs_for_the_hosts_that_notified_it() {
    let root = tempdir();
    let dir = root.path();
    write(
        &dir.join("hosts.ini"),
        "[web]\nw1\nw2\n[all:vars]\nansible_connection=local\n",
    );
    write(
        &dir.join("p.yml"),
        r#"- hosts: web
  gather_facts: false
  tasks:
    - command: "true"
      notify: restart things
    - command: "true"
      notify: by topic
      when: inventory_hostname == 'w2'
  handlers:
    - name: restart things
      include_tasks: h.yml
    - name: other
      include_tasks: h2.yml
      listen: by topic
"#,
    );
    write(
        &dir.join("h.yml"),
        "- name: first in file\n  debug: msg=\"h1 {{ inventory_hostname }}\"\n- name: second in file\n  command: \"true\"\n",
    );
    write(
        &dir.join("h2.yml"),
        "- name: topic task\n  debug: msg=\"topic {{ inventory_hostname }}\"\n",
    );
    let out = run_in(dir, &["play", "p.yml", "-i", "hosts.ini"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let banners: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("TASK [") || l.starts_with("RUNNING HANDLER ["))
        .map(|l| l.trim_end_matches(['*', ' ']))
        .collect();
    assert_eq!(
        banners,
        [
            "TASK [command]",
            "TASK [command]",
            "RUNNING HANDLER [restart things]",
            "RUNNING HANDLER [first in file]",
            "RUNNING HANDLER [second in file]",
            "RUNNING HANDLER [other]",
            "RUNNING HANDLER [topic task]",
        ],
        "{}",
        out.show()
    );
    assert!(out.stdout.contains("included: "), "{}", out.show());
    assert!(out.stdout.contains("h2.yml for w2\n"), "{}", out.show());
    // ansible-playbook 2.19: w1 ok=4 changed=2 skipped=1, w2 ok=7 changed=3.
    assert_eq!(
        [
            out.count("w1", "ok"),
            out.count("w1", "changed"),
            out.count("w1", "skipped")
        ],
        [4, 2, 1],
        "{}",
        out.show()
    );
    assert_eq!(
        [out.count("w2", "ok"), out.count("w2", "changed")],
        [7, 3],
        "{}",
        out.show()
    );
}

#[test]
fn a_failing_task_in_an_included_handler_fails_its_host() {
    let root = tempdir();
    let dir = root.path();
    write(
        &dir.join("hosts.ini"),
        "[web]\nw1\nw2\n[all:vars]\nansible_connection=local\n",
    );
    write(
        &dir.join("p.yml"),
        "- hosts: web\n  gather_facts: false\n  tasks:\n    - command: \"true\"\n      notify: h\n  handlers:\n    - name: h\n      include_tasks: h.yml\n- hosts: web\n  gather_facts: false\n  tasks:\n    - debug: msg=later\n",
    );
    write(
        &dir.join("h.yml"),
        "- command: \"{{ 'false' if inventory_hostname == 'w1' else 'true' }}\"\n- debug: msg=after\n",
    );
    let out = run_in(dir, &["play", "p.yml", "-i", "hosts.ini"]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert_eq!(out.count("w1", "failed"), 1, "{}", out.show());
    // As ansible-playbook 2.19: w1 ok=2 failed=1 (and out of the next play), w2 ok=5.
    assert_eq!(out.count("w1", "ok"), 2, "{}", out.show());
    assert_eq!(out.count("w2", "ok"), 5, "{}", out.show());
    assert!(
        !out.stdout.contains("ok: [w1] => {\n    \"msg\": \"later\""),
        "{}",
        out.show()
    );
}
