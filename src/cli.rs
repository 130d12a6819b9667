//! The command line: raw clap arguments, resolved into what the library runs.

use crate::config::{AnsibleConfig, ConnectionDefaults};
use crate::exec::RunOptions;
use crate::report::{AdhocFormat, OutputFormat};
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
            Command::Vault(_) | Command::Doc(_) | Command::Completions { .. } => {}
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
    /// Encrypt and decrypt Ansible Vault files and strings (like ansible-vault).
    Vault(crate::vault::VaultCommand),
    /// Show a module's arguments, types, defaults and an example (like ansible-doc).
    Doc(DocArgs),
    /// Print a shell completion script (e.g. `drover completions bash > /etc/bash_completion.d/drover`).
    Completions {
        #[arg(value_enum)]
        shell: crate::manual::Shell,
    },
}

#[derive(Debug, Args)]
pub struct DocArgs {
    /// The module (`copy`, `ansible.builtin.copy`).
    #[arg(value_name = "MODULE", required_unless_present = "list")]
    pub module: Option<String>,
    /// List every module with its description.
    #[arg(short = 'l', long = "list")]
    pub list: bool,
    /// The documentation as JSON.
    #[arg(short = 'j', long = "json")]
    pub json: bool,
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
    /// More output (-v results, -vv task paths, -vvv gathered facts).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// How host keys are checked against known_hosts (default: strict, or the inventory's ssh
    /// options; off when ansible.cfg's `host_key_checking` is False).
    #[arg(long = "host-key-checking", value_enum, value_name = "MODE")]
    pub host_key_checking: Option<HostKeyMode>,
    /// Seconds to wait for a host's SSH connection [default: $ANSIBLE_TIMEOUT, ansible.cfg's
    /// `timeout`, ConnectTimeout of the ssh options or ~/.ssh/config, else 10].
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
    /// Output format (default: `default`, or json when ansible.cfg's `stdout_callback` is json).
    #[arg(
        long = "output",
        value_enum,
        default_value_t = OutputFormat::Default,
        hide_default_value = true
    )]
    pub output: OutputFormat,
    /// Also write the results as JUnit XML (one testsuite per play, one testcase per task and host).
    #[arg(long = "junit", value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write a self-contained HTML report of the run (grid, results, diffs, timings, recap).
    #[arg(long = "report", value_name = "FILE")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub display: crate::report::DisplayArgs,
    #[command(flatten)]
    pub vault: crate::vault::VaultArgs,
    /// Run tasks as another user (sudo), unless a task says otherwise.
    #[arg(short = 'b', long = "become")]
    pub r#become: bool,
    /// The user to become (default root).
    #[arg(long = "become-user", value_name = "USER")]
    pub become_user: Option<String>,
    /// Ask for the become (sudo) password (needs a terminal).
    #[arg(short = 'K', long = "ask-become-pass")]
    pub ask_become_pass: bool,
    /// Connection type for hosts whose inventory sets no `ansible_connection` (ssh, local).
    #[arg(short = 'c', long = "connection", value_name = "TYPE")]
    pub connection_type: Option<String>,
    /// Connect as this user where the inventory sets no `ansible_user`.
    #[arg(short = 'u', long = "user", value_name = "REMOTE_USER")]
    pub user: Option<String>,
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
    /// List the tags of each play's tasks.
    #[arg(long = "list-tags")]
    pub list_tags: bool,
    /// Only run tasks with these tags (comma-separated, repeatable).
    #[arg(short = 't', long = "tags", value_name = "TAGS")]
    pub tags: Vec<String>,
    /// Skip tasks with these tags (comma-separated, repeatable).
    #[arg(long = "skip-tags", value_name = "TAGS")]
    pub skip_tags: Vec<String>,
    /// Start the playbook at the task with this name (a glob like `install *` works too).
    #[arg(long = "start-at-task", value_name = "NAME")]
    pub start_at_task: Option<String>,
    /// Run notified handlers even on hosts that failed.
    #[arg(long = "force-handlers")]
    pub force_handlers: bool,
    /// Ask before each task: (N)o/(y)es/(c)ontinue (needs a terminal).
    #[arg(long = "step")]
    pub step: bool,
}

