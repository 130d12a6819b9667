//! `~/.ssh/config`: what OpenSSH's own client would use for a host (HostName, Port, User,
//! IdentityFile, UserKnownHostsFile, StrictHostKeyChecking, ConnectTimeout, ServerAliveInterval,
//! ServerAliveCountMax). Inventory values win over it, as they do with Ansible, which passes them to
//! `ssh -o …` on the command line; the `-o` options of `ansible_ssh_common_args` /
//! `ansible_ssh_extra_args` are read with the same keywords ([`ConnectionVars::apply_ssh_args`]).
//!
//! Parsing is ssh2-config's (Host patterns, Include). It has no `Match`: such blocks are read as
//! belonging to no host (with a warning) instead of being merged into the Host block above them.

use super::{ConnectionSpec, HostKeyChecking, Secret};
use ssh2_config::{ParseRule, SshConfig};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// A host's connection settings as the inventory gives them (`ansible_host`, `ansible_port`,
/// `ansible_user`, `ansible_ssh_private_key_file`, `-o` options from `ansible_ssh_common_args`):
/// `None` or empty where it says nothing, so that `~/.ssh/config` and then the defaults fill in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionVars {
    pub address: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    /// Offered before any `IdentityFile` from `~/.ssh/config`.
    pub identity_files: Vec<PathBuf>,
    /// Replaces `UserKnownHostsFile` and the default when not empty.
    pub known_hosts: Vec<PathBuf>,
    pub host_key_checking: Option<HostKeyChecking>,
    pub connect_timeout: Option<Duration>,
    /// `ServerAliveInterval`; zero turns keepalives off, as in OpenSSH.
    pub server_alive_interval: Option<Duration>,
    /// `ServerAliveCountMax`.
    pub server_alive_count_max: Option<usize>,
    /// `ansible_password` / `ansible_ssh_pass`.
    pub password: Option<Secret>,
    pub local: bool,
}

impl ConnectionVars {
    /// Reads the `ssh -o Key=Value` options of `args` (`ansible_ssh_common_args` and
    /// `ansible_ssh_extra_args`). As with OpenSSH, the first value given for a setting wins, so
    /// call it after setting what the inventory's own variables say (Ansible puts `-o User=`
    /// from `ansible_user` before these). Identity files add up. Options that do not concern
    /// drover's client are ignored; so are values that cannot be read (ssh would refuse them).
    pub fn apply_ssh_args(&mut self, args: &str) {
        let words = shlex::split(args).unwrap_or_default();
        let mut words = words.iter();
        while let Some(word) = words.next() {
            let option = match word.as_str() {
                "-o" => words.next().cloned(),
                w if w.starts_with("-o") => Some(w[2..].to_string()),
                _ => None,
            };
            if let Some((key, value)) = option.as_deref().and_then(split_option) {
                self.apply_option(&key, value);
            }
        }
    }

    fn apply_option(&mut self, key: &str, value: &str) {
        let seconds = || value.parse::<u64>().ok().map(Duration::from_secs);
        match key {
            "userknownhostsfile" if self.known_hosts.is_empty() => {
                self.known_hosts = value.split_whitespace().map(expand_home).collect();
            }
            "stricthostkeychecking" if self.host_key_checking.is_none() => {
                self.host_key_checking = HostKeyChecking::from_openssh(value);
            }
            "identityfile" => self.identity_files.push(expand_home(value)),
            "port" if self.port.is_none() => self.port = value.parse().ok(),
            "user" if self.user.is_none() => self.user = Some(value.to_string()),
            "connecttimeout" if self.connect_timeout.is_none() => self.connect_timeout = seconds(),
            "serveraliveinterval" if self.server_alive_interval.is_none() => {
                self.server_alive_interval = seconds();
            }
            "serveralivecountmax" if self.server_alive_count_max.is_none() => {
                self.server_alive_count_max = value.parse().ok();
            }
            _ => {}
        }
    }
}

/// `Key=Value`, `Key Value` or `Key = Value` → (lower-case key, value).
fn split_option(option: &str) -> Option<(String, &str)> {
    let option = option.trim();
    let end = option.find(|c: char| c == '=' || c.is_whitespace())?;
    let (key, rest) = option.split_at(end);
    let value = rest.trim_start().strip_prefix('=').unwrap_or(rest).trim();
    (!value.is_empty()).then(|| (key.to_ascii_lowercase(), value))
}

/// The settings `~/.ssh/config` gives for one host; `None` where it says nothing.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SshHostConfig {
    pub host_name: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub identity_files: Vec<PathBuf>,
    pub known_hosts: Vec<PathBuf>,
    pub host_key_checking: Option<HostKeyChecking>,
    pub connect_timeout: Option<Duration>,
    pub server_alive_interval: Option<Duration>,
    pub server_alive_count_max: Option<usize>,
    /// Settings drover cannot honour yet (ProxyJump, ProxyCommand), to say so rather than ignore them.
    pub unsupported: Vec<String>,
}

