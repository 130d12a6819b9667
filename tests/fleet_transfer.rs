//! File-transfer and network modules end to end on the real fleet (tests/fleet/fleet.sh, started by
//! `scripts/test`): `fetch`, `script`, `get_url`/`uri` against an HTTP server this test starts on a
//! loopback address of the fleet's net (127.0.NET.1, never another address), and `git` against a
//! bare repository the test makes on each host. First run changes, second run changes nothing;
//! results are read back with the system's ssh. These tests fail — never skip — without the fleet.

mod common;

use common::{Outcome, fleet, fleet_ssh, play_in_dir, tempdir, write};
use sha2::Digest;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;

const HOSTS: [&str; 2] = ["host01", "host02"];
const RELEASE: &str = "release 1\nall good\n";

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

fn assert_converged(first: &Outcome, second: &Outcome, changed_per_host: u32) {
    assert_eq!(first.code, 0, "{}", first.show());
    for host in HOSTS {
        assert_eq!(
            first.count(host, "changed"),
            changed_per_host,
            "{host}\n{}",
            first.show()
        );
    }
    assert_eq!(second.code, 0, "{}", second.show());
    assert_eq!(second.total("changed"), 0, "{}", second.show());
    assert_eq!(second.recap().len(), HOSTS.len(), "{}", second.show());
}

const FETCH_AND_SCRIPT: &str = r#"
- hosts: fleet
  gather_facts: false
  tasks:
    - file: { path: "{{ root }}", state: directory }
    - copy:
        dest: "{{ root }}/report.txt"
        content: "report of {{ inventory_hostname }}\n"
    - name: per host layout
      fetch:
        src: "{{ root }}/report.txt"
        dest: "{{ out }}"
    - name: flat, into a directory
      ansible.builtin.fetch:
        src: "{{ root }}/report.txt"
        dest: "{{ out }}/flat-{{ inventory_hostname }}/"
        flat: true
    - name: a missing file, ignored
      fetch:
        src: "{{ root }}/nope"
        dest: "{{ out }}"
        fail_on_missing: false
    - name: a controller script, run once
      script: stamp.sh "{{ root }}/stamp" 'two words'
      args:
        creates: "{{ root }}/stamp"
    - name: chdir, and a script without a shebang
      script:
        cmd: plain.sh
        chdir: "{{ root }}"
        creates: "{{ root }}/plain"
"#;

#[test]
fn fleet_fetch_and_script_converge() {
    let fleet = fleet();
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let root = unique_root("transfer");
    write(
        &tmp.path().join("files/stamp.sh"),
        "#!/bin/sh\nset -eu\nprintf '%s|%s|%s\\n' \"$1\" \"$2\" \"$(basename \"$0\" | cut -c1-8)\" > \"$1\"\necho \"$0\" > \"$1.path\"\n",
    );
    write(&tmp.path().join("files/plain.sh"), "pwd > plain\n");
    let vars = [format!("root={root}"), format!("out={}", out.display())];
    let extra = ["-e", vars[0].as_str(), "-e", vars[1].as_str()];

    let first = play(tmp.path(), &fleet, FETCH_AND_SCRIPT, &extra);
    let second = play(tmp.path(), &fleet, FETCH_AND_SCRIPT, &extra);
    // directory, copy, fetch, flat fetch, script, script
    assert_converged(&first, &second, 6);
    assert!(second.stdout.contains("skipping:"), "{}", second.show());

    for host in HOSTS {
        let want = format!("report of {host}\n");
        let per_host = out
            .join(host)
            .join(root.trim_start_matches('/'))
            .join("report.txt");
        assert_eq!(
            std::fs::read_to_string(&per_host).ok(),
            Some(want.clone()),
            "{}",
            per_host.display()
        );
        let flat = out.join(format!("flat-{host}/report.txt"));
        assert_eq!(
            std::fs::read_to_string(&flat).ok(),
            Some(want),
            "{}",
            flat.display()
        );
        assert_eq!(
            fleet_ssh(
                &fleet,
                host,
                &format!(
                    "cat {root}/stamp; cat {root}/plain; test -e \"$(cat {root}/stamp.path)\" || echo gone"
                )
            ),
            format!("{root}/stamp|two words|.drover.\n{root}\ngone"),
            "{host}: the script ran with its arguments, from its temp file, which is gone"
        );
    }
    cleanup(&fleet, &root);
}

