//! Archive and tree modules end to end on the real fleet (tests/fleet/fleet.sh, started by
//! `scripts/test`): `unarchive` of tar.gz / tar.xz / zip archives made here on the controller, and
//! of an archive already on the target. First run changes, second run changes nothing, a file
//! changed on the target is unpacked again; results are read back with the system's ssh. These
//! tests fail — never skip — without the fleet.

mod common;

use common::{Outcome, fleet, fleet_ssh, play_in_dir, tempdir, write};
use std::path::Path;
use std::process::Command;

const HOSTS: [&str; 2] = ["host01", "host02"];

fn play(dir: &Path, fleet: &Path, playbook: &str, extra: &[&str]) -> Outcome {
    let mut args = vec!["-l", "host01,host02"];
    args.extend_from_slice(extra);
    play_in_dir(dir, fleet, playbook, &args)
}

/// A directory of its own on every host, so runs of these tests never see each other's files.
fn unique_root(name: &str) -> String {
    format!("/srv/{name}-{}", std::process::id())
}

fn cleanup(fleet: &Path, root: &str) {
    for host in HOSTS {
        fleet_ssh(fleet, host, &format!("rm -rf {root}"));
    }
}

fn sh(dir: &Path, script: &str) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("sh: {e}"));
    assert!(status.success(), "{script}");
}

/// `files/app.tar.gz`, `files/app.tar.xz` and `files/app.zip` holding the same small tree.
fn make_archives(dir: &Path) {
    write(&dir.join("tree/app/bin/run"), "#!/bin/sh\necho run\n");
    write(&dir.join("tree/app/etc/app.conf"), "port = 8080\n");
    write(&dir.join("tree/app/README"), "hello\n");
    sh(
        dir,
        "chmod 755 tree/app/bin/run && mkdir -p files && tar -C tree -czf files/app.tar.gz app && tar -C tree -cJf files/app.tar.xz app \
         && (cd tree && zip -qr ../files/app.zip app)",
    );
}

const UNPACK: &str = r#"
- hosts: fleet
  gather_facts: false
  tasks:
    - file: { path: "{{ root }}/{{ item }}", state: directory }
      loop: [tgz, txz, zip, remote]
    - unarchive: { src: app.tar.gz, dest: "{{ root }}/tgz" }
    - ansible.builtin.unarchive: { src: app.tar.xz, dest: "{{ root }}/txz", list_files: true }
      register: txz
    - assert:
        that:
          - txz.handler == "TarXzArchive"
          - "'app/etc/app.conf' in txz.files"
      when: txz is not skipped  # in --check, as in Ansible for tar
    - unarchive: { src: app.zip, dest: "{{ root }}/zip" }
    - copy: { src: app.tar.gz, dest: "{{ root }}/app.tar.gz" }
    - unarchive:
        src: "{{ root }}/app.tar.gz"
        dest: "{{ root }}/remote"
        remote_src: true
        extra_opts: [--strip-components=1]
        exclude: [README]
    - unarchive:
        src: app.zip
        dest: "{{ root }}/zip"
        creates: "{{ root }}/zip/app"
"#;

#[test]
fn fleet_unarchive_converges_and_unpacks_again_what_changed() {
    let fleet = fleet();
    let tmp = tempdir();
    make_archives(tmp.path());
    let root = unique_root("archive");
    let root_var = format!("root={root}");
    let extra = ["-e", root_var.as_str()];

    let first = play(tmp.path(), &fleet, UNPACK, &extra);
    assert_eq!(first.code, 0, "{}", first.show());
    for host in HOSTS {
        // the directories (one loop task), 4 unpackings, the copy; `creates` skips.
        assert_eq!(first.count(host, "changed"), 6, "{host}\n{}", first.show());
        assert_eq!(first.count(host, "skipped"), 1, "{host}\n{}", first.show());
    }
    let second = play(tmp.path(), &fleet, UNPACK, &extra);
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.total("changed"), 0, "{}", second.show());

    for host in HOSTS {
        for kind in ["tgz", "txz", "zip"] {
            let got = fleet_ssh(
                &fleet,
                host,
                &format!(
                    "cd {root}/{kind}/app && cat etc/app.conf README && test -x bin/run && echo x"
                ),
            );
            assert_eq!(got, "port = 8080\nhello\nx", "{host} {kind}");
        }
        let remote = fleet_ssh(
            &fleet,
            host,
            &format!("cd {root}/remote && ls -A && cat etc/app.conf"),
        );
        assert_eq!(
            remote, "bin\netc\nport = 8080",
            "{host}: stripped, README excluded"
        );
    }

    // A changed file (content for the zip, size and mtime for the tar) is unpacked again, on
    // host01 only.
    fleet_ssh(
        &fleet,
        "host01",
        &format!("echo local >> {root}/tgz/app/etc/app.conf; echo loca > {root}/zip/app/README"),
    );
    let check = play(
        tmp.path(),
        &fleet,
        UNPACK,
        &[&extra[..], &["--check"]].concat(),
    );
    assert_eq!(check.code, 0, "{}", check.show());
    let third = play(tmp.path(), &fleet, UNPACK, &extra);
    assert_eq!(third.code, 0, "{}", third.show());
    assert_eq!(third.count("host01", "changed"), 2, "{}", third.show());
    assert_eq!(third.count("host02", "changed"), 0, "{}", third.show());
    let restored = fleet_ssh(
        &fleet,
        "host01",
        &format!("cat {root}/tgz/app/etc/app.conf {root}/zip/app/README"),
    );
    assert_eq!(restored, "port = 8080\nhello");
    cleanup(&fleet, &root);
}

