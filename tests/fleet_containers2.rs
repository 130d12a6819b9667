//! Images, networks, volumes, compose, quadlet and a rolling replacement against real engines:
//! docker 26 with compose v2 on host01 and podman 5.4 with Quadlet on host02 (Debian 13) of
//! `tests/fleet/fleet.sh up 2 --with-engines`
//! (started by `scripts/test` as `$DROVER_ENGINE_FLEET_DIR`), the test image imported from a
//! tarball (no registry). Each module: a first run changes, a second run changes nothing, drift
//! changes exactly what drifted, `state: absent` removes. Values with spaces, quotes and `$` reach
//! the engines intact.
//!
//! Skipped — loudly — only when `scripts/test` could not build the engine layer and says so in
//! `$DROVER_ENGINES_UNAVAILABLE`; without the fleet the tests fail.

mod common;

use common::{Outcome, play_in_dir, play_of, run, tempdir, write};
use std::path::{Path, PathBuf};

const DOCKER_HOST: &str = "host01";
const PODMAN_HOST: &str = "host02";
const IMAGE: &str = "local/bookworm:test";

fn engine_fleet() -> Option<PathBuf> {
    common::engine_fleet()
}

fn ssh(fleet: &Path, host: &str, command: &str) -> String {
    common::fleet_ssh(fleet, host, command)
}

fn import_image(fleet: &Path, host: &str, engine: &str) {
    common::import_engine_image(fleet, host, engine, IMAGE);
}

/// Runs a play on `host` from a directory that also holds `files` (a controller build context).
fn play_in(dir: &Path, fleet: &Path, host: &str, body: &str, extra: &[&str]) -> Outcome {
    play_in_dir(dir, fleet, &play_of(host, body), extra)
}

fn play(fleet: &Path, host: &str, body: &str, extra: &[&str]) -> Outcome {
    let dir = tempdir();
    play_in(dir.path(), fleet, host, body, extra)
}

fn changed(out: &Outcome, host: &str) -> u32 {
    assert_eq!(out.code, 0, "{}", out.show());
    out.count(host, "changed")
}

