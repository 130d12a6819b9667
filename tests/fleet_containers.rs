//! The `container` module against real engines: docker 26 on one host, podman 5.4 on another
//! (Debian 13; the module's fixtures also hold docker 20.10 and podman 4.3 answers)
//! (`tests/fleet/fleet.sh up 2 --with-engines`, started by `scripts/test` as
//! `$DROVER_ENGINE_FLEET_DIR`), with an image imported from a tarball (no registry). A first run
//! creates two containers, a second changes nothing, a changed `env` recreates exactly that
//! container (with values holding spaces, quotes and `$` intact), `--check` touches nothing, and
//! `state: absent` removes it.
//!
//! Skipped — loudly — only when `scripts/test` could not build the engine layer (no network for
//! apt) and says so in `$DROVER_ENGINES_UNAVAILABLE`; without the fleet the tests fail.

mod common;

use common::{Outcome, play_of};
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

fn play(fleet: &Path, host: &str, body: &str, extra: &[&str]) -> Outcome {
    common::play_on(fleet, &play_of(host, body), extra)
}

fn changed(out: &Outcome, host: &str) -> u32 {
    assert_eq!(out.code, 0, "{}", out.show());
    out.count(host, "changed")
}

/// Two containers by one module name; `greeting` goes into `app`'s environment.
fn two_containers(module: &str, greeting: &str) -> String {
    format!(
        r#"  tasks:
    - name: app
      {module}:
        name: app
        image: {IMAGE}
        command: [sh, -c, 'echo "$GREETING"; sleep 1000']
        env:
          GREETING: '{greeting}'
          LEVEL: "3"
        labels:
          tier: front end
        network_mode: host
        restart_policy: unless-stopped
        memory: 64m
        healthcheck:
          test: test -d /tmp
          interval: 30s
    - name: other
      {module}:
        name: other
        image: {IMAGE}
        command: sleep 1000
        network_mode: none
"#
    )
}

fn container_id(fleet: &Path, host: &str, engine: &str, name: &str) -> String {
    ssh(
        fleet,
        host,
        &format!("{engine} container inspect --format '{{{{.Id}}}}' {name} 2>/dev/null"),
    )
}

fn lifecycle(engine: &str, host: &str, module: &str) {
    let Some(fleet) = engine_fleet() else { return };
    let fleet = fleet.as_path();
    import_image(fleet, host, engine);
    ssh(
        fleet,
        host,
        &format!("{engine} rm -f app other >/dev/null 2>&1"),
    );

    // A value with spaces, both quotes and a dollar sign: one argument, kept as written.
    let first = "it''s \"a\" $HOME day";
    let first_value = "it's \"a\" $HOME day";
    let create = two_containers(module, first);
    assert_eq!(changed(&play(fleet, host, &create, &[]), host), 2);
    let env = ssh(
        fleet,
        host,
        &format!("{engine} container inspect --format '{{{{json .Config.Env}}}}' app"),
    );
    let quoted = serde_json::to_string(&format!("GREETING={first_value}")).unwrap_or_default();
    assert!(env.contains(&quoted), "{quoted} not in {env}");
    assert_eq!(
        ssh(
            fleet,
            host,
            &format!("{engine} logs app 2>/dev/null | head -1")
        ),
        first_value,
        "the command saw another value"
    );
    assert_eq!(
        ssh(
            fleet,
            host,
            &format!("{engine} container inspect --format '{{{{.State.Running}}}}' app other")
        ),
        "true\ntrue"
    );
    let app_id = container_id(fleet, host, engine, "app");
    let other_id = container_id(fleet, host, engine, "other");

    let again = play(fleet, host, &create, &[]);
    assert_eq!(changed(&again, host), 0, "{}", again.show());

    // A changed env: --check says so and touches nothing; the run recreates exactly `app`.
    let second = "second $value, \"quoted\"";
    let update = two_containers(module, second);
    let check = play(fleet, host, &update, &["--check", "--diff"]);
    assert_eq!(changed(&check, host), 1, "{}", check.show());
    assert!(check.stdout.contains("env:"), "{}", check.show());
    assert_eq!(container_id(fleet, host, engine, "app"), app_id);
    assert_eq!(changed(&play(fleet, host, &update, &[]), host), 1);
    let new_app_id = container_id(fleet, host, engine, "app");
    assert!(!new_app_id.is_empty() && new_app_id != app_id);
    assert_eq!(container_id(fleet, host, engine, "other"), other_id);
    assert_eq!(
        ssh(
            fleet,
            host,
            &format!("{engine} logs app 2>/dev/null | head -1")
        ),
        second
    );
    assert_eq!(changed(&play(fleet, host, &update, &[]), host), 0);

    let absent = format!("  tasks:\n    - {module}:\n        name: app\n        state: absent\n");
    assert_eq!(changed(&play(fleet, host, &absent, &[]), host), 1);
    assert_eq!(container_id(fleet, host, engine, "app"), "");
    assert_eq!(container_id(fleet, host, engine, "other"), other_id);
    assert_eq!(changed(&play(fleet, host, &absent, &[]), host), 0);
    ssh(
        fleet,
        host,
        &format!("{engine} rm -f other >/dev/null 2>&1"),
    );
}

