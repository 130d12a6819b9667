//! Comparing what a task asks with what `inspect` reports: which settings drifted, how each is
//! shown in the result and in `--diff`.

use super::params::{Comparison, Desired, Params, shell_test};
use crate::Diff;
use crate::containers::engine::{Bind, Engine, Healthcheck, ImageInfo, Inspected, MountSpec, Port};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// One setting that differs: its name and both sides, as the result and `--diff` show them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Drift {
    pub(super) setting: &'static str,
    pub(super) container: Value,
    pub(super) wanted: Value,
}

/// Variables podman puts into every container's environment by itself.
pub(super) const PODMAN_ENV: &[&str] = &["container", "TERM", "HOSTNAME", "HOME", "PATH"];

pub(super) struct Compare<'a> {
    params: &'a Params,
    drifts: Vec<Drift>,
}

impl Compare<'_> {
    fn push(&mut self, setting: &'static str, container: Value, wanted: Value) {
        self.drifts.push(Drift {
            setting,
            container,
            wanted,
        });
    }

    fn scalar<T: PartialEq + serde::Serialize>(
        &mut self,
        setting: &'static str,
        have: T,
        want: &Option<T>,
    ) {
        if let Some(want) = want
            && self.params.comparison(setting) != Comparison::Ignore
            && *want != have
        {
            self.push(setting, json!(have), json!(want));
        }
    }

    fn map(
        &mut self,
        setting: &'static str,
        have: &BTreeMap<String, String>,
        want: &BTreeMap<String, String>,
    ) {
        let differs = match self.params.comparison(setting) {
            Comparison::Ignore => false,
            Comparison::AllowMorePresent => want.iter().any(|(k, v)| have.get(k) != Some(v)),
            Comparison::Strict => have != want,
        };
        if differs {
            self.push(setting, json!(have), json!(want));
        }
    }

    fn set<T: Ord + Clone + std::fmt::Debug>(
        &mut self,
        setting: &'static str,
        have: &BTreeSet<T>,
        want: &Option<BTreeSet<T>>,
        show: impl Fn(&T) -> String,
    ) {
        let Some(want) = want else { return };
        let differs = match self.params.comparison(setting) {
            Comparison::Ignore => false,
            Comparison::AllowMorePresent => !want.is_subset(have),
            Comparison::Strict => have != want,
        };
        if differs {
            let list = |s: &BTreeSet<T>| json!(s.iter().map(&show).collect::<Vec<_>>());
            self.push(setting, list(have), list(want));
        }
    }
}

pub(super) fn show_port(p: &Port) -> String {
    let host = match (p.host_ip.as_str(), p.host_port.as_str()) {
        ("", "") => String::new(),
        ("", port) => format!("{port}:"),
        (ip, port) => format!("{ip}:{port}:"),
    };
    format!("{host}{}", p.container)
}

pub(super) fn show_bind(b: &Bind) -> String {
    format!(
        "{}:{}{}",
        b.source,
        b.target,
        if b.read_only { ":ro" } else { "" }
    )
}

pub(super) fn show_mount(m: &MountSpec) -> String {
    format!(
        "type={},source={},target={}{}",
        m.kind,
        m.source,
        m.target,
        if m.read_only { ",readonly" } else { "" }
    )
}

pub(super) fn show_healthcheck(h: &Healthcheck) -> Value {
    json!({"test": h.test, "interval": h.interval, "timeout": h.timeout,
           "retries": h.retries, "start_period": h.start_period})
}

