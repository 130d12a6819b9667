//! The web-server example (`playbooks/webserver.yml`: Debian's nginx from the fleet's apt repository,
//! a site config template, a managed block in nginx.conf, a system user, a cron file, a handler) on
//! real hosts: the first run converges and the page answers, the second reports `changed=0`, a change
//! of the page alone restarts nothing, and a change of the site config restarts nginx exactly once.
//! Side by side: ansible-playbook and drover, each on a fresh host, report the same counts and leave
//! the same end state (compared by `tests/end-state.sh`).

mod common;

use common::{Outcome, fleet_dir, fleet_ssh, repo, run, tempdir, write};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The suite fleet's host of this file.
const HOST: &str = "host03";

/// An inventory of `fleet`'s hosts with `hosts` in the play's group `web`.
fn web_inventory(fleet: &Path, dir: &Path, hosts: &[&str]) -> PathBuf {
    let fleet_inventory = std::fs::read_to_string(fleet.join("inventory.ini"))
        .unwrap_or_else(|e| panic!("{}: {e}", fleet.display()));
    let file = dir.join("web.ini");
    write(
        &file,
        &format!("{fleet_inventory}\n[web]\n{}\n", hosts.join("\n")),
    );
    file
}

fn play(inventory: &Path, extra: &[&str]) -> Outcome {
    let inventory = inventory.display().to_string();
    let mut args = vec!["play", "-i", &inventory, "playbooks/webserver.yml"];
    args.extend_from_slice(extra);
    run(&args)
}

/// `host`'s address, as the fleet's inventory gives it.
fn address(fleet: &Path, host: &str) -> String {
    let inventory = std::fs::read_to_string(fleet.join("inventory.ini"))
        .unwrap_or_else(|e| panic!("{}: {e}", fleet.display()));
    inventory
        .lines()
        .find(|l| l.starts_with(&format!("{host} ")))
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("ansible_host="))
        })
        .unwrap_or_else(|| panic!("{host} is not in {}", fleet.display()))
        .to_string()
}

/// The page nginx serves on `addr:port`, fetched from here (no client program involved).
fn page(addr: &str, port: u16) -> String {
    let mut stream =
        TcpStream::connect((addr, port)).unwrap_or_else(|e| panic!("connect {addr}:{port}: {e}"));
    write!(
        stream,
        "GET / HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("send: {e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("read: {e}"));
    response
}

fn nginx_pid(fleet: &Path, host: &str) -> String {
    fleet_ssh(fleet, host, "cat /run/nginx.pid")
}

fn handler_runs(out: &Outcome) -> usize {
    out.stdout
        .matches("RUNNING HANDLER [Restart nginx]")
        .count()
}

#[test]
fn webserver_example_converges_and_a_config_change_restarts_nginx_once() {
    let fleet = fleet_dir("DROVER_FLEET_DIR", "the test fleet with its apt repository");
    let dir = tempdir();
    let inventory = web_inventory(&fleet, dir.path(), &[HOST]);
    let addr = address(&fleet, HOST);

    let first = play(&inventory, &[]);
    assert_eq!(first.code, 0, "{}", first.show());
    let served = page(&addr, 8080);
    assert!(served.contains("<h1>Hello from drover</h1>"), "{served}");
    assert!(
        served.contains(&format!("<title>{HOST}</title>")),
        "{served}"
    );
    assert!(
        !served.contains("Server: nginx/"),
        "server_tokens off: {served}"
    );

    let second = play(&inventory, &[]);
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.count(HOST, "changed"), 0, "{}", second.show());
    assert_eq!(handler_runs(&second), 0, "{}", second.show());

    let pid = nginx_pid(&fleet, HOST);
    let greeting = play(&inventory, &["-e", "web_greeting='Bonjour from drover'"]);
    assert_eq!(greeting.count(HOST, "changed"), 1, "{}", greeting.show());
    assert_eq!(handler_runs(&greeting), 0, "{}", greeting.show());
    assert_eq!(
        nginx_pid(&fleet, HOST),
        pid,
        "the page alone restarted nginx"
    );
    assert!(page(&addr, 8080).contains("Bonjour from drover"));

    let moved = play(
        &inventory,
        &[
            "-e",
            "web_greeting='Bonjour from drover'",
            "-e",
            "web_port=8081",
        ],
    );
    assert_eq!(moved.code, 0, "{}", moved.show());
    // The site config, and the handler it notified — once.
    assert_eq!(moved.count(HOST, "changed"), 2, "{}", moved.show());
    assert_eq!(handler_runs(&moved), 1, "{}", moved.show());
    assert_ne!(nginx_pid(&fleet, HOST), pid, "nginx was not restarted");
    assert!(page(&addr, 8081).contains("Bonjour from drover"));

    // Back as it was (page, site, restart), so a rerun of this test on the same fleet starts from
    // the example's defaults.
    let back = play(&inventory, &[]);
    assert_eq!(back.count(HOST, "changed"), 3, "{}", back.show());
    assert_eq!(handler_runs(&back), 1, "{}", back.show());
}

/// ansible-playbook on host01 and drover on host02 of the Python fleet (both fresh, both given
/// python3-apt, which ansible-core's apt module needs on its target): the same counts on the first
/// run, `changed=0` on drover's second, and the same packages, users, files and services after.
#[test]
fn webserver_example_leaves_the_same_end_state_as_ansible_playbook() {
    let Ok(fleet) = std::env::var("DROVER_PYFLEET_DIR").map(PathBuf::from) else {
        eprintln!(
            "no host with Python (DROVER_PYFLEET_DIR): scripts/test starts one when ansible-core is installed"
        );
        return;
    };
    let dir = tempdir();
    fleet_ssh(
        &fleet,
        "host02",
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-apt",
    );

    let theirs = ansible_playbook(&web_inventory(&fleet, dir.path(), &["host01"]));
    assert_eq!(theirs.code, 0, "{}", theirs.show());
    let ours = play(&web_inventory(&fleet, dir.path(), &["host02"]), &[]);
    assert_eq!(ours.code, 0, "{}", ours.show());
    for counter in ["ok", "changed", "failed", "skipped"] {
        assert_eq!(
            theirs.count("host01", counter),
            ours.count("host02", counter),
            "{counter}: ansible-playbook\n{}\ndrover\n{}",
            theirs.show(),
            ours.show()
        );
    }
    let again = play(&web_inventory(&fleet, dir.path(), &["host02"]), &[]);
    assert_eq!(again.count("host02", "changed"), 0, "{}", again.show());

    let compare = Command::new(repo().join("tests/end-state.sh"))
        .arg(fleet.join("ssh_config"))
        .args(["host01", &address(&fleet, "host01")])
        .args(["host02", &address(&fleet, "host02")])
        .args(["/etc/nginx", "/srv/www", "/etc/cron.d", "/etc/init.d"])
        .output()
        .unwrap_or_else(|e| panic!("tests/end-state.sh: {e}"));
    assert!(
        compare.status.success(),
        "the end states differ:\n{}{}",
        String::from_utf8_lossy(&compare.stdout),
        String::from_utf8_lossy(&compare.stderr)
    );
}

fn ansible_playbook(inventory: &Path) -> Outcome {
    let out = Command::new("ansible-playbook")
        .current_dir(repo())
        .env("ANSIBLE_NOCOLOR", "1")
        .args([
            "-i",
            &inventory.display().to_string(),
            "playbooks/webserver.yml",
        ])
        .output()
        .unwrap_or_else(|e| panic!("ansible-playbook: {e}"));
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