#[test]
fn fleet_unarchive_remote_check_mode_reports_without_unpacking() {
    let fleet = fleet();
    let tmp = tempdir();
    make_archives(tmp.path());
    let root = unique_root("archive-check");
    let root_var = format!("root={root}");
    let playbook = r#"
- hosts: fleet
  gather_facts: false
  tasks:
    - file: { path: "{{ root }}/out", state: directory }
    - copy: { src: app.tar.xz, dest: "{{ root }}/app.tar.xz" }
    - unarchive: { src: "{{ root }}/app.tar.xz", dest: "{{ root }}/out", remote_src: true }
"#;
    let setup = play(tmp.path(), &fleet, playbook, &["-e", &root_var]);
    assert_eq!(setup.code, 0, "{}", setup.show());
    fleet_ssh(&fleet, "host01", &format!("rm -rf {root}/out/app/bin"));
    let check = play(tmp.path(), &fleet, playbook, &["-e", &root_var, "--check"]);
    assert_eq!(check.code, 0, "{}", check.show());
    assert_eq!(check.count("host01", "changed"), 1, "{}", check.show());
    assert_eq!(check.count("host02", "changed"), 0, "{}", check.show());
    let still_missing = fleet_ssh(
        &fleet,
        "host01",
        &format!("test -e {root}/out/app/bin && echo there || echo gone"),
    );
    assert_eq!(still_missing, "gone", "check mode unpacked");
    cleanup(&fleet, &root);
}

const TREES: &str = r#"
- hosts: fleet
  gather_facts: false
  tasks:
    - file: { path: "{{ root }}/contents", state: directory }
    - name: the directory itself, into a directory that does not exist yet
      copy: { src: site, dest: "{{ root }}/itself/", directory_mode: "0750" }
    - name: only its contents
      copy: { src: site/, dest: "{{ root }}/contents" }
    - name: a target file copied on the target
      copy: { src: "{{ root }}/contents/index.html", dest: "{{ root }}/index.copy", remote_src: true, mode: "0600" }
    - name: a target directory copied on the target
      copy: { src: "{{ root }}/itself/site", dest: "{{ root }}/mirror", remote_src: true }
"#;

#[test]
fn fleet_copy_of_directories_writes_only_what_differs() {
    let fleet = fleet();
    let tmp = tempdir();
    write(&tmp.path().join("files/site/index.html"), "<h1>hi</h1>\n");
    write(&tmp.path().join("files/site/css/main.css"), "body {}\n");
    write(&tmp.path().join("files/site/js/deep/app.js"), "go()\n");
    let root = unique_root("trees");
    let root_var = format!("root={root}");
    let extra = ["-e", root_var.as_str()];

    let first = play(tmp.path(), &fleet, TREES, &extra);
    assert_eq!(first.code, 0, "{}", first.show());
    for host in HOSTS {
        assert_eq!(first.count(host, "changed"), 5, "{host}\n{}", first.show());
    }
    let second = play(tmp.path(), &fleet, TREES, &extra);
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.total("changed"), 0, "{}", second.show());
    for host in HOSTS {
        let listing = fleet_ssh(
            &fleet,
            host,
            &format!(
                "cd {root} && find itself contents mirror index.copy | sort && stat -c %a itself/site itself/site/js/deep index.copy && cat mirror/site/js/deep/app.js"
            ),
        );
        let want = "contents\ncontents/css\ncontents/css/main.css\ncontents/index.html\ncontents/js\ncontents/js/deep\ncontents/js/deep/app.js\n\
                    index.copy\nitself\nitself/site\nitself/site/css\nitself/site/css/main.css\nitself/site/index.html\nitself/site/js\nitself/site/js/deep\nitself/site/js/deep/app.js\n\
                    mirror\nmirror/site\nmirror/site/css\nmirror/site/css/main.css\nmirror/site/index.html\nmirror/site/js\nmirror/site/js/deep\nmirror/site/js/deep/app.js\n\
                    750\n750\n600\ngo()";
        assert_eq!(listing, want, "{host}");
    }
    // One file changed on the controller: only the tasks that carry it change, only it is written.
    write(
        &tmp.path().join("files/site/css/main.css"),
        "body { margin: 0 }\n",
    );
    let stamp = fleet_ssh(
        &fleet,
        "host01",
        &format!("stat -c %i {root}/contents/index.html"),
    );
    let third = play(tmp.path(), &fleet, TREES, &extra);
    assert_eq!(third.code, 0, "{}", third.show());
    for host in HOSTS {
        // itself, contents, and the mirror of itself.
        assert_eq!(third.count(host, "changed"), 3, "{host}\n{}", third.show());
    }
    let after = fleet_ssh(
        &fleet,
        "host01",
        &format!("stat -c %i {root}/contents/index.html; cat {root}/mirror/site/css/main.css"),
    );
    assert_eq!(after, format!("{stamp}\nbody {{ margin: 0 }}"));
    cleanup(&fleet, &root);
}

