//! The package-side modules around `apt` on real hosts: apt sources (`apt_repository`,
//! `deb822_repository`) pointing at the fleet's local repository (`fleet.sh up --with-repo`),
//! keyrings (`apt_key`), `debconf`, `dpkg_selections`, and the fact modules (`package_facts`,
//! `service_facts`), compared with ansible-core where a host with Python runs. No network.

mod common;

use common::{Outcome, run, tasks_on, tempdir, write};
use std::path::{Path, PathBuf};

/// This file's host (fleet_packages.rs uses it too; test binaries run one after another).
const HOST: &str = "host06";
const LOCAL_LINE: &str = "deb [trusted=yes] file:/srv/repo ./";

/// The tests of this file share one host's apt configuration: one at a time.
static HOST_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn fleet() -> PathBuf {
    common::fleet_dir(
        "DROVER_FLEET_DIR",
        "the real fleet with its apt repository (fleet.sh up 6 --with-repo)",
    )
}

fn ssh(fleet: &Path, command: &str) -> String {
    common::fleet_ssh(fleet, HOST, command)
}

fn play_on(fleet: &Path, host: &str, tasks: &str, extra: &[&str]) -> Outcome {
    common::play_on(fleet, &tasks_on(host, tasks), extra)
}

fn play(fleet: &Path, tasks: &str, extra: &[&str]) -> Outcome {
    play_on(fleet, HOST, tasks, extra)
}

fn changed(out: &Outcome) -> u32 {
    assert_eq!(out.code, 0, "{}", out.show());
    out.count(HOST, "changed")
}

/// Puts the fleet's own source back (the other test files expect it), whatever a test left.
fn restore_sources(fleet: &Path) {
    ssh(
        fleet,
        &format!(
            "rm -f /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; echo '{LOCAL_LINE}' > /etc/apt/sources.list; apt-get update -q >/dev/null 2>&1; apt-get purge -y -q drover-hello drover-extra drover-daemon >/dev/null 2>&1; true"
        ),
    );
}

struct Restore<'a>(&'a Path);

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        restore_sources(self.0);
    }
}

fn installed(fleet: &Path, name: &str) -> String {
    ssh(
        fleet,
        &format!("dpkg-query -W -f='${{db:Status-Abbrev}}${{Version}}' {name} 2>/dev/null"),
    )
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ")
}

#[test]
fn apt_sources_one_line_and_deb822_reach_the_local_repository() {
    let _host = one_at_a_time();
    let fleet = fleet();
    restore_sources(&fleet);
    let _restore = Restore(&fleet);

    // The fleet's line goes: sources.list, left empty, is removed (Ansible's rule); apt then knows
    // no drover package.
    let drop_line = format!("    - apt_repository: repo='{LOCAL_LINE}' state=absent\n");
    assert_eq!(changed(&play(&fleet, &drop_line, &[])), 1);
    assert_eq!(
        ssh(&fleet, "ls /etc/apt/sources.list 2>&1 | grep -c 'No such'"),
        "1"
    );
    assert_eq!(changed(&play(&fleet, &drop_line, &[])), 0);
    assert!(
        ssh(&fleet, "apt-cache policy drover-extra").is_empty(),
        "apt still sees the repository"
    );

    // Back as a file of sources.list.d named by `filename`; the cache update makes it usable at once.
    let add = format!(
        "    - ansible.builtin.apt_repository:\n        repo: '{LOCAL_LINE}'\n        filename: drover-local\n    - apt: name=drover-extra\n"
    );
    let check = play(&fleet, &add, &["--check"]);
    assert_eq!(
        check.code,
        2,
        "--check: apt cannot find the package the check did not add: {}",
        check.show()
    );
    assert_eq!(
        ssh(&fleet, "ls /etc/apt/sources.list.d"),
        "",
        "--check wrote a file"
    );
    assert_eq!(changed(&play(&fleet, &add, &[])), 2);
    assert_eq!(
        ssh(
            &fleet,
            "cat /etc/apt/sources.list.d/drover-local.list; stat -c %a /etc/apt/sources.list.d/drover-local.list"
        ),
        format!("{LOCAL_LINE}\n644")
    );
    assert_eq!(installed(&fleet, "drover-extra"), "ii 1.0-1");
    assert_eq!(changed(&play(&fleet, &add, &[])), 0, "second run changed");

    // The same repository as a deb822 .sources file, instead of the one-line source.
    let deb822 = format!(
        "    - apt_repository: repo='{LOCAL_LINE}' filename=drover-local state=absent\n    - ansible.builtin.deb822_repository:\n        name: Drover Local\n        uris: file:/srv/repo\n        suites: ./\n        trusted: true\n    - apt: name=drover-hello=2.0-1 update_cache=yes install_recommends=no\n"
    );
    let diff = play(&fleet, &deb822, &["--diff"]);
    assert_eq!(changed(&diff), 3);
    assert!(
        diff.stdout
            .contains("+++ /etc/apt/sources.list.d/drover-local.sources")
            && diff.stdout.contains("+Trusted: yes"),
        "{}",
        diff.show()
    );
    assert_eq!(
        ssh(&fleet, "cat /etc/apt/sources.list.d/drover-local.sources"),
        "X-Repolib-Name: Drover Local\nSuites: ./\nTrusted: yes\nTypes: deb\nURIs: file:/srv/repo"
    );
    assert_eq!(installed(&fleet, "drover-hello"), "ii 2.0-1");
    assert_eq!(
        ssh(&fleet, "ls /etc/apt/sources.list.d"),
        "drover-local.sources"
    );
    let again = play(&fleet, &deb822, &[]);
    assert_eq!(changed(&again), 0, "second run changed");

    let gone = "    - deb822_repository: name='Drover Local' state=absent\n";
    assert_eq!(changed(&play(&fleet, gone, &[])), 1);
    assert_eq!(ssh(&fleet, "ls /etc/apt/sources.list.d"), "");
    assert_eq!(changed(&play(&fleet, gone, &[])), 0);
}