/// Interfaces an engine could have made in the machine's network namespace (shared with the
/// fleet hosts): bridges of docker networks, CNI bridges of podman containers.
fn engine_interfaces() -> usize {
    let out = std::process::Command::new("ip")
        .args(["-o", "link"])
        .output()
        .unwrap_or_else(|e| panic!("ip: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("cni-") || l.contains(" br-") || l.contains("docker0"))
        .count()
}

const TRICKY: &str = r#"it's "$HOME" & a b"#;

fn image_play(engine: &str, state: &str, greeting: &str) -> String {
    format!(
        r#"  tasks:
    - container_image:
        name: ctr2/app
        tag: v1
        state: {state}
        source: build
        force_absent: true
        engine: {engine}
        build:
          path: ctx
          context: controller
          network: host
          args:
            GREETING: '{greeting}'
    - container_image:
        name: ctr2/app:v1
        state: {state}
        source: local
        engine: {engine}
        archive_path: /tmp/ctr2 app.tar
        repository: ctr2/other
      when: "'{state}' == 'present'"
"#,
        greeting = greeting.replace('\'', "''"),
    )
}

fn images_on(fleet: &Path, host: &str, engine: &str) {
    import_image(fleet, host, engine);
    ssh(
        fleet,
        host,
        &format!(
            "{engine} image rm -f ctr2/app:v1 ctr2/other:v1 >/dev/null 2>&1; rm -f '/tmp/ctr2 app.tar'"
        ),
    );
    let dir = tempdir();
    write(
        &dir.path().join("ctx/Dockerfile"),
        &format!("FROM {IMAGE}\nARG GREETING\nRUN echo \"$GREETING\" > /greeting\n"),
    );
    let first = play_in(
        dir.path(),
        fleet,
        host,
        &image_play(engine, "present", TRICKY),
        &[],
    );
    assert_eq!(changed(&first, host), 2, "{}", first.show());
    // The build argument reached the build as one word, quotes and `$` intact.
    let greeting = ssh(
        fleet,
        host,
        &format!("{engine} run --rm --network host ctr2/app:v1 cat /greeting"),
    );
    assert_eq!(greeting, TRICKY);
    assert!(
        ssh(
            fleet,
            host,
            &format!("{engine} image inspect --format '{{{{.Id}}}}' ctr2/other:v1")
        )
        .len()
            >= 12,
        "the repository tag is missing"
    );
    assert_eq!(
        ssh(fleet, host, "tar -tf '/tmp/ctr2 app.tar' manifest.json"),
        "manifest.json"
    );
    let second = play_in(
        dir.path(),
        fleet,
        host,
        &image_play(engine, "present", TRICKY),
        &[],
    );
    assert_eq!(changed(&second, host), 0, "{}", second.show());
    let check = play_in(
        dir.path(),
        fleet,
        host,
        &image_play(engine, "absent", TRICKY),
        &["--check"],
    );
    assert_eq!(changed(&check, host), 1, "{}", check.show());
    assert!(!ssh(fleet, host, &format!("{engine} image ls -q ctr2/app:v1")).is_empty());
    let absent = play_in(
        dir.path(),
        fleet,
        host,
        &image_play(engine, "absent", TRICKY),
        &[],
    );
    assert_eq!(changed(&absent, host), 1, "{}", absent.show());
    assert!(ssh(fleet, host, &format!("{engine} image ls -q ctr2/app:v1")).is_empty());
    let again = play_in(
        dir.path(),
        fleet,
        host,
        &image_play(engine, "absent", TRICKY),
        &[],
    );
    assert_eq!(changed(&again, host), 0, "{}", again.show());
}

#[test]
fn images_build_from_the_controller_save_tag_and_go() {
    let Some(fleet) = engine_fleet() else { return };
    images_on(&fleet, DOCKER_HOST, "docker");
    images_on(&fleet, PODMAN_HOST, "podman");
}

fn net_vol_play(engine: &str, team: &str, state: &str) -> String {
    let team = team.replace('\'', "''");
    // docker's networks are config-only here: a bridge would be made in the machine's network
    // namespace, which the fleet shares. podman makes its bridge only when a container joins.
    let kind = if engine == "docker" {
        "config_only: true"
    } else {
        "driver: bridge"
    };
    format!(
        r#"  tasks:
    - container_network:
        name: ctr2-net
        engine: {engine}
        state: {state}
        {kind}
        subnet: 10.61.0.0/24
        labels:
          team: '{team}'
      register: net
    - container_volume:
        name: ctr2-vol
        engine: {engine}
        state: {state}
        labels:
          team: '{team}'
      register: vol
    - debug:
        msg: "net={{{{ net.differences | default([]) | join(',') }}}} vol={{{{ vol.differences | default([]) | join(',') }}}}"
"#
    )
}

fn networks_and_volumes_on(fleet: &Path, host: &str, engine: &str) {
    ssh(
        fleet,
        host,
        &format!(
            "{engine} network rm ctr2-net >/dev/null 2>&1; {engine} volume rm ctr2-vol >/dev/null 2>&1"
        ),
    );
    let interfaces = engine_interfaces();
    let first = play(
        fleet,
        host,
        &net_vol_play(engine, "a $b 'c'", "present"),
        &[],
    );
    assert_eq!(changed(&first, host), 2, "{}", first.show());
    let label = ssh(
        fleet,
        host,
        &format!("{engine} volume inspect --format '{{{{index .Labels \"team\"}}}}' ctr2-vol"),
    );
    assert_eq!(label, "a $b 'c'");
    let second = play(
        fleet,
        host,
        &net_vol_play(engine, "a $b 'c'", "present"),
        &[],
    );
    assert_eq!(changed(&second, host), 0, "{}", second.show());
    // A label drift recreates the network; the volume (data) only reports it.
    let id = |kind: &str, name: &str| {
        ssh(
            fleet,
            host,
            &format!(
                "{engine} {kind} inspect --format '{{{{.CreatedAt}}}}{{{{.Id}}}}' {name} 2>/dev/null || {engine} {kind} inspect {name}"
            ),
        )
    };
    let volume_before = id("volume", "ctr2-vol");
    let drift = play(fleet, host, &net_vol_play(engine, "other", "present"), &[]);
    assert_eq!(changed(&drift, host), 1, "{}", drift.show());
    assert!(
        drift.stdout.contains("net=labels.team vol=labels.team"),
        "{}",
        drift.show()
    );
    assert_eq!(id("volume", "ctr2-vol"), volume_before);
    let label = ssh(
        fleet,
        host,
        &format!("{engine} network inspect --format '{{{{index .Labels \"team\"}}}}' ctr2-net"),
    );
    assert_eq!(label, "other");
    let absent = play(fleet, host, &net_vol_play(engine, "other", "absent"), &[]);
    assert_eq!(changed(&absent, host), 2, "{}", absent.show());
    let again = play(fleet, host, &net_vol_play(engine, "other", "absent"), &[]);
    assert_eq!(changed(&again, host), 0, "{}", again.show());
    assert_eq!(
        engine_interfaces(),
        interfaces,
        "an engine made an interface in the machine's network namespace"
    );
}

#[test]
fn networks_and_volumes_converge_and_drift_as_the_engine_requires() {
    let Some(fleet) = engine_fleet() else { return };
    networks_and_volumes_on(&fleet, DOCKER_HOST, "docker");
    networks_and_volumes_on(&fleet, PODMAN_HOST, "podman");
}

fn compose_play(note: &str, state: &str) -> String {
    format!(
        r#"  tasks:
    - compose:
        project_name: ctr2shop
        state: {state}
        remove_orphans: true
        definition:
          services:
            web:
              image: {IMAGE}
              command: [sleep, "100000"]
              network_mode: host
              environment:
                NOTE: '{note}'
            worker:
              image: {IMAGE}
              command: [sleep, "100000"]
              network_mode: host
"#,
        note = note.replace('\'', "''"),
    )
}

fn container_ids(fleet: &Path) -> (String, String) {
    let id = |name: &str| {
        ssh(
            fleet,
            DOCKER_HOST,
            &format!("docker inspect --format '{{{{.Id}}}}' {name}"),
        )
    };
    (id("ctr2shop-web-1"), id("ctr2shop-worker-1"))
}

#[test]
fn compose_up_is_idempotent_recreates_only_the_drifted_service_and_goes_down() {
    let Some(fleet) = engine_fleet() else { return };
    import_image(&fleet, DOCKER_HOST, "docker");
    // The v2 path for real: the `docker compose` plugin (Debian 13's docker-compose package also
    // installs it as `/usr/bin/docker-compose`, v2 as well). v2 names containers `PROJECT-SERVICE-1`
    // (v1: `PROJECT_SERVICE_1`), which the checks below look up.
    assert!(
        ssh(&fleet, DOCKER_HOST, "docker compose version").starts_with("Docker Compose version 2"),
        "no compose v2 on {DOCKER_HOST}"
    );
    ssh(
        &fleet,
        DOCKER_HOST,
        "docker rm -f ctr2shop-web-1 ctr2shop-worker-1 >/dev/null 2>&1; rm -rf /var/lib/drover/compose/ctr2shop",
    );
    // compose interpolates `$VAR` in its files: a literal `$` is written `$$`.
    let note = r#"a "b" $$c 'd'"#;
    let first = play(&fleet, DOCKER_HOST, &compose_play(note, "present"), &[]);
    assert_eq!(changed(&first, DOCKER_HOST), 1, "{}", first.show());
    assert_eq!(
        ssh(
            &fleet,
            DOCKER_HOST,
            "docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' ctr2shop-web-1 | grep ^NOTE="
        ),
        format!("NOTE={}", note.replace("$$", "$"))
    );
    let second = play(&fleet, DOCKER_HOST, &compose_play(note, "present"), &[]);
    assert_eq!(changed(&second, DOCKER_HOST), 0, "{}", second.show());
    let (web, worker) = container_ids(&fleet);
    let check = play(
        &fleet,
        DOCKER_HOST,
        &compose_play("changed", "present"),
        &["--check"],
    );
    assert_eq!(changed(&check, DOCKER_HOST), 1, "{}", check.show());
    assert_eq!(
        container_ids(&fleet),
        (web.clone(), worker.clone()),
        "--check touched the project"
    );
    let drift = play(
        &fleet,
        DOCKER_HOST,
        &compose_play("changed", "present"),
        &[],
    );
    assert_eq!(changed(&drift, DOCKER_HOST), 1, "{}", drift.show());
    let (web_after, worker_after) = container_ids(&fleet);
    assert_ne!(web_after, web, "web was not recreated");
    assert_eq!(
        worker_after, worker,
        "worker was recreated without a change"
    );
    let stopped = play(
        &fleet,
        DOCKER_HOST,
        &compose_play("changed", "stopped"),
        &[],
    );
    assert_eq!(changed(&stopped, DOCKER_HOST), 1, "{}", stopped.show());
    let stopped_again = play(
        &fleet,
        DOCKER_HOST,
        &compose_play("changed", "stopped"),
        &[],
    );
    assert_eq!(
        changed(&stopped_again, DOCKER_HOST),
        0,
        "{}",
        stopped_again.show()
    );
    let down = play(&fleet, DOCKER_HOST, &compose_play("changed", "absent"), &[]);
    assert_eq!(changed(&down, DOCKER_HOST), 1, "{}", down.show());
    assert!(
        ssh(
            &fleet,
            DOCKER_HOST,
            "docker ps -aq --filter label=com.docker.compose.project=ctr2shop"
        )
        .is_empty()
    );
    let down_again = play(&fleet, DOCKER_HOST, &compose_play("changed", "absent"), &[]);
    assert_eq!(
        changed(&down_again, DOCKER_HOST),
        0,
        "{}",
        down_again.show()
    );
}

fn quadlet_play(note: &str, state: &str) -> String {
    format!(
        r#"  tasks:
    - quadlet:
        name: ctr2-web
        state: {state}
        sections:
          Unit:
            Description: drover quadlet test
          Container:
            Image: {IMAGE}
            Exec: sleep 100000
            Environment: NOTE={note}
"#
    )
}

/// The generated service's state and the container it runs (`systemd-NAME`), as podman sees it.
fn quadlet_state(fleet: &Path) -> (String, String, String) {
    let service = ssh(
        fleet,
        PODMAN_HOST,
        "systemctl is-active ctr2-web.service 2>/dev/null",
    );
    let container = ssh(
        fleet,
        PODMAN_HOST,
        "podman inspect --format '{{.Id}} {{.State.Status}}' systemd-ctr2-web 2>/dev/null",
    );
    let env = ssh(
        fleet,
        PODMAN_HOST,
        "podman inspect --format '{{range .Config.Env}}{{println .}}{{end}}' systemd-ctr2-web 2>/dev/null | grep ^NOTE=",
    );
    (service, container, env)
}

#[test]
fn quadlet_unit_runs_under_systemd_and_restarts_only_when_it_changes() {
    let Some(fleet) = engine_fleet() else { return };
    import_image(&fleet, PODMAN_HOST, "podman");
    ssh(
        &fleet,
        PODMAN_HOST,
        "systemctl stop ctr2-web.service 2>/dev/null; rm -f /etc/containers/systemd/ctr2-web.container; \
         systemctl daemon-reload; podman rm -f systemd-ctr2-web >/dev/null 2>&1",
    );
    let first = play(&fleet, PODMAN_HOST, &quadlet_play("one", "present"), &[]);
    assert_eq!(changed(&first, PODMAN_HOST), 1, "{}", first.show());
    let (service, container, env) = quadlet_state(&fleet);
    assert_eq!(service, "active", "{}", first.show());
    assert!(container.ends_with(" running"), "{container:?}");
    assert_eq!(env, "NOTE=one");
    assert!(
        ssh(
            &fleet,
            PODMAN_HOST,
            "systemctl show -P SourcePath ctr2-web.service"
        )
        .ends_with("/etc/containers/systemd/ctr2-web.container"),
        "the service is not Quadlet's"
    );

    let second = play(&fleet, PODMAN_HOST, &quadlet_play("one", "present"), &[]);
    assert_eq!(changed(&second, PODMAN_HOST), 0, "{}", second.show());
    assert_eq!(
        quadlet_state(&fleet).1,
        container,
        "an unchanged unit restarted"
    );

    let drift = play(&fleet, PODMAN_HOST, &quadlet_play("two", "present"), &[]);
    assert_eq!(changed(&drift, PODMAN_HOST), 1, "{}", drift.show());
    let (service, restarted, env) = quadlet_state(&fleet);
    assert_eq!(service, "active");
    assert!(restarted.ends_with(" running"), "{restarted:?}");
    assert_ne!(
        restarted, container,
        "the changed unit did not restart its container"
    );
    assert_eq!(env, "NOTE=two");

    let absent = play(&fleet, PODMAN_HOST, &quadlet_play("two", "absent"), &[]);
    assert_eq!(changed(&absent, PODMAN_HOST), 1, "{}", absent.show());
    let (service, container, _) = quadlet_state(&fleet);
    assert_ne!(service, "active");
    assert_eq!(container, "", "the container outlived its unit");
    assert_eq!(
        ssh(
            &fleet,
            PODMAN_HOST,
            "test -e /etc/containers/systemd/ctr2-web.container && echo left || echo gone"
        ),
        "gone"
    );
    let absent_again = play(&fleet, PODMAN_HOST, &quadlet_play("two", "absent"), &[]);
    assert_eq!(
        changed(&absent_again, PODMAN_HOST),
        0,
        "{}",
        absent_again.show()
    );
}

fn roll(fleet: &Path, extra: &[&str]) -> Outcome {
    let inventory = fleet.join("inventory.ini").display().to_string();
    let mut args = vec![
        "play",
        "playbooks/rolling-containers.yml",
        "-i",
        "inventories/containers",
        "-i",
        inventory.as_str(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn version_on(fleet: &Path, host: &str) -> String {
    ssh(fleet, host, "cat /srv/rolling-app/version")
}

#[test]
fn rolling_playbook_updates_host_by_host_and_stops_at_the_first_failure() {
    let Some(fleet) = engine_fleet() else { return };
    import_image(&fleet, DOCKER_HOST, "docker");
    import_image(&fleet, PODMAN_HOST, "podman");
    let v1 = roll(&fleet, &["-e", "app_version=v1"]);
    assert_eq!(v1.code, 0, "{}", v1.show());
    let v2 = roll(&fleet, &["-e", "app_version=v2"]);
    assert_eq!(v2.code, 0, "{}", v2.show());
    for host in [DOCKER_HOST, PODMAN_HOST] {
        assert!(v2.count(host, "changed") >= 1, "{host}: {}", v2.show());
        assert_eq!(version_on(&fleet, host), "v2");
    }
    // serial: 1 — every task of host01's batch ran before any of host02's.
    let order: Vec<&str> = v2
        .stdout
        .lines()
        .filter_map(|l| l.split(": [").nth(1).and_then(|h| h.split(']').next()))
        .collect();
    let last_host01 = order.iter().rposition(|h| *h == DOCKER_HOST);
    let first_host02 = order.iter().position(|h| *h == PODMAN_HOST);
    assert!(
        last_host01 < first_host02,
        "not one host at a time: {order:?}"
    );
    let again = roll(&fleet, &["-e", "app_version=v2"]);
    assert_eq!(again.code, 0, "{}", again.show());
    assert_eq!(again.total("changed"), 0, "{}", again.show());
    // A version that never becomes healthy stops the rollout at host01: host02 keeps v2.
    let broken = roll(
        &fleet,
        &["-e", "app_version=v3", "-e", "app_health_file=/nope"],
    );
    assert_ne!(broken.code, 0, "{}", broken.show());
    assert_eq!(broken.count(DOCKER_HOST, "failed"), 1, "{}", broken.show());
    assert_eq!(broken.count(PODMAN_HOST, "ok"), 0, "{}", broken.show());
    assert_eq!(version_on(&fleet, PODMAN_HOST), "v2");
    let healed = roll(&fleet, &["-e", "app_version=v2"]);
    assert_eq!(healed.code, 0, "{}", healed.show());
}