/// Builds the spec for inventory host `name`: defaults, overlaid by `config`'s settings for the host
/// (looked up by `ansible_host`, else `name`, as ssh would be called with it), overlaid by `vars`.
pub fn resolve(name: &str, vars: &ConnectionVars, config: Option<&SshConfig>) -> ConnectionSpec {
    let address = vars.address.clone().unwrap_or_else(|| name.to_string());
    let mut spec = ConnectionSpec::new(name, &address);
    spec.local = vars.local;
    if !vars.local
        && let Some(config) = config
    {
        apply_ssh_config(&mut spec, &lookup(config, &address));
    }
    if let Some(port) = vars.port {
        spec.port = port;
    }
    if let Some(user) = &vars.user {
        spec.user = Some(user.clone());
    }
    // Inventory keys first: OpenSSH offers `-o IdentityFile` (how Ansible passes the key) before
    // the config file's.
    let mut keys = vars.identity_files.clone();
    keys.extend(
        spec.identity_files
            .drain(..)
            .filter(|k| !vars.identity_files.contains(k)),
    );
    spec.identity_files = keys;
    if !vars.known_hosts.is_empty() {
        spec.known_hosts = vars.known_hosts.clone();
    }
    if let Some(policy) = vars.host_key_checking {
        spec.host_key_checking = policy;
    }
    if let Some(timeout) = vars.connect_timeout {
        spec.connect_timeout = timeout;
    }
    apply_keepalive(
        &mut spec,
        vars.server_alive_interval,
        vars.server_alive_count_max,
    );
    spec.password = vars.password.clone();
    spec
}

/// `ServerAliveInterval` (zero: none) and `ServerAliveCountMax`, where set.
fn apply_keepalive(spec: &mut ConnectionSpec, interval: Option<Duration>, max: Option<usize>) {
    if let Some(interval) = interval {
        spec.keepalive_interval = (!interval.is_zero()).then_some(interval);
    }
    if let Some(max) = max {
        spec.keepalive_max = max;
    }
}

/// Overlays a host's `~/.ssh/config` settings on `spec` (overwriting what they set; identity files
/// are appended). Call it before applying inventory values, which must win — [`resolve`] does both.
pub fn apply_ssh_config(spec: &mut ConnectionSpec, host: &SshHostConfig) {
    let original = spec.address.clone();
    if let Some(name) = &host.host_name {
        spec.address = name.replace("%h", &original);
    }
    if let Some(port) = host.port {
        spec.port = port;
    }
    if let Some(user) = &host.user {
        spec.user = Some(user.clone());
    }
    for file in &host.identity_files {
        let file = expand_tokens(file, spec);
        if !spec.identity_files.contains(&file) {
            spec.identity_files.push(file);
        }
    }
    if !host.known_hosts.is_empty() {
        spec.known_hosts = host.known_hosts.clone();
    }
    if let Some(policy) = host.host_key_checking {
        spec.host_key_checking = policy;
    }
    if let Some(timeout) = host.connect_timeout {
        spec.connect_timeout = timeout;
    }
    apply_keepalive(
        spec,
        host.server_alive_interval,
        host.server_alive_count_max,
    );
    for setting in &host.unsupported {
        if !spec.unsupported.contains(setting) {
            spec.unsupported.push(setting.clone());
        }
    }
}

/// The user's `~/.ssh/config`, read once per process. Problems with it are printed once, as
/// warnings: a broken ssh config must not stop a run that does not need it.
pub fn user_config() -> Option<&'static SshConfig> {
    static CONFIG: OnceLock<Option<SshConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let path = std::env::home_dir()?.join(".ssh").join("config");
            let (config, warnings) = read(&path);
            for warning in warnings {
                eprintln!("[WARNING]: {warning}");
            }
            config
        })
        .as_ref()
}

/// The `~/.ssh/config` settings for `host` (empty without a config file).
pub fn for_host(host: &str) -> SshHostConfig {
    user_config().map(|c| lookup(c, host)).unwrap_or_default()
}

