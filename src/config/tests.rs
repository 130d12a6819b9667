//! Search order, precedence and value conversion, against what `ansible-config dump --only-changed`
//! (ansible-core 2.19) prints for the same files and variables.

use super::*;

struct Scene {
    _root: tempfile::TempDir,
    root: PathBuf,
    env: Environment,
}

/// A private directory tree: `cwd/`, `home/`, `etc/ansible.cfg` (absent until written).
fn scene() -> Scene {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().to_path_buf();
    for sub in ["cwd", "home", "etc"] {
        std::fs::create_dir_all(root.join(sub)).unwrap_or_else(|e| panic!("{e}"));
    }
    let env = Environment {
        vars: HashMap::new(),
        cwd: root.join("cwd"),
        home: Some(root.join("home")),
        system_config: root.join("etc/ansible.cfg"),
    };
    Scene {
        _root: dir,
        root,
        env,
    }
}

impl Scene {
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    fn set(&mut self, name: &str, value: &str) {
        self.env.vars.insert(name.into(), value.into());
    }

    fn load(&self) -> AnsibleConfig {
        AnsibleConfig::load_from(&self.env).unwrap_or_else(|e| panic!("{e}"))
    }
}

#[test]
fn search_order_is_env_cwd_home_system() {
    let mut s = scene();
    assert_eq!(s.load().file, None);
    let system = s.write("etc/ansible.cfg", "[defaults]\n");
    assert_eq!(s.load().file, Some(system));
    let home = s.write("home/.ansible.cfg", "[defaults]\n");
    assert_eq!(s.load().file, Some(home));
    let cwd = s.write("cwd/ansible.cfg", "[defaults]\n");
    assert_eq!(s.load().file, Some(cwd));
    let in_dir = s.write("proj/ansible.cfg", "[defaults]\n");
    s.set("ANSIBLE_CONFIG", &s.root.join("proj").display().to_string());
    assert_eq!(
        s.load().file,
        Some(in_dir),
        "a directory means its ansible.cfg"
    );
    let named = s.write("other.cfg", "[defaults]\n");
    s.set("ANSIBLE_CONFIG", "../other.cfg");
    assert_eq!(
        s.load().file,
        Some(named),
        "relative to the working directory"
    );
}

#[test]
fn a_world_writable_cwd_is_skipped_with_ansibles_warning() {
    use std::os::unix::fs::PermissionsExt;
    let mut s = scene();
    let cwd_cfg = s.write("cwd/ansible.cfg", "[defaults]\nforks = 3\n");
    let perms = std::fs::Permissions::from_mode(0o777);
    std::fs::set_permissions(&s.env.cwd, perms).unwrap_or_else(|e| panic!("{e}"));
    let config = s.load();
    assert_eq!((config.file, config.forks), (None, None));
    assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    assert!(
        config.warnings[0].starts_with(&format!(
            "Ansible is being run in a world writable directory ({}), ignoring it as an ansible.cfg source.",
            s.env.cwd.display()
        )),
        "{:?}",
        config.warnings
    );
    // Named explicitly, it is used, and there is nothing to warn about.
    s.set("ANSIBLE_CONFIG", "ansible.cfg");
    let config = s.load();
    assert_eq!(config.file, Some(cwd_cfg));
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn values_from_the_file_resolve_paths_against_its_directory() {
    let mut s = scene();
    s.write(
        "proj/ansible.cfg",
        "[defaults]\ninventory = hosts.ini, ../shared/extra.ini\nforks: 7\n\
         remote_user = 'deploy' ; who we are\nremote_port = 2222\nprivate_key_file = keys/id_ed25519\n\
         host_key_checking = False\nroles_path = roles:~/other\ntimeout = 33\n\
         vault_password_file = $SECRETS/vault.txt\nstdout_callback = json\nunknown_thing = 1\n",
    );
    s.set("ANSIBLE_CONFIG", &s.root.join("proj").display().to_string());
    s.set("SECRETS", "/run/secrets");
    let c = s.load();
    let proj = s.root.join("proj");
    assert_eq!(
        c.inventory,
        Some(vec![
            proj.join("hosts.ini"),
            s.root.join("shared/extra.ini")
        ])
    );
    assert_eq!((c.forks, c.timeout), (Some(7), Some(33)));
    assert_eq!(c.host_key_checking, Some(false));
    assert_eq!(
        c.connection,
        ConnectionDefaults {
            remote_user: Some("deploy".into()),
            remote_port: Some(2222),
            private_key_file: Some(proj.join("keys/id_ed25519")),
        }
    );
    assert_eq!(
        c.roles_path,
        Some(vec![proj.join("roles"), s.root.join("home/other")])
    );
    assert_eq!(
        c.vault_password_file.as_ref().map(|v| v.value.clone()),
        Some(PathBuf::from("/run/secrets/vault.txt"))
    );
    assert_eq!(c.json_output(), Some(true));
    assert!(c.notices.is_empty(), "{:?}", c.notices);
}

#[test]
fn the_environment_beats_the_file_and_is_relative_to_the_cwd() {
    let mut s = scene();
    s.write(
        "cwd/ansible.cfg",
        "[defaults]\ninventory = a.ini\nforks = 7\nhost_key_checking = false\ntimeout = 5\n\
         [ssh_connection]\ntimeout = 6\n",
    );
    s.set("ANSIBLE_INVENTORY", "x.ini,/abs/y.ini");
    s.set("ANSIBLE_FORKS", "9");
    s.set("ANSIBLE_HOST_KEY_CHECKING", "yes");
    s.set("ANSIBLE_REMOTE_USER", "");
    let c = s.load();
    assert_eq!(
        c.inventory,
        Some(vec![s.env.cwd.join("x.ini"), PathBuf::from("/abs/y.ini")])
    );
    assert_eq!(c.forks, Some(9));
    assert_eq!(c.host_key_checking, Some(true));
    assert_eq!(
        c.timeout,
        Some(6),
        "[ssh_connection] is listed after [defaults]"
    );
    assert_eq!(c.connection.remote_user, None, "an empty variable is unset");
    s.set("ANSIBLE_TIMEOUT", "8");
    assert_eq!(s.load().timeout, Some(8));
    s.set("ANSIBLE_SSH_TIMEOUT", "4");
    assert_eq!(s.load().timeout, Some(4));
}

#[test]
fn invalid_numbers_name_their_origin() {
    let mut s = scene();
    s.write("cwd/ansible.cfg", "[defaults]\n\nforks = many\n");
    let err = AnsibleConfig::load_from(&s.env)
        .err()
        .map(|e| e.to_string());
    let expected = format!(
        "{}:3: forks: invalid value \"many\": expected a whole number in range",
        s.env.cwd.join("ansible.cfg").display()
    );
    assert_eq!(err, Some(expected));
    s.set("ANSIBLE_FORKS", "7.0");
    assert_eq!(
        s.load().forks,
        Some(7),
        "Ansible accepts a float without fraction"
    );
    s.set("ANSIBLE_REMOTE_PORT", "70000");
    let err = AnsibleConfig::load_from(&s.env)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("$ANSIBLE_REMOTE_PORT: invalid value \"70000\": expected a whole number in range")
    );
}

