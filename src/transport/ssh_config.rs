//! `~/.ssh/config`: what OpenSSH's own client would use for a host (HostName, Port, User,
//! IdentityFile, UserKnownHostsFile, StrictHostKeyChecking). Inventory values win over it, as they do
//! with Ansible, which passes them to ssh on the command line.

use super::HostKeyChecking;
use ssh2_config::{ParseRule, SshConfig};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The settings `~/.ssh/config` gives for one host; `None` where it says nothing.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SshHostConfig {
    pub host_name: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub identity_files: Vec<PathBuf>,
    pub known_hosts: Vec<PathBuf>,
    pub host_key_checking: Option<HostKeyChecking>,
    /// Settings drover cannot honour yet (ProxyJump), to say so rather than ignore them.
    pub unsupported: Vec<String>,
}

/// The user's `~/.ssh/config`, read once per run. An unreadable file counts as empty.
pub fn for_host(host: &str) -> SshHostConfig {
    static CONFIG: OnceLock<Option<SshConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let path = std::env::home_dir()?.join(".ssh/config");
        read(&path)
    });
    config.as_ref().map(|c| lookup(c, host)).unwrap_or_default()
}

pub fn read(path: &Path) -> Option<SshConfig> {
    let file = std::fs::File::open(path).ok()?;
    SshConfig::default()
        .parse(
            &mut BufReader::new(file),
            ParseRule::ALLOW_UNSUPPORTED_FIELDS,
        )
        .ok()
}

pub fn lookup(config: &SshConfig, host: &str) -> SshHostConfig {
    let params = config.query(host);
    let field = |name: &str| {
        params
            .unsupported_fields
            .get(name)
            .and_then(|v| v.first())
            .cloned()
    };
    SshHostConfig {
        host_name: params.host_name.clone(),
        port: params.port,
        user: params.user.clone(),
        identity_files: params.identity_file.clone().unwrap_or_default(),
        known_hosts: field("userknownhostsfile")
            .map(|f| vec![expand_home(&f)])
            .unwrap_or_default(),
        host_key_checking: field("stricthostkeychecking").map(|v| {
            match v.to_ascii_lowercase().as_str() {
                "no" | "off" => HostKeyChecking::Off,
                "accept-new" => HostKeyChecking::AcceptNew,
                _ => HostKeyChecking::Strict,
            }
        }),
        unsupported: params
            .proxy_jump
            .as_ref()
            .map(|_| "ProxyJump".to_string())
            .into_iter()
            .collect(),
    }
}

pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_openssh_would_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "Host web*\n  HostName 10.1.1.1\n  Port 2200\n  User deploy\n  IdentityFile /keys/web\n  \
             UserKnownHostsFile /tmp/kh\n  StrictHostKeyChecking accept-new\n\nHost *\n  User nobody\n",
        )
        .unwrap();
        let config = read(&path).unwrap();
        let web = lookup(&config, "web1");
        assert_eq!(web.host_name.as_deref(), Some("10.1.1.1"));
        assert_eq!(
            (web.port, web.user.as_deref()),
            (Some(2200), Some("deploy"))
        );
        assert_eq!(web.identity_files, vec![PathBuf::from("/keys/web")]);
        assert_eq!(web.known_hosts, vec![PathBuf::from("/tmp/kh")]);
        assert_eq!(web.host_key_checking, Some(HostKeyChecking::AcceptNew));
        let other = lookup(&config, "db1");
        assert_eq!(
            (other.host_name, other.user.as_deref()),
            (None, Some("nobody"))
        );
    }
}
