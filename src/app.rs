//! What each subcommand does, from parsed arguments to an exit code. Errors are reported here, once,
//! with the context a person needs.

use crate::cli::{Cli, Command, ConnectArgs, InventoryArgs, PlayArgs, RunArgs, inventory_sources};
use crate::config::AnsibleConfig;
use crate::exec::{Interrupt, RunOptions, RunSummary, StopSignal, run_playbook_until};
use crate::inventory::Inventory;
use crate::playbook::{Play, Playbook, adhoc_task, load_playbook_with_vars};
use crate::report::{
    AdhocReporter, AdhocView, DisplayArgs, HtmlReporter, JsonReporter, JunitReporter, OutputFormat,
    Reporter, TeeReporter, TerminalReporter, TerminalView, progress_wanted,
};
use crate::report::{snippet, trace};
use crate::yaml::Origin;
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
    if let Err(code) = announce_config(&cli.config) {
        return code;
    }
    let interrupt = Interrupt::default();
    listen_for_stop_signals(&interrupt);
    match cli.command {
        Command::Play(args) => play(args, &cli.config, &interrupt).await,
        Command::Run(args) => adhoc(args, &interrupt).await,
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

/// First SIGINT/SIGTERM: ask the run to stop (remote commands are stopped, the recap is printed).
/// A second one exits at once, as a person pressing Ctrl-C twice expects.
fn listen_for_stop_signals(interrupt: &Interrupt) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        error("cannot install the SIGINT/SIGTERM handlers: Ctrl-C will end drover at once");
        return;
    };
    let interrupt = interrupt.clone();
    tokio::spawn(async move {
        loop {
            let signal = tokio::select! {
                _ = int.recv() => StopSignal::Interrupt,
                _ = term.recv() => StopSignal::Terminate,
            };
            if interrupt.requested().is_some() {
                std::process::exit(i32::from(signal.exit_code()));
            }
            eprintln!(
                "\n[{}] stopping: running tasks are being stopped on their hosts, nothing new starts (again to exit at once)",
                signal.name()
            );
            interrupt.request(signal);
        }
    });
}

/// The exit code of a finished run, after saying so when it was interrupted.
fn finished(summary: &RunSummary) -> u8 {
    if let Some(signal) = summary.interrupted {
        error(format!("User interrupted execution ({})", signal.name()));
    }
    summary.exit_code()
}

/// The configuration's warnings and notices, on stderr; a missing vault password file stops the
/// run as it stops Ansible's commands.
fn announce_config(config: &AnsibleConfig) -> Result<(), u8> {
    let style = console::Style::new().magenta().for_stderr();
    for warning in &config.warnings {
        eprintln!("{}", style.apply_to(format!("[WARNING]: {warning}")));
    }
    for notice in &config.notices {
        eprintln!("[NOTICE]: {notice}");
    }
    config.check_vault_password_file().map_err(|e| {
        error(e);
        exit::ERROR
    })
}

fn error(msg: impl std::fmt::Display) {
    let style = console::Style::new().red().for_stderr();
    eprintln!("{}", style.apply_to(format!("ERROR! {msg}")));
}

fn load_inventory(sources: &[PathBuf]) -> Result<Inventory, u8> {
    load_inventory_as(sources, OutputFormat::Default)
}

/// Loads the inventory; its error goes to stderr with a source snippet, and with `--output json`
/// also to stdout as the run's JSON document.
fn load_inventory_as(sources: &[PathBuf], output: OutputFormat) -> Result<Inventory, u8> {
    Inventory::load(&inventory_sources(sources)).map_err(|e| {
        let origin = snippet::origin_of_inventory(&e).cloned();
        load_errors(&[(e.to_string(), origin)], output);
        exit::PARSE
    })
}