#[test]
fn only_cfg_and_ini_files_are_read() {
    let mut s = scene();
    s.write("cwd/myconf", "[defaults]\n");
    s.set("ANSIBLE_CONFIG", "myconf");
    assert!(matches!(
        AnsibleConfig::load_from(&s.env),
        Err(ConfigError::Extension(_))
    ));
    s.set("ANSIBLE_CONFIG", "missing.cfg");
    assert_eq!(
        s.load().file,
        None,
        "a missing file falls through to the next place"
    );
}

#[test]
fn parse_errors_name_file_and_line() {
    let s = scene();
    let path = s.write(
        "cwd/ansible.cfg",
        "[defaults]\ninventory = a\ninventory = b\n",
    );
    let err = AnsibleConfig::load_from(&s.env)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err,
        Some(format!(
            "error reading config file {}:3: option \"inventory\" in section [defaults] already exists (line 2)",
            path.display()
        ))
    );
}

#[test]
fn ssh_connection_options_drover_replaces_get_one_notice() {
    let s = scene();
    let path = s.write(
        "cwd/ansible.cfg",
        "[ssh_connection]\npipelining = True\nssh_args = -o ControlMaster=auto\nfrobnicate = 1\n\
         control_path = %(directory)s/%%h\n",
    );
    let c = s.load();
    assert_eq!(
        c.notices,
        vec![format!(
            "{}: [ssh_connection] pipelining, ssh_args, control_path ignored: drover has its own SSH client (one connection per host)",
            path.display()
        )]
    );
}

#[test]
fn stdout_callbacks_drover_cannot_honour_get_a_notice() {
    let mut s = scene();
    s.set("ANSIBLE_STDOUT_CALLBACK", "yaml");
    let c = s.load();
    assert_eq!(c.json_output(), None);
    assert_eq!(c.notices.len(), 1, "{:?}", c.notices);
    s.set("ANSIBLE_STDOUT_CALLBACK", "ansible.builtin.default");
    let c = s.load();
    assert_eq!((c.json_output(), c.notices.len()), (Some(false), 0));
}

#[test]
fn a_missing_vault_password_file_is_an_error() {
    let mut s = scene();
    s.write(
        "cwd/ansible.cfg",
        "[defaults]\nvault_password_file = pw.txt\n",
    );
    let c = s.load();
    let err = c.check_vault_password_file().err().map(|e| e.to_string());
    let cfg = s.env.cwd.join("ansible.cfg");
    assert_eq!(
        err,
        Some(format!(
            "the vault password file {} was not found ({}:2: vault_password_file)",
            s.env.cwd.join("pw.txt").display(),
            cfg.display()
        ))
    );
    s.write("cwd/pw.txt", "secret\n");
    assert!(s.load().check_vault_password_file().is_ok());
    s.set("ANSIBLE_VAULT_PASSWORD_FILE", "/nonexistent/pw");
    assert!(s.load().check_vault_password_file().is_err());
}

#[test]
fn paths_expand_like_ansibles_resolve_path() {
    let mut s = scene();
    s.set("A", "alpha");
    let base = Path::new("/base/dir");
    let resolve = |text: &str| resolve_path(text, base, &s.env);
    assert_eq!(resolve("x/./y/../z"), PathBuf::from("/base/dir/x/z"));
    assert_eq!(
        resolve("/abs/$A/${A}/$UNSET"),
        PathBuf::from("/abs/alpha/alpha/$UNSET")
    );
    assert_eq!(resolve("~/k"), s.root.join("home/k"));
    assert_eq!(resolve("{{CWD}}/h"), s.env.cwd.join("h"));
    assert_eq!(resolve("/../.."), PathBuf::from("/"));
    s.env.home = None;
    assert_eq!(
        resolve_path("~/k", base, &s.env),
        PathBuf::from("/base/dir/~/k")
    );
}

#[test]
fn booleans_are_ansibles_non_strict_ones() {
    let mut s = scene();
    for (text, expected) in [
        ("True", true),
        (" on ", true),
        ("t", true),
        ("no", false),
        ("maybe", false),
    ] {
        s.set("ANSIBLE_HOST_KEY_CHECKING", text);
        assert_eq!(s.load().host_key_checking, Some(expected), "{text:?}");
    }
}