/// `drover run`: one command or module on many hosts.
///
/// The words after `--` are joined with spaces into one shell line, as ssh and parallel-ssh do:
/// `drover run all -- 'echo a | tr a b'` and `drover run all -- echo a '|' tr a b` run the same
/// line in `/bin/sh -c` on every host, with `-m command` (the default), `-m shell` and `-m raw`
/// alike, and without Jinja templating. `-a` keeps Ansible's meaning: for `command` the text is
/// split into words and run without a shell, and `{{ vars }}` are templated.
#[derive(Debug, Args)]
#[command(
    after_help = "Output: `host: line` for every stdout line and `host [stderr]: line` for \
every stderr line (as pdsh and parallel-ssh -P), `host [failed]: rc=N` for a failed command, then \
a summary. --collate groups hosts with identical output under `host[01-03,05]` (as dshbak -c). \
--format ansible prints Ansible's ad-hoc layout (`host | CHANGED | rc=0 >>`), the default for \
modules other than command, shell and raw."
)]
pub struct RunArgs {
    /// Host pattern (`all`, `web*`, `webservers:!web3`).
    #[arg(value_name = "PATTERN")]
    pub pattern: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Module to run (default: command).
    #[arg(short = 'm', long = "module-name", default_value = "command")]
    pub module: String,
    /// Module arguments (`k=v ...`, or the command for command/shell, as Ansible reads them).
    #[arg(short = 'a', long = "args")]
    pub args: Option<String>,
    /// How results are shown (default: lines for command/shell/raw, ansible for other modules).
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub format: Option<AdhocFormat>,
    /// Group hosts whose output is identical under one compressed host list (`host[01-03,05]`).
    #[arg(long = "collate")]
    pub collate: bool,
    /// Also write each host's output to DIR/HOST.stdout, DIR/HOST.stderr and DIR/HOST.rc.
    #[arg(long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// The command line to run (after `--`): its words are joined with spaces, as ssh does.
    ///
    /// The line runs in `/bin/sh -c` on every host, for `-m command` (the default), `-m shell` and
    /// `-m raw` alike: pipes, redirections, quotes, `$VAR`, globs and several lines work, and
    /// `{{ }}` is not templated. `-a` keeps Ansible's meaning instead: `command` splits its text
    /// into words and runs them without a shell, and `{{ vars }}` are templated.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Modules whose result is a command's output, shown as lines by default.
const COMMAND_MODULES: [&str; 3] = ["command", "shell", "raw"];

/// `ansible.builtin.shell` → `shell`.
fn short_module_name(module: &str) -> &str {
    module
        .strip_prefix("ansible.builtin.")
        .or_else(|| module.strip_prefix("ansible.legacy."))
        .unwrap_or(module)
}

impl RunArgs {
    /// The format asked for, else the one that suits the module.
    pub fn output_format(&self) -> AdhocFormat {
        self.format.unwrap_or_else(|| {
            if COMMAND_MODULES.contains(&short_module_name(&self.module)) {
                AdhocFormat::Lines
            } else {
                AdhocFormat::Ansible
            }
        })
    }

    /// The module to run and its arguments, from `-m`, `-a` and the words after `--`.
    pub fn module_and_args(&self) -> Result<(String, Value), CliError> {
        let line = (!self.command.is_empty()).then(|| self.command.join(" "));
        let given = line.is_some() || self.args.as_deref().is_some_and(|a| !a.is_empty());
        let module = short_module_name(&self.module);
        if !given && COMMAND_MODULES.contains(&module) {
            // Ansible refuses these before connecting anywhere (exit 5), not once per host.
            return Err(CliError(format!(
                "No argument passed to {module} module (give the command after --)"
            )));
        }
        match (&self.args, line) {
            (Some(_), Some(_)) => Err(CliError(
                "give the command either with -a or after --, not both".into(),
            )),
            (Some(args), None) => Ok((self.module.clone(), Value::String(args.clone()))),
            (None, None) => Ok((self.module.clone(), Value::Null)),
            (None, Some(line)) => Ok(self.shell_line(line)),
        }
    }

