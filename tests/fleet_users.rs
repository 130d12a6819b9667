//! `user` and `group` on a real host: accounts created, changed with one `usermod`, removed; every
//! second run changes nothing; `--check` changes nothing at all.

mod common;

use common::{Outcome, fleet, tasks_on};
use std::path::Path;

/// This file's host: no other test file changes its accounts.
const HOST: &str = "host04";
/// A SHA-512 crypt string: compared with shadow as text, never used to log in.
const HASH: &str = "$6$drover$Q3c8vN1Gm3bQn5k1kQ0xgq0b5o7XyIuJ9p3Yv1c2dE4fG5hI6jK7lM8nO9pQ0rS1tU2vW3xY4zA5bC6dE7fG8.";

fn ssh(fleet: &Path, command: &str) -> String {
    common::fleet_ssh(fleet, HOST, command)
}

fn play(fleet: &Path, tasks: &str, extra: &[&str]) -> Outcome {
    common::play_on(fleet, &tasks_on(HOST, tasks), extra)
}

fn changed(out: &Outcome) -> u32 {
    assert_eq!(out.code, 0, "{}", out.show());
    out.count(HOST, "changed")
}

#[test]
fn users_and_groups_are_created_changed_and_removed_idempotently() {
    let fleet = fleet();
    ssh(
        &fleet,
        "userdel -r drover-alice 2>/dev/null; groupdel drover-web 2>/dev/null; true",
    );

    let group = "    - group: name=drover-web gid=2500\n";
    assert_eq!(changed(&play(&fleet, group, &["--check"])), 1);
    assert_eq!(
        ssh(&fleet, "getent group drover-web"),
        "",
        "--check created the group"
    );
    assert_eq!(changed(&play(&fleet, group, &[])), 1);
    assert_eq!(ssh(&fleet, "getent group drover-web"), "drover-web:x:2500:");
    assert_eq!(changed(&play(&fleet, group, &[])), 0);

    let user = format!(
        "    - user:\n        name: drover-alice\n        uid: 2501\n        groups: [drover-web]\n        shell: /bin/bash\n        comment: Alice\n        password: '{HASH}'\n"
    );
    assert_eq!(changed(&play(&fleet, &user, &["--check"])), 1);
    assert_eq!(
        ssh(&fleet, "getent passwd drover-alice"),
        "",
        "--check created the user"
    );
    let created = play(&fleet, &user, &[]);
    assert_eq!(changed(&created), 1);
    assert!(
        !created.stdout.contains(HASH) && !created.stderr.contains(HASH),
        "the password hash was shown: {}",
        created.show()
    );
    assert_eq!(
        ssh(&fleet, "getent passwd drover-alice"),
        "drover-alice:x:2501:2501:Alice:/home/drover-alice:/bin/bash"
    );
    assert_eq!(
        ssh(&fleet, "id -Gn drover-alice"),
        "drover-alice drover-web"
    );
    assert_eq!(
        ssh(&fleet, "getent shadow drover-alice | cut -d: -f2"),
        HASH
    );
    assert_eq!(
        ssh(&fleet, "test -d /home/drover-alice && echo home"),
        "home"
    );
    assert_eq!(changed(&play(&fleet, &user, &[])), 0, "second run changed");

    // Two differences, one usermod; `append` adds a group without dropping the other.
    let change = "    - user: name=drover-alice shell=/bin/sh groups=adm append=yes\n";
    assert_eq!(changed(&play(&fleet, change, &[])), 1);
    assert_eq!(
        ssh(&fleet, "getent passwd drover-alice | cut -d: -f7"),
        "/bin/sh"
    );
    assert_eq!(
        ssh(&fleet, "id -Gn drover-alice"),
        "drover-alice adm drover-web"
    );
    assert_eq!(changed(&play(&fleet, change, &[])), 0);
    // Without append the list is the whole set.
    let only = "    - user: name=drover-alice groups=drover-web\n";
    assert_eq!(changed(&play(&fleet, only, &[])), 1);
    assert_eq!(
        ssh(&fleet, "id -Gn drover-alice"),
        "drover-alice drover-web"
    );

    let on_create = "    - user: name=drover-alice password=$6$other$x update_password=on_create\n";
    assert_eq!(changed(&play(&fleet, on_create, &[])), 0);

    let remove = "    - user: name=drover-alice state=absent remove=yes\n    - group: name=drover-web state=absent\n";
    assert_eq!(changed(&play(&fleet, remove, &[])), 2);
    assert_eq!(
        ssh(
            &fleet,
            "getent passwd drover-alice; ls -d /home/drover-alice 2>/dev/null"
        ),
        ""
    );
    assert_eq!(changed(&play(&fleet, remove, &[])), 0);
}
