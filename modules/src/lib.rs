//! drover's task modules: **facts in, steps out**.
//!
//! A module never touches a host by itself. The engine hands it the task's rendered arguments and a
//! [`Host`] through which it may *query* the target's state (read-only commands). The module compares
//! that state with the desired one and returns a [`Plan`]: the [`Step`]s that close the gap (none when
//! the host is already right), the diffs, and the fields of the task's result. The engine runs the steps
//! (unless in check mode) over the host's one connection.
//!
//! Adding a module is one file in a family folder plus one line in [`registry`].

pub mod cmd;
pub mod de;
pub mod doc;
pub mod facts;
mod host;
mod plan;
pub mod registry;
pub mod suggest;

pub mod commands;
pub mod containers;
pub mod files;
pub mod net;
pub mod packages;
pub mod services;
pub mod system;
pub mod utility;

pub use cmd::Cmd;
pub use host::{CmdOutput, Host, LocalEntry, LocalFile};
pub use plan::{Diff, Parsed, Parser, Plan, Step, Then};
pub use registry::{DynModule, lookup};

use serde::de::DeserializeOwned;

/// A task module. `Params` is the typed form of the task's arguments: unknown keys are rejected
/// (`#[serde(deny_unknown_fields)]`), Ansible's aliases are `#[serde(alias = "…")]`.
#[async_trait::async_trait]
pub trait Module: Send + Sync + 'static {
    type Params: DeserializeOwned + Send + Sync;
    /// The short name (`copy`); `ansible.builtin.copy` and `ansible.legacy.copy` resolve to it.
    const NAME: &'static str;
    /// How a free-form string (`- shell: echo hi`) maps onto the arguments.
    const FREE_FORM: FreeForm = FreeForm::KeyValue;
    /// What no parser knows: a description, an example, and what each argument means and
    /// defaults to (`drover doc`, `docs/modules/`), written beside the module. Every module of the
    /// registry needs one (a test says which lack it); the engine's own task keywords have none.
    const DOC: doc::Written = doc::Written::NONE;

    /// The checks of `params` that need no host (arguments required together, mutually exclusive,
    /// a regexp that must compile). Run at load time for arguments without templates, and before
    /// every [`Module::plan`], so `plan` may rely on them.
    fn validate(&self, _params: &Self::Params) -> Result<(), ModuleError> {
        Ok(())
    }

    /// Reads the host's state through `host` and returns what must change.
    async fn plan(&self, params: Self::Params, host: &mut dyn Host) -> Result<Plan, ModuleError>;
}

/// How a module takes a one-line string instead of a mapping of arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeForm {
    /// `k=v k2=v2` only (Ansible's `parse_kv`).
    KeyValue,
    /// The text that is not `k=v` for a known key becomes `_raw_params` (command, shell, raw).
    RawParams,
}

/// Why a module could not produce a plan. A failure here fails the task on that host only.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// The arguments do not fit the module (type errors, missing required, conflicting options).
    #[error("{0}")]
    Params(String),
    /// The task fails with this message (e.g. `src` file missing, `fail` module).
    #[error("{0}")]
    Failed(String),
    /// The host could not be queried (connection lost, …).
    #[error("{0}")]
    Host(String),
}
