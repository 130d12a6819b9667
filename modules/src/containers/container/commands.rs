//! The engine commands a plan runs: create (with its networks and start), remove, recreate, the
//! state changes of a matching container, and `pull: always`'s pull-and-compare.

use super::params::{Desired, HealthcheckArg, Params, State, go_duration};
use crate::containers::engine::{self, Engine, Healthcheck, Inspected};
use crate::{Cmd, Parsed, Parser, Step};
use serde_json::json;

/// `ENGINE create …`: every value a quoted argument of its own.
pub(super) fn create_cmd(p: &Params, want: &Desired, engine: Engine, image: &str) -> Cmd {
    let mut cmd = engine.cmd("create").syntax("--name").arg(&p.name);
    let mut command = want.command.clone();
    if let Some(entry) = &want.entrypoint {
        match (engine, entry.split_first()) {
            (_, None) => cmd = cmd.syntax("--entrypoint").arg(""),
            (Engine::Podman, Some(_)) if entry.len() > 1 => {
                cmd = cmd
                    .syntax("--entrypoint")
                    .arg(serde_json::to_string(entry).unwrap_or_default());
            }
            (_, Some((first, rest))) => {
                cmd = cmd.syntax("--entrypoint").arg(first);
                if !rest.is_empty() {
                    let mut argv = rest.to_vec();
                    argv.extend(command.take().unwrap_or_default());
                    command = Some(argv);
                }
            }
        }
    }
    for (k, v) in want.env.iter().flatten() {
        cmd = cmd.syntax("--env").arg(format!("{k}={v}"));
    }
    for (k, v) in want.labels.iter().flatten() {
        cmd = cmd.syntax("--label").arg(format!("{k}={v}"));
    }
    let host_network = want.network_mode.as_deref() == Some("host");
    if !host_network {
        for port in p.published_ports.iter().flatten() {
            cmd = cmd.syntax("--publish").arg(port);
        }
    }
    for vol in p.volumes.iter().flatten() {
        cmd = cmd.syntax("--volume").arg(vol);
    }
    for m in want.mounts.iter().flatten() {
        let mut spec = format!("type={},target={}", m.kind, m.target);
        if !m.source.is_empty() {
            spec.push_str(&format!(",source={}", m.source));
        }
        if m.read_only {
            spec.push_str(",readonly");
        }
        cmd = cmd.syntax("--mount").arg(spec);
    }
    let first_network = want.networks.as_ref().and_then(|n| n.first());
    if let Some(mode) = &p.network_mode {
        cmd = cmd.syntax("--network").arg(mode);
    } else if let Some(net) = first_network {
        cmd = cmd.syntax("--network").arg(net);
    }
    let options = [
        ("--restart", want.restart_policy.as_deref()),
        ("--user", p.user.as_deref()),
        ("--workdir", p.workdir.as_deref()),
        ("--hostname", p.hostname.as_deref()),
        ("--memory", p.memory.as_deref()),
        ("--cpus", p.cpus.as_deref()),
    ];
    for (flag, value) in options {
        if let Some(v) = value {
            cmd = cmd.syntax(flag).arg(v);
        }
    }
    if let Some(hc) = &p.healthcheck {
        cmd = healthcheck_args(cmd, hc, want.healthcheck.as_ref());
    }
    if let Some(t) = p.stop_timeout {
        cmd = cmd.syntax("--stop-timeout").arg(t.to_string());
    }
    cmd = cmd.syntax("--").arg(image);
    cmd.args(command.iter().flatten())
}

pub(super) fn healthcheck_args(
    mut cmd: Cmd,
    arg: &HealthcheckArg,
    want: Option<&Healthcheck>,
) -> Cmd {
    match want.map(|h| h.test.as_slice()) {
        Some([none]) if none == "NONE" => return cmd.syntax("--no-healthcheck"),
        Some([_, line]) => cmd = cmd.syntax("--health-cmd").arg(line),
        _ => {}
    }
    let durations = [
        ("--health-interval", &arg.interval),
        ("--health-timeout", &arg.timeout),
        ("--health-start-period", &arg.start_period),
    ];
    for (flag, value) in durations {
        if let Some(v) = value {
            cmd = cmd.syntax(flag).arg(go_duration(v));
        }
    }
    if let Some(r) = &arg.retries {
        cmd = cmd.syntax("--health-retries").arg(r.trim());
    }
    cmd
}

/// What a matching container needs to reach `state`, if anything.
pub(super) fn state_cmd(p: &Params, engine: Engine, have: &Inspected) -> Option<Cmd> {
    match p.state {
        State::Started if !have.running => Some(engine.cmd("start").arg(&p.name)),
        State::Started if p.restart => {
            Some(timed(engine.cmd("restart"), p.stop_timeout).arg(&p.name))
        }
        State::Stopped if have.running => {
            Some(timed(engine.cmd("stop"), p.stop_timeout).arg(&p.name))
        }
        _ => None,
    }
}

