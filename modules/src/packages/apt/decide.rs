//! Which named packages need a change, from dpkg's status and apt's candidates.

use super::{AptState, Params};
use crate::facts::deb::{self, DebStatus, DpkgState, Policy};
use crate::packages::{PkgSpec, VersionCmp, section};
use crate::{Cmd, Host, ModuleError};
use std::collections::BTreeMap;

pub(super) enum Decision {
    Install(Vec<String>),
    Remove(Vec<String>),
    Fail(String),
}

pub(super) fn installed(status: &BTreeMap<String, DebStatus>, name: &str) -> Option<String> {
    status
        .get(name)
        .filter(|s| s.state == DpkgState::Installed)
        .map(|s| s.version.clone())
}

pub(super) fn version_ok(spec: &PkgSpec, version: &str) -> bool {
    match &spec.version {
        None => true,
        Some((VersionCmp::Matches, pattern)) => deb::fnmatch(pattern, version),
        Some((VersionCmp::AtLeast, min)) => {
            deb::compare_versions(version, min) != std::cmp::Ordering::Less
        }
    }
}

pub(super) fn decide_removals(
    p: &Params,
    specs: &[PkgSpec],
    status: &BTreeMap<String, DebStatus>,
) -> Decision {
    let list = specs
        .iter()
        .filter(|s| {
            let leftover = p.purge
                && status
                    .get(&s.name)
                    .is_some_and(|st| st.state == DpkgState::ConfigFiles);
            installed(status, &s.name).is_some_and(|v| version_ok(s, &v)) || leftover
        })
        .map(|s| s.name.clone())
        .collect();
    Decision::Remove(list)
}

/// Which packages need `apt-get install`, as `name=version` (the version apt will pick, as
/// Ansible passes it). Candidates are read only for packages that are not already right.
pub(super) async fn decide_installs(
    p: &Params,
    specs: &[PkgSpec],
    status: &BTreeMap<String, DebStatus>,
    text: &str,
    host: &mut dyn Host,
) -> Result<Decision, ModuleError> {
    let latest = p.state == AptState::Latest;
    let open: Vec<&PkgSpec> = specs
        .iter()
        .filter(|s| match installed(status, &s.name) {
            Some(v) => latest || !version_ok(s, &v),
            None => !p.only_upgrade,
        })
        .collect();
    if open.is_empty() {
        return Ok(Decision::Install(Vec::new()));
    }
    let policies = match section(text, "policy") {
        Some(lines) => deb::parse_policy(&lines.join("\n")),
        None => {
            let cmd =
                Cmd::new("LC_ALL=C apt-cache policy --").args(open.iter().map(|s| s.name.as_str()));
            deb::parse_policy(&host.query(&cmd).await?.stdout)
        }
    };
    let mut list = Vec::new();
    for spec in open {
        let Some(policy) = policy_of(&policies, &spec.name) else {
            return Ok(Decision::Fail(format!(
                "No package matching '{}' is available",
                spec.name
            )));
        };
        let current = installed(status, &spec.name);
        let Some(best) = best_version(spec, policy) else {
            if current.as_deref().is_some_and(|v| version_ok(spec, v)) {
                continue;
            }
            return Ok(Decision::Fail(format!(
                "no available installation candidate for {}",
                spec_text(spec)
            )));
        };
        if current.as_deref() != Some(best.as_str()) {
            list.push(format!("{}={best}", spec.name));
        }
    }
    Ok(Decision::Install(list))
}

pub(super) fn policy_of<'a>(
    policies: &'a BTreeMap<String, Policy>,
    name: &str,
) -> Option<&'a Policy> {
    policies.get(name).or_else(|| {
        name.split_once(':')
            .and_then(|(bare, _)| policies.get(bare))
    })
}

/// The version apt would install for the spec: the candidate, or for `=pattern` the highest
/// version matching it (Ansible pins the pattern above every other priority).
pub(super) fn best_version(spec: &PkgSpec, policy: &Policy) -> Option<String> {
    match &spec.version {
        None => policy.candidate.clone(),
        Some((VersionCmp::Matches, pattern)) => policy
            .versions
            .iter()
            .filter(|v| deb::fnmatch(pattern, v))
            .max_by(|a, b| deb::compare_versions(a, b))
            .cloned(),
        Some((VersionCmp::AtLeast, _)) => policy.candidate.clone().filter(|c| version_ok(spec, c)),
    }
}

pub(super) fn spec_text(spec: &PkgSpec) -> String {
    match &spec.version {
        None => spec.name.clone(),
        Some((VersionCmp::Matches, v)) => format!("{}={v}", spec.name),
        Some((VersionCmp::AtLeast, v)) => format!("{}>={v}", spec.name),
    }
}
