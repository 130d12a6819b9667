//! The command line: raw clap arguments, resolved into what the library runs.

use crate::exec::RunOptions;
use crate::report::OutputFormat;
use crate::transport::HostKeyChecking;
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "drover",
    version,
    about = "Run Ansible playbooks over SSH, agentless and fast"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run playbooks against an inventory (like ansible-playbook).
    Play(PlayArgs),
    /// Run one command or module on many hosts (like ansible / parallel-ssh).
    Run(RunArgs),
    /// Show the inventory (like ansible-inventory).
    Inventory(InventoryArgs),
}

/// Options shared by everything that connects to hosts.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Inventory file or directory (repeatable); default: $ANSIBLE_INVENTORY or /etc/ansible/hosts.
    #[arg(short = 'i', long = "inventory", value_name = "PATH")]
    pub inventory: Vec<PathBuf>,
    /// Limit to hosts matching this pattern.
    #[arg(short = 'l', long = "limit", value_name = "PATTERN")]
    pub limit: Option<String>,
    /// Extra variables: key=value pairs, YAML/JSON, or @file (repeatable; highest precedence).
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,
    /// Hosts worked on at once.
    #[arg(short = 'f', long = "forks", default_value_t = 50)]
    pub forks: usize,
    /// Don't change anything; report what would change.
    #[arg(short = 'C', long = "check")]
    pub check: bool,
    /// Show the differences in changed files.
    #[arg(short = 'D', long = "diff")]
    pub diff: bool,
    /// More output (-v results, -vv task paths).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// How host keys are checked against known_hosts (default: strict, or the inventory's ssh options).
    #[arg(long = "host-key-checking", value_enum, value_name = "MODE")]
    pub host_key_checking: Option<HostKeyMode>,
    /// Seconds to wait for a host's SSH connection [default: ConnectTimeout of the ssh options or
    /// ~/.ssh/config, else 10].
    #[arg(short = 'T', long = "timeout", value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// SSH connections open at once; hosts beyond it reconnect on demand [default: what the
    /// open-file limit allows].
    #[arg(
        long = "max-connections",
        value_name = "N",
        env = "DROVER_MAX_CONNECTIONS"
    )]
    pub max_connections: Option<usize>,
    /// SSH connections being set up (handshake and authentication) at once [default: 16].
    #[arg(
        long = "max-handshakes",
        value_name = "N",
        env = "DROVER_MAX_HANDSHAKES"
    )]
    pub max_handshakes: Option<usize>,
    /// Seconds a task may run on a host before it fails (0: no limit); a task's `timeout:` wins.
    #[arg(
        long = "task-timeout",
        value_name = "SECONDS",
        env = "ANSIBLE_TASK_TIMEOUT"
    )]
    pub task_timeout: Option<u64>,
    /// Output format.
    #[arg(long = "output", value_enum, default_value_t = OutputFormat::Default)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HostKeyMode {
    Strict,
    AcceptNew,
    Off,
}

#[derive(Debug, Args)]
pub struct PlayArgs {
    /// Playbook files, run in order.
    #[arg(required = true, value_name = "PLAYBOOK")]
    pub playbooks: Vec<PathBuf>,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Only check the playbook and inventory; run nothing.
    #[arg(long = "syntax-check")]
    pub syntax_check: bool,
    /// List the hosts each play would run on.
    #[arg(long = "list-hosts")]
    pub list_hosts: bool,
    /// List the tasks of each play.
    #[arg(long = "list-tasks")]
    pub list_tasks: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Host pattern (`all`, `web*`, `webservers:!web3`).
    #[arg(value_name = "PATTERN")]
    pub pattern: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Module to run (default: command).
    #[arg(short = 'm', long = "module-name", default_value = "command")]
    pub module: String,
    /// Module arguments (`k=v ...`, or the command for command/shell).
    #[arg(short = 'a', long = "args")]
    pub args: Option<String>,
    /// The command to run (after `--`), for the command module.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Inventory file or directory (repeatable).
    #[arg(short = 'i', long = "inventory", value_name = "PATH")]
    pub inventory: Vec<PathBuf>,
    /// Every group and host with their variables, as JSON.
    #[arg(long = "list", conflicts_with_all = ["graph", "host"])]
    pub list: bool,
    /// The group tree.
    #[arg(long = "graph", value_name = "GROUP", num_args = 0..=1, default_missing_value = "all")]
    pub graph: Option<String>,
    /// One host's variables, as JSON.
    #[arg(long = "host", value_name = "NAME")]
    pub host: Option<String>,
    /// Limit to hosts matching this pattern.
    #[arg(short = 'l', long = "limit", value_name = "PATTERN")]
    pub limit: Option<String>,
}

