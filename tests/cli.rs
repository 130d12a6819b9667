//! The binary, run as a user runs it, with no remote host: loading errors, inventory output, and
//! whole playbooks over the local connection.

mod common;

use common::{repo, run, run_in, tempdir, write};

fn local_inventory(dir: &std::path::Path) -> String {
    let inv = dir.join("hosts.ini");
    write(&inv, "localhost ansible_connection=local\n");
    inv.display().to_string()
}

#[test]
fn demo_play_runs_locally_and_is_idempotent() {
    let root = tempdir();
    let inv = local_inventory(root.path());
    let demo_root = format!("demo_root={}", root.path().join("app").display());
    let args = ["play", "playbooks/site.yml", "-i", &inv, "-e", &demo_root];
    let first = run(&args);
    assert_eq!(first.code, 0, "{}", first.show());
    assert!(first.count("localhost", "changed") >= 8, "{}", first.show());
    assert!(
        first
            .stdout
            .contains("RUNNING HANDLER [Restart the application]"),
        "{}",
        first.show()
    );
    let conf = std::fs::read_to_string(root.path().join("app/etc/app.conf")).unwrap_or_default();
    assert!(
        conf.contains("port=8080") && conf.contains("allow=bob"),
        "{conf}"
    );
    let users = std::fs::read_to_string(root.path().join("app/etc/users")).unwrap_or_default();
    assert_eq!(users, "user=alice\nuser=bob\n");

    let second = run(&args);
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.count("localhost", "changed"), 0, "{}", second.show());
    assert!(
        !second.stdout.contains("RUNNING HANDLER"),
        "{}",
        second.show()
    );
}

#[test]
fn check_mode_changes_nothing() {
    let root = tempdir();
    let inv = local_inventory(root.path());
    let app = root.path().join("app");
    let demo_root = format!("demo_root={}", app.display());
    let out = run(&[
        "play",
        "playbooks/site.yml",
        "-i",
        &inv,
        "-e",
        &demo_root,
        "--check",
    ]);
    assert!(out.total("changed") > 0, "{}", out.show());
    assert!(!app.exists(), "--check created {}", app.display());
}

#[test]
fn diff_shows_file_changes() {
    let root = tempdir();
    let inv = local_inventory(root.path());
    let dest = root.path().join("motd");
    std::fs::write(&dest, "old line\n").unwrap_or_default();
    let play = root.path().join("p.yml");
    write(
        &play,
        &format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - copy:\n        content: \"new line\\n\"\n        dest: {}\n",
            dest.display()
        ),
    );
    let out = run(&["play", &play.display().to_string(), "-i", &inv, "--diff"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout.contains("-old line") && out.stdout.contains("+new line"),
        "{}",
        out.show()
    );
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap_or_default(),
        "new line\n"
    );
}

#[test]
fn failing_task_gives_exit_2_and_names_the_task() {
    let root = tempdir();
    let inv = local_inventory(root.path());
    let play = root.path().join("p.yml");
    write(
        &play,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Boom\n      command: /bin/false\n    - debug: msg=never\n",
    );
    let out = run_in(root.path(), &["play", "p.yml", "-i", &inv]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(
        out.stdout.contains("fatal: [localhost]: FAILED!"),
        "{}",
        out.show()
    );
    assert!(!out.stdout.contains("never"), "{}", out.show());
    assert_eq!(out.count("localhost", "failed"), 1, "{}", out.show());
}

#[test]
fn ignore_errors_register_and_when() {
    let root = tempdir();
    let inv = local_inventory(root.path());
    let play = root.path().join("p.yml");
    write(
        &play,
        r#"- hosts: all
  gather_facts: false
  vars:
    names: [a, b, c]
  tasks:
    - shell: "echo out; echo err >&2; exit 3"
      register: r
      ignore_errors: true
    - assert:
        that:
          - r.rc == 3
          - r.stdout == "out"
          - r.stderr_lines == ["err"]
          - r is failed
    - debug: msg="item {{ item }}"
      loop: "{{ names }}"
      when: item != "b"
      register: looped
    - assert:
        that:
          - looped.results | length == 3
          - looped.results[1] is skipped
"#,
    );
    let out = run_in(root.path(), &["play", "p.yml", "-i", &inv]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("...ignoring"), "{}", out.show());
    assert_eq!(out.count("localhost", "ignored"), 1, "{}", out.show());
    assert!(
        out.stdout.contains("(item=c)") && out.stdout.contains("skipping: [localhost] => (item=b)"),
        "{}",
        out.show()
    );
}

#[test]
fn json_output_is_one_document() {
    let root = tempdir();
    let inv = local_inventory(root.path());
    let out = run(&[
        "play",
        "playbooks/site.yml",
        "-i",
        &inv,
        "-e",
        &format!("demo_root={}", root.path().display()),
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.show());
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.show()));
    assert!(
        doc["stats"]["localhost"]["changed"].as_u64().unwrap_or(0) > 0,
        "{doc}"
    );
    assert_eq!(
        doc["plays"][0]["tasks"][0]["hosts"]["localhost"]["status"],
        "changed"
    );
}

#[test]
fn malformed_playbook_names_file_and_line() {
    let root = tempdir();
    let play = root.path().join("bad.yml");
    write(
        &play,
        "- hosts: all\n  tasks:\n    - name: x\n      copy: {dest: /tmp/x\n",
    );
    let out = run_in(
        root.path(),
        &["play", "bad.yml", "-i", &local_inventory(root.path())],
    );
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(out.stderr.contains("bad.yml:"), "{}", out.show());
}