#[test]
fn fleet_validate_guards_the_write_and_backup_keeps_the_old_file() {
    let fleet = fleet();
    let tmp = tempdir();
    let root = unique_root("validate");
    let root_var = format!("root={root}");
    let playbook = r#"
- hosts: fleet
  gather_facts: false
  tasks:
    - file: { path: "{{ root }}", state: directory }
    - copy: { content: "good 1\n", dest: "{{ root }}/app.conf" }
    - name: refused by its validator, the file stays
      copy: { content: "bad\n", dest: "{{ root }}/app.conf", validate: "grep -q good %s" }
      ignore_errors: true
      register: refused
    - assert: { that: [refused is failed, "'failed to validate' in refused.msg"] }
    - name: accepted, with a backup of the old file
      lineinfile: { path: "{{ root }}/app.conf", line: "good 2", validate: "grep -q 'good 2' %s", backup: true }
      register: edited
    - assert: { that: ["edited.backup is match(root ~ '/app.conf[.][0-9]+[.][0-9]{4}-[0-9]{2}-[0-9]{2}@[0-9]{2}:[0-9]{2}:[0-9]{2}~$')"] }
"#;
    let out = play(tmp.path(), &fleet, playbook, &["-e", &root_var]);
    assert_eq!(out.code, 0, "{}", out.show());
    for host in HOSTS {
        let got = fleet_ssh(
            &fleet,
            host,
            &format!("cd {root} && cat app.conf && cat app.conf.*~ && ls -A | wc -l"),
        );
        assert_eq!(got, "good 1\ngood 2\ngood 1\n2", "{host}");
    }
    cleanup(&fleet, &root);
}

const ASSEMBLE: &str = r##"
- hosts: fleet
  gather_facts: false
  tasks:
    - file: { path: "{{ root }}/conf.d", state: directory }
    - copy: { content: "{{ item.text }}", dest: "{{ root }}/conf.d/{{ item.name }}" }
      loop:
        - { name: 10-base, text: "base\n" }
        - { name: 20-host, text: "host {{ inventory_hostname }}" }
        - { name: .hidden, text: "hidden\n" }
    - name: from the target's fragments
      assemble: { src: "{{ root }}/conf.d", dest: "{{ root }}/remote.conf", delimiter: "# --", ignore_hidden: true }
    - name: from the controller's fragments
      assemble: { src: parts, dest: "{{ root }}/local.conf", remote_src: false, regexp: '\.part$', backup: true }
"##;

#[test]
fn fleet_assemble_joins_fragments_from_either_side() {
    let fleet = fleet();
    let tmp = tempdir();
    write(&tmp.path().join("files/parts/b.part"), "second\n");
    write(&tmp.path().join("files/parts/a.part"), "first\n");
    write(&tmp.path().join("files/parts/notes.txt"), "not a part\n");
    let root = unique_root("assemble");
    let root_var = format!("root={root}");
    let extra = ["-e", root_var.as_str()];

    let first = play(tmp.path(), &fleet, ASSEMBLE, &extra);
    assert_eq!(first.code, 0, "{}", first.show());
    for host in HOSTS {
        assert_eq!(first.count(host, "changed"), 4, "{host}\n{}", first.show());
    }
    let second = play(tmp.path(), &fleet, ASSEMBLE, &extra);
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.total("changed"), 0, "{}", second.show());
    for host in HOSTS {
        let got = fleet_ssh(
            &fleet,
            host,
            &format!("cat {root}/remote.conf; echo '|'; cat {root}/local.conf"),
        );
        assert_eq!(
            got,
            format!("base\n# --\nhost {host}|\nfirst\nsecond"),
            "{host}"
        );
    }
    write(&tmp.path().join("files/parts/a.part"), "first, again\n");
    let third = play(tmp.path(), &fleet, ASSEMBLE, &extra);
    assert_eq!(third.code, 0, "{}", third.show());
    for host in HOSTS {
        assert_eq!(third.count(host, "changed"), 1, "{host}\n{}", third.show());
        let backups = fleet_ssh(&fleet, host, &format!("cat {root}/local.conf.*~"));
        assert_eq!(backups, "first\nsecond", "{host}");
    }
    cleanup(&fleet, &root);
}
