//! `include_role` on real hosts: each host includes the role its host variable names (a templated
//! name), the role's meta dependency runs first, a looped include with `tasks_from` writes a file
//! per item from the role's `templates/`, the role's handler runs once, and a public include leaves
//! its variables to the play. The second run changes nothing.

mod common;

use common::{Outcome, fleet, run, ssh, tempdir, write};
use std::path::Path;

const SITE: &str = r#"- hosts: host01:host02
  gather_facts: false
  tasks:
    - name: Start clean
      file:
        path: /tmp/drover-include-role
        state: absent
      when: clean | default(false) | bool
    - name: Per-kind role
      include_role:
        name: "{{ kind }}"
    - name: Sites
      include_role:
        name: web
        tasks_from: site
      loop: [blog, shop]
      loop_control:
        loop_var: site
      when: kind == 'web'
    - name: Settings
      include_role:
        name: settings
        public: true
    - name: Everyone
      copy:
        content: "{{ kind }} {{ setting }}\n"
        dest: /tmp/drover-include-role/everyone
"#;

fn setup(dir: &Path) {
    let files: &[(&str, &str)] = &[
        ("site.yml", SITE),
        ("host_vars/host01.yml", "kind: web\n"),
        ("host_vars/host02.yml", "kind: db\n"),
        (
            "roles/common/tasks/main.yml",
            "- name: the directory\n  file:\n    path: /tmp/drover-include-role\n    state: directory\n",
        ),
        ("roles/web/meta/main.yml", "dependencies:\n  - common\n"),
        ("roles/web/defaults/main.yml", "port: 8080\n"),
        (
            "roles/web/tasks/main.yml",
            "- name: web config\n  copy:\n    content: \"web on {{ port }}\\n\"\n    dest: /tmp/drover-include-role/web\n  notify: reload web\n",
        ),
        (
            "roles/web/tasks/site.yml",
            "- name: a site\n  template:\n    src: site.j2\n    dest: \"/tmp/drover-include-role/{{ site }}.site\"\n",
        ),
        (
            "roles/web/templates/site.j2",
            "{{ site }} on {{ port }} ({{ role_name }})\n",
        ),
        (
            "roles/web/handlers/main.yml",
            "- name: reload web\n  shell: echo reloaded >> /tmp/drover-include-role/reloads\n",
        ),
        ("roles/db/meta/main.yml", "dependencies:\n  - common\n"),
        (
            "roles/db/tasks/main.yml",
            "- name: db config\n  copy:\n    content: \"db\\n\"\n    dest: /tmp/drover-include-role/db\n",
        ),
        ("roles/settings/vars/main.yml", "setting: public\n"),
    ];
    for (name, text) in files {
        write(&dir.join(name), text);
    }
}

fn play(dir: &Path, extra: &[&str]) -> Outcome {
    let site = dir.join("site.yml").display().to_string();
    let inventory = fleet().join("inventory.ini").display().to_string();
    let mut args = vec!["play", site.as_str(), "-i", inventory.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn hosts_include_the_role_their_variable_names_with_dependencies_handlers_and_loops() {
    let dir = tempdir();
    setup(dir.path());
    let first = play(dir.path(), &["-e", "clean=true"]);
    assert_eq!(first.code, 0, "{}", first.show());
    assert_eq!(
        first.task_banners(),
        [
            "Start clean",
            "Per-kind role",
            "common : the directory",
            "web : web config",
            // Each host's role (and its dependency) runs apart, as ansible-playbook shows it.
            "common : the directory",
            "db : db config",
            "Sites",
            "web : a site",
            "web : a site",
            "Settings",
            "Everyone",
        ],
        "{}",
        first.show()
    );
    assert!(
        first.stdout.contains("included: web for host01\n")
            && first.stdout.contains("included: db for host02\n")
            && first
                .stdout
                .contains("included: web for host01 => (item=shop)"),
        "{}",
        first.show()
    );
    assert_eq!(
        ssh("host01", "cat /tmp/drover-include-role/web"),
        "web on 8080"
    );
    assert_eq!(
        ssh("host01", "cat /tmp/drover-include-role/shop.site"),
        "shop on 8080 (web)"
    );
    assert_eq!(
        ssh("host01", "cat /tmp/drover-include-role/reloads"),
        "reloaded"
    );
    assert_eq!(
        ssh("host01", "cat /tmp/drover-include-role/everyone"),
        "web public"
    );
    assert_eq!(
        ssh(
            "host02",
            "ls /tmp/drover-include-role | sort | tr '\\n' ' '"
        ),
        "db everyone"
    );

    let second = play(dir.path(), &[]);
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.total("changed"), 0, "{}", second.show());
    assert_eq!(
        ssh("host01", "cat /tmp/drover-include-role/reloads"),
        "reloaded"
    );
    // ok: include, directory, web config, include ×2 (blog, shop), 2 sites, settings, everyone.
    assert_eq!(second.count("host01", "ok"), 9, "{}", second.show());
    // ok: include, directory, db config, settings, everyone; skipped: clean, sites.
    assert_eq!(second.count("host02", "ok"), 5, "{}", second.show());
    assert_eq!(second.count("host02", "skipped"), 2, "{}", second.show());
}