/// The remove, create (and connect, start) commands of a recreation, joined with `&&`.
pub(super) fn recreate_cmds(p: &Params, want: &Desired, engine: Engine, image: &str) -> Cmd {
    create_cmds(p, want, engine, image)
        .into_iter()
        .fold(remove_cmd(p, engine), Cmd::and)
}

/// `pull: always` with a container that otherwise matches, in one step as community.docker does
/// it: pull, print the pulled image's id, and only when it is not the container's image run
/// `recreate` (when the image is compared); otherwise just what `state` needs. Everything the
/// shell sees from the task is a quoted argument; the id comparison strips docker's `sha256:`.
pub(super) fn pull_and_follow(
    engine: Engine,
    image: &str,
    container_image: &str,
    state: Option<Cmd>,
    recreate: Option<Cmd>,
    wanted: State,
) -> Step {
    let state_planned = state.is_some();
    let stay = state.unwrap_or_else(|| Cmd::new(":"));
    let follows = recreate.is_some();
    let moved = recreate.unwrap_or_else(|| stay.clone());
    let branch = Cmd::new("if [ \"${id#sha256:}\" =")
        .arg(container_image)
        .syntax("]")
        .then(Cmd::new("then :"))
        .then(stay)
        .then(Cmd::new("else :"))
        .then(moved)
        .then(Cmd::new("fi"));
    let cmd = engine
        .cmd("pull")
        .arg(image)
        .syntax(">/dev/null && id=$(")
        .syntax(engine.cli())
        .syntax("image inspect --format")
        .arg("{{.Id}}")
        .arg(image)
        .syntax(") && printf '%s\\n' \"$id\"")
        .and(branch);
    let (image, known) = (image.to_string(), container_image.to_string());
    Step::run(cmd).parsed(Parser::new(move |out| {
        let pulled = out
            .stdout
            .lines()
            .next()
            .map_or("", |l| engine::image_id(l.trim()));
        let moved = !pulled.is_empty() && pulled != known;
        let recreated = moved && follows;
        let mut parsed = Parsed {
            changed: Some(moved || state_planned),
            ..Parsed::default()
        };
        if !out.success() {
            parsed.failed = Some(match pulled {
                "" => format!("pull of {image} failed: {}", out.stderr.trim()),
                _ => format!("after pulling {image}: {}", out.stderr.trim()),
            });
        }
        if recreated {
            let mut actions = vec!["pull", "remove", "create"];
            if wanted == State::Started {
                actions.push("start");
            }
            parsed.fields.insert("actions".into(), json!(actions));
            parsed.fields.insert(
                "differences".into(),
                json!([{"image": {"container": known, "parameter": pulled}}]),
            );
        }
        parsed
    }))
}

pub(super) fn timed(cmd: Cmd, timeout: Option<u64>) -> Cmd {
    match timeout {
        Some(t) => cmd.syntax("--time").arg(t.to_string()),
        None => cmd,
    }
}

/// The container goes, running or not. docker's `rm -f` kills at once; podman's would first wait
/// 10 s for a graceful stop, so it gets `--time 0` too unless `stop_timeout` says otherwise.
pub(super) fn remove_step(p: &Params, engine: Engine) -> Step {
    Step::run(remove_cmd(p, engine))
}

pub(super) fn remove_cmd(p: &Params, engine: Engine) -> Cmd {
    let mut cmd = engine.cmd("rm").syntax("-f");
    if engine == Engine::Podman {
        cmd = timed(cmd, Some(p.stop_timeout.unwrap_or(0)));
    }
    cmd.arg(&p.name)
}

pub(super) fn create_steps(p: &Params, want: &Desired, engine: Engine, image: &str) -> Vec<Step> {
    create_cmds(p, want, engine, image)
        .into_iter()
        .map(Step::run)
        .collect()
}

/// `create`, a `network connect` for each further network, and `start` when `state: started`.
pub(super) fn create_cmds(p: &Params, want: &Desired, engine: Engine, image: &str) -> Vec<Cmd> {
    let mut cmds = vec![create_cmd(p, want, engine, image)];
    if p.network_mode.is_none() {
        for net in want.networks.iter().flatten().skip(1) {
            cmds.push(
                engine
                    .cmd("network")
                    .syntax("connect")
                    .arg(net)
                    .arg(&p.name),
            );
        }
    }
    if p.state == State::Started {
        cmds.push(engine.cmd("start").arg(&p.name));
    }
    cmds
}
