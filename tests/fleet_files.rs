//! The file modules end to end on the real fleet (tests/fleet/fleet.sh, started by `scripts/test`):
//! a play that edits files converges on the first run, changes nothing on the second, and leaves
//! exactly the expected bytes, read back with the system's ssh. These tests fail — never skip —
//! when the fleet is not there.

mod common;

use common::{Fleet, Outcome, run, tempdir, write};
use std::path::Path;
use std::process::Command;

fn fleet() -> Fleet {
    common::fleet_of_at_least(2)
}

impl Fleet {
    /// An inventory of the fleet, verifying host keys with the fleet's known_hosts.
    fn inventory(&self, at: &Path) -> String {
        let mut text = String::from("[fleet]\n");
        for (name, addr) in &self.hosts {
            text.push_str(&format!("{name} ansible_host={addr}\n"));
        }
        text.push_str(&format!(
            "\n[all:vars]\nansible_user=root\nansible_ssh_private_key_file={}\nansible_ssh_common_args='-o UserKnownHostsFile={}'\n",
            self.dir.join("id_ed25519").display(),
            self.dir.join("known_hosts").display()
        ));
        let path = at.join("hosts.ini");
        write(&path, &text);
        path.display().to_string()
    }

    /// Runs a command on a fleet host with the system's OpenSSH client (independent of drover).
    fn ssh(&self, addr: &str, command: &str) -> String {
        let out = Command::new("ssh")
            .args(["-i", &self.dir.join("id_ed25519").display().to_string()])
            .args([
                "-o",
                &format!(
                    "UserKnownHostsFile={}",
                    self.dir.join("known_hosts").display()
                ),
            ])
            .args(["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"])
            .arg(format!("root@{addr}"))
            .arg(command)
            .output()
            .unwrap_or_else(|e| panic!("ssh: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// A directory of its own on every host, so runs of this test never see each other's files.
fn unique_root(name: &str) -> String {
    format!("/srv/{name}-{}", std::process::id())
}

fn play(dir: &Path, inv: &str, playbook: &str, extra: &[&str]) -> Outcome {
    let path = dir.join("play.yml");
    write(&path, playbook);
    let mut args = vec!["play", path.to_str().unwrap_or_default(), "-i", inv];
    args.extend_from_slice(extra);
    run(&args)
}

const EDITS: &str = r#"
- hosts: fleet
  gather_facts: false
  tasks:
    - file:
        path: "{{ root }}/etc"
        state: directory
    - name: a base config
      copy:
        dest: "{{ root }}/etc/app.conf"
        force: false
        content: |
          [main]
          port = 8080
          # listen on all
          listen = 0.0.0.0
          [extra]
          debug = true
    - name: a managed block after [main]
      blockinfile:
        path: "{{ root }}/etc/app.conf"
        insertafter: '^\[main\]$'
        block: |
          host = {{ inventory_hostname }}
          workers = 4
        mode: "0640"
    - name: a second block, own markers, at the start, in a file that does not exist yet
      ansible.builtin.blockinfile:
        path: "{{ root }}/etc/conf.d/motd"
        create: true
        marker: "<!-- {mark} motd -->"
        marker_begin: start
        marker_end: stop
        insertbefore: BOF
        content: "welcome to {{ inventory_hostname }}"
    - name: the port, only inside [main]
      replace:
        path: "{{ root }}/etc/app.conf"
        regexp: '^port = (80\d\d)$'
        replace: 'port = 9\1'
        before: '\[extra\]'
    - name: a stamp file, created once and never touched again
      file:
        path: "{{ root }}/etc/stamp"
        state: touch
        access_time: preserve
        modification_time: preserve
    # Not a file another task reads: reading updates an old atime (relatime), in Ansible too.
    - name: fixed times
      file:
        path: "{{ root }}/etc/fixed"
        state: touch
        modification_time: "202311142213.20"
        access_time: "202001020304.05"
    - name: comments out
      ansible.builtin.replace:
        path: "{{ root }}/etc/app.conf"
        regexp: '^# listen.*\n'
"#;

#[test]
fn fleet_file_edits_converge_then_report_no_change() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path());
    let root = unique_root("files");
    let root_var = format!("root={root}");
    let extra = ["-e", root_var.as_str()];

    let first = play(tmp.path(), &inv, EDITS, &extra);
    assert_eq!(first.code, 0, "{}", first.show());
    for (name, _) in &fleet.hosts {
        assert_eq!(first.count(name, "changed"), 8, "{name}\n{}", first.show());
    }
    let second = play(tmp.path(), &inv, EDITS, &extra);
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.total("changed"), 0, "{}", second.show());
    assert_eq!(second.recap().len(), fleet.hosts.len(), "{}", second.show());

    for (name, addr) in &fleet.hosts {
        let conf = fleet.ssh(
            addr,
            &format!("cat {root}/etc/app.conf; stat -c %a {root}/etc/app.conf"),
        );
        assert_eq!(
            conf,
            format!(
                "[main]\n# BEGIN ANSIBLE MANAGED BLOCK\nhost = {name}\nworkers = 4\n# END ANSIBLE MANAGED BLOCK\nport = 98080\nlisten = 0.0.0.0\n[extra]\ndebug = true\n640\n"
            ),
            "{name}"
        );
        let motd = fleet.ssh(addr, &format!("cat {root}/etc/conf.d/motd"));
        assert_eq!(
            motd,
            format!("<!-- start motd -->\nwelcome to {name}\n<!-- stop motd -->\n"),
            "{name}"
        );
        let times = fleet.ssh(
            addr,
            &format!(
                "stat -c '%X %Y' {root}/etc/fixed; date -d '2020-01-02 03:04:05' +%s; date -d '2023-11-14 22:13:20' +%s; test -f {root}/etc/stamp && echo stamp"
            ),
        );
        let lines: Vec<&str> = times.lines().collect();
        assert_eq!(lines.len(), 4, "{name}: {times}");
        assert_eq!(lines[0], format!("{} {}", lines[1], lines[2]), "{name}");
        assert_eq!(lines[3], "stamp", "{name}");
    }
    fleet_cleanup(&fleet, &root);
}

#[test]
fn fleet_file_edits_in_check_mode_change_nothing() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path());
    let root = unique_root("files-check");
    let root_var = format!("root={root}");
    let (_, addr) = &fleet.hosts[0];
    fleet.ssh(
        addr,
        &format!("mkdir -p {root}/etc && printf 'port = 1\\n' > {root}/etc/app.conf"),
    );
    let playbook = r#"