#[test]
fn package_facts_list_what_dpkg_has_under_ansible_facts() {
    let _host = one_at_a_time();
    let fleet = fleet();
    restore_sources(&fleet);
    let _restore = Restore(&fleet);
    let tasks = "    - apt: name=drover-hello=1.0-1 install_recommends=no\n    - ansible.builtin.package_facts:\n        manager: auto\n    - assert:\n        that:\n          - ansible_facts.packages['drover-hello'] | length == 1\n          - ansible_facts.packages['drover-hello'][0].version == '1.0-1'\n          - ansible_facts.packages['drover-hello'][0].arch == 'all'\n          - ansible_facts.packages['drover-hello'][0].source == 'apt'\n          - packages['openssh-server'][0].name == 'openssh-server'\n          - \"'drover-daemon' not in ansible_facts.packages\"\n";
    let out = play(&fleet, tasks, &[]);
    assert_eq!(changed(&out), 1);
    assert_eq!(out.count(HOST, "failed"), 0, "{}", out.show());
    // Every package dpkg lists as installed is there, with dpkg's version.
    let listed = ssh(
        &fleet,
        "dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\\n' | awk '$1 == \"ii\" {print $2, $3}' | sort",
    );
    let dir = tempdir();
    let dump = dir.path().join("packages.json");
    let tasks = format!(
        "    - package_facts:\n    - copy:\n        content: \"{{{{ ansible_facts.packages | dict2items | map(attribute='value') | map('first') | map(attribute='name') | zip(ansible_facts.packages | dict2items | map(attribute='value') | map('first') | map(attribute='version')) | map('join', ' ') | sort | join('\\n') }}}}\"\n        dest: {}\n      delegate_to: localhost\n",
        dump.display()
    );
    let out = play(&fleet, &tasks, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    let ours = std::fs::read_to_string(&dump).unwrap_or_default();
    assert_eq!(ours.trim(), listed.trim());
}

/// The services as `ansible_facts.services` on `host`, written by drover (or ansible-playbook) as JSON.
fn services_by(program: &str, fleet: &Path, host: &str) -> serde_json::Value {
    let dir = tempdir();
    let dump = dir.path().join("services.json");
    let file = dir.path().join("play.yml");
    write(
        &file,
        &format!(
            "- hosts: {host}\n  gather_facts: false\n  tasks:\n    - service_facts:\n    - copy:\n        content: \"{{{{ ansible_facts.services | to_json }}}}\"\n        dest: {}\n      delegate_to: localhost\n",
            dump.display()
        ),
    );
    let inventory = fleet.join("inventory.ini").display().to_string();
    let path = file.display().to_string();
    if program == "drover" {
        let out = run(&["play", "-i", &inventory, &path]);
        assert_eq!(out.code, 0, "{}", out.show());
    } else {
        let out = std::process::Command::new(program)
            .args(["-i", &inventory, &path])
            .env("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3")
            .env("ANSIBLE_HOST_KEY_CHECKING", "False")
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let text = std::fs::read_to_string(&dump).unwrap_or_else(|e| panic!("{}: {e}", dump.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn service_facts_read_systemd_units_and_init_scripts() {
    let fleet = common::fleet_dir(
        "DROVER_SDFLEET_DIR",
        "hosts whose PID 1 is systemd (tests/fleet/fleet.sh up 2 --systemd --with-repo)",
    );
    let services = services_by("drover", &fleet, "host01");
    let ssh_unit = &services["ssh.service"];
    assert_eq!(
        (
            ssh_unit["state"].as_str(),
            ssh_unit["status"].as_str(),
            ssh_unit["source"].as_str()
        ),
        (Some("running"), Some("enabled"), Some("systemd")),
        "{services:#}"
    );
    assert_eq!(services["ssh"]["source"], "sysv", "{services:#}");
    let getty = &services["getty@.service"];
    assert_eq!(
        (getty["state"].as_str(), getty["status"].as_str()),
        (Some("unknown"), Some("masked")),
        "{services:#}"
    );
}

#[test]
fn service_facts_equal_ansible_cores_on_a_sysv_host() {
    let Ok(dir) = std::env::var("DROVER_PYFLEET_DIR") else {
        eprintln!(
            "no host with Python (DROVER_PYFLEET_DIR): scripts/test starts one when ansible-core is installed"
        );
        return;
    };
    let fleet = PathBuf::from(dir);
    let theirs = services_by("ansible-playbook", &fleet, "host01");
    let ours = services_by("drover", &fleet, "host01");
    assert!(
        theirs.as_object().is_some_and(|s| !s.is_empty()),
        "{theirs}"
    );
    assert_eq!(ours, theirs);
}

#[test]
fn debconf_answers_and_dpkg_selections_change_once() {
    let _host = one_at_a_time();
    let fleet = fleet();
    restore_sources(&fleet);
    let _restore = Restore(&fleet);
    ssh(
        &fleet,
        "echo 'tzdata tzdata/Areas select Etc' | debconf-set-selections",
    );
    let answer = "    - ansible.builtin.debconf:\n        name: tzdata\n        question: tzdata/Areas\n        vtype: select\n        value: Europe\n";
    assert_eq!(changed(&play(&fleet, answer, &["--check"])), 1);
    assert_eq!(
        ssh(&fleet, "debconf-show tzdata | grep 'tzdata/Areas:'"),
        "* tzdata/Areas: Etc"
    );
    let diff = play(&fleet, answer, &["--diff"]);
    assert_eq!(changed(&diff), 1);
    assert!(
        diff.stdout.contains("+tzdata/Areas: Europe"),
        "{}",
        diff.show()
    );
    assert_eq!(
        ssh(&fleet, "debconf-show tzdata | grep 'tzdata/Areas:'"),
        "* tzdata/Areas: Europe"
    );
    assert_eq!(changed(&play(&fleet, answer, &[])), 0, "second run changed");
    ssh(
        &fleet,
        "echo 'tzdata tzdata/Areas select Etc' | debconf-set-selections",
    );

    let hold = "    - apt: name=drover-hello=1.0-1 install_recommends=no\n    - dpkg_selections: name=drover-hello selection=hold\n";
    assert_eq!(changed(&play(&fleet, hold, &[])), 2);
    assert_eq!(
        ssh(&fleet, "dpkg --get-selections drover-hello")
            .split_whitespace()
            .nth(1),
        Some("hold")
    );
    assert_eq!(changed(&play(&fleet, hold, &[])), 0, "second run changed");
    let release = "    - dpkg_selections: name=drover-hello selection=install\n";
    assert_eq!(changed(&play(&fleet, release, &[])), 1);
    let unknown = play(
        &fleet,
        "    - dpkg_selections: name=drover-nope selection=hold\n",
        &[],
    );
    assert!(
        unknown
            .stdout
            .contains("Failed to find package 'drover-nope' to perform selection 'hold'."),
        "{}",
        unknown.show()
    );
}

/// Makes a Python host's pip usable offline: pip itself from the controller's wheel (the fleet image
/// has python3 without pip), and two versions of a tiny wheel, `drover-demo`, in /opt/wheels.
fn offline_pip(fleet: &Path) {
    let wheel = std::fs::read_dir("/usr/share/python-wheels")
        .ok()
        .and_then(|d| {
            d.flatten()
                .map(|e| e.path())
                .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("pip-")))
        })
        .unwrap_or_else(|| panic!("no pip wheel in /usr/share/python-wheels (python3-pip-whl) to give the Python host a pip"));
    let config = fleet.join("ssh_config");
    let copied = std::process::Command::new("scp")
        .arg("-q")
        .arg("-F")
        .arg(&config)
        .arg(&wheel)
        .arg("host01:/opt/pip.whl")
        .status()
        .unwrap_or_else(|e| panic!("scp: {e}"));
    assert!(copied.success(), "scp {} failed", wheel.display());
    let script = r#"printf '#!/bin/sh\nexec python3 /opt/pip.whl/pip "$@"\n' > /usr/local/bin/pip3; chmod 755 /usr/local/bin/pip3
mkdir -p /opt/wheels && cd /opt/wheels && python3 - <<'EOF'
import base64, hashlib, zipfile
for v in ("1.0", "2.0"):
    info = "drover_demo-%s.dist-info" % v
    files = {"drover_demo.py": "VERSION = %r\n" % v,
             info + "/METADATA": "Metadata-Version: 2.1\nName: drover-demo\nVersion: %s\n" % v,
             info + "/WHEEL": "Wheel-Version: 1.0\nGenerator: drover-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = []
    with zipfile.ZipFile("drover_demo-%s-py3-none-any.whl" % v, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (name, digest, len(text)))
        record.append(info + "/RECORD,,")
        z.writestr(info + "/RECORD", "\n".join(record) + "\n")
EOF
PIP_BREAK_SYSTEM_PACKAGES=1 pip3 uninstall -y -q drover-demo >/dev/null 2>&1; true"#;
    common::fleet_ssh(fleet, "host01", script);
}

#[test]
fn pip_installs_upgrades_and_removes_from_a_local_wheel_directory() {
    let Ok(dir) = std::env::var("DROVER_PYFLEET_DIR") else {
        eprintln!(
            "no host with Python (DROVER_PYFLEET_DIR): scripts/test starts one when ansible-core is installed"
        );
        return;
    };
    let fleet = PathBuf::from(dir);
    offline_pip(&fleet);
    let version = || {
        common::fleet_ssh(
            &fleet,
            "host01",
            "python3 -c 'import drover_demo; print(drover_demo.VERSION)' 2>/dev/null",
        )
    };
    let on = |tasks: &str, extra: &[&str]| {
        let out = play_on(&fleet, "host01", tasks, extra);
        assert_eq!(out.code, 0, "{}", out.show());
        out.count("host01", "changed")
    };
    let offline = "        extra_args: --no-index --find-links /opt/wheels\n        break_system_packages: true\n";
    let pinned = format!(
        "    - ansible.builtin.pip:\n        name: drover-demo\n        version: '1.0'\n{offline}"
    );
    assert_eq!(on(&pinned, &["--check"]), 1);
    assert_eq!(version(), "", "--check installed it");
    assert_eq!(on(&pinned, &[]), 1);
    assert_eq!(version(), "1.0");
    assert_eq!(on(&pinned, &[]), 0, "second run changed");
    // Without extra_args the installed list decides: present is no change, no pip run.
    assert_eq!(
        on(
            "    - pip: name=drover-demo>=1.0 break_system_packages=yes\n",
            &[]
        ),
        0
    );
    let latest = format!("    - pip:\n        name: drover-demo\n        state: latest\n{offline}");
    assert_eq!(on(&latest, &[]), 1);
    assert_eq!(version(), "2.0");
    assert_eq!(on(&latest, &[]), 0, "second run changed");
    let absent = "    - pip: name=drover_demo state=absent break_system_packages=yes\n";
    assert_eq!(on(absent, &[]), 1);
    assert_eq!(version(), "");
    assert_eq!(on(absent, &[]), 0);
}

#[test]
fn apt_key_trusts_a_key_once_without_gpg() {
    let _host = one_at_a_time();
    let fleet = fleet();
    ssh(
        &fleet,
        "rm -f /etc/apt/keyrings/drover-test.gpg /etc/apt/trusted.gpg.d/F8D2585B8783D481.asc; mkdir -p /etc/apt/keyrings",
    );
    assert_eq!(
        ssh(&fleet, "command -v gpg || echo none"),
        "none",
        "the image grew a gpg: this test proves drover needs none"
    );
    // Debian's own release key, already trusted by the image: no change for its file.
    let known = "    - apt_key: file=/etc/apt/trusted.gpg.d/debian-archive-bookworm-stable.asc id=8783D481\n";
    assert_eq!(changed(&play(&fleet, known, &[])), 0);
    // The same key into a keyring of its own: written once, binary (ed25519 key: 280 bytes).
    let own = "    - apt_key: file=/etc/apt/trusted.gpg.d/debian-archive-bookworm-stable.asc keyring=/etc/apt/keyrings/drover-test.gpg\n";
    assert_eq!(changed(&play(&fleet, own, &["--check"])), 1);
    assert_eq!(ssh(&fleet, "ls /etc/apt/keyrings"), "");
    assert_eq!(changed(&play(&fleet, own, &[])), 1);
    assert_eq!(
        ssh(&fleet, "stat -c '%s %a' /etc/apt/keyrings/drover-test.gpg"),
        "280 644"
    );
    assert_eq!(changed(&play(&fleet, own, &[])), 0, "second run changed");
    let gone = "    - apt_key: id=F8D2585B8783D481 keyring=/etc/apt/keyrings/drover-test.gpg state=absent\n";
    assert_eq!(changed(&play(&fleet, gone, &[])), 1);
    assert_eq!(ssh(&fleet, "ls /etc/apt/keyrings"), "");
    assert_eq!(changed(&play(&fleet, gone, &[])), 0);
}