/// Parses an ssh config file. A missing file is no config and no warning; an unreadable or
/// unparsable one is no config and a warning; `Match` blocks are neutralised with a warning.
pub fn read(path: &Path) -> (Option<SshConfig>, Vec<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (None, Vec::new()),
        Err(e) => return (None, vec![format!("ignoring {}: {e}", path.display())]),
    };
    let mut warnings = Vec::new();
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let keyword = line
            .trim_start()
            .split(|c: char| c.is_whitespace() || c == '=')
            .next()
            .unwrap_or("");
        if keyword.eq_ignore_ascii_case("match") {
            warnings.push(format!(
                "{}:{}: `Match` blocks are not supported; drover ignores the settings in this one",
                path.display(),
                index + 1
            ));
            // A Host block no real host matches: its settings then apply to nobody.
            lines.push("Host drover-unsupported-match-block.invalid".to_string());
        } else {
            lines.push(line.to_string());
        }
    }
    let mut reader = std::io::Cursor::new(lines.join("\n"));
    let rules = ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS;
    match SshConfig::default().parse(&mut reader, rules) {
        Ok(config) => (Some(config), warnings),
        Err(e) => {
            warnings.push(format!(
                "ignoring {}: it could not be parsed ({e})",
                path.display()
            ));
            (None, warnings)
        }
    }
}

/// What `config` says for `host` (the name ssh would be given: `ansible_host` or the inventory name).
pub fn lookup(config: &SshConfig, host: &str) -> SshHostConfig {
    let params = config.query(host);
    let field = |name: &str| {
        params
            .unsupported_fields
            .get(name)
            .cloned()
            .unwrap_or_default()
    };
    let first = |name: &str| field(name).into_iter().next();
    let mut unsupported = Vec::new();
    if params
        .proxy_jump
        .as_ref()
        .is_some_and(|hops| !hops.iter().all(|h| h.eq_ignore_ascii_case("none")))
    {
        unsupported.push("ProxyJump".to_string());
    }
    if first("proxycommand").is_some_and(|c| !c.eq_ignore_ascii_case("none")) {
        unsupported.push("ProxyCommand".to_string());
    }
    SshHostConfig {
        host_name: params.host_name.clone(),
        port: params.port,
        user: params.user.clone(),
        identity_files: params.identity_file.clone().unwrap_or_default(),
        // OpenSSH takes several files separated by spaces.
        known_hosts: field("userknownhostsfile")
            .iter()
            .flat_map(|v| v.split_whitespace())
            .map(expand_home)
            .collect(),
        host_key_checking: first("stricthostkeychecking")
            .and_then(|v| HostKeyChecking::from_openssh(&v)),
        connect_timeout: params.connect_timeout,
        server_alive_interval: params.server_alive_interval,
        server_alive_count_max: first("serveralivecountmax").and_then(|v| v.trim().parse().ok()),
        unsupported,
    }
}

