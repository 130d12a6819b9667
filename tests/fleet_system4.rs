//! `locale_gen`, `alternatives` and `pam_limits` (community.general) on real hosts of the fleet:
//! first run changes, second is ok, check mode changes nothing, `--diff` shows the change. Each test
//! has a host of its own and puts back what it changed. (`ufw` is proven by fixtures only: the
//! fleet shares the machine's network stack.)

mod common;

use common::{Outcome, run, tempdir, write};
use std::path::{Path, PathBuf};

fn fleet() -> PathBuf {
    common::fleet_dir(
        "DROVER_FLEET_DIR",
        "the real fleet with its apt repository (fleet.sh up 6 --with-repo)",
    )
}

fn ssh(fleet: &Path, host: &str, command: &str) -> String {
    common::fleet_ssh(fleet, host, command)
}

fn play(fleet: &Path, host: &str, tasks: &str, extra: &[&str]) -> Outcome {
    let dir = tempdir();
    let file = dir.path().join("play.yml");
    write(
        &file,
        &format!("- hosts: {host}\n  gather_facts: false\n  tasks:\n{tasks}"),
    );
    let inventory = fleet.join("inventory.ini").display().to_string();
    let path = file.display().to_string();
    let mut args = vec!["play", "-i", inventory.as_str(), path.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

/// (ok, changed) of a run that must succeed.
fn counts(out: &Outcome, host: &str) -> (u32, u32) {
    assert_eq!(out.code, 0, "{}", out.show());
    (out.count(host, "ok"), out.count(host, "changed"))
}

#[test]
fn locale_gen_uncomments_generates_and_removes_a_locale() {
    const HOST: &str = "host06";
    let fleet = fleet();
    // `locales` from the fleet's own repository; the locale starts out absent.
    let setup = "    - apt: name=locales update_cache=yes\n    - community.general.locale_gen: name=de_CH.UTF-8 state=absent\n";
    let out = play(&fleet, HOST, setup, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(!ssh(&fleet, HOST, "locale -a").contains("de_CH.utf8"));

    let add = "    - community.general.locale_gen:\n        name: [de_CH.UTF-8]\n      register: r\n\
               \x20   - assert:\n        that: r.mechanism == 'glibc' and not r.ubuntu_mode and r.name == ['de_CH.UTF-8']\n";
    let check = play(&fleet, HOST, add, &["--check"]);
    assert_eq!(counts(&check, HOST).1, 1, "{}", check.show());
    assert!(!ssh(&fleet, HOST, "locale -a").contains("de_CH.utf8"));

    let first = play(&fleet, HOST, add, &["--diff"]);
    assert_eq!(counts(&first, HOST), (2, 1));
    assert!(
        first
            .stdout
            .contains("-# de_CH.UTF-8 UTF-8\n+de_CH.UTF-8 UTF-8"),
        "{}",
        first.show()
    );
    assert!(ssh(&fleet, HOST, "locale -a").contains("de_CH.utf8"));
    assert_eq!(
        ssh(
            &fleet,
            HOST,
            "grep -c '^de_CH.UTF-8 UTF-8$' /etc/locale.gen"
        ),
        "1"
    );
    assert_eq!(counts(&play(&fleet, HOST, add, &[]), HOST), (2, 0));

    let remove = "    - community.general.locale_gen: name=de_CH.UTF-8 state=absent\n";
    assert_eq!(counts(&play(&fleet, HOST, remove, &[]), HOST), (1, 1));
    assert!(!ssh(&fleet, HOST, "locale -a").contains("de_CH.utf8"));
    assert_eq!(
        ssh(
            &fleet,
            HOST,
            "grep -c '^# de_CH.UTF-8 UTF-8$' /etc/locale.gen"
        ),
        "1"
    );
    assert_eq!(counts(&play(&fleet, HOST, remove, &[]), HOST), (1, 0));

    let unknown = play(
        &fleet,
        HOST,
        "    - community.general.locale_gen: name=xx_YY.UTF-8\n",
        &[],
    );
    assert_eq!(unknown.count(HOST, "failed"), 1, "{}", unknown.show());
    assert!(
        unknown
            .stdout
            .contains("not available on your system: xx_YY.UTF-8"),
        "{}",
        unknown.show()
    );
}

#[test]
fn alternatives_install_select_go_auto_and_remove() {
    const HOST: &str = "host05";
    let fleet = fleet();
    ssh(
        &fleet,
        HOST,
        "update-alternatives --remove-all drover-greet >/dev/null 2>&1; mkdir -p /opt/drover-alt; \
         printf '#!/bin/sh\\necho one\\n' > /opt/drover-alt/one; printf '#!/bin/sh\\necho two\\n' > /opt/drover-alt/two; \
         chmod +x /opt/drover-alt/one /opt/drover-alt/two",
    );
    let install = "    - community.general.alternatives:\n        name: drover-greet\n        path: /opt/drover-alt/one\n        link: /usr/local/bin/drover-greet\n        priority: 10\n\
                   \x20   - community.general.alternatives:\n        name: drover-greet\n        path: /opt/drover-alt/two\n        link: /usr/local/bin/drover-greet\n        priority: 20\n        state: present\n";
    let check = play(&fleet, HOST, install, &["--check"]);
    assert_eq!(counts(&check, HOST).1, 2, "{}", check.show());
    assert_eq!(
        ssh(&fleet, HOST, "command -v drover-greet || echo none"),
        "none"
    );

    let first = play(&fleet, HOST, install, &["--diff"]);
    assert_eq!(counts(&first, HOST), (2, 2));
    assert!(
        first.stdout.contains("-state: absent\n+state: selected"),
        "{}",
        first.show()
    );
    // Selected by hand although two has the higher priority.
    assert_eq!(ssh(&fleet, HOST, "drover-greet"), "one");
    assert_eq!(counts(&play(&fleet, HOST, install, &[]), HOST), (2, 0));

    let auto = "    - community.general.alternatives: name=drover-greet path=/opt/drover-alt/one state=auto\n";
    assert_eq!(counts(&play(&fleet, HOST, auto, &[]), HOST), (1, 1));
    assert_eq!(ssh(&fleet, HOST, "drover-greet"), "two");
    assert_eq!(counts(&play(&fleet, HOST, auto, &[]), HOST), (1, 0));

    // A new priority reinstalls; auto mode then follows it.
    let reprioritise = "    - community.general.alternatives: name=drover-greet path=/opt/drover-alt/one priority=30 state=present\n";
    assert_eq!(counts(&play(&fleet, HOST, reprioritise, &[]), HOST), (1, 1));
    assert_eq!(ssh(&fleet, HOST, "drover-greet"), "one");
    assert!(
        ssh(&fleet, HOST, "update-alternatives --query drover-greet")
            .contains("Alternative: /opt/drover-alt/one\nPriority: 30")
    );

    let remove = "    - community.general.alternatives: name=drover-greet path=/opt/drover-alt/one state=absent\n\
                  \x20   - community.general.alternatives: name=drover-greet path=/opt/drover-alt/two state=absent\n";
    assert_eq!(counts(&play(&fleet, HOST, remove, &[]), HOST), (2, 2));
    assert_eq!(counts(&play(&fleet, HOST, remove, &[]), HOST), (2, 0));
    assert_eq!(
        ssh(&fleet, HOST, "command -v drover-greet || echo none"),
        "none"
    );
    ssh(&fleet, HOST, "rm -rf /opt/drover-alt");
}

#[test]
fn pam_limits_appends_raises_with_use_max_and_keeps_the_rest() {
    const HOST: &str = "host04";
    let fleet = fleet();
    let dest = "/etc/security/limits.d/90-drover.conf";
    ssh(
        &fleet,
        HOST,
        &format!("printf '# drover test\\n*   hard   nproc   4096\\n' > {dest}"),
    );
    let set = format!(
        "    - community.general.pam_limits:\n        domain: '@deploy'\n        limit_type: soft\n        limit_item: nofile\n        value: 64000\n        comment: drover\n        dest: {dest}\n"
    );
    let check = play(&fleet, HOST, &set, &["--check", "--diff"]);
    assert_eq!(counts(&check, HOST).1, 1, "{}", check.show());
    assert!(
        check
            .stdout
            .contains("+@deploy\tsoft\tnofile\t64000\t#drover"),
        "{}",
        check.show()
    );
    assert!(!ssh(&fleet, HOST, &format!("cat {dest}")).contains("@deploy"));

    assert_eq!(counts(&play(&fleet, HOST, &set, &[]), HOST), (1, 1));
    assert_eq!(counts(&play(&fleet, HOST, &set, &[]), HOST), (1, 0));

    let raise = format!(
        "    - community.general.pam_limits: domain=* limit_type=hard limit_item=nproc value=8192 use_max=true backup=true dest={dest}\n      register: r\n\
         \x20   - assert:\n        that: r.backup_file is defined\n\
         \x20   - community.general.pam_limits: domain=* limit_type=hard limit_item=nproc value=1024 use_max=true dest={dest}\n"
    );
    assert_eq!(counts(&play(&fleet, HOST, &raise, &[]), HOST), (3, 1));
    assert_eq!(
        ssh(&fleet, HOST, &format!("cat {dest}")),
        "# drover test\n*\thard\tnproc\t8192\n@deploy\tsoft\tnofile\t64000\t#drover"
    );
    assert_eq!(
        ssh(&fleet, HOST, &format!("ls {dest}.*~ | wc -l")),
        "1",
        "one backup"
    );
    ssh(&fleet, HOST, &format!("rm -f {dest} {dest}.*~"));
}