#[test]
fn docker_containers_are_created_kept_recreated_on_drift_and_removed() {
    lifecycle("docker", DOCKER_HOST, "community.docker.docker_container");
}

#[test]
fn podman_containers_are_created_kept_recreated_on_drift_and_removed() {
    lifecycle("podman", PODMAN_HOST, "containers.podman.podman_container");
}

#[test]
fn container_picks_the_engine_the_host_has_and_stops_a_container() {
    let Some(fleet) = engine_fleet() else { return };
    let fleet = fleet.as_path();
    // The engine hosts have both CLIs: `engine: podman` picks one, the default would be docker.
    import_image(fleet, PODMAN_HOST, "podman");
    ssh(fleet, PODMAN_HOST, "podman rm -f stopper >/dev/null 2>&1");
    let task = |state: &str| {
        format!(
            "  tasks:\n    - container:\n        name: stopper\n        image: {IMAGE}\n        command: sleep 1000\n        engine: podman\n        stop_timeout: 0\n        state: {state}\n"
        )
    };
    assert_eq!(
        changed(
            &play(fleet, PODMAN_HOST, &task("stopped"), &[]),
            PODMAN_HOST
        ),
        1
    );
    let state = || {
        ssh(
            fleet,
            PODMAN_HOST,
            "podman container inspect --format '{{.State.Status}}' stopper",
        )
    };
    assert_eq!(state(), "created");
    assert_eq!(
        changed(
            &play(fleet, PODMAN_HOST, &task("started"), &[]),
            PODMAN_HOST
        ),
        1
    );
    assert_eq!(state(), "running");
    assert_eq!(
        changed(
            &play(fleet, PODMAN_HOST, &task("stopped"), &[]),
            PODMAN_HOST
        ),
        1
    );
    assert_eq!(state(), "exited");
    assert_eq!(
        changed(
            &play(fleet, PODMAN_HOST, &task("stopped"), &[]),
            PODMAN_HOST
        ),
        0
    );
    assert_eq!(
        changed(&play(fleet, PODMAN_HOST, &task("absent"), &[]), PODMAN_HOST),
        1
    );
}

/// A health check runs through exec inside the container (the fleet's hosts pivot into their own
/// roots, so exec reaches the container's filesystem, never the machine's): a check that writes a
/// file turns the container healthy, and the file is in the container, nowhere else.
#[test]
fn a_docker_health_check_runs_through_exec_inside_the_container() {
    let Some(fleet) = engine_fleet() else { return };
    let fleet = fleet.as_path();
    import_image(fleet, DOCKER_HOST, "docker");
    ssh(fleet, DOCKER_HOST, "docker rm -f checked >/dev/null 2>&1");
    let marker = format!("/drover-health-{}", std::process::id());
    let task = format!(
        "  tasks:\n    - docker_container:\n        name: checked\n        image: {IMAGE}\n        command: sleep 1000\n        network_mode: none\n        healthcheck:\n          test: [CMD-SHELL, 'echo checked > {marker} && test -s {marker}']\n          interval: 1s\n          retries: 1\n"
    );
    assert_eq!(
        changed(&play(fleet, DOCKER_HOST, &task, &[]), DOCKER_HOST),
        1
    );
    let status = || {
        ssh(
            fleet,
            DOCKER_HOST,
            "docker inspect --format '{{.State.Health.Status}}' checked",
        )
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while status() != "healthy" && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let escaped = Path::new(&marker).exists();
    let _ = std::fs::remove_file(&marker);
    assert!(
        !escaped,
        "the health check wrote {marker} into the machine's root"
    );
    assert_eq!(status(), "healthy");
    assert_eq!(
        ssh(
            fleet,
            DOCKER_HOST,
            &format!(
                "docker exec checked cat {marker}; test -e {marker} && echo in-host-root; docker rm -f checked >/dev/null"
            ),
        ),
        "checked"
    );
}