/// A tiny HTTP/1.1 server on 127.0.NET.1 (the fleet's net; the hosts share the loopback): `/file`
/// is the release, `/api` answers a POST with the JSON it received, the rest is 404. It serves
/// until the test process ends.
fn serve() -> String {
    let net = std::env::var("DROVER_FLEET_NET").unwrap_or_else(|_| "77".into());
    let listener = TcpListener::bind(format!("127.0.{net}.1:0"))
        .unwrap_or_else(|e| panic!("bind 127.0.{net}.1: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("local_addr: {e}"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    addr.to_string()
}

fn answer(stream: std::net::TcpStream) {
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut words = request_line.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, kind, reply) = match (method, path) {
        ("GET", "/file") => ("200 OK", "text/plain", RELEASE.to_string()),
        ("POST", "/api") => (
            "201 Created",
            "application/json",
            format!("{{\"received\": {}}}", String::from_utf8_lossy(&body)),
        ),
        _ => ("404 Not Found", "text/plain", "no such page".to_string()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    );
    let mut stream = &stream;
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(reply.as_bytes());
}

const HTTP: &str = r#"
- hosts: fleet
  gather_facts: false
  tasks:
    - file: { path: "{{ root }}", state: directory }
    - name: download, verified
      get_url:
        url: "http://{{ server }}/file"
        dest: "{{ root }}/release.txt"
        checksum: "sha256:{{ sum }}"
        mode: "0640"
    - name: download into a directory, forced (same bytes, no change)
      ansible.builtin.get_url:
        url: "http://{{ server }}/file"
        dest: "{{ root }}/"
        force: true
    - name: a wrong checksum is refused before anything is installed
      get_url:
        url: "http://{{ server }}/file"
        dest: "{{ root }}/refused.txt"
        checksum: "sha1:0000000000000000000000000000000000000000"
      ignore_errors: true
      register: refused
    - name: POST JSON
      uri:
        url: "http://{{ server }}/api"
        method: POST
        body_format: json
        body: { host: "{{ inventory_hostname }}", n: 2 }
        status_code: [201]
      register: reply
    - assert:
        that:
          - reply.status == 201
          - reply.json.received.host == inventory_hostname
          - reply.json.received.n == 2
          - reply is not changed
          - refused is failed
          - "'did not match' in refused.msg"
    - name: a 404 that is expected
      uri:
        url: "http://{{ server }}/missing"
        status_code: 404
        return_content: true
      register: missing
    - assert:
        that: missing.content == 'no such page'
    - name: the body to a file
      uri:
        url: "http://{{ server }}/file"
        dest: "{{ root }}/via-uri.txt"
"#;

#[test]
fn fleet_get_url_and_uri_against_a_local_server() {
    let fleet = fleet();
    let tmp = tempdir();
    let server = serve();
    let root = unique_root("http");
    let sum = hex::encode(sha2::Sha256::digest(RELEASE.as_bytes()));
    let vars = [
        format!("root={root}"),
        format!("server={server}"),
        format!("sum={sum}"),
    ];
    let extra = [
        "-e",
        vars[0].as_str(),
        "-e",
        vars[1].as_str(),
        "-e",
        vars[2].as_str(),
    ];
    let first = play(tmp.path(), &fleet, HTTP, &extra);
    let second = play(tmp.path(), &fleet, HTTP, &extra);
    // directory, get_url, get_url into the directory, uri dest (uri POST/GET change nothing)
    assert_converged(&first, &second, 4);
    for host in HOSTS {
        assert_eq!(
            fleet_ssh(
                &fleet,
                host,
                &format!(
                    "cat {root}/release.txt {root}/file {root}/via-uri.txt; stat -c %a {root}/release.txt; ls -A {root}"
                )
            ),
            format!("{RELEASE}{RELEASE}{RELEASE}640\nfile\nrelease.txt\nvia-uri.txt"),
            "{host}: nothing but the three downloads, no temp file, no refused file"
        );
    }
    cleanup(&fleet, &root);
}

const GIT: &str = r#"
- hosts: fleet
  gather_facts: false
  tasks:
    - name: checkout
      git:
        repo: "{{ root }}/repo.git"
        dest: "{{ root }}/app"
        version: "{{ version }}"
      register: co
    - debug:
        msg: "before={{ co.before }} after={{ co.after }}"
"#;

#[test]
fn fleet_git_clones_updates_and_stays() {
    let fleet = fleet();
    let tmp = tempdir();
    let root = unique_root("git");
    let make_repo = format!(
        "set -e; mkdir -p {root}; git init -q --bare -b main {root}/repo.git; git clone -q {root}/repo.git {root}/work 2>/dev/null; cd {root}/work; \
         git config user.email t@t; git config user.name t; echo one > f; git add f; git commit -qm one; git tag v1; \
         git push -q origin main v1; git rev-parse HEAD"
    );
    let mut v1 = Vec::new();
    for host in HOSTS {
        v1.push(fleet_ssh(&fleet, host, &make_repo));
        assert_eq!(v1.last().map(String::len), Some(40), "{host}: {v1:?}");
    }
    let run_at = |version: &str| {
        let vars = [format!("root={root}"), format!("version={version}")];
        play(
            tmp.path(),
            &fleet,
            GIT,
            &["-e", vars[0].as_str(), "-e", vars[1].as_str()],
        )
    };
    let first = run_at("v1");
    let second = run_at("v1");
    assert_converged(&first, &second, 1);
    // A None prints as nothing inside text, as in ansible-core 2.19.
    assert!(first.stdout.contains("before= after="), "{}", first.show());

    let mut v2 = Vec::new();
    for host in HOSTS {
        v2.push(fleet_ssh(
            &fleet,
            host,
            &format!("set -e; cd {root}/work; echo two > f; git commit -qam two; git push -q origin main; git rev-parse HEAD"),
        ));
    }
    let update = run_at("main");
    assert_eq!(update.code, 0, "{}", update.show());
    assert_eq!(update.total("changed"), 2, "{}", update.show());
    for (i, host) in HOSTS.iter().enumerate() {
        assert!(
            update
                .stdout
                .contains(&format!("before={} after={}", v1[i], v2[i])),
            "{host}\n{}",
            update.show()
        );
        assert_eq!(
            fleet_ssh(
                &fleet,
                host,
                &format!("cat {root}/app/f; git -C {root}/app rev-parse HEAD")
            ),
            format!("two\n{}", v2[i]),
            "{host}"
        );
    }
    assert_eq!(run_at("main").total("changed"), 0);

    // A local modification is refused without force.
    for host in HOSTS {
        fleet_ssh(&fleet, host, &format!("echo local > {root}/app/f"));
    }
    let dirty = run_at("v1");
    assert_eq!(dirty.code, 2, "{}", dirty.show());
    assert!(
        dirty.stdout.contains("Local modifications exist"),
        "{}",
        dirty.show()
    );
    cleanup(&fleet, &root);
}
