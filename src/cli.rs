//! The command line: raw clap arguments, resolved into what the library runs.

use crate::config::{AnsibleConfig, ConnectionDefaults};
use crate::exec::RunOptions;
use crate::report::OutputFormat;
use crate::transport::HostKeyChecking;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use serde_json::{Map, Value};
use std::ffi::OsString;
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
    /// ansible.cfg and `ANSIBLE_*`, already applied to the options above where they have a flag.
    #[arg(skip)]
    pub config: AnsibleConfig,
}

impl Cli {
    /// Parses `args` (program name first); the defaults come from `config` (environment, then
    /// ansible.cfg), and what is given on the command line overrides them.
    pub fn try_parse_with_config<I, T>(args: I, config: AnsibleConfig) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let matches = Cli::command().try_get_matches_from(args)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        if let Some((_, sub)) = matches.subcommand() {
            cli.command.apply_config(sub, &config);
        }
        cli.config = config;
        Ok(cli)
    }
}

impl Command {
    fn apply_config(&mut self, matches: &ArgMatches, config: &AnsibleConfig) {
        match self {
            // ansible-playbook always uses stdout_callback; ad-hoc `ansible` only with
            // bin_ansible_callbacks.
            Command::Play(args) => args.connect.apply_config(matches, config, true),
            Command::Run(args) => {
                args.connect
                    .apply_config(matches, config, config.load_callback_plugins)
            }
            Command::Inventory(args) => {
                if args.inventory.is_empty() {
                    args.inventory = config.inventory.clone().unwrap_or_default();
                }
            }
        }
    }
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
    /// Inventory file or directory (repeatable); default: $ANSIBLE_INVENTORY, ansible.cfg's
    /// `inventory`, or /etc/ansible/hosts.
    #[arg(short = 'i', long = "inventory", value_name = "PATH")]
    pub inventory: Vec<PathBuf>,
    /// Limit to hosts matching this pattern.
    #[arg(short = 'l', long = "limit", value_name = "PATTERN")]
    pub limit: Option<String>,
    /// Extra variables: key=value pairs, YAML/JSON, or @file (repeatable; highest precedence).
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,
    /// Hosts worked on at once (default: $ANSIBLE_FORKS, ansible.cfg's `forks`, or 50).
    #[arg(
        short = 'f',
        long = "forks",
        default_value_t = 50,
        hide_default_value = true
    )]
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
    /// How host keys are checked against known_hosts (default: strict, or the inventory's ssh
    /// options; off when ansible.cfg's `host_key_checking` is False).
    #[arg(long = "host-key-checking", value_enum, value_name = "MODE")]
    pub host_key_checking: Option<HostKeyMode>,
    /// Seconds to wait for a host's SSH connection (default: $ANSIBLE_TIMEOUT, ansible.cfg's
    /// `timeout`, or 10).
    #[arg(
        short = 'T',
        long = "timeout",
        default_value_t = 10,
        hide_default_value = true
    )]
    pub timeout: u64,
    /// Output format (default: `default`, or json when ansible.cfg's `stdout_callback` is json).
    #[arg(
        long = "output",
        value_enum,
        default_value_t = OutputFormat::Default,
        hide_default_value = true
    )]
    pub output: OutputFormat,
    /// User, port and key from ansible.cfg / `ANSIBLE_*`, where the inventory sets none.
    #[arg(skip)]
    pub connection: ConnectionDefaults,
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

/// Whether the user typed this option (rather than clap filling in its default).
fn given(matches: &ArgMatches, id: &str) -> bool {
    matches.value_source(id) == Some(ValueSource::CommandLine)
}

impl ConnectArgs {
    /// Fills what the command line left to its defaults from the configuration.
    fn apply_config(&mut self, matches: &ArgMatches, config: &AnsibleConfig, callback: bool) {
        if self.inventory.is_empty() {
            self.inventory = config.inventory.clone().unwrap_or_default();
        }
        if let (false, Some(forks)) = (given(matches, "forks"), config.forks) {
            self.forks = forks;
        }
        if let (false, Some(timeout)) = (given(matches, "timeout"), config.timeout) {
            self.timeout = timeout;
        }
        if let (false, true, Some(json)) =
            (given(matches, "output"), callback, config.json_output())
        {
            self.output = if json {
                OutputFormat::Json
            } else {
                OutputFormat::Default
            };
        }
        // `host_key_checking = True` leaves the choice to the inventory's ssh options and known_hosts.
        if self.host_key_checking.is_none() && config.host_key_checking == Some(false) {
            self.host_key_checking = Some(HostKeyMode::Off);
        }
        self.connection = config.connection.clone();
    }