/// Errors that stop a run before it starts, each with its source line and a caret on stderr; with
/// `--output json` the same as a JSON document on stdout (`{"errors": [...], "plays": [], ...}`).
fn load_errors(errors: &[(String, Option<Origin>)], output: OutputFormat) {
    let colour = console::colors_enabled_stderr();
    for (message, origin) in errors {
        error(message);
        if let Some(text) = origin.as_ref().and_then(|o| snippet::snippet(o, colour)) {
            eprintln!("{text}");
        }
    }
    if output == OutputFormat::Json {
        let errors: Vec<serde_json::Value> = errors
            .iter()
            .map(|(message, origin)| snippet::error_json(message, origin.as_ref()))
            .collect();
        let doc = serde_json::json!({"plays": [], "stats": {}, "warnings": [], "errors": errors});
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
}

/// The inventory of `drover play`/`run`: a load error is also in `--output json` and `--junit`.
fn load_run_inventory(connect: &ConnectArgs) -> Result<Inventory, u8> {
    Inventory::load(&inventory_sources(&connect.inventory)).map_err(|e| {
        let errors = [(e.to_string(), snippet::origin_of_inventory(&e).cloned())];
        load_errors(&errors, connect.output);
        junit_load_errors(connect, &errors);
        exit::PARSE
    })
}

/// ansible-playbook's `-vv` heading of each playbook.
fn print_playbook_banner(playbook: &Playbook) {
    let path = playbook.path.display().to_string();
    let title = format!("PLAYBOOK: {path}");
    let stars = "*".repeat(79usize.saturating_sub(title.len() + 1).max(3));
    println!(
        "\n{title} {stars}\n{} plays in {path}",
        playbook.plays.len()
    );
}

/// With `--junit`, a run that could not start still leaves its file, with the load errors.
fn junit_load_errors(connect: &ConnectArgs, errors: &[(String, Option<Origin>)]) {
    if let Some(path) = &connect.junit
        && let Err(e) = crate::report::junit::write_load_errors(path, errors)
    {
        error(e);
    }
}

fn colour_wanted(display: &DisplayArgs) -> bool {
    display.colour(std::io::stdout().is_terminal())
}

fn reporter(connect: &ConnectArgs, options: &RunOptions) -> Box<dyn Reporter> {
    let out = std::io::stdout();
    let display = &connect.display;
    match connect.output {
        OutputFormat::Default => Box::new(TerminalReporter::new(
            out,
            TerminalView {
                verbosity: options.verbosity,
                diff: options.diff,
                colour: colour_wanted(display),
                progress: progress_wanted(std::io::stdout().is_terminal(), |name| {
                    std::env::var(name).ok()
                }),
                terminal: std::io::stdout().is_terminal(),
                compact: display.compact_mode(),
                profile: display.profile,
            },
        )),
        OutputFormat::Json => Box::new(JsonReporter::new(out).with_profile(display.profile)),
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
    let options = connect.run_options().map_err(|e| {
        error(e);
        exit::OPTIONS
    })?;
    // -vvv lines go beside the output; under --output json stdout is one document.
    let sink = match connect.output {
        OutputFormat::Json => trace::Sink::Stderr,
        OutputFormat::Default => trace::Sink::Stdout,
    };
    trace::install(options.verbosity, sink);
    Ok(options)
}

async fn play(args: PlayArgs, config: &AnsibleConfig, interrupt: &Interrupt) -> u8 {
    let roles_path = config.roles_path.as_deref();
    let mut options = match options(&args.connect) {
        Ok(o) => o,
        Err(code) => return code,
    };
    options.show_custom_stats = config.show_custom_stats.unwrap_or(false);
    options.error_on_missing_handler = config.error_on_missing_handler.unwrap_or(true);
    options.force_handlers = args.force_handlers;
    if args.step && !std::io::stdin().is_terminal() {
        error(
            "--step asks before each task and needs a terminal on stdin; run without --step (or \
             select tasks with --tags/--start-at-task)",
        );
        return exit::OPTIONS;
    }
    options.step = args.step;
    let mut inventory = match load_run_inventory(&args.connect) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let selection = crate::playbook::TagSelection::new(&args.tags, &args.skip_tags);
    options.run_tags = selection.only.iter().cloned().collect();
    options.skip_tags = selection.skip.iter().cloned().collect();
    let mut playbooks = Vec::new();
    for path in &args.playbooks {
        match load_playbook_with_vars(path, roles_path, &options.extra_vars) {
            Ok(mut p) => {
                render_tags(&mut p, &options);
                // `--list-tags` lists every tag, as ansible-playbook does; all else sees the selection.
                if !args.list_tags {
                    p.plays
                        .iter_mut()
                        .for_each(|play| play.select_tags(&selection));
                }
                playbooks.push(p)
            }
            Err(e) => {
                let errors: Vec<(String, Option<Origin>)> = e
                    .problems()
                    .into_iter()
                    .map(|p| (p.to_string(), snippet::origin_of_load(p).cloned()))
                    .collect();
                load_errors(&errors, args.connect.output);
                junit_load_errors(&args.connect, &errors);
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
    if let Err(code) = check_limit(&inventory, &options) {
        return code;
    }
    if let Some(name) = &args.start_at_task
        && !crate::playbook::flow::start_at_task(&mut playbooks, name)
    {
        error(format!(
            "No matching task \"{name}\" found. Note: --start-at-task can only follow static includes."
        ));
        return exit::ERROR;
    }
    if args.syntax_check {
        for p in &playbooks {
            println!("\nplaybook: {}", p.path.display());
        }
        return exit::OK;
    }
    if args.list_hosts || args.list_tasks || args.list_tags {
        let what = Listing {
            hosts: args.list_hosts,
            tasks: args.list_tasks,
            tags: args.list_tags,
        };
        return list(&playbooks, &inventory, &options, what);
    }
    if let Err(e) = answer_prompts(&mut playbooks, &options.extra_vars) {
        error(e);
        return exit::ERROR;
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
        if options.verbosity >= 2 && args.connect.output == OutputFormat::Default {
            print_playbook_banner(playbook);
        }
        let mut reporter = reporter(&args.connect, &options);
        let mut tee = with_files(reporter.as_mut(), &mut files);
        let summary = run_playbook_until(playbook, &inventory, &options, &mut tee, interrupt).await;
        if summary.interrupted.is_some() {
            return finished(&summary);
        }
        if let Some(msg) = &summary.aborted {
            error(msg);
            return summary.exit_code();
        }
        code = code.max(summary.exit_code());
    }
    code
}

/// `vars_prompt` without a terminal: every play's defaults are taken before the run, and a
/// prompt with no default is an error now rather than midway. On a terminal the runner asks each
/// play's questions when that play starts, as ansible-playbook does.
fn answer_prompts(
    playbooks: &mut [Playbook],
    extra_vars: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), crate::playbook::vars_prompt::PromptError> {
    use crate::playbook::vars_prompt::answer;
    use std::io::IsTerminal as _;
    if std::io::stdin().is_terminal() {
        return Ok(());
    }
    for play in playbooks.iter_mut().flat_map(|p| p.plays.iter_mut()) {
        let answers = answer(&play.prompts, extra_vars, &mut |_, _| Ok(None))?;
        play.vars.extend(answers);
        play.prompts.clear();
    }
    Ok(())
}

/// `--limit` that matches no host at all stops the run, as in Ansible.
fn check_limit(inventory: &Inventory, options: &RunOptions) -> Result<(), u8> {
    let Some(limit) = &options.limit else {
        return Ok(());
    };
    let matched = inventory.select(limit).unwrap_or_default();
    let implicit = limit
        .split([',', ':'])
        .any(|t| ["localhost", "127.0.0.1", "::1"].contains(&t.trim()));
    if matched.is_empty() && !implicit {
        warn(format!(
            "Could not match supplied host pattern, ignoring: {limit}"
        ));
        error(
            "Specified inventory, host pattern and/or --limit leaves us with no hosts to target.",
        );
        return Err(exit::ERROR);
    }
    Ok(())
}

fn warn(msg: impl std::fmt::Display) {
    let style = console::Style::new().magenta().for_stderr();
    eprintln!("{}", style.apply_to(format!("[WARNING]: {msg}")));
}

/// Each play's templated `tags:` rendered with its play-level variables (see `Play::render_tags`).
/// A play whose tags cannot be rendered keeps the error and ends the playbook: ansible-playbook
/// runs the plays before it, then stops at its banner (exit 1).
fn render_tags(playbook: &mut crate::playbook::Playbook, options: &RunOptions) {
    let dir = playbook.dir.clone();
    let failed_at = playbook.plays.iter_mut().position(|play| {
        let vars =
            std::sync::Arc::new(crate::exec::play_level_vars(play, options, &play.dir(&dir)));
        match play.render_tags(&vars) {
            Ok(()) => false,
            Err(e) => {
                play.tags_error = Some(e.to_string());
                true
            }
        }
    });
    if let Some(index) = failed_at {
        playbook.plays.truncate(index + 1);
    }
}

/// What `--list-hosts` / `--list-tasks` / `--list-tags` asked for.
struct Listing {
    hosts: bool,
    tasks: bool,
    tags: bool,
}

/// `--list-hosts` / `--list-tasks` / `--list-tags`, as ansible-playbook prints them (tasks and tags
/// after `--tags`/`--skip-tags` selected them).
fn list(playbooks: &[Playbook], inventory: &Inventory, options: &RunOptions, what: Listing) -> u8 {
    for playbook in playbooks {
        println!("\nplaybook: {}", playbook.path.display());
        for (i, play) in playbook.plays.iter().enumerate() {
            println!(
                "\n  play #{} ({}): {}\tTAGS: [{}]",
                i + 1,
                play.hosts,
                play.name,
                play.tags.join(", ")
            );
            if let Some(msg) = &play.tags_error {
                error(msg);
                return exit::ERROR;
            }
            if what.hosts {
                list_play_hosts(play, inventory, options);
            }
            if what.tasks {
                println!("    tasks:");
                for task in play.tasks() {
                    let mut tags = task.tags.clone();
                    tags.sort();
                    tags.dedup();
                    println!("      {}\tTAGS: [{}]", task.display_name(), tags.join(", "));
                }
            }
            if what.tags {
                println!("      TASK TAGS: [{}]", play.task_tags().join(", "));
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

async fn adhoc(args: RunArgs, interrupt: &Interrupt) -> u8 {
    let options = match options(&args.connect) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let inventory = match load_run_inventory(&args.connect) {
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
            prompts: Vec::new(),
            gather_facts: None,
            tags: Vec::new(),
            tags_error: None,
            sections: vec![std::sync::Arc::new(vec![
                crate::playbook::tree::Node::Task(std::sync::Arc::new(task)),
            ])],
            handlers: Vec::new(),
            flow: Default::default(),
            roles: Default::default(),
            origin: Default::default(),
        }],
    };
    let mut reporter: Box<dyn Reporter> = match args.connect.output {
        OutputFormat::Json => Box::new(
            JsonReporter::new(std::io::stdout()).with_profile(args.connect.display.profile),
        ),
        OutputFormat::Default => Box::new(AdhocReporter::new(
            std::io::stdout(),
            colour_wanted(&args.connect.display),
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
    let summary = run_playbook_until(&playbook, &inventory, &options, &mut tee, interrupt).await;
    finished(&summary)
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
