//! Package modules. Each reads the state of every package a task names with ONE query and closes
//! the gap with ONE command per kind of change (install, remove, upgrade). `package` picks the module
//! that matches the host's package manager.

pub mod apk;
pub mod apt;
pub mod apt_key;
pub mod apt_repository;
pub mod deb822_repository;
pub mod debconf;
pub mod dnf;
pub mod dpkg_selections;
pub mod package;
pub mod pip;
pub mod sources;

use crate::ModuleError;

/// How a requested version constrains a package: `name=1.2*` or `name>=1.2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionCmp {
    /// Shell-style pattern on the version (`=1.0*`).
    Matches,
    /// At least this version (`>=1.0`).
    AtLeast,
}

/// One entry of `name:` as written, split like Ansible's `package_split`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkgSpec {
    pub name: String,
    pub version: Option<(VersionCmp, String)>,
}

impl PkgSpec {
    pub fn parse(text: &str) -> Result<Self, ModuleError> {
        let text = text.trim();
        if text.matches('=').count() > 1 {
            return Err(ModuleError::Params(format!("invalid package spec: {text}")));
        }
        let (name, version) = match text.split_once(">=") {
            Some((n, v)) => (n, Some((VersionCmp::AtLeast, v))),
            None => match text.split_once('=') {
                Some((n, v)) => (n, Some((VersionCmp::Matches, v))),
                None => (text, None),
            },
        };
        if name.is_empty() || name.starts_with('-') || version.is_some_and(|(_, v)| v.is_empty()) {
            return Err(ModuleError::Params(format!("invalid package spec: {text}")));
        }
        if name.contains(['*', '?', '[']) {
            return Err(ModuleError::Params(format!(
                "package name patterns ({name}) are not supported yet: name the packages"
            )));
        }
        Ok(PkgSpec {
            name: name.to_string(),
            version: version.map(|(c, v)| (c, v.to_string())),
        })
    }

    pub fn parse_all(names: &[String]) -> Result<Vec<Self>, ModuleError> {
        names.iter().map(|n| PkgSpec::parse(n)).collect()
    }
}

/// The `state` every package module shares (apt adds `build-dep` and `fixed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PkgState {
    #[default]
    Present,
    #[serde(alias = "installed")]
    Installed,
    Latest,
    Absent,
    #[serde(alias = "removed")]
    Removed,
}

impl PkgState {
    /// `installed`/`removed` are yum's and dnf's spellings of `present`/`absent`.
    pub fn normal(self) -> PkgState {
        match self {
            PkgState::Installed => PkgState::Present,
            PkgState::Removed => PkgState::Absent,
            other => other,
        }
    }
}

/// `#[serde(default, deserialize_with = "opt_int")]`: a non-negative integer, also as a string.
pub(crate) fn opt_int<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    use serde::Deserialize;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) if n.as_u64().is_some() => Ok(n.as_u64()),
        serde_json::Value::String(s) if s.trim().parse::<u64>().is_ok() => {
            Ok(s.trim().parse().ok())
        }
        other => Err(serde::de::Error::custom(format!(
            "{other} is not a valid integer"
        ))),
    }
}

/// A command that reads its input on stdin (`dpkg --set-selections`, `debconf-set-selections`): no
/// file is written, and an answer (a password) never shows on a command line.
pub(crate) fn fed(cmd: crate::Cmd, input: Vec<u8>) -> crate::Step {
    crate::Step {
        stdin: Some(input),
        ..crate::Step::run(cmd)
    }
}

/// Lines of a section `@@name` in the output of a planning script (sections in any order).
pub(crate) fn section<'a>(stdout: &'a str, name: &str) -> Option<Vec<&'a str>> {
    let marker = format!("@@{name}");
    let mut lines = stdout.lines().skip_while(|l| l.trim_end() != marker);
    lines.next()?;
    Some(lines.take_while(|l| !l.starts_with("@@")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_split_like_ansible() {
        let s = PkgSpec::parse("nginx=1.2*").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, "nginx");
        assert_eq!(s.version, Some((VersionCmp::Matches, "1.2*".into())));
        let s = PkgSpec::parse("nginx>=1.2").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.version, Some((VersionCmp::AtLeast, "1.2".into())));
        assert!(PkgSpec::parse("a=1=2").is_err());
        assert!(PkgSpec::parse("=1").is_err());
        assert!(PkgSpec::parse("ngin*").is_err());
    }

    #[test]
    fn sections_split() {
        let out = "@@a\n1\n2\n@@b\n@@c\n3\n";
        assert_eq!(section(out, "a"), Some(vec!["1", "2"]));
        assert_eq!(section(out, "b"), Some(vec![]));
        assert_eq!(section(out, "c"), Some(vec!["3"]));
        assert_eq!(section(out, "d"), None);
    }
}
