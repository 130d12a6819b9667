//! From a host's variables to how to reach it: `ansible_host`, `ansible_port`, `ansible_user`,
//! `ansible_ssh_private_key_file`, `ansible_connection`, and the `-o Key=Value` options users put in
//! `ansible_ssh_common_args` / `ansible_ssh_extra_args`.

use super::RunOptions;
use crate::template::Templar;
use crate::transport::ssh_config::{self, SshHostConfig, expand_home};
use crate::transport::{ConnectionSpec, HostKeyChecking};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// Reads a host's connection variables (templated, as Ansible allows) into a [`ConnectionSpec`].
pub fn connection_spec(
    name: &str,
    vars: &Map<String, Value>,
    options: &RunOptions,
    templar: &Templar,
) -> ConnectionSpec {
    // Connection variables may be templates of the host's own name (`10.0.0.{{ inventory_hostname[3:] }}`).
    let mut scope = vars.clone();
    scope.insert("inventory_hostname".into(), Value::from(name));
    let short = name.split('.').next().unwrap_or(name);
    scope.insert("inventory_hostname_short".into(), Value::from(short));
    templar.resolve_vars(&mut scope);
    let text = |key: &str| -> Option<String> {
        match scope.get(key)?.clone() {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        }
    };
    let local = text("ansible_connection").is_some_and(|c| c == "local");
    let address = text("ansible_host")
        .or_else(|| text("ansible_ssh_host"))
        .unwrap_or_else(|| name.to_string());
    let ssh = if local {
        SshHostConfig::default()
    } else {
        ssh_config::for_host(&address)
    };
    let mut identity_files: Vec<PathBuf> = text("ansible_ssh_private_key_file")
        .or_else(|| text("ansible_private_key_file"))
        .map(|p| expand_home(&p))
        .or_else(|| options.private_key_file.clone())
        .into_iter()
        .collect();
    identity_files.extend(ssh.identity_files);
    let mut spec = ConnectionSpec {
        name: name.to_string(),
        address: ssh.host_name.unwrap_or(address),
        port: text("ansible_port")
            .or_else(|| text("ansible_ssh_port"))
            .and_then(|p| p.parse().ok())
            .or(options.remote_port)
            .or(ssh.port)
            .unwrap_or(22),
        user: text("ansible_user")
            .or_else(|| text("ansible_ssh_user"))
            .or_else(|| options.remote_user.clone())
            .or(ssh.user),
        identity_files,
        host_key_checking: ssh.host_key_checking.unwrap_or(HostKeyChecking::Strict),
        known_hosts: if ssh.known_hosts.is_empty() {
            default_known_hosts()
        } else {
            ssh.known_hosts
        },
        connect_timeout: options.connect_timeout,
        local,
        unsupported: ssh.unsupported,
    };
    for key in ["ansible_ssh_common_args", "ansible_ssh_extra_args"] {
        if let Some(args) = text(key) {
            apply_ssh_options(&mut spec, &args);
        }
    }
    if let Some(explicit) = options.host_key_checking {
        spec.host_key_checking = explicit;
    }
    spec
}

fn default_known_hosts() -> Vec<PathBuf> {
    std::env::home_dir()
        .map(|h| vec![h.join(".ssh/known_hosts")])
        .unwrap_or_default()
}

/// The `ssh -o` options that matter to drover's own SSH client; others are ignored.
fn apply_ssh_options(spec: &mut ConnectionSpec, args: &str) {
    let words = shlex::split(args).unwrap_or_default();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let option = match word.as_str() {
            "-o" => words.next().cloned(),
            w if w.starts_with("-o") => Some(w[2..].to_string()),
            _ => None,
        };
        let Some(option) = option else { continue };
        let Some((key, value)) = option.split_once(['=', ' ']) else {
            continue;
        };
        let value = value.trim();
        match key.to_ascii_lowercase().as_str() {
            "userknownhostsfile" => {
                spec.known_hosts = value.split_whitespace().map(expand_home).collect();
            }
            "stricthostkeychecking" => {
                spec.host_key_checking = match value.to_ascii_lowercase().as_str() {
                    "no" | "off" => HostKeyChecking::Off,
                    "accept-new" => HostKeyChecking::AcceptNew,
                    _ => HostKeyChecking::Strict,
                }
            }
            "identityfile" => spec.identity_files.push(expand_home(value)),
            "port" => spec.port = value.parse().unwrap_or(spec.port),
            "user" => spec.user = Some(value.to_string()),
            "connecttimeout" => {
                if let Ok(secs) = value.parse() {
                    spec.connect_timeout = std::time::Duration::from_secs(secs);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(vars: Value) -> ConnectionSpec {
        let Value::Object(vars) = vars else {
            panic!("vars must be a map")
        };
        connection_spec("web07", &vars, &RunOptions::default(), &Templar::new())
    }

    #[test]
    fn reads_and_templates_connection_vars() {
        let s = spec(json!({
            "ansible_host": "10.0.0.{{ inventory_hostname[3:] | int + 10 }}",
            "ansible_port": "2222",
            "ansible_user": "deploy",
            "ansible_ssh_private_key_file": "/keys/id",
            "ansible_ssh_common_args": "-o UserKnownHostsFile=/tmp/kh -o StrictHostKeyChecking=accept-new",
        }));
        assert_eq!(
            (s.address.as_str(), s.port, s.user.as_deref()),
            ("10.0.0.17", 2222, Some("deploy"))
        );
        assert_eq!(s.identity_files, vec![PathBuf::from("/keys/id")]);
        assert_eq!(s.known_hosts, vec![PathBuf::from("/tmp/kh")]);
        assert_eq!(s.host_key_checking, HostKeyChecking::AcceptNew);
        assert!(!s.local);
    }

    #[test]
    fn config_defaults_apply_where_the_inventory_is_silent() {
        let options = RunOptions {
            remote_user: Some("deploy".into()),
            remote_port: Some(2200),
            private_key_file: Some(PathBuf::from("/cfg/key")),
            ..RunOptions::default()
        };
        let templar = Templar::new();
        let silent = connection_spec("h", &Map::new(), &options, &templar);
        assert_eq!(
            (silent.user.as_deref(), silent.port),
            (Some("deploy"), 2200)
        );
        assert_eq!(
            silent.identity_files.first(),
            Some(&PathBuf::from("/cfg/key"))
        );
        let Value::Object(vars) = json!({
            "ansible_user": "inv", "ansible_port": 22, "ansible_ssh_private_key_file": "/inv/key"
        }) else {
            return;
        };
        let set = connection_spec("h", &vars, &options, &templar);
        assert_eq!((set.user.as_deref(), set.port), (Some("inv"), 22));
        assert_eq!(set.identity_files.first(), Some(&PathBuf::from("/inv/key")));
        assert!(!set.identity_files.contains(&PathBuf::from("/cfg/key")));
    }

    #[test]
    fn defaults_are_strict_and_the_cli_wins() {
        let s = spec(json!({"ansible_connection": "local"}));
        assert_eq!(
            (s.address.as_str(), s.port, s.host_key_checking, s.local),
            ("web07", 22, HostKeyChecking::Strict, true)
        );
        let options = RunOptions {
            host_key_checking: Some(HostKeyChecking::Off),
            ..RunOptions::default()
        };
        let Value::Object(vars) =
            json!({"ansible_ssh_common_args": "-o StrictHostKeyChecking=yes"})
        else {
            return;
        };
        let s = connection_spec("h", &vars, &options, &Templar::new());
        assert_eq!(s.host_key_checking, HostKeyChecking::Off);
    }
}
