//! ansible.cfg and the `ANSIBLE_*` environment, found and read as ansible-core 2.19 does, for the
//! settings drover uses. Precedence: command line (applied by `cli`) > environment > ansible.cfg >
//! drover's defaults. Settings drover does not know are ignored silently, as Ansible ignores them;
//! the SSH options drover's own client replaces are named once in a notice.

mod ini;

use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The settings read from ansible.cfg and the environment; `None` where neither sets one.
#[derive(Debug, Clone, Default)]
pub struct AnsibleConfig {
    /// The ansible.cfg that was read, if any.
    pub file: Option<PathBuf>,
    /// `inventory` / `ANSIBLE_INVENTORY`: paths relative to the cfg file's directory (to the current
    /// directory for the environment variable).
    pub inventory: Option<Vec<PathBuf>>,
    pub forks: Option<usize>,
    /// `timeout`: seconds to wait for an SSH connection.
    pub timeout: Option<u64>,
    pub host_key_checking: Option<bool>,
    /// `stdout_callback`, as written (`json`, `default`, …).
    pub stdout_callback: Option<String>,
    /// `bin_ansible_callbacks`: whether ad-hoc runs honour `stdout_callback` (they do not by default).
    pub load_callback_plugins: bool,
    /// `roles_path` / `ANSIBLE_ROLES_PATH` (colon-separated), for role lookup.
    pub roles_path: Option<Vec<PathBuf>>,
    /// `vault_password_file`; Ansible refuses to run when it is set to a file that does not exist.
    pub vault_password_file: Option<Setting<PathBuf>>,
    pub connection: ConnectionDefaults,
    /// `show_custom_stats` / `ANSIBLE_SHOW_CUSTOM_STATS`: print `set_stats` values (off by default).
    pub show_custom_stats: Option<bool>,
    /// `error_on_missing_handler` / `ANSIBLE_ERROR_ON_MISSING_HANDLER`: notifying a handler that
    /// does not exist stops the run (the default) or only warns.
    pub error_on_missing_handler: Option<bool>,
    /// Printed as `[WARNING]:` lines (e.g. an ansible.cfg skipped in a world-writable directory).
    pub warnings: Vec<String>,
    /// Printed as `[NOTICE]:` lines (settings drover reads but does not apply).
    pub notices: Vec<String>,
}

/// Connection settings that apply where the inventory does not set `ansible_user` and friends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionDefaults {
    pub remote_user: Option<String>,
    pub remote_port: Option<u16>,
    pub private_key_file: Option<PathBuf>,
}

/// A value and where it was set, for messages about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Env(&'static str),
    File {
        path: PathBuf,
        line: usize,
        key: &'static str,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env(name) => write!(f, "${name}"),
            Origin::File { path, line, key } => write!(f, "{}:{line}: {key}", path.display()),
        }
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("error reading config file {}:{}: {}", .path.display(), .source.line, .source.reason)]
    Parse {
        path: PathBuf,
        source: ini::IniError,
    },
    #[error("unsupported configuration file extension for {}: use .cfg or .ini", .0.display())]
    Extension(PathBuf),
    #[error("{origin}: invalid value {value:?}: expected {expected}")]
    Invalid {
        origin: Origin,
        value: String,
        expected: &'static str,
    },
    #[error("the vault password file {} was not found ({origin})", .path.display())]
    VaultPasswordFileMissing { path: PathBuf, origin: Origin },
}

/// What the search and the values depend on: the environment, the working directory, the home
/// directory. Tests give their own; the program uses [`Environment::current`].
#[derive(Debug, Clone)]
pub struct Environment {
    pub vars: HashMap<String, String>,
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
    /// `/etc/ansible/ansible.cfg`, the last place searched.
    pub system_config: PathBuf,
}

