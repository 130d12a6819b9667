//! Every module, one line each, and what the engine needs to call one without knowing its type.

use crate::doc::Written;
use crate::{FreeForm, Host, Module, ModuleError, Plan};
use serde_json::Value;

/// The object-safe face of a [`Module`]: arguments arrive as JSON, already templated.
#[async_trait::async_trait]
pub trait DynModule: Send + Sync {
    fn name(&self) -> &'static str;
    fn free_form(&self) -> FreeForm;
    fn doc(&self) -> &'static Written;
    /// Every argument name the module accepts, aliases included (for load-time checks); `None` when
    /// any name is accepted (`set_fact`).
    fn arg_names(&self) -> Option<&'static [&'static str]>;
    /// Everything about the arguments that can be known without a host: types, required and
    /// conflicting arguments, choices. The load-time check of arguments without templates.
    fn check_args(&self, args: Value) -> Result<(), ModuleError>;
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
    fn doc(&self) -> &'static Written {
        &M::DOC
    }
    fn arg_names(&self) -> Option<&'static [&'static str]> {
        crate::de::field_names::<M::Params>()
    }
    fn check_args(&self, args: Value) -> Result<(), ModuleError> {
        params_of(self, args).map(drop)
    }
    async fn plan_json(&self, args: Value, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let params = params_of(self, args)?;
        self.plan(params, host).await
    }
}

/// The typed, validated arguments; an error names the module and the argument.
fn params_of<M: Module>(module: &M, args: Value) -> Result<M::Params, ModuleError> {
    let in_module = |msg: String| ModuleError::Params(format!("({}) module: {msg}", M::NAME));
    let params: M::Params = serde_path_to_error::deserialize(args)
        .map_err(|e| in_module(crate::de::explain(&e.path().to_string(), &e.into_inner())))?;
    module.validate(&params).map_err(|e| match e {
        ModuleError::Params(msg) => in_module(msg),
        other => other,
    })?;
    Ok(params)
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
    crate::commands::script::Script,
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
    crate::files::fetch::Fetch,
    crate::files::unarchive::Unarchive,
    crate::files::assemble::Assemble,
    crate::net::get_url::GetUrl,
    crate::net::uri::Uri,
    crate::net::git::Git,
    crate::utility::debug::Debug,
    crate::utility::set_fact::SetFact,
    crate::utility::assert::Assert,
    crate::utility::fail::Fail,
    crate::utility::ping::Ping,
    crate::utility::setup::Setup,
    crate::utility::validate_argument_spec::ValidateArgumentSpec,
    crate::packages::apt::Apt,
    crate::packages::package::Package,
    crate::packages::dnf::Dnf,
    crate::packages::dnf::Yum,
    crate::packages::apk::Apk,
    crate::packages::apt_repository::AptRepository,
    crate::packages::deb822_repository::Deb822Repository,
    crate::facts::package_facts::PackageFacts,
    crate::packages::debconf::Debconf,
    crate::packages::dpkg_selections::DpkgSelections,
    crate::packages::pip::Pip,
    crate::packages::apt_key::AptKey,
    crate::facts::service_facts::ServiceFacts,
    crate::services::service::Service,
    crate::services::systemd::Systemd,
    crate::services::systemd::SystemdService,
    crate::system::user::User,
    crate::system::group::Group,
    crate::system::hostname::Hostname,
    crate::system::selinux::Selinux,
    crate::system::sysctl::Sysctl,
    crate::system::cron::Cron,
    crate::system::authorized_key::AuthorizedKey,
    crate::system::known_hosts::KnownHosts,
    crate::containers::image::ContainerImage,
    crate::containers::network::ContainerNetwork,
    crate::containers::volume::ContainerVolume,
    crate::containers::compose::Compose,
    crate::containers::quadlet::Quadlet,
    crate::containers::container::Container,
    crate::containers::container::DockerContainer,
    crate::containers::container::PodmanContainer,
    crate::system::wait_for::WaitFor,
    crate::system::reboot::WaitForConnection,
    crate::system::reboot::Reboot,
    crate::system::mount::Mount,
    crate::system::getent::Getent,
    crate::system::timezone::Timezone,
    crate::system::modprobe::Modprobe,
    crate::system::locale_gen::LocaleGen,
    crate::system::alternatives::Alternatives,
    crate::system::pam_limits::PamLimits,
    crate::system::ufw::Ufw,
];

/// Modules Ansible ships in a collection other than `ansible.builtin`, by their full name.
pub const COLLECTION_NAMES: &[(&str, &str)] = &[
    ("community.general.apk", "apk"),
    ("ansible.posix.sysctl", "sysctl"),
    ("ansible.posix.authorized_key", "authorized_key"),
    ("community.docker.docker_image", "container_image"),
    ("docker_image", "container_image"),
    ("containers.podman.podman_image", "container_image"),
    ("podman_image", "container_image"),
    ("community.docker.docker_network", "container_network"),
    ("docker_network", "container_network"),
    ("containers.podman.podman_network", "container_network"),
    ("podman_network", "container_network"),
    ("community.docker.docker_volume", "container_volume"),
    ("docker_volume", "container_volume"),
    ("containers.podman.podman_volume", "container_volume"),
    ("podman_volume", "container_volume"),
    ("community.docker.docker_compose_v2", "compose"),
    ("docker_compose_v2", "compose"),
    ("community.docker.docker_container", "docker_container"),
    ("containers.podman.podman_container", "podman_container"),
    ("ansible.posix.mount", "mount"),
    ("ansible.posix.selinux", "selinux"),
    ("community.general.timezone", "timezone"),
    ("community.general.modprobe", "modprobe"),
    ("community.general.locale_gen", "locale_gen"),
    ("community.general.alternatives", "alternatives"),
    ("community.general.pam_limits", "pam_limits"),
    ("community.general.ufw", "ufw"),
];

/// drover's own modules: no collection has them, so they have no full name (`container`).
pub const DROVER_NAMES: &[&str] = &[
    "container",
    "container_image",
    "container_network",
    "container_volume",
    "compose",
    "quadlet",
];

/// Finds a module by its short name or its `ansible.builtin.` / `ansible.legacy.` name (or its
/// collection's full name, for those Ansible does not ship as builtin).
pub fn lookup(name: &str) -> Option<&'static dyn DynModule> {
    let builtin = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."));
    // A collection's name may lead to a drover name (`docker_image` → `container_image`); the
    // builtin prefix may not (`ansible.builtin.container` is no module).
    if builtin.is_some_and(|short| DROVER_NAMES.contains(&short)) {
        return None;
    }
    let short = builtin
        .or_else(|| {
            COLLECTION_NAMES
                .iter()
                .find(|(full, _)| *full == name)
                .map(|(_, short)| *short)
        })
        .unwrap_or(name);
    MODULES.iter().copied().find(|m| m.name() == short)
}