    /// After `--`, command/shell/raw get the line verbatim for `/bin/sh` (as ssh gives it to the
    /// login shell): no `k=v` options are read out of it and `{{`, `{#` (`${#array[@]}`) are not
    /// Jinja. Other modules read the line as they read `-a`.
    fn shell_line(&self, line: String) -> (String, Value) {
        let module = match short_module_name(&self.module) {
            "command" | "shell" => "shell",
            "raw" => "raw",
            _ => return (self.module.clone(), Value::String(line)),
        };
        let mut args = Map::new();
        args.insert("_raw_params".into(), Value::String(verbatim(&line)));
        (module.to_string(), Value::Object(args))
    }
}

/// A string that renders to exactly `text` under Jinja: itself when it holds no template markers,
/// else one string-literal expression, so it is never parsed as a template. A backslash in a
/// `{{ }}` literal stands for itself but would still escape a closing quote (Ansible's rule for
/// templates from YAML, see template::source), so backslashes and single quotes come from
/// variables set in a statement, where Jinja's escapes apply.
pub fn verbatim(text: &str) -> String {
    if !["{{", "{%", "{#"].iter().any(|m| text.contains(m)) {
        return text.to_string();
    }
    let literal = text.replace('\'', "' ~ q ~ '").replace('\\', "' ~ b ~ '");
    format!("{{% set q = \"'\" %}}{{% set b = \"\\\\\" %}}{{{{ '{literal}' }}}}")
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
    #[command(flatten)]
    pub vault: crate::vault::VaultArgs,
}

/// `-K` where nobody can answer (a CI job): what to use instead.
const NO_TERMINAL_FOR_BECOME: &str = "-K/--ask-become-pass: no terminal to ask on; without -K, set \
     ansible_become_password in the inventory or a vars file (encrypted with drover vault), or let \
     the user run sudo without a password";

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
        // ansible.cfg's vault_password_file, unless the command line or the environment gives one.
        if self.vault.password_files.is_empty()
            && std::env::var_os("ANSIBLE_VAULT_PASSWORD_FILE").is_none()
            && let Some(file) = &config.vault_password_file
        {
            self.vault.password_files.push(file.value.clone());
        }
        if self.inventory.is_empty() {
            self.inventory = config.inventory.clone().unwrap_or_default();
        }
        if let (false, Some(forks)) = (given(matches, "forks"), config.forks) {
            self.forks = forks;
        }
        if let (false, Some(timeout)) = (given(matches, "timeout"), config.timeout) {
            self.timeout = Some(timeout);
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
            // ANSIBLE_HOST_KEY_CHECKING and ansible.cfg arrive through `apply_config`.
            host_key_checking: self.host_key_checking.map(Into::into),
            connect_timeout: self.timeout.map(|t| Duration::from_secs(t.max(1))),
            max_connections: self.max_connections,
            max_handshakes: self.max_handshakes,
            task_timeout: self
                .task_timeout
                .filter(|&t| t > 0)
                .map(Duration::from_secs),
            become_default: self.r#become,
            become_user: self.become_user.clone(),
            become_password: self.become_password()?,
            remote_user: self
                .user
                .clone()
                .or_else(|| self.connection.remote_user.clone()),
            remote_port: self.connection.remote_port,
            private_key_file: self.connection.private_key_file.clone(),
            force_handlers: false,
            connection: self.connection_type.clone(),
            // `drover play` fills these in from its `--tags`/`--skip-tags`.
            run_tags: Vec::new(),
            skip_tags: Vec::new(),
            step: false,
            // `drover play` fills these in from ansible.cfg.
            show_custom_stats: false,
            error_on_missing_handler: true,
        })
    }

    /// `-K`: the password, asked once on the terminal (never without one).
    fn become_password(&self) -> Result<Option<String>, CliError> {
        if !self.ask_become_pass {
            return Ok(None);
        }
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(CliError(NO_TERMINAL_FOR_BECOME.into()));
        }
        crate::vault::prompt_on_terminal("BECOME password: ")
            .map(Some)
            .map_err(|e| CliError(format!("-K/--ask-become-pass: {e}")))
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
            crate::playbook::parse_kv(value, false)
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

    fn run_args(words: &[&str]) -> RunArgs {
        match Cli::try_parse_from(["drover", "run", "all"].iter().chain(words)) {
            Ok(Cli {
                command: Command::Run(args),
                ..
            }) => args,
            other => panic!("{other:?}"),
        }
    }

    fn parse(args: &[&str], config: &AnsibleConfig) -> Cli {
        let argv = std::iter::once("drover").chain(args.iter().copied());
        Cli::try_parse_with_config(argv, config.clone()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn connect(cli: &Cli) -> &ConnectArgs {
        match &cli.command {
            Command::Play(a) => &a.connect,
            Command::Run(a) => &a.connect,
            _ => panic!("no connection options"),
        }
    }

    #[test]
    fn words_after_dashes_are_one_shell_line() {
        let one = run_args(&["--", "echo a | tr a b"]).module_and_args().ok();
        let many = run_args(&["--", "echo", "a", "|", "tr", "a", "b"])
            .module_and_args()
            .ok();
        let expected = Some((
            "shell".to_string(),
            json!({"_raw_params": "echo a | tr a b"}),
        ));
        assert_eq!(one, expected);
        assert_eq!(many, expected);
        for module in ["shell", "command", "ansible.builtin.command"] {
            let args = run_args(&["-m", module, "--", "chdir=/tmp", "ls"]).module_and_args();
            assert_eq!(
                args.ok(),
                Some(("shell".to_string(), json!({"_raw_params": "chdir=/tmp ls"}))),
                "{module}: k=v words are part of the line, not options"
            );
        }
        let raw = run_args(&["-m", "raw", "--", "uptime"])
            .module_and_args()
            .ok();
        assert_eq!(
            raw,
            Some(("raw".to_string(), json!({"_raw_params": "uptime"})))
        );
    }

    #[test]
    fn dash_a_keeps_ansible_meaning() {
        let args = run_args(&["-a", "echo {{ x }}"]).module_and_args().ok();
        assert_eq!(args, Some(("command".to_string(), json!("echo {{ x }}"))));
        let copy = run_args(&["-m", "copy", "--", "content=x", "dest=/tmp/f"])
            .module_and_args()
            .ok();
        assert_eq!(
            copy,
            Some(("copy".to_string(), json!("content=x dest=/tmp/f")))
        );
        assert!(
            run_args(&["-a", "ls", "--", "ls"])
                .module_and_args()
                .is_err()
        );
        for module in ["command", "shell", "ansible.builtin.raw"] {
            let none = run_args(&["-m", module]).module_and_args();
            assert!(none.is_err(), "{module}: {none:?}");
            let empty = run_args(&["-m", module, "-a", ""]).module_and_args();
            assert!(empty.is_err(), "{module}: {empty:?}");
        }
        assert!(run_args(&["-m", "ping"]).module_and_args().is_ok());
    }

    #[test]
    fn format_follows_the_module() {
        assert_eq!(run_args(&[]).output_format(), AdhocFormat::Lines);
        assert_eq!(
            run_args(&["-m", "ansible.builtin.shell"]).output_format(),
            AdhocFormat::Lines
        );
        assert_eq!(
            run_args(&["-m", "ping"]).output_format(),
            AdhocFormat::Ansible
        );
        assert_eq!(
            run_args(&["-m", "ping", "--format", "lines"]).output_format(),
            AdhocFormat::Lines
        );
    }

    #[test]
    fn verbatim_lines_render_to_themselves() {
        let templar = crate::template::Templar::new();
        let vars = Map::new();
        for line in [
            "echo ${#HOME}",
            "echo {{ x }} {% if %} {# c #}",
            "awk '{print $1}' | sort",
            "printf '%s\\n' \"a b\" {{",
            "echo }}{{",
            "line one\n{% raw %}\n\tline {% endraw %} three\n",
            "echo \u{1b}[1m bell\u{7} é ✓ {{",
            "echo 'it''s' \"q\" \\ \\' {{ '}}' }}",
        ] {
            let rendered = templar.render_str(&verbatim(line), &vars);
            assert_eq!(
                rendered.ok(),
                Some(Value::String(line.to_string())),
                "{line:?} → {}",
                verbatim(line)
            );
        }
        assert_eq!(verbatim("ls -l /tmp"), "ls -l /tmp");
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
        assert_eq!(
            (c.forks, c.timeout, c.output),
            (7, Some(33), OutputFormat::Json)
        );
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
            (50, Some(10), OutputFormat::Default)
        );

        let plain = parse(&["play", "p.yml"], &AnsibleConfig::default());
        let c = connect(&plain);
        assert!(c.inventory.is_empty());
        assert_eq!(
            (c.forks, c.timeout, c.output),
            (50, None, OutputFormat::Default)
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
