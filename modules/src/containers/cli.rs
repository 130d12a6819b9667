//! What the image, network, volume and compose modules share about the engine's CLI on the target:
//! which engine runs (`docker` or `podman`, or the first found), how one query selects it into the
//! shell variable `$e`, reading `inspect` JSON, and lenient `key: value` maps (labels, options).

use crate::{Cmd, CmdOutput, ModuleError};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

pub use super::engine::{Engine, EngineChoice};

/// [`super::engine::detect`] for a query of `@@` sections: sets `$e` and prints `==engine NAME`,
/// and stops the query there when the target has no engine.
pub fn select_engine(choice: EngineChoice) -> Cmd {
    super::engine::detect(choice).syntax("; [ -n \"$e\" ] || exit 0")
}

/// The engine a query found (see [`select_engine`]); a target without one fails the task.
pub fn engine_of(out: &CmdOutput, choice: EngineChoice) -> Result<Engine, ModuleError> {
    match super::engine::detected(&out.stdout) {
        Some(Some(engine)) => Ok(engine),
        Some(None) => Err(ModuleError::Failed(super::engine::missing(choice))),
        None => Err(ModuleError::Failed(format!(
            "could not read the container engine's answer: {}",
            out.stdout.trim().chars().take(300).collect::<String>()
        ))),
    }
}

/// `"$e" SUBCOMMAND… inspect NAME` printed under `@@name`; a missing object prints `[]` (docker,
/// podman) and the shell goes on. `args` are drover's own words (`image inspect`).
pub fn inspect_section(section: &str, args: &str, object: &str) -> Cmd {
    Cmd::new(&format!("echo @@{section};"))
        .syntax(&format!("\"$e\" {args}"))
        .arg(object)
        .syntax("2>/dev/null || echo '[]'")
}

/// The first object of an `inspect` answer printed under `@@section`; `None` when there is none.
pub fn inspected(out: &CmdOutput, section: &str) -> Result<Option<Value>, ModuleError> {
    let Some(lines) = crate::packages::section(&out.stdout, section) else {
        return Err(ModuleError::Failed(format!(
            "the engine printed no '{section}' answer: {}",
            out.stderr.trim()
        )));
    };
    let text = lines.join("\n");
    // `inspect` of a missing object prints `[]` and then our own `[]`.
    let first_json = text.trim().strip_prefix("[]").unwrap_or(text.trim()).trim();
    if first_json.is_empty() || first_json == "[]" {
        return Ok(None);
    }
    let value: Value = serde_json::from_str(first_json).map_err(|e| {
        ModuleError::Failed(format!(
            "could not read the engine's {section} inspect JSON: {e}"
        ))
    })?;
    Ok(match value {
        Value::Array(mut items) if !items.is_empty() => Some(items.swap_remove(0)),
        Value::Array(_) => None,
        other => Some(other),
    })
}

/// A string field of inspect JSON, case as the engine writes it (docker `Name`, podman `name`).
pub fn field<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| v.get(*n))
        .filter(|v| !v.is_null())
}

/// A `{key: value}` object of inspect JSON as strings (`null` → empty).
pub fn string_map_of(v: Option<&Value>) -> BTreeMap<String, String> {
    let Some(Value::Object(map)) = v else {
        return BTreeMap::new();
    };
    map.iter()
        .map(|(k, v)| (k.clone(), scalar_text(v)))
        .collect()
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `labels: {a: 1}` / `options: {o: "size=1m"}`: values YAML may type as numbers or booleans.
pub fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(map) => Ok(map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::Bool(b) => if b { "true" } else { "false" }.to_string(),
                    other => scalar_text(&other),
                };
                (k, text)
            })
            .collect()),
        other => Err(serde::de::Error::custom(format!(
            "expected a mapping of strings, got {other}"
        ))),
    }
}

pub use super::engine::image_id as short_id;

#[cfg(test)]
mod tests {
    use super::*;