    /// Resolves the raw flags into run options (reads `-e @file`).
    pub fn run_options(&self) -> Result<RunOptions, CliError> {
        Ok(RunOptions {
            forks: self.forks.max(1),
            check: self.check,
            diff: self.diff,
            verbosity: self.verbose,
            extra_vars: parse_extra_vars(&self.extra_vars)?,
            limit: self.limit.clone(),
            host_key_checking: self.host_key_checking.map(Into::into),
            connect_timeout: Duration::from_secs(self.timeout.max(1)),
            remote_user: self.connection.remote_user.clone(),
            remote_port: self.connection.remote_port,
            private_key_file: self.connection.private_key_file.clone(),
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

/// The inventory sources: `-i` (or the configuration's, filled in at parse time), else
/// /etc/ansible/hosts.
pub fn inventory_sources(given: &[PathBuf]) -> Vec<PathBuf> {
    if given.is_empty() {
        vec![PathBuf::from("/etc/ansible/hosts")]
    } else {
        given.to_vec()
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

    fn parse(args: &[&str], config: &AnsibleConfig) -> Cli {
        let argv = std::iter::once("drover").chain(args.iter().copied());
        Cli::try_parse_with_config(argv, config.clone()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn connect(cli: &Cli) -> &ConnectArgs {
        match &cli.command {
            Command::Play(a) => &a.connect,
            Command::Run(a) => &a.connect,
            Command::Inventory(_) => panic!("no connection options"),
        }
    }

    #[test]
    fn the_command_line_beats_the_config_which_beats_the_defaults() {
        let config = AnsibleConfig {
            inventory: Some(vec![PathBuf::from("/cfg/hosts")]),
            forks: Some(7),
            timeout: Some(33),
            host_key_checking: Some(false),
            stdout_callback: Some("json".into()),
            ..AnsibleConfig::default()
        };
        let from_config = parse(&["play", "p.yml"], &config);
        let c = connect(&from_config);
        assert_eq!(c.inventory, vec![PathBuf::from("/cfg/hosts")]);
        assert_eq!((c.forks, c.timeout, c.output), (7, 33, OutputFormat::Json));
        assert!(matches!(c.host_key_checking, Some(HostKeyMode::Off)));

        let given = parse(
            &[
                "play", "p.yml", "-i", "x", "-f", "50", "-T", "10", "--output", "default",
            ],
            &config,
        );
        let c = connect(&given);
        assert_eq!(c.inventory, vec![PathBuf::from("x")]);
        assert_eq!(
            (c.forks, c.timeout, c.output),
            (50, 10, OutputFormat::Default)
        );

        let plain = parse(&["play", "p.yml"], &AnsibleConfig::default());
        let c = connect(&plain);
        assert!(c.inventory.is_empty());
        assert_eq!(
            (c.forks, c.timeout, c.output),
            (50, 10, OutputFormat::Default)
        );
        assert!(c.host_key_checking.is_none());
    }

    #[test]
    fn ad_hoc_runs_use_stdout_callback_only_with_bin_ansible_callbacks() {
        let mut config = AnsibleConfig {
            stdout_callback: Some("json".into()),
            ..AnsibleConfig::default()
        };
        let cli = parse(&["run", "all", "--", "true"], &config);
        assert_eq!(connect(&cli).output, OutputFormat::Default);
        config.load_callback_plugins = true;
        let cli = parse(&["run", "all", "--", "true"], &config);
        assert_eq!(connect(&cli).output, OutputFormat::Json);
    }

    #[test]
    fn connection_defaults_reach_the_run_options() {
        let config = AnsibleConfig {
            connection: ConnectionDefaults {
                remote_user: Some("deploy".into()),
                remote_port: Some(2222),
                private_key_file: Some(PathBuf::from("/k")),
            },
            ..AnsibleConfig::default()
        };
        let cli = parse(&["inventory", "--list"], &config);
        assert!(matches!(&cli.command, Command::Inventory(a) if a.inventory.is_empty()));
        let cli = parse(&["run", "all", "--", "true"], &config);
        let options = connect(&cli).run_options().unwrap_or_default();
        assert_eq!(
            (options.remote_user.as_deref(), options.remote_port),
            (Some("deploy"), Some(2222))
        );
        assert_eq!(options.private_key_file, Some(PathBuf::from("/k")));
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
