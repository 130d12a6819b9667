//! What drover says about itself: shell completions (`drover completions SHELL`), man pages
//! (checked in under `docs/man/`), and module documentation (`drover doc MODULE`, `docs/modules/`).
//! All of it is generated from the definitions that parse the command line and the module
//! arguments, so it cannot drift from them; tests/manual.rs checks the checked-in copies are current.

use crate::cli::Cli;
use clap::CommandFactory;
use std::path::Path;

/// The shells `drover completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

impl Shell {
    pub const ALL: [Shell; 4] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Powershell];

    /// Where the checked-in script lives under `docs/completions/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "drover.bash",
            Shell::Zsh => "_drover",
            Shell::Fish => "drover.fish",
            Shell::Powershell => "_drover.ps1",
        }
    }

    fn generator(self) -> clap_complete::Shell {
        match self {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
            Shell::Powershell => clap_complete::Shell::PowerShell,
        }
    }
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell.generator(), &mut Cli::command(), "drover", &mut out);
    out
}

/// Every man page: `drover.1`, then one per subcommand (`drover-play.1`, `drover-vault-encrypt.1`, …),
/// as (file name, roff text).
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>, std::io::Error> {
    let mut command = Cli::command();
    command.build();
    let mut pages = Vec::new();
    add_pages(&command, "drover", &mut pages)?;
    Ok(pages)
}

fn add_pages(
    command: &clap::Command,
    name: &str,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), std::io::Error> {
    let page = command
        .clone()
        .name(name.to_string())
        .version(env!("CARGO_PKG_VERSION"));
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).render(&mut roff)?;
    pages.push((format!("{name}.1"), roff));
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        add_pages(sub, &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}

/// Writes the man pages and completion scripts under `docs/` (what `DROVER_BLESS=1 cargo test
/// --test manual` runs to bring the checked-in copies up to date).
pub fn write_generated_docs(docs: &Path) -> Result<(), std::io::Error> {
    let man = docs.join("man");
    std::fs::create_dir_all(&man)?;
    for (name, roff) in man_pages()? {
        std::fs::write(man.join(name), roff)?;
    }
    let completions_dir = docs.join("completions");
    std::fs::create_dir_all(&completions_dir)?;
    for shell in Shell::ALL {
        std::fs::write(completions_dir.join(shell.file_name()), completions(shell))?;
    }
    Ok(())
}