/// `~/x` → `$HOME/x`.
pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// OpenSSH's `%` tokens in IdentityFile: `%d` home, `%u` local user, `%h` host, `%r` remote user,
/// `%p` port, `%n` inventory name, `%%`.
fn expand_tokens(path: &Path, spec: &ConnectionSpec) -> PathBuf {
    let text = path.to_string_lossy();
    if !text.contains('%') {
        return path.to_path_buf();
    }
    let local_user = std::env::var("USER").unwrap_or_default();
    let home = std::env::home_dir()
        .map(|h| h.display().to_string())
        .unwrap_or_default();
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str(&home),
            Some('u') => out.push_str(&local_user),
            Some('h') => out.push_str(&spec.address),
            Some('r') => out.push_str(spec.user.as_deref().unwrap_or(&local_user)),
            Some('p') => out.push_str(&spec.port.to_string()),
            Some('n') => out.push_str(&spec.name),
            Some('%') => out.push('%'),
            // Unknown token: keep it as written, so the "not found" message shows it.
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    PathBuf::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# a comment
Host web*
  HostName 10.1.1.%h
  Port 2200
  User deploy
  IdentityFile /keys/web
  IdentityFile /keys/%r-%p
  UserKnownHostsFile /tmp/kh1 /tmp/kh2
  StrictHostKeyChecking accept-new
  ConnectTimeout 3

Host jump*
  ProxyJump bastion

Match host db*
  User matched

Host *
  User nobody
  IdentityFile /keys/common
  SomeFutureOption yes
";

    fn parse(text: &str) -> (tempfile::TempDir, Option<SshConfig>, Vec<String>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config");
        std::fs::write(&path, text).expect("write config");
        let (config, warnings) = read(&path);
        (dir, config, warnings)
    }

    #[test]
    fn reads_what_openssh_would_use() {
        let (_dir, config, warnings) = parse(CONFIG);
        let config = config.expect("parses despite Match and unknown options");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains(":15: `Match`"), "{warnings:?}");
        let web = lookup(&config, "web1");
        assert_eq!(web.host_name.as_deref(), Some("10.1.1.%h"));
        assert_eq!(
            (web.port, web.user.as_deref()),
            (Some(2200), Some("deploy"))
        );
        assert_eq!(
            web.identity_files,
            ["/keys/web", "/keys/%r-%p", "/keys/common"].map(PathBuf::from)
        );
        assert_eq!(web.known_hosts, ["/tmp/kh1", "/tmp/kh2"].map(PathBuf::from));
        assert_eq!(web.host_key_checking, Some(HostKeyChecking::AcceptNew));
        assert_eq!(web.connect_timeout, Some(Duration::from_secs(3)));
        // The Match block applies to nobody rather than leaking into `Host jump*` above it.
        let db = lookup(&config, "db1");
        assert_eq!((db.host_name, db.user.as_deref()), (None, Some("nobody")));
        assert_eq!(
            lookup(&config, "jump1").unsupported,
            vec!["ProxyJump".to_string()]
        );
    }

    #[test]
    fn inventory_wins_over_ssh_config_which_wins_over_defaults() {
        let (_dir, config, _) = parse(CONFIG);
        let spec = resolve("web7", &ConnectionVars::default(), config.as_ref());
        assert_eq!(
            (spec.address.as_str(), spec.port, spec.user.as_deref()),
            ("10.1.1.web7", 2200, Some("deploy"))
        );
        assert_eq!(
            spec.identity_files,
            ["/keys/web", "/keys/deploy-2200", "/keys/common"].map(PathBuf::from)
        );
        assert_eq!(
            spec.known_hosts,
            ["/tmp/kh1", "/tmp/kh2"].map(PathBuf::from)
        );
        assert_eq!(spec.host_key_checking, HostKeyChecking::AcceptNew);
        assert_eq!(spec.connect_timeout, Duration::from_secs(3));

        let vars = ConnectionVars {
            address: Some("web9".into()),
            port: Some(22),
            user: Some("root".into()),
            identity_files: vec!["/keys/inventory".into(), "/keys/common".into()],
            known_hosts: vec!["/fleet/known_hosts".into()],
            host_key_checking: Some(HostKeyChecking::Strict),
            connect_timeout: Some(Duration::from_secs(20)),
            ..ConnectionVars::default()
        };
        let spec = resolve("inventory-name", &vars, config.as_ref());
        // ansible_host is what ssh is called with, so HostName still applies to it (as with Ansible).
        assert_eq!(
            (
                spec.name.as_str(),
                spec.address.as_str(),
                spec.port,
                spec.user.as_deref()
            ),
            ("inventory-name", "10.1.1.web9", 22, Some("root"))
        );
        assert_eq!(
            spec.identity_files,
            [
                "/keys/inventory",
                "/keys/common",
                "/keys/web",
                "/keys/deploy-2200"
            ]
            .map(PathBuf::from)
        );
        assert_eq!(spec.known_hosts, vec![PathBuf::from("/fleet/known_hosts")]);
        assert_eq!(spec.host_key_checking, HostKeyChecking::Strict);
        assert_eq!(spec.connect_timeout, Duration::from_secs(20));
    }

    #[test]
    fn defaults_without_a_config() {
        let spec = resolve("h1", &ConnectionVars::default(), None);
        assert_eq!(
            (spec.address.as_str(), spec.port, spec.user),
            ("h1", 22, None)
        );
        assert_eq!(spec.host_key_checking, HostKeyChecking::Strict);
        assert_eq!(spec.connect_timeout, Duration::from_secs(10));
        assert!(spec.identity_files.is_empty() && spec.unsupported.is_empty() && !spec.local);
    }

    #[test]
    fn proxies_are_flagged_and_local_hosts_ignore_the_config() {
        let (_dir, config, _) = parse(CONFIG);
        let spec = resolve("jump1", &ConnectionVars::default(), config.as_ref());
        assert_eq!(spec.unsupported, vec!["ProxyJump".to_string()]);
        let local = ConnectionVars {
            local: true,
            ..ConnectionVars::default()
        };
        let spec = resolve("web1", &local, config.as_ref());
        assert!(spec.local && spec.unsupported.is_empty());
        assert_eq!((spec.address.as_str(), spec.port), ("web1", 22));
        let (_dir, config, _) = parse("Host *\n  ProxyCommand none\n  ProxyJump none\n");
        let spec = resolve("x", &ConnectionVars::default(), config.as_ref());
        assert!(spec.unsupported.is_empty(), "`none` disables a proxy");
        let (_dir, config, _) = parse("Host *\n  ProxyCommand ssh -W %h:%p gw\n");
        let spec = resolve("x", &ConnectionVars::default(), config.as_ref());
        assert_eq!(spec.unsupported, vec!["ProxyCommand".to_string()]);
    }

    #[test]
    fn a_broken_or_missing_config_warns_instead_of_failing() {
        let (_dir, parsed, warnings) = parse("Host a\n  Port not-a-number\n");
        assert!(parsed.is_none());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("could not be parsed"), "{warnings:?}");
        let (parsed, warnings) = read(Path::new("/nonexistent/drover/ssh_config"));
        assert!(parsed.is_none() && warnings.is_empty());
    }
}