/// Which of the task's settings the container does not have.
pub(super) fn drifts(
    p: &Params,
    want: &Desired,
    have: &Inspected,
    image: Option<&ImageInfo>,
    engine: Engine,
) -> Vec<Drift> {
    let mut c = Compare {
        params: p,
        drifts: Vec::new(),
    };
    let compare_image = p.comparison("image") != Comparison::Ignore;
    match image {
        Some(image) if compare_image && image.id != have.image_id => {
            c.push("image", json!(have.image_id), json!(image.id));
        }
        // The image is not on the host: whatever the container runs, it is not that.
        None if compare_image && p.image.is_some() => {
            c.push("image", json!(have.image_id), json!(p.image));
        }
        _ => {}
    }
    compare_argv(&mut c, want, have, engine);
    if let Some(env) = &want.env {
        let mut expected = image.map(|i| i.env.clone()).unwrap_or_default();
        expected.extend(env.clone());
        let mut actual = have.env.clone();
        if engine == Engine::Podman {
            actual.retain(|k, _| expected.contains_key(k) || !PODMAN_ENV.contains(&k.as_str()));
        }
        c.map("env", &actual, &expected);
    }
    if let Some(labels) = &want.labels {
        let mut expected = image.map(|i| i.labels.clone()).unwrap_or_default();
        expected.extend(labels.clone());
        c.map("labels", &have.labels, &expected);
    }
    let host_network = want.network_mode.as_deref() == Some("host");
    if !host_network {
        // With the host's network, engines drop published ports: nothing to compare.
        c.set("published_ports", &have.ports, &want.ports, show_port);
    }
    c.set("volumes", &have.binds, &want.binds, show_bind);
    if let Some(mounts) = &want.mounts {
        // `.Mounts` also lists `volumes`: compare the `--mount` ones among all.
        let targets: BTreeSet<&str> = mounts.iter().map(|m| m.target.as_str()).collect();
        let have_mounts: BTreeSet<MountSpec> = have
            .mounts
            .iter()
            .filter(|m| targets.contains(m.target.as_str()))
            .map(|m| MountSpec {
                source: if m.kind == "tmpfs" {
                    String::new()
                } else {
                    m.source.clone()
                },
                ..m.clone()
            })
            .collect();
        c.set("mounts", &have_mounts, &want.mounts.clone(), show_mount);
    }
    if let Some(networks) = &want.networks {
        let want_set: BTreeSet<String> = networks.iter().cloned().collect();
        c.set("networks", &have.networks, &Some(want_set), String::clone);
    }
    c.scalar(
        "network_mode",
        have.network_mode.clone(),
        &want.network_mode,
    );
    c.scalar(
        "restart_policy",
        have.restart_policy.clone(),
        &want.restart_policy,
    );
    c.scalar("user", have.user.clone(), &want.user);
    c.scalar("workdir", have.workdir.clone(), &want.workdir);
    c.scalar("hostname", have.hostname.clone(), &want.hostname);
    c.scalar("memory", have.memory, &want.memory);
    c.scalar("cpus", have.nano_cpus, &want.cpus);
    if let Some(hc) = &want.healthcheck {
        compare_healthcheck(&mut c, hc, have.healthcheck.as_ref());
    }
    c.drifts
}

/// Command and entrypoint. docker's CLI takes one word of entrypoint; the rest of a longer one
/// goes before the command, so for docker both are compared as the one argv they make.
pub(super) fn compare_argv(c: &mut Compare, want: &Desired, have: &Inspected, engine: Engine) {
    let long_entrypoint = want.entrypoint.as_ref().is_some_and(|e| e.len() > 1);
    if engine == Engine::Docker && long_entrypoint {
        let want_argv: Vec<String> = want
            .entrypoint
            .iter()
            .flatten()
            .chain(want.command.iter().flatten())
            .cloned()
            .collect();
        let have_argv: Vec<String> = have
            .entrypoint
            .iter()
            .chain(have.command.iter())
            .cloned()
            .collect();
        if c.params.comparison("entrypoint") != Comparison::Ignore
            && (want.command.is_some() || !have_argv.starts_with(&want_argv))
        {
            c.scalar("entrypoint", have_argv, &Some(want_argv));
        }
        return;
    }
    c.scalar("command", have.command.clone(), &want.command);
    c.scalar("entrypoint", have.entrypoint.clone(), &want.entrypoint);
}

/// Only the parts of a health check the task gives: engines fill in defaults for the others.
pub(super) fn compare_healthcheck(c: &mut Compare, want: &Healthcheck, have: Option<&Healthcheck>) {
    if c.params.comparison("healthcheck") == Comparison::Ignore {
        return;
    }
    let none = Healthcheck::default();
    let have_raw = have.unwrap_or(&none);
    let have_test = shell_test(&have_raw.test);
    let differs = (!want.test.is_empty() && want.test != have_test)
        || (want.interval != 0 && want.interval != have_raw.interval)
        || (want.timeout != 0 && want.timeout != have_raw.timeout)
        || (want.retries != 0 && want.retries != have_raw.retries)
        || (want.start_period != 0 && want.start_period != have_raw.start_period);
    if differs {
        let mut have_shown = have_raw.clone();
        have_shown.test = have_test;
        c.push(
            "healthcheck",
            show_healthcheck(&have_shown),
            show_healthcheck(want),
        );
    }
}

/// `--diff`: one line per drifted setting, the container's value before, the task's after.
pub(super) fn drift_diff(name: &str, drifted: &[Drift]) -> Diff {
    let lines = |side: &dyn Fn(&Drift) -> &Value| -> String {
        drifted
            .iter()
            .map(|d| format!("{}: {}\n", d.setting, side(d)))
            .collect()
    };
    Diff {
        before_header: format!("container {name}"),
        after_header: format!("container {name}"),
        before: lines(&|d| &d.container),
        after: lines(&|d| &d.wanted),
    }
}
