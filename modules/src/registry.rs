//! Every module, one line each, and what the engine needs to call one without knowing its type.

use crate::{FreeForm, Host, Module, ModuleError, Plan};
use serde_json::Value;

/// The object-safe face of a [`Module`]: arguments arrive as JSON, already templated.
#[async_trait::async_trait]
pub trait DynModule: Send + Sync {
    fn name(&self) -> &'static str;
    fn free_form(&self) -> FreeForm;
    /// Every argument name the module accepts, aliases included (for load-time checks); `None` when
    /// any name is accepted (`set_fact`).
    fn arg_names(&self) -> Option<&'static [&'static str]>;
    async fn plan_json(&self, args: Value, host: &mut dyn Host) -> Result<Plan, ModuleError>;
}

#[async_trait::async_trait]
impl<M: Module> DynModule for M {
    fn name(&self) -> &'static str {
        M::NAME
    }
    fn free_form(&self) -> FreeForm {
        M::FREE_FORM
    }
    fn arg_names(&self) -> Option<&'static [&'static str]> {
        crate::de::field_names::<M::Params>()
    }
    async fn plan_json(&self, args: Value, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let params: M::Params = serde_json::from_value(args)
            .map_err(|e| ModuleError::Params(format!("{}: {e}", M::NAME)))?;
        self.plan(params, host).await
    }
}

macro_rules! registry {
    ($($module:expr),* $(,)?) => {
        /// All modules drover has.
        pub static MODULES: &[&dyn DynModule] = &[$(&$module),*];
    };
}

registry![
    crate::commands::command::Command,
    crate::commands::shell::Shell,
    crate::commands::raw::Raw,
    crate::files::copy::Copy,
    crate::files::file::File,
    crate::files::template::Template,
    crate::files::lineinfile::Lineinfile,
    crate::files::stat::Stat,
    crate::files::blockinfile::Blockinfile,
    crate::files::replace::Replace,
    crate::files::find::Find,
    crate::files::slurp::Slurp,
    crate::files::tempfile::Tempfile,
    crate::utility::debug::Debug,
    crate::utility::set_fact::SetFact,
    crate::utility::assert::Assert,
    crate::utility::fail::Fail,
    crate::utility::ping::Ping,
];

/// Finds a module by its short name or its `ansible.builtin.` / `ansible.legacy.` name.
pub fn lookup(name: &str) -> Option<&'static dyn DynModule> {
    let short = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name);
    MODULES.iter().copied().find(|m| m.name() == short)
}