    fn out(stdout: &str) -> CmdOutput {
        CmdOutput {
            rc: 0,
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    #[test]
    fn missing_object_is_none_and_present_is_the_first() {
        let o = out("==engine docker\n@@image\n[]\n[]\n@@other\n");
        assert_eq!(engine_of(&o, EngineChoice::Auto).ok(), Some(Engine::Docker));
        assert!(matches!(inspected(&o, "image"), Ok(None)));
        let o = out("@@image\n[\n {\"Id\": \"sha256:ab\"}\n]\n");
        let v = inspected(&o, "image").ok().flatten();
        assert_eq!(
            v.and_then(|v| v["Id"].as_str().map(String::from)),
            Some("sha256:ab".into())
        );
    }

    #[test]
    fn ansible_names_reach_the_image_network_volume_compose_modules() {
        let name = |n: &str| crate::lookup(n).map(|m| m.name());
        for (ansible, ours) in [
            ("community.docker.docker_image", "container_image"),
            ("podman_image", "container_image"),
            ("docker_network", "container_network"),
            ("containers.podman.podman_volume", "container_volume"),
            ("community.docker.docker_compose_v2", "compose"),
            ("quadlet", "quadlet"),
        ] {
            assert_eq!(name(ansible), Some(ours), "{ansible}");
        }
        assert_eq!(name("ansible.builtin.compose"), None);
        assert_eq!(name("ansible.builtin.docker_image"), None);
    }

    /// The query as a shell runs it, with `PATH` holding only a stand-in `docker` that prints
    /// an empty inspect answer (or none at all).
    fn run_query(cmd: &Cmd, with_docker: bool) -> CmdOutput {
        let bin = tempfile::tempdir().unwrap();
        if with_docker {
            let fake = bin.path().join("docker");
            std::fs::write(&fake, "#!/bin/sh\necho '[]'\n").unwrap();
            std::process::Command::new("chmod")
                .args(["755", &fake.display().to_string()])
                .status()
                .unwrap();
        }
        let out = std::process::Command::new("/bin/sh")
            .args(["-c", &cmd.to_shell()])
            .env("PATH", format!("{}:/nonexistent", bin.path().display()))
            .output()
            .unwrap();
        CmdOutput {
            rc: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    #[test]
    fn the_detection_and_a_section_run_as_one_shell_query() {
        let query =
            |choice| select_engine(choice).then(inspect_section("volume", "volume inspect", "v 1"));
        let o = run_query(&query(EngineChoice::Auto), true);
        assert_eq!(o.rc, 0, "{o:?}");
        assert_eq!(engine_of(&o, EngineChoice::Auto).ok(), Some(Engine::Docker));
        assert!(matches!(inspected(&o, "volume"), Ok(None)), "{o:?}");
        let o = run_query(&query(EngineChoice::Podman), true);
        assert_eq!(o.stdout, "==engine \n", "{o:?}");
        assert!(engine_of(&o, EngineChoice::Podman).is_err());
    }

    #[test]
    fn no_engine_fails_with_the_choice() {
        let o = out("==engine \n");
        let e = engine_of(&o, EngineChoice::Podman)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("no podman found on the target (the engine's CLI must be on PATH)")
        );
    }
}

/// `options: {k: v}` or podman's list form `options: [k=v]`.
pub fn options_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .map(|i| {
                let text = scalar_text(&i);
                match text.split_once('=') {
                    Some((k, v)) => Ok((k.to_string(), v.to_string())),
                    None => Err(serde::de::Error::custom(format!(
                        "an option must be key=value, got {text:?}"
                    ))),
                }
            })
            .collect(),
        other => string_map(other).map_err(serde::de::Error::custom),
    }
}

/// The settings that differ between what a task asks and what the engine reports, by name, and
/// a readable before/after of them for `--diff`.
#[derive(Debug, Default)]
pub struct Drift {
    pub names: Vec<String>,
    before: String,
    after: String,
}

impl Drift {
    /// Compares one setting the task names; settings it leaves out are not compared.
    pub fn setting(&mut self, name: &str, want: Option<&str>, have: &str) {
        if let Some(want) = want
            && want != have
        {
            self.record(name, have, want);
        }
    }

    /// Compares the keys the task names in a map (labels, options): extra keys on the object
    /// are not drift, as in Ansible.
    pub fn map(
        &mut self,
        name: &str,
        want: &BTreeMap<String, String>,
        have: &BTreeMap<String, String>,
    ) {
        for (k, v) in want {
            let current = have.get(k);
            if current != Some(v) {
                let shown = current.map_or_else(|| "(none)".to_string(), Clone::clone);
                self.record(&format!("{name}.{k}"), &shown, v);
            }
        }
    }

    fn record(&mut self, name: &str, have: &str, want: &str) {
        self.names.push(name.to_string());
        self.before.push_str(&format!("{name}: {have}\n"));
        self.after.push_str(&format!("{name}: {want}\n"));
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn diff(&self, what: &str) -> crate::Diff {
        crate::Diff {
            before_header: format!("{what} (engine)"),
            after_header: format!("{what} (task)"),
            before: self.before.clone(),
            after: self.after.clone(),
        }
    }
}

/// `true`/`false` as the engines print them, for comparing booleans as settings.
pub fn flag(b: Option<bool>) -> Option<&'static str> {
    b.map(|b| if b { "true" } else { "false" })
}

/// A boolean field of inspect JSON (`false` when absent).
pub fn bool_field(v: &Value, names: &[&str]) -> &'static str {
    if field(v, names).and_then(Value::as_bool).unwrap_or(false) {
        "true"
    } else {
        "false"
    }
}