impl Environment {
    pub fn current() -> Self {
        Environment {
            vars: std::env::vars().collect(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            home: std::env::home_dir(),
            system_config: PathBuf::from("/etc/ansible/ansible.cfg"),
        }
    }

    /// An environment variable; an empty one counts as unset, as Ansible treats it for typed settings.
    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Where one setting may be given: `(section, key)` in ansible.cfg and environment variables. When
/// several are set, the last listed wins, as in ansible-core's `_loop_entries`.
struct Source {
    ini: &'static [(&'static str, &'static str)],
    env: &'static [&'static str],
}

const INVENTORY: Source = Source {
    ini: &[("defaults", "inventory")],
    env: &["ANSIBLE_INVENTORY"],
};
const FORKS: Source = Source {
    ini: &[("defaults", "forks")],
    env: &["ANSIBLE_FORKS"],
};
const TIMEOUT: Source = Source {
    ini: &[("defaults", "timeout"), ("ssh_connection", "timeout")],
    env: &["ANSIBLE_TIMEOUT", "ANSIBLE_SSH_TIMEOUT"],
};
const HOST_KEY_CHECKING: Source = Source {
    ini: &[
        ("defaults", "host_key_checking"),
        ("ssh_connection", "host_key_checking"),
    ],
    env: &["ANSIBLE_HOST_KEY_CHECKING", "ANSIBLE_SSH_HOST_KEY_CHECKING"],
};
const REMOTE_USER: Source = Source {
    ini: &[("defaults", "remote_user")],
    env: &["ANSIBLE_REMOTE_USER"],
};
const REMOTE_PORT: Source = Source {
    ini: &[("defaults", "remote_port")],
    env: &["ANSIBLE_REMOTE_PORT"],
};
const PRIVATE_KEY_FILE: Source = Source {
    ini: &[("defaults", "private_key_file")],
    env: &["ANSIBLE_PRIVATE_KEY_FILE"],
};
const ROLES_PATH: Source = Source {
    ini: &[("defaults", "roles_path")],
    env: &["ANSIBLE_ROLES_PATH"],
};
const VAULT_PASSWORD_FILE: Source = Source {
    ini: &[("defaults", "vault_password_file")],
    env: &["ANSIBLE_VAULT_PASSWORD_FILE"],
};
const STDOUT_CALLBACK: Source = Source {
    ini: &[("defaults", "stdout_callback")],
    env: &["ANSIBLE_STDOUT_CALLBACK"],
};
const LOAD_CALLBACK_PLUGINS: Source = Source {
    ini: &[("defaults", "bin_ansible_callbacks")],
    env: &["ANSIBLE_LOAD_CALLBACK_PLUGINS"],
};

const SHOW_CUSTOM_STATS: Source = Source {
    ini: &[("defaults", "show_custom_stats")],
    env: &["ANSIBLE_SHOW_CUSTOM_STATS"],
};
const ERROR_ON_MISSING_HANDLER: Source = Source {
    ini: &[("defaults", "error_on_missing_handler")],
    env: &["ANSIBLE_ERROR_ON_MISSING_HANDLER"],
};

/// The `[ssh_connection]` options of Ansible's ssh plugin that drover's own SSH client has no use
/// for (it keeps one connection per host and needs no ssh binary, ControlMaster or pipelining).
const IGNORED_SSH_OPTIONS: &[&str] = &[
    "ssh_args",
    "ssh_common_args",
    "ssh_extra_args",
    "pipelining",
    "control_path",
    "control_path_dir",
    "ssh_executable",
    "scp_executable",
    "sftp_executable",
    "scp_extra_args",
    "sftp_extra_args",
    "scp_if_ssh",
    "transfer_method",
    "sftp_batch_mode",
    "retries",
    "usetty",
    "password_mechanism",
    "sshpass_prompt",
    "pkcs11_provider",
    "verbosity",
];

/// `stdout_callback` values that mean drover's `--output json` / default output.
const JSON_CALLBACKS: &[&str] = &["json", "ansible.posix.json", "community.general.json"];
const DEFAULT_CALLBACKS: &[&str] = &["default", "ansible.builtin.default"];

impl AnsibleConfig {
    /// Reads the configuration of this process (its environment, working and home directory).
    pub fn load() -> Result<Self, ConfigError> {
        Self::load_from(&Environment::current())
    }

    /// Finds ansible.cfg in `env` and resolves every setting drover uses.
    pub fn load_from(env: &Environment) -> Result<Self, ConfigError> {
        let mut warnings = Vec::new();
        let file = find_config_file(env, &mut warnings);
        let ini = match &file {
            Some(path) => read_ini(path)?,
            None => ini::Ini::default(),
        };
        let reader = Reader {
            env,
            ini: &ini,
            file: file.as_deref(),
        };
        let mut config = AnsibleConfig {
            inventory: reader.path_list(&INVENTORY, ','),
            forks: reader.integer(&FORKS)?,
            timeout: reader.integer(&TIMEOUT)?,
            host_key_checking: reader.boolean(&HOST_KEY_CHECKING),
            stdout_callback: reader.string(&STDOUT_CALLBACK).map(|s| s.value),
            load_callback_plugins: reader.boolean(&LOAD_CALLBACK_PLUGINS).unwrap_or(false),
            roles_path: reader.path_list(&ROLES_PATH, ':'),
            vault_password_file: reader.path(&VAULT_PASSWORD_FILE),
            connection: ConnectionDefaults {
                remote_user: reader.string(&REMOTE_USER).map(|s| s.value),
                remote_port: reader.integer(&REMOTE_PORT)?,
                private_key_file: reader.path(&PRIVATE_KEY_FILE).map(|s| s.value),
            },
            show_custom_stats: reader.boolean(&SHOW_CUSTOM_STATS),
            error_on_missing_handler: reader.boolean(&ERROR_ON_MISSING_HANDLER),
            file,
            warnings,
            notices: Vec::new(),
        };
        config.notices = config.notices_for(&ini);
        Ok(config)
    }

