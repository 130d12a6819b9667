//! The arguments of `apt`, and what they mean together.

use crate::ModuleError;
use crate::packages::PkgSpec;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(
        default,
        alias = "name",
        alias = "pkg",
        deserialize_with = "crate::de::string_list"
    )]
    pub package: Vec<String>,
    #[serde(default)]
    pub state: AptState,
    #[serde(
        default,
        alias = "update-cache",
        deserialize_with = "crate::de::opt_boolean"
    )]
    pub update_cache: Option<bool>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub cache_valid_time: Option<u64>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub update_cache_retries: Option<u64>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub update_cache_retry_max_delay: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub purge: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub deb: Option<String>,
    #[serde(
        default,
        alias = "default-release",
        deserialize_with = "crate::de::opt_string"
    )]
    pub default_release: Option<String>,
    #[serde(
        default,
        alias = "install-recommends",
        deserialize_with = "crate::de::opt_boolean"
    )]
    pub install_recommends: Option<bool>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force: bool,
    #[serde(default, deserialize_with = "upgrade_mode")]
    pub upgrade: Upgrade,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub dpkg_options: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub autoremove: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub autoclean: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub fail_on_autoremove: bool,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub policy_rc_d: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub only_upgrade: bool,
    /// drover always uses apt-get (never aptitude): accepted, changes nothing.
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force_apt_get: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub clean: bool,
    #[serde(
        default,
        alias = "allow-unauthenticated",
        deserialize_with = "crate::de::boolean"
    )]
    pub allow_unauthenticated: bool,
    #[serde(
        default,
        alias = "allow-downgrade",
        alias = "allow_downgrades",
        alias = "allow-downgrades",
        deserialize_with = "crate::de::boolean"
    )]
    pub allow_downgrade: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub allow_change_held_packages: bool,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub lock_timeout: Option<u64>,
    /// Ansible installs python3-apt for itself; drover needs nothing on the target.
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub auto_install_module_deps: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AptState {
    #[default]
    Present,
    Latest,
    Absent,
    Fixed,
    #[serde(rename = "build-dep")]
    BuildDep,
}

/// `upgrade`: `no`, `yes`/`safe` (`apt-get upgrade --with-new-pkgs`), `full`/`dist` (`dist-upgrade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Upgrade {
    #[default]
    No,
    Safe,
    Dist,
}

fn upgrade_mode<'de, D: Deserializer<'de>>(d: D) -> Result<Upgrade, D::Error> {
    let v = Value::deserialize(d)?;
    let text = match &v {
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) | Value::Null => "no".to_string(),
        Value::String(s) => s.trim().to_ascii_lowercase(),
        other => other.to_string(),
    };
    match text.as_str() {
        "no" | "false" => Ok(Upgrade::No),
        "yes" | "true" | "safe" => Ok(Upgrade::Safe),
        "full" | "dist" => Ok(Upgrade::Dist),
        _ => Err(serde::de::Error::custom(format!(
            "value of upgrade must be one of: dist, full, no, safe, yes, got: {text}"
        ))),
    }
}

impl Params {
    pub(super) fn wants_update(&self) -> bool {
        self.update_cache == Some(true) || self.cache_valid_time.unwrap_or(0) > 0
    }
    /// `name: "*"` with `state: latest` upgrades everything, as `upgrade: yes` does.
    pub(super) fn upgrade_all(&self) -> bool {
        self.state == AptState::Latest && self.package.iter().any(|p| p == "*")
    }
    pub(super) fn upgrade_mode(&self) -> Upgrade {
        if self.upgrade_all() {
            Upgrade::Safe
        } else {
            self.upgrade
        }
    }
    pub(super) fn specs(&self) -> Result<Vec<PkgSpec>, ModuleError> {
        let names: Vec<String> = self.package.iter().filter(|p| *p != "*").cloned().collect();
        PkgSpec::parse_all(&names)
    }
    pub(super) fn debs(&self) -> Vec<String> {
        self.deb
            .iter()
            .flat_map(|d| d.split(','))
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect()
    }
}
