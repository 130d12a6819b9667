//! The `environment:` keyword: variables every command of a task runs with. The layers (play, role,
//! block, task) are templated and merged in that order, the task's winning, as Ansible's
//! `_compute_environment_string` does; an `omit` value drops its key.
//!
//! The assignments never appear on a command line (where any user's `ps` would show them, secrets
//! included): they travel as one line on the command's standard input, which the remote shell
//! reads and evaluates before running the command. Inside a `become` the wrapped command reads them,
//! so they survive sudo's environment reset, as Ansible puts them inside the become'd shell.

use super::worker::OMIT;
use crate::template::{Templar, Vars};
use drover_modules::cmd::quote;
use serde_json::{Map, Value};

/// The merged, rendered environment of one task on one host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    vars: Vec<(String, String)>,
}

impl Environment {
    /// Templates and merges the layers (outermost first).
    pub fn of_layers(
        templar: &Templar,
        layers: &[Value],
        vars: &Vars,
    ) -> Result<Environment, String> {
        let mut merged = Map::new();
        for layer in layers {
            if is_empty(layer) {
                continue;
            }
            let rendered = templar
                .render_value(layer, vars)
                .map_err(|e| format!("environment: {e}"))?;
            // A layer may be a list of mappings, merged in order; an omitted entry is dropped
            // (ansible-core's `_validate_environment` / `_compile_environment`).
            let parts = match rendered {
                Value::Array(items) => items,
                other => vec![other],
            };
            for part in parts {
                match part {
                    Value::Object(map) => merged.extend(map),
                    Value::Null => {}
                    Value::String(s) if s == OMIT => {}
                    other => {
                        return Err(format!(
                            "environment must be a dictionary, received {}",
                            python_str(&other)
                        ));
                    }
                }
            }
        }
        let mut env = Environment::default();
        for (name, value) in merged {
            if value.as_str() == Some(OMIT) {
                continue;
            }
            if !is_shell_name(&name) {
                return Err(format!(
                    "environment: `{name}` is not a valid environment variable name"
                ));
            }
            env.vars.push((name, python_str(&value)));
        }
        Ok(env)
    }

    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// `cmd` (a shell command line) preceded by the reading of the assignments, and the input it
    /// needs: the assignments' line, then what `cmd` itself reads.
    pub fn wrap(&self, cmd: &str, stdin: Option<&[u8]>) -> (String, Option<Vec<u8>>) {
        if self.is_empty() {
            return (cmd.to_string(), stdin.map(<[u8]>::to_vec));
        }
        // `read` takes its input byte by byte from a pipe, so `cmd` gets exactly what follows.
        let command = format!(
            "IFS= read -r drover_env || exit 126\neval \"$drover_env\"; unset drover_env\n{cmd}"
        );
        let mut input = self.assignments().into_bytes();
        input.push(b'\n');
        input.extend_from_slice(stdin.unwrap_or_default());
        (command, Some(input))
    }

    /// One line of shell: `export NAME='value' …`. A newline inside a value is spliced in from a
    /// variable, keeping the line whole.
    fn assignments(&self) -> String {
        let multiline = self.vars.iter().any(|(_, v)| v.contains('\n'));
        let mut line = String::new();
        if multiline {
            line.push_str("drover_nl=$(printf '\\nx'); drover_nl=${drover_nl%x}; ");
        }
        line.push_str("export");
        for (name, value) in &self.vars {
            let quoted: Vec<String> = value.split('\n').map(quote_always).collect();
            line.push_str(&format!(" {name}={}", quoted.join("\"$drover_nl\"")));
        }
        if multiline {
            line.push_str("; unset drover_nl");
        }
        line
    }
}

fn quote_always(s: &str) -> String {
    if s.is_empty() {
        "''".to_string()
    } else {
        quote(s)
    }
}

fn is_empty(layer: &Value) -> bool {
    match layer {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn is_shell_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A value as Python's `str()` writes it, which is what Ansible puts in the environment.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(layers: Value, vars: Value) -> Result<Environment, String> {
        let Value::Array(layers) = layers else {
            panic!("layers must be a list")
        };
        let vars: Vars = serde_json::from_value(vars).unwrap_or_else(|e| panic!("{e}"));
        Environment::of_layers(&Templar::new(), &layers, &vars)
    }

    /// Runs the wrapped command with /bin/sh, its input piped in.
    fn run(env: &Environment, cmd: &str, stdin: Option<&[u8]>) -> String {
        use std::io::Write;
        let (command, input) = env.wrap(cmd, stdin);
        let mut child = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&command)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut pipe = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
        pipe.write_all(&input.unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        drop(pipe);
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn layers_merge_the_innermost_winning_and_omit_drops_a_key() {
        let e = env(
            json!([
                {"PLAY": "p", "BOTH": "play"},
                "{{ role_env }}",
                {"BOTH": "{{ who }}", "GONE": OMIT, "FLAG": true, "N": 3}
            ]),
            json!({"who": "task", "role_env": {"ROLE": "r"}}),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.vars,
            [
                ("PLAY".to_string(), "p".to_string()),
                ("BOTH".into(), "task".into()),
                ("ROLE".into(), "r".into()),
                ("FLAG".into(), "True".into()),
                ("N".into(), "3".into()),
            ]
        );
    }

    #[test]
    fn a_layer_may_be_a_list_of_mappings_and_omitted_entries() {
        let e = env(
            json!([[{"NOTHERE": OMIT, "IAMHERE": "hello"}, OMIT, {"ANOTHER": "stillhere"}]]),
            json!({}),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.vars,
            [
                ("IAMHERE".to_string(), "hello".to_string()),
                ("ANOTHER".into(), "stillhere".into()),
            ]
        );
    }

    #[test]
    fn a_layer_that_is_not_a_mapping_or_a_bad_name_is_an_error() {
        let err = env(json!(["{{ 'x' }}"]), json!({})).err();
        assert_eq!(
            err.as_deref(),
            Some("environment must be a dictionary, received x")
        );
        let err = env(json!([{"A-B": "1"}]), json!({})).err();
        assert!(err.is_some_and(|e| e.contains("`A-B`")));
    }

    #[test]
    fn values_reach_the_command_unchanged_and_never_its_command_line() {
        let tricky = "a 'b' \"c\" $HOME `id` \\ \nline2\n";
        let e = env(json!([{"TRICKY": tricky, "EMPTY": ""}]), json!({}))
            .unwrap_or_else(|e| panic!("{e}"));
        let (command, _) = e.wrap("true", None);
        assert!(!command.contains("line2"), "{command}");
        let out = run(
            &e,
            "printf '%s|%s|' \"$TRICKY\" \"${EMPTY-unset}\"; env | grep -c drover_ || true; cat",
            Some(b"input"),
        );
        assert_eq!(out, format!("{tricky}||0\ninput"));
    }

    #[test]
    fn an_empty_environment_leaves_the_command_alone() {
        let (command, input) = Environment::default().wrap("id", None);
        assert_eq!((command.as_str(), input), ("id", None));
    }
}
