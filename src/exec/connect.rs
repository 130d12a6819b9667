//! From a host's variables to how to reach it: `ansible_host`, `ansible_port`, `ansible_user`,
//! `ansible_ssh_private_key_file`, `ansible_password`, `ansible_connection`, and the `-o Key=Value`
//! options users put in `ansible_ssh_common_args` / `ansible_ssh_extra_args` — read into
//! [`ConnectionVars`], then resolved against `~/.ssh/config` by [`ConnectionSpec::from_vars`], the
//! one path every connection takes.

use super::RunOptions;
use crate::template::Templar;
use crate::transport::ssh_config::expand_home;
use crate::transport::{ConnectionSpec, ConnectionVars, Secret};
use serde_json::{Map, Value};

/// Reads a host's connection variables (templated, as Ansible allows) into a [`ConnectionSpec`].
pub fn connection_spec(
    name: &str,
    vars: &Map<String, Value>,
    options: &RunOptions,
    templar: &Templar,
) -> ConnectionSpec {
    connection_spec_as(name, vars, options, templar, &Remote::default())
}

/// The `remote_user` and `port` keywords of a play or task, rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remote {
    pub user: Option<String>,
    pub port: Option<u16>,
}

/// [`connection_spec`] for a play or task that names its own `remote_user`/`port`: they apply
/// where the host's variables set none, and beat `-u` and ansible.cfg.
pub fn connection_spec_as(
    name: &str,
    vars: &Map<String, Value>,
    options: &RunOptions,
    templar: &Templar,
    remote: &Remote,
) -> ConnectionSpec {
    let connection = connection_vars(name, vars, options, templar, remote);
    let mut spec = ConnectionSpec::from_vars(name, &connection);
    if let Some(explicit) = options.host_key_checking {
        spec.host_key_checking = explicit;
    }
    spec
}

/// The inventory's say on how to reach `name`, lowest layer first as Ansible builds its ssh command
/// line: its own variables (and an explicit `--timeout`), then the `-o` options.
fn connection_vars(
    name: &str,
    vars: &Map<String, Value>,
    options: &RunOptions,
    templar: &Templar,
    remote: &Remote,
) -> ConnectionVars {
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
    let first = |keys: &[&str]| keys.iter().find_map(|k| text(k));
    let mut connection = ConnectionVars {
        address: first(&["ansible_host", "ansible_ssh_host"]),
        // ansible.cfg's remote_port / remote_user / private_key_file where the inventory sets none.
        port: first(&["ansible_port", "ansible_ssh_port"])
            .and_then(|p| p.trim().parse().ok())
            .or(remote.port)
            .or(options.remote_port),
        user: first(&["ansible_user", "ansible_ssh_user"])
            .or_else(|| remote.user.clone())
            .or_else(|| options.remote_user.clone()),
        identity_files: first(&["ansible_ssh_private_key_file", "ansible_private_key_file"])
            .map(|p| expand_home(&p))
            .or_else(|| options.private_key_file.clone())
            .into_iter()
            .collect(),
        connect_timeout: options.connect_timeout,
        password: first(&[
            "ansible_password",
            "ansible_ssh_pass",
            "ansible_ssh_password",
        ])
        .map(Secret::new),
        // `-c/--connection` for hosts whose inventory does not say.
        local: text("ansible_connection")
            .or_else(|| options.connection.clone())
            .is_some_and(|c| c == "local"),
        ..ConnectionVars::default()
    };
    for key in ["ansible_ssh_common_args", "ansible_ssh_extra_args"] {
        if let Some(args) = text(key) {
            connection.apply_ssh_args(&args);
        }
    }
    connection
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::HostKeyChecking;
    use serde_json::json;
    use std::path::PathBuf;
    use std::time::Duration;

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
    fn remote_user_and_port_keywords_beat_the_cli_but_not_the_inventory() {
        let options = RunOptions {
            remote_user: Some("from-u".into()),
            remote_port: Some(2200),
            ..RunOptions::default()
        };
        let remote = Remote {
            user: Some("keyword".into()),
            port: Some(2300),
        };
        let templar = Templar::new();
        let silent = connection_spec_as("h", &Map::new(), &options, &templar, &remote);
        assert_eq!(
            (silent.user.as_deref(), silent.port),
            (Some("keyword"), 2300)
        );
        let Value::Object(vars) = json!({"ansible_user": "inv", "ansible_port": 22}) else {
            return;
        };
        let set = connection_spec_as("h", &vars, &options, &templar, &remote);
        assert_eq!((set.user.as_deref(), set.port), (Some("inv"), 22));
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

    #[test]
    fn ssh_options_fill_in_but_inventory_variables_come_first() {
        // As on ssh's command line, where Ansible puts `-o User=` (ansible_user) before the
        // common args: the first value wins; identity files add up.
        let s = spec(json!({
            "ansible_user": "deploy",
            "ansible_ssh_private_key_file": "/keys/id",
            "ansible_ssh_common_args": "-o User=other -o Port=2200 -oIdentityFile=/keys/two \
                -o ServerAliveInterval=2 -o 'ServerAliveCountMax 1' -o ConnectTimeout=4",
            "ansible_ssh_extra_args": "-o Port=2300 -o ServerAliveInterval=9",
        }));
        assert_eq!((s.user.as_deref(), s.port), (Some("deploy"), 2200));
        assert_eq!(
            s.identity_files,
            [PathBuf::from("/keys/id"), PathBuf::from("/keys/two")]
        );
        assert_eq!(
            (s.keepalive_interval, s.keepalive_max, s.connect_timeout),
            (Some(Duration::from_secs(2)), 1, Duration::from_secs(4))
        );
        let off = spec(json!({"ansible_ssh_common_args": "-o ServerAliveInterval=0"}));
        assert_eq!(off.keepalive_interval, None, "0 turns keepalives off");
        let default = spec(json!({}));
        assert_eq!(
            (default.keepalive_interval, default.keepalive_max),
            (Some(Duration::from_secs(15)), 3)
        );
    }

    #[test]
    fn an_explicit_timeout_wins_over_the_ssh_options() {
        let options = RunOptions {
            connect_timeout: Some(Duration::from_secs(30)),
            ..RunOptions::default()
        };
        let Value::Object(vars) = json!({"ansible_ssh_common_args": "-o ConnectTimeout=4"}) else {
            return;
        };
        let s = connection_spec("h", &vars, &options, &Templar::new());
        assert_eq!(s.connect_timeout, Duration::from_secs(30));
    }

    #[test]
    fn passwords_are_read_and_never_shown() {
        for key in ["ansible_password", "ansible_ssh_pass"] {
            let s = spec(json!({ key: "s3cret-{{ inventory_hostname }}" }));
            let password = s.password.as_ref().map(|p| p.expose().to_string());
            assert_eq!(password.as_deref(), Some("s3cret-web07"), "{key}");
            let shown = format!("{s:?}");
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        assert!(spec(json!({})).password.is_none());
    }
}