#[test]
fn unknown_module_and_argument_are_load_errors() {
    let root = tempdir();
    let inv = local_inventory(root.path());
    let cases = [
        (
            "- hosts: all\n  tasks:\n    - name: t\n      frobnicate: x=1\n",
            "p.yml:4",
            "frobnicate",
        ),
        (
            "- hosts: all\n  tasks:\n    - copy:\n        dest: /tmp/x\n        colour: red\n",
            "p.yml:4",
            "colour",
        ),
        (
            "- hosts: all\n  tasks:\n    - debug: msg=hi\n      debugger: on_failed\n",
            "p.yml:4",
            "not supported yet: task keyword `debugger`",
        ),
        (
            "- hosts: all\n  roles: [web]\n",
            "p.yml:2",
            "the role 'web' was not found in",
        ),
        (
            "- hosts: all\n  tasks:\n    - synchronize: src=a dest=b\n",
            "p.yml:3",
            "not supported yet: module `synchronize`",
        ),
    ];
    for (text, place, what) in cases {
        write(&root.path().join("p.yml"), text);
        let out = run_in(root.path(), &["play", "p.yml", "-i", &inv]);
        assert_eq!(out.code, 4, "{text}\n{}", out.show());
        assert!(
            out.stderr.contains(place) && out.stderr.contains(what),
            "{text}\n{}",
            out.show()
        );
    }
}

#[test]
fn undefined_variable_is_named() {
    let root = tempdir();
    let inv = local_inventory(root.path());
    write(
        &root.path().join("p.yml"),
        "- hosts: all\n  tasks:\n    - debug: msg=\"{{ nope }}\"\n",
    );
    let out = run_in(root.path(), &["play", "p.yml", "-i", &inv]);
    assert_eq!(out.code, 2, "{}", out.show());
    assert!(
        out.stdout.contains("'nope' is undefined") && out.stdout.contains("p.yml:3"),
        "{}",
        out.show()
    );
}

#[test]
fn inventory_list_graph_and_host() {
    let inv = repo().join("inventories/fleet");
    let inv = inv.display().to_string();
    let out = run(&["inventory", "-i", &inv, "--list"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.show()));
    assert_eq!(
        doc["web"]["hosts"],
        serde_json::json!(["host01", "host02", "host03"])
    );
    assert_eq!(doc["_meta"]["hostvars"]["host04"]["ansible_user"], "root");
    let graph = run(&["inventory", "-i", &inv, "--graph"]);
    assert!(
        graph.stdout.contains("@web:") && graph.stdout.contains("host05"),
        "{}",
        graph.show()
    );
    let host = run(&["inventory", "-i", &inv, "--host", "host02"]);
    assert!(
        host.stdout.contains("ansible_ssh_private_key_file"),
        "{}",
        host.show()
    );
}

#[test]
fn adhoc_runs_on_local_host() {
    let root = tempdir();
    let inv = local_inventory(root.path());
    let out = run(&[
        "run",
        "all",
        "-i",
        &inv,
        "--format",
        "ansible",
        "--",
        "echo",
        "hello world",
    ]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout
            .contains("localhost | CHANGED | rc=0 >>\nhello world"),
        "{}",
        out.show()
    );
    let out = run(&["run", "all", "-i", &inv, "-m", "ping"]);
    assert!(out.stdout.contains("\"ping\": \"pong\""), "{}", out.show());
}

#[test]
fn list_hosts_and_tasks() {
    let inv = repo().join("inventories/fleet").display().to_string();
    let out = run(&[
        "play",
        "playbooks/site.yml",
        "-i",
        &inv,
        "--list-hosts",
        "--list-tasks",
        "-l",
        "web",
    ]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("hosts (3):"), "{}", out.show());
    assert!(
        out.stdout.contains("Render the application config"),
        "{}",
        out.show()
    );
}

#[test]
fn vars_files_group_vars_and_extra_vars_precedence() {
    let root = tempdir();
    let dir = root.path();
    write(
        &dir.join("hosts.ini"),
        "[web]\nlocalhost ansible_connection=local\n[web:vars]\nfrom_inventory=inv\ncolour=inventory\n",
    );
    write(
        &dir.join("group_vars/web.yml"),
        "colour: group_vars\nshape: round\n",
    );
    write(&dir.join("vars/prod.yml"), "colour: vars_file\nsize: big\n");
    write(
        &dir.join("p.yml"),
        r#"- hosts: web
  vars:
    size: small
    shape: square
  vars_files:
    - "vars/{{ stage }}.yml"
  tasks:
    - assert:
        that:
          - from_inventory == "inv"
          - colour == "vars_file"
          - size == "big"
          - shape == "square"
          - stage == "prod"
          - group_names == ["web"]
          - groups.web == ["localhost"]
"#,
    );
    let out = run_in(
        dir,
        &["play", "p.yml", "-i", "hosts.ini", "-e", "stage=prod"],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let out = run_in(
        dir,
        &[
            "play",
            "p.yml",
            "-i",
            "hosts.ini",
            "-e",
            "stage=prod",
            "-e",
            "size=huge",
        ],
    );
    assert_eq!(out.code, 2, "extra vars beat vars_files: {}", out.show());
}
