//! What each subcommand does, from parsed arguments to an exit code. Errors are reported here, once,
//! with the context a person needs.

use crate::cli::{Cli, Command, ConnectArgs, InventoryArgs, PlayArgs, RunArgs, inventory_sources};
use crate::exec::{RunOptions, run_playbook};
use crate::inventory::Inventory;
use crate::playbook::{Play, Playbook, adhoc_task, load_playbook};
use crate::report::{
    AdhocReporter, AdhocView, DefaultReporter, HtmlReporter, JsonReporter, JunitReporter,
    OutputFormat, Reporter, TeeReporter,
};
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
        Command::Vault(cmd) => vault(&cmd),
        Command::Doc(args) => crate::manual::doc_command(&args),
        Command::Completions { shell } => completions(shell),
    }
}

fn completions(shell: crate::manual::Shell) -> u8 {
    use std::io::Write;
    match std::io::stdout().write_all(&crate::manual::completions(shell)) {
        Ok(()) => exit::OK,
        Err(e) => {
            error(format!("writing the completion script: {e}"));
            exit::ERROR
        }
    }
}

/// Reads the vault passwords the options name, once, before any content is loaded.
fn install_vault_secrets(args: &crate::vault::VaultArgs) -> Result<(), u8> {
    let secrets = args.secrets(None).map_err(|e| {
        error(e);
        exit::OPTIONS
    })?;
    crate::vault::install(secrets);
    Ok(())
}

fn vault(cmd: &crate::vault::VaultCommand) -> u8 {
    match crate::vault::run_vault_command(cmd) {
        Ok(()) => exit::OK,
        Err(e) => {
            error(e);
            exit::ERROR
        }
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

/// The reporters that write files (`--junit`, `--report`), made once for the whole run; each file is
/// created now, so a path that cannot be written is an option error before any host is touched.
fn file_reporters(
    connect: &ConnectArgs,
    options: &RunOptions,
    title: &str,
) -> Result<Vec<Box<dyn Reporter>>, u8> {
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    let writable = |flag: &str, path: &PathBuf| {
        std::fs::File::create(path).map(drop).map_err(|e| {
            error(format!("{flag} {}: {e}", path.display()));
            exit::OPTIONS
        })
    };
    if let Some(path) = &connect.junit {
        writable("--junit", path)?;
        reporters.push(Box::new(JunitReporter::new(path.clone())));
    }
    if let Some(path) = &connect.report {
        writable("--report", path)?;
        reporters.push(Box::new(HtmlReporter::new(
            path.clone(),
            title.to_string(),
            options.diff,
        )));
    }
    Ok(reporters)
}

/// `main` followed by every file reporter: what the runner reports to.
fn with_files<'a>(
    main: &'a mut dyn Reporter,
    files: &'a mut [Box<dyn Reporter>],
) -> TeeReporter<'a> {
    let mut all: Vec<&'a mut dyn Reporter> = vec![main];
    all.extend(files.iter_mut().map(|f| f.as_mut() as &mut dyn Reporter));
    TeeReporter::new(all)
}

fn options(connect: &ConnectArgs) -> Result<RunOptions, u8> {
    install_vault_secrets(&connect.vault)?;
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
                e.problems().into_iter().for_each(error);
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
    let title = args
        .playbooks
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let mut files = match file_reporters(&args.connect, &options, &title) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut code = exit::OK;
    for playbook in &playbooks {
        let mut reporter = reporter(args.connect.output, &options);
        let mut tee = with_files(reporter.as_mut(), &mut files);
        let summary = run_playbook(playbook, &inventory, &options, &mut tee).await;
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
    let (module, module_args) = match args.module_and_args() {
        Ok(m) => m,
        Err(e) => {
            error(e);
            return exit::OPTIONS;
        }
    };
    if let Some(dir) = &args.output_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        error(format!("--output-dir {}: {e}", dir.display()));
        return exit::OPTIONS;
    }
    let task = match adhoc_task(&module, module_args) {
        Ok(t) => t,
        Err(e) => {
            error(e);
            return exit::PARSE;
        }
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let title = format!("Ad-hoc command on {}", args.pattern);
    let playbook = Playbook {
        path: PathBuf::from("<ad-hoc>"),
        dir: cwd,
        plays: vec![Play {
            name: title.clone(),
            hosts: args.pattern.clone(),
            vars: Default::default(),
            vars_files: Vec::new(),
            gather_facts: None,
            sections: vec![vec![task]],
            handlers: Vec::new(),
            origin: Default::default(),
        }],
    };
    let mut reporter: Box<dyn Reporter> = match args.connect.output {
        OutputFormat::Json => Box::new(JsonReporter::new(std::io::stdout())),
        OutputFormat::Default => Box::new(AdhocReporter::new(
            std::io::stdout(),
            colour_wanted(),
            AdhocView {
                format: args.output_format(),
                collate: args.collate,
                diff: options.diff,
                output_dir: args.output_dir.clone(),
            },
        )),
    };
    let mut files = match file_reporters(&args.connect, &options, &title) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut tee = with_files(reporter.as_mut(), &mut files);
    run_playbook(&playbook, &inventory, &options, &mut tee)
        .await
        .exit_code()
}

fn inventory(args: InventoryArgs) -> u8 {
    if let Err(code) = install_vault_secrets(&args.vault) {
        return code;
    }
    let inventory = match load_inventory(&args.inventory) {
        Ok(i) => i,
        Err(code) => return code,
    };
    if let Some(host) = &args.host {
        return match inventory.to_host_json(host) {
            Some(vars) => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&vars).unwrap_or_default()
                );
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
        print!("{}", inventory.graph(Some(group)));
        return exit::OK;
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&inventory.to_list_json()).unwrap_or_default()
    );
    exit::OK
}