/// Bad command-line values (`-e` that cannot be read, …).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CliError(pub String);

impl ConnectArgs {
    /// Resolves the raw flags into run options (reads `-e @file`, honours `ANSIBLE_HOST_KEY_CHECKING`).
    pub fn run_options(&self) -> Result<RunOptions, CliError> {
        Ok(RunOptions {
            forks: self.forks.max(1),
            check: self.check,
            diff: self.diff,
            verbosity: self.verbose,
            extra_vars: parse_extra_vars(&self.extra_vars)?,
            limit: self.limit.clone(),
            host_key_checking: self
                .host_key_checking
                .map(Into::into)
                .or_else(host_key_checking_from_env),
            connect_timeout: self.timeout.map(|t| Duration::from_secs(t.max(1))),
            max_connections: self.max_connections,
            max_handshakes: self.max_handshakes,
            task_timeout: self
                .task_timeout
                .filter(|&t| t > 0)
                .map(Duration::from_secs),
        })
    }
}

impl From<HostKeyMode> for HostKeyChecking {
    fn from(mode: HostKeyMode) -> Self {
        match mode {
            HostKeyMode::Strict => HostKeyChecking::Strict,
            HostKeyMode::AcceptNew => HostKeyChecking::AcceptNew,
            HostKeyMode::Off => HostKeyChecking::Off,
        }
    }
}

fn host_key_checking_from_env() -> Option<HostKeyChecking> {
    let value = std::env::var("ANSIBLE_HOST_KEY_CHECKING").ok()?;
    match drover_modules::de::bool_from_value(&Value::String(value)) {
        Some(false) => Some(HostKeyChecking::Off),
        _ => None,
    }
}

/// The inventory sources: `-i`, else `$ANSIBLE_INVENTORY` (comma-separated), else /etc/ansible/hosts.
pub fn inventory_sources(given: &[PathBuf]) -> Vec<PathBuf> {
    if !given.is_empty() {
        return given.to_vec();
    }
    match std::env::var("ANSIBLE_INVENTORY") {
        Ok(list) if !list.is_empty() => list.split(',').map(PathBuf::from).collect(),
        _ => vec![PathBuf::from("/etc/ansible/hosts")],
    }
}

/// `-e k=v`, `-e '{"k": 1}'`, `-e 'k: v'`, `-e @vars.yml`; later ones win.
pub fn parse_extra_vars(values: &[String]) -> Result<Map<String, Value>, CliError> {
    let mut vars = Map::new();
    for value in values {
        let parsed = if let Some(file) = value.strip_prefix('@') {
            crate::yaml::from_file::<Option<Map<String, Value>>>(Path::new(file))
                .map_err(|e| CliError(format!("-e @{file}: {e}")))?
                .unwrap_or_default()
        } else if value.trim_start().starts_with('{') {
            crate::yaml::from_str::<Map<String, Value>>(value, Path::new("<extra vars>"))
                .map_err(|e| CliError(format!("-e {value:?}: {e}")))?
        } else {
            crate::playbook::parse_kv(value, None)
                .map_err(|e| CliError(format!("-e {value:?}: {e}")))?
        };
        vars.extend(parsed);
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extra_vars_in_every_form() {
        let vars = parse_extra_vars(&["a=1 b='x y'".into(), r#"{"c": [1, 2], "a": "2"}"#.into()])
            .unwrap_or_default();
        assert_eq!(
            Value::Object(vars),
            json!({"a": "2", "b": "x y", "c": [1, 2]})
        );
    }

    #[test]
    fn extra_vars_from_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("v.yml");
        std::fs::write(&file, "port: 8080\nname: web\n").unwrap_or_else(|e| panic!("{e}"));
        let vars = parse_extra_vars(&[format!("@{}", file.display())]).unwrap_or_default();
        assert_eq!(Value::Object(vars), json!({"port": 8080, "name": "web"}));
        assert!(parse_extra_vars(&["@/nonexistent.yml".into()]).is_err());
    }
}
