//! `cron`, `authorized_key`, `known_hosts`, `wait_for` and friends on real hosts of the fleet: first
//! run changes, `--check` changes nothing, a second run reports `changed=0`. Each test has a host
//! of its own and puts back what it changed.

mod common;

use common::{Outcome, fleet, tasks_on, tempdir};
use std::path::{Path, PathBuf};

fn ssh(fleet: &Path, host: &str, command: &str) -> String {
    common::fleet_ssh(fleet, host, command)
}

fn play(fleet: &Path, host: &str, tasks: &str, extra: &[&str]) -> Outcome {
    common::play_on(fleet, &tasks_on(host, tasks), extra)
}

fn changed(out: &Outcome, host: &str) -> u32 {
    assert_eq!(out.code, 0, "{}", out.show());
    out.count(host, "changed")
}

/// The fleet's hosts have no cron package (no `crontab`): a user's crontab is the spool file.
#[test]
fn cron_jobs_and_cron_files_are_written_once_and_removed() {
    const HOST: &str = "host02";
    let fleet = fleet();
    let spool = "/var/spool/cron/crontabs/root";
    ssh(
        &fleet,
        HOST,
        &format!("rm -f {spool} /etc/cron.d/drover-test"),
    );
    assert_eq!(ssh(&fleet, HOST, "command -v crontab || echo none"), "none");

    let job = "    - cron:\n        name: nightly backup\n        minute: '0'\n        hour: '3'\n        job: /usr/local/bin/backup >/dev/null\n    - ansible.builtin.cron:\n        name: MAILTO\n        env: true\n        job: ops@example.test\n";
    assert_eq!(changed(&play(&fleet, HOST, job, &["--check"]), HOST), 2);
    assert_eq!(
        ssh(&fleet, HOST, &format!("ls {spool} 2>&1 >/dev/null | wc -l")),
        "1"
    );
    assert_eq!(changed(&play(&fleet, HOST, job, &[]), HOST), 2);
    assert_eq!(
        ssh(&fleet, HOST, &format!("cat {spool}")),
        "MAILTO=\"ops@example.test\"\n#Ansible: nightly backup\n0 3 * * * /usr/local/bin/backup >/dev/null"
    );
    assert_eq!(
        ssh(&fleet, HOST, &format!("stat -c '%a %U' {spool}")),
        "600 root"
    );
    assert_eq!(changed(&play(&fleet, HOST, job, &[]), HOST), 0);

    let moved = "    - cron: name='nightly backup' minute=30 hour=4 job='/usr/local/bin/backup >/dev/null'\n";
    let diff = play(&fleet, HOST, moved, &["--diff"]);
    assert_eq!(changed(&diff, HOST), 1);
    assert!(
        diff.stdout.contains("+30 4 * * * /usr/local/bin/backup"),
        "{}",
        diff.show()
    );

    let file = "    - cron:\n        name: rotate\n        special_time: daily\n        user: root\n        job: /usr/sbin/logrotate /etc/logrotate.conf\n        cron_file: drover-test\n";
    assert_eq!(changed(&play(&fleet, HOST, file, &[]), HOST), 1);
    assert_eq!(
        ssh(
            &fleet,
            HOST,
            "cat /etc/cron.d/drover-test; stat -c %a /etc/cron.d/drover-test"
        ),
        "#Ansible: rotate\n@daily root /usr/sbin/logrotate /etc/logrotate.conf\n644"
    );
    assert_eq!(changed(&play(&fleet, HOST, file, &[]), HOST), 0);

    let gone = "    - cron: name=rotate cron_file=drover-test state=absent\n    - cron: name='nightly backup' state=absent\n    - cron: name=MAILTO env=yes state=absent\n";
    assert_eq!(changed(&play(&fleet, HOST, gone, &[]), HOST), 3);
    assert_eq!(
        ssh(
            &fleet,
            HOST,
            &format!("ls /etc/cron.d/drover-test 2>/dev/null; cat {spool}")
        ),
        ""
    );
    assert_eq!(changed(&play(&fleet, HOST, gone, &[]), HOST), 0);
    ssh(&fleet, HOST, &format!("rm -f {spool}"));
}