    /// Whether `stdout_callback` asks for JSON output; `None` when it does not say.
    pub fn json_output(&self) -> Option<bool> {
        let callback = self.stdout_callback.as_deref()?;
        if JSON_CALLBACKS.contains(&callback) {
            Some(true)
        } else if DEFAULT_CALLBACKS.contains(&callback) {
            Some(false)
        } else {
            None
        }
    }

    /// Ansible stops when `vault_password_file` names a missing file, even with nothing vaulted.
    pub fn check_vault_password_file(&self) -> Result<(), ConfigError> {
        match &self.vault_password_file {
            Some(setting) if !setting.value.exists() => {
                Err(ConfigError::VaultPasswordFileMissing {
                    path: setting.value.clone(),
                    origin: setting.origin.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    fn notices_for(&self, ini: &ini::Ini) -> Vec<String> {
        let mut notices = Vec::new();
        let ignored: Vec<&str> = ini
            .keys("ssh_connection")
            .into_iter()
            .filter(|k| IGNORED_SSH_OPTIONS.contains(k))
            .collect();
        if let (Some(file), false) = (&self.file, ignored.is_empty()) {
            notices.push(format!(
                "{}: [ssh_connection] {} ignored: drover has its own SSH client (one connection per host)",
                file.display(),
                ignored.join(", ")
            ));
        }
        if let (Some(callback), None) = (&self.stdout_callback, self.json_output()) {
            notices.push(format!(
                "stdout_callback = {callback} is not supported: drover prints its default output (json is supported)"
            ));
        }
        notices
    }
}

/// ansible-core's search: `$ANSIBLE_CONFIG` (a file, or a directory holding ansible.cfg),
/// `./ansible.cfg` unless the working directory is world-writable, `~/.ansible.cfg`,
/// `/etc/ansible/ansible.cfg`; the first that exists and is readable.
fn find_config_file(env: &Environment, warnings: &mut Vec<String>) -> Option<PathBuf> {
    let mut candidates = Vec::new();
    let from_env = env.vars.get("ANSIBLE_CONFIG").map(|value| {
        let path = resolve_path(value, &env.cwd, env);
        if path.is_dir() {
            path.join("ansible.cfg")
        } else {
            path
        }
    });
    candidates.extend(from_env.clone());
    let cwd_config = env.cwd.join("ansible.cfg");
    let cwd_public = world_writable(&env.cwd);
    let cwd_skipped = cwd_public && cwd_config.exists();
    if !cwd_public {
        candidates.push(cwd_config);
    }
    candidates.extend(env.home.as_ref().map(|h| h.join(".ansible.cfg")));
    candidates.push(env.system_config.clone());
    let found = candidates.into_iter().find(|p| readable_file(p));
    let env_file_used = from_env.is_some() && found == from_env;
    if cwd_skipped && !env_file_used {
        warnings.push(format!(
            "Ansible is being run in a world writable directory ({}), ignoring it as an ansible.cfg \
             source. For more information see \
             https://docs.ansible.com/ansible/devel/reference_appendices/config.html#cfg-in-world-writable-dir",
            env.cwd.display()
        ));
    }
    found
}

#[cfg(unix)]
fn world_writable(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o002 != 0)
}

#[cfg(not(unix))]
fn world_writable(_dir: &Path) -> bool {
    false
}

fn readable_file(path: &Path) -> bool {
    path.exists() && std::fs::File::open(path).is_ok()
}

fn read_ini(path: &Path) -> Result<ini::Ini, ConfigError> {
    let extension = path.extension().and_then(|e| e.to_str());
    if !matches!(extension, Some("cfg" | "ini")) {
        return Err(ConfigError::Extension(path.to_path_buf()));
    }
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    ini::parse(&text).map_err(|source| ConfigError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Looks settings up in the environment, then in the file, and converts them as Ansible's
/// `ensure_type` does.
struct Reader<'a> {
    env: &'a Environment,
    ini: &'a ini::Ini,
    file: Option<&'a Path>,
}

impl Reader<'_> {
    /// The raw text of a setting and where it came from: the environment first, then the file.
    fn raw(&self, source: &Source) -> Option<Setting<String>> {
        let from_env = source.env.iter().rev().find_map(|name| {
            Some(Setting {
                value: self.env.var(name)?.to_string(),
                origin: Origin::Env(name),
            })
        });
        from_env.or_else(|| self.in_file(source))
    }

    fn in_file(&self, source: &Source) -> Option<Setting<String>> {
        let path = self.file?;
        source.ini.iter().rev().find_map(|&(section, key)| {
            let entry = self.ini.get(section, key)?;
            Some(Setting {
                value: entry.value.clone(),
                origin: Origin::File {
                    path: path.to_path_buf(),
                    line: entry.line,
                    key,
                },
            })
        })
    }

    /// Relative paths are relative to the cfg file's directory, or to the working directory for
    /// values from the environment.
    fn base_dir(&self, origin: &Origin) -> PathBuf {
        match origin {
            Origin::File { path, .. } => path
                .parent()
                .map_or_else(|| self.env.cwd.clone(), Path::to_path_buf),
            Origin::Env(_) => self.env.cwd.clone(),
        }
    }

    /// A string; quotes around a value from the file are removed, as Ansible's `unquote` does.
    fn string(&self, source: &Source) -> Option<Setting<String>> {
        let mut setting = self.raw(source)?;
        if matches!(setting.origin, Origin::File { .. }) {
            setting.value = unquote(&setting.value).to_string();
        }
        Some(setting)
    }

    fn integer<T: TryFrom<i64>>(&self, source: &Source) -> Result<Option<T>, ConfigError> {
        let Some(setting) = self.raw(source) else {
            return Ok(None);
        };
        parse_integer(&setting.value)
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or(ConfigError::Invalid {
                origin: setting.origin,
                value: setting.value,
                expected: "a whole number in range",
            })
    }

    /// Ansible's non-strict boolean: `y yes on 1 true t` (any case) are true, anything else false.
    fn boolean(&self, source: &Source) -> Option<bool> {
        let setting = self.raw(source)?;
        let value = setting.value.trim().to_lowercase();
        Some(["y", "yes", "on", "1", "true", "t"].contains(&value.as_str()))
    }

    fn path(&self, source: &Source) -> Option<Setting<PathBuf>> {
        let setting = self.raw(source)?;
        let base = self.base_dir(&setting.origin);
        Some(Setting {
            value: resolve_path(&setting.value, &base, self.env),
            origin: setting.origin,
        })
    }

    /// Ansible's `pathlist` (`,`-separated, each item trimmed) or `pathspec` (`:`-separated).
    fn path_list(&self, source: &Source, separator: char) -> Option<Vec<PathBuf>> {
        let setting = self.raw(source)?;
        let base = self.base_dir(&setting.origin);
        let items = setting.value.split(separator);
        Some(if separator == ',' {
            items
                .map(|item| resolve_path(item.trim(), &base, self.env))
                .collect()
        } else {
            items
                .map(|item| resolve_path(item, &base, self.env))
                .collect()
        })
    }
}

/// `7`, ` 7 `, `7.0` (a float without a fraction, as Ansible's Decimal check allows).
fn parse_integer(text: &str) -> Option<i64> {
    let text = text.trim();
    text.parse::<i64>().ok().or_else(|| {
        let float: f64 = text.parse().ok()?;
        // The range check keeps the cast exact.
        (float.fract() == 0.0 && float.abs() < 9.0e15).then_some(float as i64)
    })
}

/// Ansible's `unquote`: strips one pair of matching outer quotes unless the closing one is escaped.
fn unquote(text: &str) -> &str {
    let bytes = text.as_bytes();
    let quoted = bytes.len() > 1
        && matches!(bytes[0], b'"' | b'\'')
        && bytes[0] == bytes[bytes.len() - 1]
        && bytes[bytes.len() - 2] != b'\\';
    if quoted {
        &text[1..text.len() - 1]
    } else {
        text
    }
}

/// Ansible's `resolve_path`: `{{CWD}}`, `$VAR`/`${VAR}`, `~`, relative to `base`, then `.` and `..`
/// folded away without touching the file system (Python's `normpath`).
pub fn resolve_path(text: &str, base: &Path, env: &Environment) -> PathBuf {
    let text = text.replace("{{CWD}}", &env.cwd.to_string_lossy());
    let text = expand_vars(&text, env);
    let path = expand_user(&text, env);
    normalize(&base.join(path))
}

/// Python's `os.path.expandvars`: `$NAME` and `${NAME}` of set variables; the others stay as written.
fn expand_vars(text: &str, env: &Environment) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match env.vars.get(name).filter(|_| !name.is_empty()) {
            Some(value) => {
                out.push_str(value);
                rest = &after[len..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `~` and `~/x` → the home directory; `~user` is left as written.
fn expand_user(text: &str, env: &Environment) -> PathBuf {
    match (text, text.strip_prefix("~/"), &env.home) {
        ("~", _, Some(home)) => home.clone(),
        (_, Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(text),
    }
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            // `/..` is `/`, as in Python's normpath.
            Component::ParentDir => {
                if !out.pop() && !out.has_root() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests;
