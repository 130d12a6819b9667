//! The role-based example (`playbooks/roles.yml`) on real hosts: two roles with a meta dependency,
//! defaults, handlers, a template from the role's `templates/` filled with facts, a file from its
//! `files/`, a block/rescue, tags and become to a non-root user. First run changes, second run
//! changes nothing.

mod common;

use common::{fleet, repo, run, ssh};

const HOSTS: [&str; 2] = ["host05", "host06"];

#[test]
fn the_role_example_converges_and_then_changes_nothing() {
    let inventory = fleet().join("inventory.ini").display().to_string();
    let playbook = repo().join("playbooks/roles.yml").display().to_string();
    let limit = HOSTS.join(",");
    let args = ["play", &playbook, "-i", &inventory, "--limit", &limit];
    for host in HOSTS {
        ssh(
            host,
            "rm -rf /srv/roles-demo; userdel -r appuser 2>/dev/null; true",
        );
    }

    let first = run(&args);
    assert_eq!(first.code, 0, "{}", first.show());
    for host in HOSTS {
        assert!(first.count(host, "changed") >= 8, "{}", first.show());
        // The release marker is missing on a fresh host: the block fails, its rescue writes it.
        assert_eq!(first.count(host, "rescued"), 1, "{}", first.show());
        let conf = ssh(host, "cat /srv/roles-demo/etc/app.conf");
        assert!(
            conf.contains("listen = 8081"),
            "role param over default: {conf}"
        );
        assert!(conf.contains(&format!("host = {host}")), "facts: {conf}");
        assert!(conf.contains("os = Debian"), "facts: {conf}");
        assert!(conf.contains("(webapp role)"), "{conf}");
        assert_eq!(
            ssh(host, "stat -c '%U %a' /home/appuser/.webapp"),
            "appuser 600",
            "become to the role's user"
        );
        assert_eq!(
            ssh(host, "stat -c '%U' /srv/roles-demo/run"),
            "appuser",
            "the dependency ran with the params webapp gave it"
        );
        assert_eq!(
            ssh(
                host,
                "cat /srv/roles-demo/run/restarted /srv/roles-demo/logs/base.log"
            ),
            "restarted for port 8081\nbase set up for appuser",
            "both roles' handlers ran"
        );
        assert_eq!(
            ssh(host, "cat /srv/roles-demo/etc/banner.txt"),
            "Deployed with drover roles."
        );
    }
    assert!(
        first.stdout.contains("roles base,webapp on host05"),
        "{}",
        first.show()
    );
    assert!(
        first
            .stdout
            .contains("RUNNING HANDLER [webapp : restart webapp]"),
        "{}",
        first.show()
    );

    let second = run(&args);
    assert_eq!(second.code, 0, "{}", second.show());
    for host in HOSTS {
        assert_eq!(second.count(host, "changed"), 0, "{}", second.show());
        assert_eq!(second.count(host, "rescued"), 0, "{}", second.show());
    }
    assert!(
        !second.stdout.contains("RUNNING HANDLER"),
        "{}",
        second.show()
    );

    // Tags reach a role's tasks through the `roles:` entry.
    let tagged = run(&[
        "play",
        &playbook,
        "-i",
        &inventory,
        "--limit",
        "host05",
        "--tags",
        "banner",
        "--list-tasks",
    ]);
    assert_eq!(tagged.code, 0, "{}", tagged.show());
    assert!(
        tagged
            .stdout
            .contains("webapp : Ship the banner\tTAGS: [banner, webapp]"),
        "{}",
        tagged.show()
    );
    assert!(
        !tagged.stdout.contains("Write the configuration"),
        "{}",
        tagged.show()
    );
}