- hosts: fleet
  gather_facts: false
  tasks:
    - blockinfile:
        path: "{{ root }}/etc/app.conf"
        create: true
        block: x
    - replace:
        path: "{{ root }}/etc/app.conf"
        regexp: '1'
        replace: '2'
      ignore_errors: true
"#;
    let out = play(
        tmp.path(),
        &inv,
        playbook,
        &[
            "-e",
            &root_var,
            "--check",
            "--diff",
            "--limit",
            &fleet.hosts[0].0,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.total("changed"), 2, "{}", out.show());
    assert!(
        out.stdout.contains("+# BEGIN ANSIBLE MANAGED BLOCK"),
        "{}",
        out.show()
    );
    assert!(out.stdout.contains("+port = 2"), "{}", out.show());
    assert_eq!(
        fleet.ssh(addr, &format!("cat {root}/etc/app.conf")),
        "port = 1\n"
    );
    fleet_cleanup(&fleet, &root);
}

const READS: &str = r#"
- hosts: fleet
  gather_facts: false
  tasks:
    - file:
        path: "{{ root }}/logs/sub"
        state: directory
    - copy:
        dest: "{{ root }}/logs/a.log"
        content: "Port 22\n"
    - copy:
        dest: "{{ root }}/logs/sub/b.log"
        content: "x\n"
    - copy:
        dest: "{{ root }}/logs/c.txt"
        content: "Port 1\n"
    - find:
        paths: "{{ root }}/logs"
        patterns: "*.log"
        recurse: true
      register: logs
    - ansible.builtin.find:
        paths: ["{{ root }}/logs"]
        contains: 'Port \d+'
        get_checksum: true
      register: ports
    - slurp:
        src: "{{ root }}/logs/a.log"
      register: a
    - tempfile:
        state: directory
        path: "{{ root }}"
        suffix: .work
      register: work
    - assert:
        that:
          - logs.matched == 2
          - logs.examined == 4
          - logs.files | map(attribute='path') | sort | list == [root ~ '/logs/a.log', root ~ '/logs/sub/b.log']
          - logs.files[0].isreg and logs.files[0].mode == '0644' and logs.files[0].size in [2, 8]
          - ports.matched == 2
          - ports.files | map(attribute='checksum') | select | list | length == 2
          - a.content | b64decode == "Port 22\n"
          - a.encoding == 'base64'
          - work.path.startswith(root ~ '/ansible.')
          - work.path.endswith('.work')
          - work.state == 'directory'
    - copy:
        dest: "{{ root }}/work-path"
        content: "{{ work.path }}"
"#;

#[test]
fn fleet_find_slurp_and_tempfile_report_what_is_there() {
    let fleet = fleet();
    let tmp = tempdir();
    let inv = fleet.inventory(tmp.path());
    let root = unique_root("reads");
    let root_var = format!("root={root}");
    let out = play(tmp.path(), &inv, READS, &["-e", &root_var]);
    assert_eq!(out.code, 0, "{}", out.show());
    for (name, addr) in &fleet.hosts {
        // The directory, three copies, tempfile and the copy of its path; the reads change nothing.
        assert_eq!(out.count(name, "changed"), 6, "{name}\n{}", out.show());
        let made = fleet.ssh(
            addr,
            &format!("d=$(cat {root}/work-path) && stat -c '%F %a' \"$d\""),
        );
        assert_eq!(made, "directory 700\n", "{name}");
    }
    fleet_cleanup(&fleet, &root);
}

fn fleet_cleanup(fleet: &Fleet, root: &str) {
    for (_, addr) in &fleet.hosts {
        fleet.ssh(addr, &format!("rm -rf {root}"));
    }
}