/// Logs in as `user` with the private key `key` only (not the fleet's key): the user's name, or
/// nothing when the key is refused.
fn login_as(fleet: &Path, host: &str, user: &str, key: &Path) -> String {
    let out = std::process::Command::new("ssh")
        .arg("-F")
        .arg(fleet.join("ssh_config"))
        .arg("-i")
        .arg(key)
        .args([
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-l",
            user,
            host,
            "id -un",
        ])
        .output()
        .unwrap_or_else(|e| panic!("ssh: {e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn keypair(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .status()
        .unwrap_or_else(|e| panic!("ssh-keygen: {e}"));
    assert!(made.success());
    let public = std::fs::read_to_string(key.with_extension("pub"))
        .unwrap_or_else(|e| panic!("read public key: {e}"));
    (key, public.trim().to_string())
}

#[test]
fn authorized_key_lets_the_user_in_and_exclusive_locks_others_out() {
    const HOST: &str = "host03";
    let fleet = fleet();
    let keys = tempdir();
    let (alice, alice_pub) = keypair(keys.path(), "alice");
    let (bob, bob_pub) = keypair(keys.path(), "bob");
    // No password but not locked (`*`, not `!`): sshd without PAM refuses locked accounts.
    ssh(
        &fleet,
        HOST,
        "userdel -r keyuser 2>/dev/null; useradd -m -s /bin/sh -p '*' keyuser",
    );
    assert_eq!(login_as(&fleet, HOST, "keyuser", &alice), "");

    let both = format!(
        "    - ansible.posix.authorized_key:\n        user: keyuser\n        key: |\n          {alice_pub}\n          {bob_pub}\n"
    );
    assert_eq!(changed(&play(&fleet, HOST, &both, &["--check"]), HOST), 1);
    assert_eq!(
        ssh(&fleet, HOST, "ls -d /home/keyuser/.ssh 2>/dev/null"),
        ""
    );
    assert_eq!(changed(&play(&fleet, HOST, &both, &[]), HOST), 1);
    assert_eq!(
        ssh(
            &fleet,
            HOST,
            "stat -c '%a %U %G' /home/keyuser/.ssh /home/keyuser/.ssh/authorized_keys"
        ),
        "700 keyuser keyuser\n600 keyuser keyuser"
    );
    assert_eq!(login_as(&fleet, HOST, "keyuser", &alice), "keyuser");
    assert_eq!(login_as(&fleet, HOST, "keyuser", &bob), "keyuser");
    assert_eq!(changed(&play(&fleet, HOST, &both, &[]), HOST), 0);

    let only_bob = format!(
        "    - authorized_key:\n        user: keyuser\n        key: '{bob_pub}'\n        exclusive: true\n        key_options: no-port-forwarding\n"
    );
    let out = play(&fleet, HOST, &only_bob, &["--diff"]);
    assert_eq!(changed(&out, HOST), 1);
    assert!(
        out.stdout.contains(&format!("-{alice_pub}")),
        "{}",
        out.show()
    );
    assert_eq!(login_as(&fleet, HOST, "keyuser", &alice), "");
    assert_eq!(login_as(&fleet, HOST, "keyuser", &bob), "keyuser");
    assert_eq!(
        ssh(&fleet, HOST, "cat /home/keyuser/.ssh/authorized_keys"),
        format!("no-port-forwarding {bob_pub}")
    );
    assert_eq!(changed(&play(&fleet, HOST, &only_bob, &[]), HOST), 0);

    let gone = format!("    - authorized_key: user=keyuser state=absent key='{bob_pub}'\n");
    assert_eq!(changed(&play(&fleet, HOST, &gone, &[]), HOST), 1);
    assert_eq!(login_as(&fleet, HOST, "keyuser", &bob), "");
    assert_eq!(changed(&play(&fleet, HOST, &gone, &[]), HOST), 0);

    let url = "    - authorized_key: user=keyuser key=https://example.test/keyuser.keys\n";
    let refused = play(&fleet, HOST, url, &[]);
    assert_ne!(refused.code, 0, "{}", refused.show());
    assert!(
        refused.stdout.contains("drover does not fetch keys")
            || refused.stderr.contains("drover does not fetch keys"),
        "{}",
        refused.show()
    );
    ssh(&fleet, HOST, "userdel -r keyuser 2>/dev/null");
}

#[test]
fn known_hosts_entries_are_found_by_ssh_keygen_hashed_or_not() {
    const HOST: &str = "host02";
    let fleet = fleet();
    let file = "/root/.ssh/known_hosts";
    ssh(&fleet, HOST, &format!("rm -f {file}"));
    let public = ssh(&fleet, "host01", "cat /etc/ssh/ssh_host_ed25519_key.pub");
    let key_of = |name: &str| {
        let mut words = public.split_whitespace();
        format!(
            "{name} {} {}",
            words.next().unwrap_or_default(),
            words.next().unwrap_or_default()
        )
    };

    let plain = format!(
        "    - known_hosts:\n        name: host01.fleet.test\n        key: '{}'\n",
        key_of("host01.fleet.test")
    );
    assert_eq!(changed(&play(&fleet, HOST, &plain, &["--check"]), HOST), 1);
    assert_eq!(ssh(&fleet, HOST, &format!("ls {file} 2>/dev/null")), "");
    assert_eq!(changed(&play(&fleet, HOST, &plain, &[]), HOST), 1);
    assert_eq!(changed(&play(&fleet, HOST, &plain, &[]), HOST), 0);

    let hashed = format!(
        "    - ansible.builtin.known_hosts:\n        name: '[127.0.0.1]:2222'\n        key: '{}'\n        hash_host: true\n",
        key_of("[127.0.0.1]:2222")
    );
    assert_eq!(changed(&play(&fleet, HOST, &hashed, &[]), HOST), 1);
    assert_eq!(changed(&play(&fleet, HOST, &hashed, &[]), HOST), 0);
    let found = ssh(
        &fleet,
        HOST,
        &format!(
            "ssh-keygen -F host01.fleet.test -f {file} | grep -vc '^#'; ssh-keygen -F '[127.0.0.1]:2222' -f {file} | grep -v '^#' | cut -c1-3"
        ),
    );
    assert_eq!(found, "1\n|1|");
    assert!(
        !ssh(&fleet, HOST, &format!("cat {file}")).contains("127.0.0.1"),
        "the hashed name is in clear"
    );

    let gone = "    - known_hosts: name=host01.fleet.test state=absent\n";
    assert_eq!(changed(&play(&fleet, HOST, gone, &[]), HOST), 1);
    assert_eq!(changed(&play(&fleet, HOST, gone, &[]), HOST), 0);
    assert_eq!(
        ssh(
            &fleet,
            HOST,
            &format!("ssh-keygen -F host01.fleet.test -f {file}")
        ),
        ""
    );
    ssh(&fleet, HOST, &format!("rm -f {file}"));
}
