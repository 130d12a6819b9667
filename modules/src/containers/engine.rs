//! What the container modules share: which engine CLI a host has, one read-only probe that asks it
//! for everything a task needs (a container's and an image's `inspect` JSON, a file's text), and
//! the normalisation of what `docker inspect` and `podman inspect` print, so that both compare
//! with a task's arguments the same way.
//!
//! The probe prints sections, each a header line `==<what> <rc>` followed by that command's output:
//! `==engine docker`, `==container 0` + JSON, `==image 1` + the error, `==file 0` + text (last,
//! because a file may hold anything). Everything from a task reaches the shell as a quoted argument.

mod cli_values;
mod inspect;

use crate::{Cmd, CmdOutput, ModuleError};
use serde::Deserialize;
use serde_json::Value;

pub use cli_values::{parse_cpus, parse_duration, parse_memory, parse_port};
pub use inspect::{
    Bind, Healthcheck, ImageInfo, Inspected, MountSpec, Port, env_map, normal_network_mode,
    normal_restart, parse_bind,
};

/// A container engine's command-line interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
}

impl Engine {
    pub fn cli(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }

    fn from_cli(name: &str) -> Option<Engine> {
        match name {
            "docker" => Some(Engine::Docker),
            "podman" => Some(Engine::Podman),
            _ => None,
        }
    }

    /// A command of this engine: `docker SUBCOMMAND …`.
    pub fn cmd(self, subcommand: &str) -> Cmd {
        Cmd::new(self.cli()).syntax(subcommand)
    }
}

/// The `engine` argument: one engine, or whichever CLI the target has (docker first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    #[default]
    Auto,
    Docker,
    Podman,
}

impl EngineChoice {
    fn candidates(self) -> &'static str {
        match self {
            EngineChoice::Auto => "docker podman",
            EngineChoice::Docker => "docker",
            EngineChoice::Podman => "podman",
        }
    }
}

/// One thing the probe asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    Container(String),
    Image(String),
    /// A file's text on the target (`env_file`).
    File(String),
}

/// The one engine detection every container module's query starts with: sets `$e` to the first
/// CLI `choice` allows that the target has (docker before podman) and prints `==engine NAME`
/// (`==engine ` with no name when there is none).
pub fn detect(choice: EngineChoice) -> Cmd {
    Cmd::new(&format!(
        "e=; for c in {}; do if command -v \"$c\" >/dev/null 2>&1; then e=$c; break; fi; done; echo \"==engine $e\"",
        choice.candidates()
    ))
}

/// What [`detect`] printed: `None` when its line is missing (the query did not run as built),
/// `Some(None)` when the target has no engine `choice` allows.
pub fn detected(stdout: &str) -> Option<Option<Engine>> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("==engine"))
        .map(|name| Engine::from_cli(name.trim()))
}

/// The task's failure when the target has no engine `choice` allows.
pub fn missing(choice: EngineChoice) -> String {
    let wanted = match choice {
        EngineChoice::Auto => "neither docker nor podman",
        EngineChoice::Docker => "no docker",
        EngineChoice::Podman => "no podman",
    };
    format!("{wanted} found on the target (the engine's CLI must be on PATH)")
}

/// The probe: one round trip that finds the engine and runs each ask with it. A section's header
/// carries the command's exit code; its body is what the command printed (errors included).
pub fn probe(choice: EngineChoice, asks: &[Ask]) -> Cmd {
    let mut cmd = detect(choice).syntax("; if [ -n \"$e\" ]; then");
    let mut ordered: Vec<&Ask> = asks.iter().filter(|a| !matches!(a, Ask::File(_))).collect();
    ordered.extend(asks.iter().filter(|a| matches!(a, Ask::File(_))));
    for ask in ordered {
        let (header, run) = match ask {
            Ask::Container(name) => (
                "container",
                Cmd::new("out=$(\"$e\" container inspect")
                    .arg(name)
                    .syntax("2>&1)"),
            ),
            Ask::Image(name) => (
                "image",
                Cmd::new("out=$(\"$e\" image inspect")
                    .arg(name)
                    .syntax("2>&1)"),
            ),
            Ask::File(path) => ("file", Cmd::new("out=$(cat --").arg(path).syntax("2>&1)")),
        };
        cmd = cmd
            .syntax(&format!("{};", run.to_shell()))
            .syntax(&format!("echo \"=={header} $?\"; printf '%s\\n' \"$out\";"));
    }
    cmd.syntax("fi")
}

/// What one section of the probe found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The command succeeded: its output (parsed JSON for inspects).
    Yes(Value),
    /// It does not exist (no such container / image / file).
    No,
}

/// The probe's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Probed {
    /// `None`: no engine CLI on the target.
    pub engine: Option<Engine>,
    pub container: Option<Found>,
    pub image: Option<Found>,
    /// The file's text (`Found::Yes(Value::String)`).
    pub file: Option<Found>,
}

/// Reads the probe's output. An inspect that failed for another reason than "no such" (the
/// daemon is not running, permission denied) is an error naming the engine's message.
pub fn parse_probe(out: &CmdOutput) -> Result<Probed, ModuleError> {
    let mut probed = Probed {
        engine: None,
        container: None,
        image: None,
        file: None,
    };
    for (header, body) in sections(&out.stdout) {
        let (what, rc) = header.split_once(' ').unwrap_or((header, ""));
        if what == "engine" {
            probed.engine = Engine::from_cli(rc.trim());
            continue;
        }
        let found = found(what, rc.trim(), &body)?;
        match what {
            "container" => probed.container = Some(found),
            "image" => probed.image = Some(found),
            "file" => probed.file = Some(found),
            _ => {}
        }
    }
    Ok(probed)
}

