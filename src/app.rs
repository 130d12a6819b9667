//! What each subcommand does, from parsed arguments to an exit code. Errors are reported here, once,
//! with the context a person needs.

use crate::cli::{Cli, Command, ConnectArgs, InventoryArgs, PlayArgs, RunArgs, inventory_sources};
use crate::exec::{RunOptions, run_playbook};
use crate::inventory::Inventory;
use crate::playbook::{Play, Playbook, adhoc_task, load_playbook};
use crate::report::{AdhocReporter, DefaultReporter, JsonReporter, OutputFormat, Reporter};
use serde_json::Value;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Exit codes, as Ansible's: 0 all good, 1 error, 2 host failures, 4 unreachable hosts or a playbook
/// that cannot be parsed, 5 bad options.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const PARSE: u8 = 4;
    pub const OPTIONS: u8 = 5;
}

/// Runs the parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Play(args) => play(args).await,
        Command::Run(args) => adhoc(args).await,
        Command::Inventory(args) => inventory(args),
    }
}

fn error(msg: impl std::fmt::Display) {
    let style = console::Style::new().red().for_stderr();
    eprintln!("{}", style.apply_to(format!("ERROR! {msg}")));
}

fn load_inventory(sources: &[PathBuf]) -> Result<Inventory, u8> {
    Inventory::load(&inventory_sources(sources)).map_err(|e| {
        error(e);
        exit::PARSE
    })
}

fn colour_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn reporter(format: OutputFormat, options: &RunOptions) -> Box<dyn Reporter> {
    let out = std::io::stdout();
    match format {
        OutputFormat::Default => Box::new(DefaultReporter::new(
            out,
            options.verbosity,
            options.diff,
            colour_wanted(),
        )),
        OutputFormat::Json => Box::new(JsonReporter::new(out)),
    }
}

fn options(connect: &ConnectArgs) -> Result<RunOptions, u8> {
    connect.run_options().map_err(|e| {
        error(e);
        exit::OPTIONS
    })
}

async fn play(args: PlayArgs) -> u8 {
    let options = match options(&args.connect) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut inventory = match load_inventory(&args.connect.inventory) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let mut playbooks = Vec::new();
    for path in &args.playbooks {
        match load_playbook(path) {
            Ok(p) => playbooks.push(p),
            Err(e) => {
                error(e);
                return exit::PARSE;
            }
        }
    }
    for playbook in &playbooks {
        if let Err(e) = inventory.add_vars_dirs(&playbook.dir) {
            error(e);
            return exit::PARSE;
        }
    }
    if args.syntax_check {
        for p in &playbooks {
            println!("\nplaybook: {}", p.path.display());
        }
        return exit::OK;
    }
    if args.list_hosts || args.list_tasks {
        return list(
            &playbooks,
            &inventory,
            &options,
            args.list_hosts,
            args.list_tasks,
        );
    }
    let mut code = exit::OK;
    for playbook in &playbooks {
        let mut reporter = reporter(args.connect.output, &options);
        let summary = run_playbook(playbook, &inventory, &options, reporter.as_mut()).await;
        code = code.max(summary.exit_code());
    }
    code
}

/// `--list-hosts` / `--list-tasks`, as ansible-playbook prints them.
fn list(
    playbooks: &[Playbook],
    inventory: &Inventory,
    options: &RunOptions,
    hosts: bool,
    tasks: bool,
) -> u8 {
    for playbook in playbooks {
        println!("\nplaybook: {}", playbook.path.display());
        for (i, play) in playbook.plays.iter().enumerate() {
            println!("\n  play #{} ({}): {}", i + 1, play.hosts, play.name);
            if hosts {
                list_play_hosts(play, inventory, options);
            }
            if tasks {
                println!("    tasks:");
                for task in play.tasks() {
                    println!("      {}", task.display_name());
                }
            }
        }
    }
    exit::OK
}

fn list_play_hosts(play: &Play, inventory: &Inventory, options: &RunOptions) {
    let mut selected = inventory.select(&play.hosts).unwrap_or_default();
    if let Some(limit) = &options.limit {
        let allowed = inventory.select(limit).unwrap_or_default();
        selected.retain(|h| allowed.contains(h));
    }
    println!("    pattern: ['{}']", play.hosts);
    println!("    hosts ({}):", selected.len());
    for host in selected {
        println!("      {host}");
    }
}

async fn adhoc(args: RunArgs) -> u8 {
    let options = match options(&args.connect) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let inventory = match load_inventory(&args.connect.inventory) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let module_args = match (&args.args, args.command.is_empty()) {
        (Some(a), true) => Value::String(a.clone()),
        (None, false) if args.module == "command" || args.module.ends_with(".command") => {
            serde_json::json!({"argv": args.command})
        }
        (None, false) => Value::String(
            shlex::try_join(args.command.iter().map(String::as_str)).unwrap_or_default(),
        ),
        (Some(_), false) => {
            error("give the command either with -a or after --, not both");
            return exit::OPTIONS;
        }
        (None, true) => Value::Null,
    };
    let task = match adhoc_task(&args.module, module_args) {
        Ok(t) => t,
        Err(e) => {
            error(e);
            return exit::PARSE;
        }
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let playbook = Playbook {
        path: PathBuf::from("<ad-hoc>"),
        dir: cwd,
        plays: vec![Play {
            name: format!("Ad-hoc command on {}", args.pattern),
            hosts: args.pattern.clone(),
            vars: Default::default(),
            vars_files: Vec::new(),
            sections: vec![vec![task]],
            handlers: Vec::new(),
            origin: Default::default(),
        }],
    };
    let mut reporter: Box<dyn Reporter> = match args.connect.output {
        OutputFormat::Json => Box::new(JsonReporter::new(std::io::stdout())),
        OutputFormat::Default => Box::new(AdhocReporter::new(std::io::stdout(), colour_wanted())),
    };
    run_playbook(&playbook, &inventory, &options, reporter.as_mut())
        .await
        .exit_code()
}

fn inventory(args: InventoryArgs) -> u8 {
    let inventory = match load_inventory(&args.inventory) {
        Ok(i) => i,
        Err(code) => return code,
    };
    if let Some(host) = &args.host {
        return match inventory.to_host_json(host) {
            Some(vars) => {
                println!("{}", crate::inventory::ansible_json(&vars));
                exit::OK
            }
            None => {
                error(format!(
                    "You must pass a single valid host to --host parameter: {host} is not in the inventory"
                ));
                exit::ERROR
            }
        };
    }
    if let Some(group) = &args.graph {
        return match inventory.graph(Some(group)) {
            Some(graph) => {
                print!("{graph}");
                exit::OK
            }
            None => {
                error(format!(
                    "Pattern must be valid group name when using --graph: {group} is not a group"
                ));
                exit::OPTIONS
            }
        };
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match inventory
        .write_list_json(&mut out)
        .and_then(|()| std::io::Write::flush(&mut out))
    {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            error(format!("cannot write the inventory: {e}"));
            exit::ERROR
        }
    }
}
