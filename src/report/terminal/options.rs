//! The terminal's display options: colour, compact output, live progress.

use super::COMPACT_ABOVE;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// The terminal display options, shared by `drover play` and `drover run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DisplayArgs {
    /// Colour: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1 forces it), always, never.
    #[arg(
        long = "color",
        visible_alias = "colour",
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorChoice::Auto
    )]
    pub color: ColorChoice,
    /// One line per task with its counts; only failures, unreachable hosts and (with --diff)
    /// changes get their own lines [default: on a terminal above 20 hosts, unless -v].
    #[arg(long = "compact", overrides_with = "no_compact")]
    pub compact: bool,
    /// Every host's result on its own line, however many hosts.
    #[arg(long = "no-compact", overrides_with = "compact")]
    pub no_compact: bool,
    /// After the recap, the slowest tasks and hosts (also in --output json, as `profile`).
    #[arg(long = "profile")]
    pub profile: bool,
}

impl DisplayArgs {
    pub fn compact_mode(&self) -> Compact {
        match (self.compact, self.no_compact) {
            (true, _) => Compact::Always,
            (_, true) => Compact::Never,
            _ => Compact::Auto,
        }
    }

    /// Whether stdout gets colour: the flag, else CLICOLOR_FORCE, else NO_COLOR, else a terminal.
    pub fn colour(&self, stdout_is_terminal: bool) -> bool {
        colour_wanted(self.color, stdout_is_terminal, |name| {
            std::env::var(name).ok()
        })
    }
}

/// The colour decision, with the environment passed in (testable).
pub fn colour_wanted(
    choice: ColorChoice,
    terminal: bool,
    env: impl Fn(&str) -> Option<String>,
) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("CLICOLOR_FORCE") => true,
        ColorChoice::Auto if env("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
        ColorChoice::Auto => terminal,
    }
}

/// Whether live progress may be drawn: a terminal, and not a CI job (`CI` set, as every CI service
/// sets it, and not `false`/`0`).
pub fn progress_wanted(terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
    let ci = env("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
    terminal && !ci
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compact {
    Auto,
    Always,
    Never,
}

impl Compact {
    pub(super) fn applies(self, hosts: usize, verbosity: u8, terminal: bool) -> bool {
        match self {
            Compact::Always => true,
            Compact::Never => false,
            Compact::Auto => terminal && hosts > COMPACT_ABOVE && verbosity == 0,
        }
    }
}