/// The `==` sections of the probe's output: (header, body). A file's body is taken whole (it is
/// last), so a line of it starting with `==` stays its own.
fn sections(stdout: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for line in stdout.lines() {
        let in_file = out.last().is_some_and(|(h, _)| h.starts_with("file "));
        match line.strip_prefix("==") {
            Some(header) if !in_file => out.push((header, String::new())),
            _ => {
                if let Some((_, body)) = out.last_mut() {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    out
}

fn found(what: &str, rc: &str, body: &str) -> Result<Found, ModuleError> {
    if rc != "0" {
        let lower = body.to_lowercase();
        let missing = ["no such", "not known", "not found", "does not exist"];
        if missing.iter().any(|m| lower.contains(m)) {
            return Ok(Found::No);
        }
        return Err(ModuleError::Failed(format!(
            "could not inspect the {what}: {}",
            body.trim()
        )));
    }
    if what == "file" {
        let text = body.strip_suffix('\n').unwrap_or(body);
        return Ok(Found::Yes(Value::String(text.to_string())));
    }
    let value: Value = serde_json::from_str(json_part(body)).map_err(|e| {
        ModuleError::Failed(format!("the engine's {what} inspect is not JSON: {e}"))
    })?;
    // `inspect` prints an array; docker's `--format '{{json .}}'` one object.
    let first = match value {
        Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
        Value::Array(_) => return Ok(Found::No),
        other => other,
    };
    Ok(Found::Yes(first))
}

/// The JSON of an inspect that succeeded, without the warnings the engine wrote before it on
/// stderr: podman 5 on a cgroup-v1 host starts every command with
/// `time="…" level=warning msg="Using cgroups-v1 which is deprecated …"`.
fn json_part(body: &str) -> &str {
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.trim_start().starts_with(['[', '{']) {
            return body[offset..].trim();
        }
        offset += line.len();
    }
    body.trim()
}

/// An image or container id as both engines can be compared: without docker's `sha256:`.
pub fn image_id(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_quotes_every_name_and_reads_every_section() {
        let cmd = probe(
            EngineChoice::Auto,
            &[
                Ask::File("/etc/app env".into()),
                Ask::Container("it's $me".into()),
                Ask::Image("local/x:1".into()),
            ],
        );
        let shell = cmd.to_shell();
        assert!(
            shell.contains(r#"container inspect 'it'\''s $me' 2>&1)"#),
            "{shell}"
        );
        assert!(
            shell.find("image inspect") < shell.find("cat --"),
            "the file goes last: {shell}"
        );
        let out = CmdOutput {
            rc: 0,
            stdout: "==engine podman\n==container 125\nError: no such container x\n==image 0\n[{\"Id\":\"abc\"}]\n==file 0\nA=1\n==B\n".into(),
            stderr: String::new(),
        };
        let p = parse_probe(&out).unwrap();
        assert_eq!(p.engine, Some(Engine::Podman));
        assert_eq!(p.container, Some(Found::No));
        assert_eq!(p.image, Some(Found::Yes(serde_json::json!({"Id": "abc"}))));
        assert_eq!(p.file, Some(Found::Yes(Value::String("A=1\n==B".into()))));
    }

    #[test]
    fn podman_5_warning_on_a_cgroup_v1_host_comes_before_the_json() {
        // Recorded from podman 5.4.2 (Debian 13) on the fleet: stderr and stdout of one inspect.
        let out = CmdOutput {
            rc: 0,
            stdout: "==engine podman\n==image 0\ntime=\"2026-11-29T21:06:08Z\" level=warning msg=\"Using cgroups-v1 which is deprecated in favor of cgroups-v2 with Podman v5 and will be removed in a future version. Set environment variable `PODMAN_IGNORE_CGROUPSV1_WARNING` to hide this warning.\"\n[\n     {\n          \"Id\": \"4f1c\"\n     }\n]\n".into(),
            stderr: String::new(),
        };
        let p = parse_probe(&out).unwrap();
        assert_eq!(p.image, Some(Found::Yes(serde_json::json!({"Id": "4f1c"}))));
    }

    #[test]
    fn the_probe_runs_as_one_shell_query() {
        let bin = tempfile::tempdir().unwrap();
        let fake = bin.path().join("podman");
        std::fs::write(
            &fake,
            "#!/bin/sh\necho 'Error: no such container x' >&2; exit 125\n",
        )
        .unwrap();
        std::process::Command::new("chmod")
            .args(["755", &fake.display().to_string()])
            .status()
            .unwrap();
        let cmd = probe(EngineChoice::Auto, &[Ask::Container("x".into())]);
        let out = std::process::Command::new("/bin/sh")
            .args(["-c", &cmd.to_shell()])
            .env("PATH", bin.path())
            .output()
            .unwrap();
        let out = CmdOutput {
            rc: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        };
        assert_eq!(out.rc, 0, "{out:?}");
        let p = parse_probe(&out).unwrap();
        assert_eq!(p.engine, Some(Engine::Podman));
        assert_eq!(p.container, Some(Found::No));
    }

    #[test]
    fn an_engine_that_cannot_answer_is_an_error_not_a_missing_container() {
        let out = CmdOutput {
            rc: 0,
            stdout: "==engine docker\n==container 1\nCannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n".into(),
            stderr: String::new(),
        };
        let err = parse_probe(&out).unwrap_err().to_string();
        assert!(err.contains("Cannot connect"), "{err}");
    }
}
