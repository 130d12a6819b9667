//! Module documentation (`drover doc MODULE`, `docs/modules/`), read from the definitions that parse
//! the arguments so it cannot drift from them. What the parser knows is asked of it: the accepted
//! names (serde's field list), which names are aliases of one argument (both given at once are a
//! "duplicate field"), which arguments are required ("missing required arguments"), the choices of
//! an enumerated argument (an unknown value lists them) and each argument's type (which sample
//! values its deserializer accepts). Only what no parser knows — what an argument means, its default
//! and an example — is written down, in the table below, and a test holds the table to the parser.

use crate::FreeForm;
use crate::registry::DynModule;
use serde_json::{Map, Value, json};

/// Everything `drover doc` shows about one module.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModuleDoc {
    pub name: &'static str,
    pub description: &'static str,
    /// The free-form text (`command: ls -l`) goes to `_raw_params`.
    pub free_form: bool,
    /// Any argument name is accepted (`set_fact`).
    pub any_names: bool,
    pub args: Vec<ArgDoc>,
    pub example: &'static str,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArgDoc {
    pub name: &'static str,
    pub aliases: Vec<&'static str>,
    /// `str`, `bool`, `list`, `mode`, `choice`, `int` or `any`.
    pub kind: &'static str,
    pub required: bool,
    pub choices: Vec<String>,
    pub default: &'static str,
    pub description: &'static str,
}

/// What a module's table says: its description, example, and per argument a default and meaning.
pub struct Written {
    pub module: &'static str,
    pub description: &'static str,
    pub example: &'static str,
    /// (argument, default, description)
    pub args: &'static [(&'static str, &'static str, &'static str)],
}

/// The documentation of `module`: asked of its parser, completed from the table.
pub fn describe(module: &dyn DynModule) -> ModuleDoc {
    let written = written(module.name());
    let names = module.arg_names().unwrap_or_default();
    let probe = Probe::new(module);
    let args = probe
        .arguments(names)
        .into_iter()
        .map(|(name, aliases)| {
            let row = written.and_then(|w| w.args.iter().find(|(n, _, _)| *n == name));
            let choices = probe.choices(name);
            ArgDoc {
                name,
                aliases,
                kind: probe.kind(name, !choices.is_empty()),
                required: probe.required.contains(&name),
                choices,
                default: row.map_or("", |r| r.1),
                description: row.map_or("", |r| r.2),
            }
        })
        .collect();
    ModuleDoc {
        name: module.name(),
        description: written.map_or("", |w| w.description),
        free_form: module.free_form() == FreeForm::RawParams,
        any_names: module.arg_names().is_none(),
        args,
        example: written.map_or("", |w| w.example),
    }
}

pub fn written(module: &str) -> Option<&'static Written> {
    TABLE
        .iter()
        .chain(crate::packages::doc::TABLE)
        .find(|w| w.module == module)
}

/// Values tried on an argument to learn its type.
fn samples() -> [(&'static str, Value); 6] {
    [
        ("str", json!("some text")),
        ("bool", json!(true)),
        ("list", json!(["a", "b"])),
        ("map", json!({"k": "v"})),
        ("int", json!(3)),
        ("mode", json!("0644")),
    ]
}

/// Asks a module's argument parser questions, starting from arguments it accepts as far as serde
/// is concerned (every required argument given).
struct Probe<'m> {
    module: &'m dyn DynModule,
    base: Map<String, Value>,
    required: Vec<&'static str>,
}

impl<'m> Probe<'m> {
    fn new(module: &'m dyn DynModule) -> Self {
        let mut probe = Probe {
            module,
            base: Map::new(),
            required: Vec::new(),
        };
        probe.find_required();
        probe
    }

    /// The parser names one missing argument at a time: give it one and ask again.
    fn find_required(&mut self) {
        let names = self.module.arg_names().unwrap_or_default();
        for _ in 0..names.len() {
            let Some(error) = self.error(&self.base) else {
                return;
            };
            let Some(missing) = error
                .split("missing required arguments: ")
                .nth(1)
                .and_then(|rest| names.iter().find(|n| rest.trim() == **n))
            else {
                return;
            };
            self.required.push(missing);
            let sample = samples()
                .into_iter()
                .map(|(_, v)| v)
                .find(|v| self.accepts(missing, v))
                .unwrap_or(Value::Null);
            self.base.insert(missing.to_string(), sample);
        }
    }

    fn error(&self, args: &Map<String, Value>) -> Option<String> {
        self.module
            .check_args(Value::Object(args.clone()))
            .err()
            .map(|e| e.to_string())
    }

    fn with(&self, extra: &[(&str, &Value)]) -> Map<String, Value> {
        let mut args = self.base.clone();
        for (name, value) in extra {
            args.insert((*name).to_string(), (*value).clone());
        }
        args
    }

    /// Whether the parser takes `value` for `name` (an error about another thing is not about it).
    fn accepts(&self, name: &str, value: &Value) -> bool {
        let Some(error) = self.error(&self.with(&[(name, value)])) else {
            return true;
        };
        !(error.contains(&format!("argument {name}:"))
            || error.contains(&format!("value of {name} "))
            || error.contains(&format!("unsupported parameter {name}")))
    }

    /// The accepted names grouped by argument: (name, aliases), in the struct's order.
    fn arguments(&self, names: &'static [&'static str]) -> Vec<(&'static str, Vec<&'static str>)> {
        let mut groups: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for name in names {
            let canonical = groups
                .iter()
                .map(|(first, _)| *first)
                .find(|first| self.same_argument(first, name));
            match canonical.and_then(|c| groups.iter_mut().find(|(n, _)| *n == c)) {
                Some((_, aliases)) => aliases.push(name),
                None => groups.push((name, Vec::new())),
            }
        }
        // serde lists an argument's own name before its aliases, except when an alias is met first.
        for (name, aliases) in &mut groups {
            if let Some(own) = self.own_name(name, aliases) {
                aliases.retain(|a| *a != own);
                aliases.push(name);
                *name = own;
            }
            aliases.sort_unstable();
        }
        groups
    }

    /// Both names at once are a "duplicate field" when they are one argument. serde says so as it
    /// meets the second name, before it looks for missing arguments: no others are given, as one
    /// of them could be the same argument again.
    fn same_argument(&self, a: &str, b: &str) -> bool {
        samples().iter().any(|(_, v)| {
            self.error(&pair(a, b, v))
                .is_some_and(|e| e.contains("duplicate field"))
        })
    }

    /// The argument's own name, as serde names it in a "duplicate field" error, when it is not
    /// `first`.
    fn own_name(&self, first: &str, aliases: &[&'static str]) -> Option<&'static str> {
        let other = aliases.first()?;
        samples().iter().find_map(|(_, v)| {
            let error = self.error(&pair(first, other, v))?;
            let own = error.split("duplicate field `").nth(1)?.split('`').next()?;
            aliases.iter().copied().find(|a| *a == own)
        })
    }

    /// An enumerated argument lists its choices when given a value it does not know.
    fn choices(&self, name: &str) -> Vec<String> {
        let error = self
            .error(&self.with(&[(name, &json!("\u{1}not-a-choice"))]))
            .unwrap_or_default();
        let Some(list) = error
            .split(&format!("value of {name} must be one of: "))
            .nth(1)
        else {
            return Vec::new();
        };
        let list = list.split(", got:").next().unwrap_or_default();
        list.split(", ").map(str::to_string).collect()
    }

    fn kind(&self, name: &str, enumerated: bool) -> &'static str {
        if enumerated {
            return "choice";
        }
        let takes: Vec<&str> = samples()
            .iter()
            .filter(|(_, v)| self.accepts(name, v))
            .map(|(kind, _)| *kind)
            .collect();
        let has = |k: &str| takes.contains(&k);
        let not_a_bool = self.accepts(name, &json!("not a boolean"));
        if has("map") && has("list") && has("str") {
            "any"
        } else if has("list") {
            "list"
        } else if has("bool") && !not_a_bool {
            "bool"
        } else if has("str") {
            "str"
        } else if has("mode") {
            "mode"
        } else if has("int") {
            "int"
        } else {
            "any"
        }
    }
}

fn pair(a: &str, b: &str, value: &Value) -> Map<String, Value> {
    let mut args = Map::new();
    args.insert(a.to_string(), value.clone());
    args.insert(b.to_string(), value.clone());
    args
}

/// Every module's documentation, in the registry's order.
pub fn all() -> Vec<ModuleDoc> {
    crate::registry::MODULES
        .iter()
        .map(|m| describe(*m))
        .collect()
}

/// A module's page as Markdown (`docs/modules/NAME.md`).
pub fn markdown(doc: &ModuleDoc) -> String {
    let mut page = format!("# {}\n\n{}\n\n", doc.name, doc.description);
    if doc.free_form {
        page.push_str("Takes a free-form command: `");
        page.push_str(doc.name);
        page.push_str(": <command line>`.\n\n");
    }
    if doc.any_names {
        page.push_str("Takes any argument name: each becomes a variable.\n\n");
    }
    let shown: Vec<&ArgDoc> = doc
        .args
        .iter()
        .filter(|a| !a.name.starts_with('_'))
        .collect();
    if !shown.is_empty() {
        page.push_str("| argument | type | required | default | aliases | description |\n");
        page.push_str("| --- | --- | --- | --- | --- | --- |\n");
    }
    for arg in shown {
        let kind = if arg.choices.is_empty() {
            arg.kind.to_string()
        } else {
            format!("one of: {}", arg.choices.join(", "))
        };
        let cell = |s: &str| s.replace('|', "\\|");
        page.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            arg.name,
            cell(&kind),
            if arg.required { "yes" } else { "" },
            cell(arg.default),
            arg.aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", "),
            cell(arg.description),
        ));
    }
    if !doc.example.is_empty() {
        page.push_str("\n## Example\n\n```yaml\n");
        page.push_str(doc.example.trim_end());
        page.push_str("\n```\n");
    }
    page
}

/// A module's documentation for a terminal, as `ansible-doc` lays it out.
pub fn text(doc: &ModuleDoc) -> String {
    let mut out = format!("> {}\n\n  {}\n", doc.name.to_uppercase(), doc.description);
    if doc.free_form {
        out.push_str(&format!("\n  Free form: `{}: <command line>`.\n", doc.name));
    }
    if doc.any_names {
        out.push_str("\n  Any argument name is accepted: each becomes a variable.\n");
    }
    out.push_str("\nOPTIONS (= is mandatory):\n");
    for arg in doc.args.iter().filter(|a| !a.name.starts_with('_')) {
        let mark = if arg.required { '=' } else { '-' };
        out.push_str(&format!("\n{mark} {}\n", arg.name));
        if !arg.description.is_empty() {
            out.push_str(&format!("        {}\n", arg.description));
        }
        if !arg.aliases.is_empty() {
            out.push_str(&format!("        aliases: {}\n", arg.aliases.join(", ")));
        }
        if !arg.choices.is_empty() {
            out.push_str(&format!("        choices: {}\n", arg.choices.join(", ")));
        }
        if !arg.default.is_empty() {
            out.push_str(&format!("        default: {}\n", arg.default));
        }
        out.push_str(&format!("        type: {}\n", arg.kind));
    }
    if !doc.example.is_empty() {
        out.push_str("\nEXAMPLES:\n\n");
        out.push_str(doc.example.trim_end());
        out.push('\n');
    }
    out
}

/// What no parser knows. A test checks that every module has an entry and that its arguments are
/// exactly the ones the parser accepts (aliases aside).
pub static TABLE: &[Written] = &[
    Written {
        module: "apt",
        description: "Installs, upgrades or removes Debian packages: one query reads every named package, one apt-get closes the gap.",
        example: "- apt:\n    name: [nginx, curl]\n    state: present\n    update_cache: true\n    cache_valid_time: 3600\n",
        args: &[
            (
                "package",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "cache_valid_time",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache_retries",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache_retry_max_delay",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "purge",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "deb",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "default_release",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "install_recommends",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "force",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "upgrade",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "dpkg_options",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "autoremove",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "autoclean",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "fail_on_autoremove",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "policy_rc_d",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "only_upgrade",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "force_apt_get",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "clean",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "allow_unauthenticated",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "allow_downgrade",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "allow_change_held_packages",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "lock_timeout",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
            (
                "auto_install_module_deps",
                "",
                "See Ansible's `apt` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "package",
        description: "Installs or removes packages with the host's package manager (the `pkg_mgr` fact: apt, dnf, yum, apk).",
        example: "- package:\n    name: git\n    state: present\n",
        args: &[],
    },
    Written {
        module: "dnf",
        description: "Installs, upgrades or removes RPM packages with dnf.",
        example: "- dnf:\n    name: httpd\n    state: latest\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "allow_downgrade",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "autoremove",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "disable_gpg_check",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "enablerepo",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "disablerepo",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "exclude",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "install_weak_deps",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "skip_broken",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_only",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "allowerasing",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "conf_file",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "releasever",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "security",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "bugfix",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
            (
                "lock_timeout",
                "",
                "See Ansible's `dnf` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "yum",
        description: "Installs, upgrades or removes RPM packages with yum.",
        example: "- yum:\n    name: httpd\n    state: present\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "allow_downgrade",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "autoremove",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "disable_gpg_check",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "enablerepo",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "disablerepo",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "exclude",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "install_weak_deps",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "skip_broken",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_only",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "allowerasing",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "conf_file",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "releasever",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "security",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "bugfix",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
            (
                "lock_timeout",
                "",
                "See Ansible's `yum` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "apk",
        description: "Installs, upgrades or removes Alpine packages with apk.",
        example: "- apk:\n    name: nginx\n    state: present\n    update_cache: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_cache",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "upgrade",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "available",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "no_cache",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
            (
                "repository",
                "",
                "See Ansible's `apk` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "service",
        description: "Starts, stops, restarts or reloads a service and sets whether it starts at boot (systemd, OpenRC or SysV init, detected as Ansible's service_mgr).",
        example: "- service:\n    name: nginx\n    state: started\n    enabled: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "enabled",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "sleep",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "pattern",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "runlevel",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "arguments",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
            (
                "use",
                "",
                "See Ansible's `service` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "systemd",
        description: "Manages a systemd unit: state, enabled, masked, daemon_reload, scope.",
        example: "- systemd:\n    name: nginx\n    state: restarted\n    daemon_reload: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "enabled",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "force",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "masked",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "daemon_reload",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "daemon_reexec",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "scope",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
            (
                "no_block",
                "",
                "See Ansible's `systemd` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "systemd_service",
        description: "The same as `systemd` (Ansible's newer name).",
        example: "- systemd_service:\n    name: nginx\n    enabled: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "enabled",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "force",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "masked",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "daemon_reload",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "daemon_reexec",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "scope",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
            (
                "no_block",
                "",
                "See Ansible's `systemd_service` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "user",
        description: "Creates, changes or removes a user account from `getent` facts: one useradd, usermod or userdel.",
        example: "- user:\n    name: deploy\n    shell: /bin/bash\n    groups: [www-data]\n    append: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "uid",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "non_unique",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "group",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "groups",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "append",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "comment",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "home",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "shell",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "password",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "update_password",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "password_lock",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "create_home",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "move_home",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "skeleton",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "system",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "remove",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "force",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "expires",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
            (
                "umask",
                "",
                "See Ansible's `user` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "group",
        description: "Creates, changes or removes a group.",
        example: "- group:\n    name: deploy\n    gid: 2000\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `group` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `group` documentation; drover takes it with the same meaning.",
            ),
            (
                "gid",
                "",
                "See Ansible's `group` documentation; drover takes it with the same meaning.",
            ),
            (
                "system",
                "",
                "See Ansible's `group` documentation; drover takes it with the same meaning.",
            ),
            (
                "non_unique",
                "",
                "See Ansible's `group` documentation; drover takes it with the same meaning.",
            ),
            (
                "force",
                "",
                "See Ansible's `group` documentation; drover takes it with the same meaning.",
            ),
            (
                "local",
                "",
                "See Ansible's `group` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "hostname",
        description: "Sets the host's name (the running name and the file that keeps it).",
        example: "- hostname:\n    name: web01\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `hostname` documentation; drover takes it with the same meaning.",
            ),
            (
                "use",
                "",
                "See Ansible's `hostname` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "sysctl",
        description: "Sets a kernel parameter in a sysctl file and, with `reload`, in the running kernel.",
        example: "- sysctl:\n    name: net.ipv4.ip_forward\n    value: '1'\n    sysctl_set: true\n",
        args: &[
            (
                "name",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "value",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "ignoreerrors",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "reload",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "sysctl_file",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
            (
                "sysctl_set",
                "",
                "See Ansible's `sysctl` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "cron",
        description: "Manages one named job (`#Ansible: NAME` above its line) or one environment variable in a user's crontab or a file of `/etc/cron.d`; without `crontab` on the target, the spool file `/var/spool/cron/crontabs/USER` is edited.",
        example: "- cron:\n    name: nightly backup\n    minute: '0'\n    hour: '3'\n    job: /usr/local/bin/backup\n",
        args: &[
            (
                "name",
                "",
                "The job's name, written as `#Ansible: NAME` above its line; with `env`, the variable's name.",
            ),
            (
                "user",
                "connected user",
                "Whose crontab; required with `cron_file` (the file's lines name the user).",
            ),
            (
                "job",
                "",
                "The command (or, with `env`, the variable's value). Required with `state: present`.",
            ),
            (
                "cron_file",
                "",
                "A file in `/etc/cron.d` (or an absolute path) instead of the user's crontab; removed when its last job goes.",
            ),
            ("state", "present", "`present` or `absent`."),
            (
                "backup",
                "false",
                "Keep a copy of the crontab as it was before a change; its path is `backup_file`.",
            ),
            ("minute", "*", "Minute field."),
            ("hour", "*", "Hour field."),
            ("day", "*", "Day-of-month field."),
            ("month", "*", "Month field."),
            ("weekday", "*", "Day-of-week field."),
            (
                "special_time",
                "",
                "`@reboot`, `@daily`, … instead of the five time fields.",
            ),
            (
                "disabled",
                "false",
                "Write the job commented out (`#` before its line).",
            ),
            (
                "env",
                "false",
                "Manage an environment variable line `NAME=\"job\"` instead of a job.",
            ),
            (
                "insertafter",
                "",
                "With `env`: a new variable goes after this variable's line.",
            ),
            (
                "insertbefore",
                "",
                "With `env`: a new variable goes before this variable's line.",
            ),
        ],
    },
    Written {
        module: "container_image",
        description: "An image present or absent on the target's docker or podman (`docker_image`, `podman_image`): built from a context directory on the target or copied from the controller, loaded from a tarball, pulled, or required locally; optionally saved to a tarball and tagged into another repository. Idempotent by `image inspect`; a forced rebuild that yields the same image id is `ok`.",
        example: "- container_image:\n    name: shop/web\n    tag: v2\n    source: build\n    build:\n      path: web/\n      context: controller\n      args: {RELEASE: '2'}\n",
        args: &[
            (
                "name",
                "",
                "The image (`repo/name`, optionally `:tag` or `@digest`).",
            ),
            ("tag", "latest", "The tag, when `name` has none."),
            ("state", "present", "`present` or `absent`."),
            (
                "source",
                "",
                "How a missing image comes: `build`, `load`, `pull` or `local` (must exist). Required with `state: present`.",
            ),
            (
                "force_source",
                "false",
                "Build, load or pull even when the image exists; changed only when its id moved.",
            ),
            (
                "force_tag",
                "false",
                "Tag into `repository` even when the tag already points to the image.",
            ),
            (
                "force_absent",
                "false",
                "Remove with `-f` (also when containers use it).",
            ),
            (
                "build",
                "",
                "`path` (the context), `dockerfile` (relative to the context), `args`, `labels`, `pull`, `nocache`, `network`, `target`, and drover's `context: target|controller` (where `path` is; a controller context is copied through verified writes, built, removed).",
            ),
            (
                "load_path",
                "",
                "A tarball on the target for `source: load`; the task fails when it does not hold the image.",
            ),
            (
                "archive_path",
                "",
                "Save the image to this tarball on the target when it does not already hold this image id.",
            ),
            (
                "repository",
                "",
                "Also tag the image as this repository (its tag defaults to the image's).",
            ),
            (
                "push",
                "false",
                "Not supported: no registry is reachable from drover's targets.",
            ),
            (
                "engine",
                "auto",
                "`docker`, `podman`, or `auto` (docker when present, else podman).",
            ),
        ],
    },
    Written {
        module: "container_network",
        description: "A docker or podman network present with the driver, options, labels and address ranges asked, or absent (`docker_network`, `podman_network`). Only the settings a task names are compared; engines cannot change a network in place, so drift recreates it and `differences` names what differed.",
        example: "- container_network:\n    name: backend\n    driver: bridge\n    subnet: 10.90.0.0/24\n    labels: {team: shop}\n",
        args: &[
            ("name", "", "The network's name."),
            ("state", "present", "`present` or `absent`."),
            (
                "driver",
                "",
                "The driver (`bridge`, `macvlan`, …); compared when given.",
            ),
            (
                "driver_options",
                "",
                "Driver options (`-o key=value`), a mapping or podman's `key=value` list.",
            ),
            ("labels", "", "Labels; only the keys named are compared."),
            ("internal", "", "An internal network (no outside access)."),
            ("enable_ipv6", "", "IPv6 on the network."),
            (
                "attachable",
                "",
                "docker only: standalone containers may attach.",
            ),
            (
                "config_only",
                "",
                "docker only: a configuration-only network (no interface is made).",
            ),
            (
                "ipam_config",
                "",
                "Address ranges: a list of `subnet`, `gateway`, `iprange`.",
            ),
            ("subnet", "", "podman_network's single range: the subnet."),
            ("gateway", "", "With `subnet`: its gateway."),
            (
                "ip_range",
                "",
                "With `subnet`: the range containers get addresses from.",
            ),
            (
                "force",
                "false",
                "Remove even when containers use it: docker disconnects them first, podman removes them (as podman_network does).",
            ),
            ("engine", "auto", "`docker`, `podman`, or `auto`."),
        ],
    },
    Written {
        module: "container_volume",
        description: "A named docker or podman volume present or absent (`docker_volume`, `podman_volume`). A volume holds data: as Ansible's default `recreate: never`, drift in driver, options or labels is only reported (`differences`).",
        example: "- container_volume:\n    name: shop-data\n    labels: {backup: daily}\n",
        args: &[
            ("name", "", "The volume's name."),
            ("state", "present", "`present` or `absent`."),
            ("driver", "", "The volume driver (`local`)."),
            (
                "driver_options",
                "",
                "Driver options, a mapping or podman's `key=value` list.",
            ),
            ("labels", "", "Labels; only the keys named are compared."),
            (
                "recreate",
                "never",
                "`never`, `options-changed` (remove and create again on drift) or `always`.",
            ),
            ("engine", "auto", "`docker`, `podman`, or `auto`."),
        ],
    },
    Written {
        module: "compose",
        description: "A compose project up, down, stopped or restarted (`community.docker.docker_compose_v2`), through the target's `docker compose` or, where only that exists (Debian 12), `docker-compose` v1. A project whose every service runs a container with the current config hash is `ok` without running compose (so `--check` is exact); otherwise changed only when compose reports a container it created, recreated, started, stopped, restarted or removed.",
        example: "- compose:\n    project_src: /srv/shop\n    state: present\n    remove_orphans: true\n",
        args: &[
            ("project_src", "", "The project directory on the target."),
            (
                "definition",
                "",
                "An inline compose file (a mapping); written to `/var/lib/drover/compose/PROJECT_NAME/compose.yaml`.",
            ),
            (
                "files",
                "",
                "Compose files in the project directory (`-f`).",
            ),
            (
                "project_name",
                "",
                "The project name (`-p`); required with `definition`.",
            ),
            (
                "state",
                "present",
                "`present` (up), `absent` (down), `stopped` or `restarted`.",
            ),
            (
                "pull",
                "policy",
                "`always`, `missing`, `never` or `policy` (compose v1: `always` pulls first).",
            ),
            (
                "build",
                "policy",
                "`always` (`--build`), `never` (`--no-build`) or `policy`.",
            ),
            (
                "recreate",
                "auto",
                "`always` (`--force-recreate`), `never` (`--no-recreate`) or `auto`.",
            ),
            (
                "remove_orphans",
                "false",
                "Remove containers of services no longer in the file.",
            ),
            (
                "remove_volumes",
                "false",
                "With `state: absent`: remove the project's volumes too.",
            ),
            (
                "remove_images",
                "",
                "With `state: absent`: `all` or `local` images.",
            ),
            ("services", "", "Only these services."),
            ("timeout", "", "Seconds to wait for containers to stop."),
            (
                "env",
                "",
                "Environment variables for compose (interpolation in the file).",
            ),
        ],
    },
    Written {
        module: "quadlet",
        description: "A podman Quadlet unit (`.container`, `.network`, `.volume`, `.kube`, `.pod`) in `/etc/containers/systemd/`, written through the verified atomic write, then `daemon-reload` and the generated service started (restarted when its unit changed). Changed only when the unit file changed or the service had to be started. Needs podman 4.4 or later: a host without the Quadlet generator (Debian 12's podman 4.3) fails with that reason.",
        example: "- quadlet:\n    name: web\n    sections:\n      Container: {Image: 'shop/web:v2', PublishPort: '8080:80'}\n      Install: {WantedBy: multi-user.target}\n",
        args: &[
            (
                "name",
                "",
                "The unit's name (`NAME.container`; its service is `NAME.service`, `NAME-network.service`, …).",
            ),
            (
                "type",
                "container",
                "`container`, `network`, `volume`, `kube` or `pod`.",
            ),
            ("content", "", "The unit file's text."),
            (
                "sections",
                "",
                "The unit as a mapping of sections to keys; a list value repeats its key.",
            ),
            (
                "state",
                "present",
                "`present` or `absent` (stops the service, removes the unit, reloads).",
            ),
            (
                "started",
                "true",
                "Start the generated service (restart it when its unit changed).",
            ),
            (
                "dir",
                "/etc/containers/systemd",
                "Where the unit file goes.",
            ),
        ],
    },
    Written {
        module: "authorized_key",
        description: "Adds or removes SSH public keys in a user's `authorized_keys` (0600, owned by the user), keeping other lines in place; keys from a URL are refused.",
        example: "- authorized_key:\n    user: deploy\n    key: \"{{ lookup('file', 'keys/deploy.pub') }}\"\n",
        args: &[
            (
                "user",
                "",
                "The account whose keys these are (its home gives the default path).",
            ),
            (
                "key",
                "",
                "One or more public keys, one per line (blank and `#` lines skipped). A URL is refused: drover does not fetch keys.",
            ),
            ("path", "~user/.ssh/authorized_keys", "Another keys file."),
            (
                "manage_dir",
                "true",
                "Create the keys file's directory if needed and make it 0700, owned by the user.",
            ),
            (
                "state",
                "present",
                "`present` or `absent` (a key is found by its base64 blob).",
            ),
            (
                "key_options",
                "",
                "Options (`no-pty,from=\"10.0.0.1\"`) put before every key, replacing the key's own.",
            ),
            (
                "exclusive",
                "false",
                "Remove every other key and line from the file.",
            ),
            ("comment", "", "Replace the keys' comments."),
            (
                "validate_certs",
                "true",
                "Accepted for compatibility; drover never fetches a URL.",
            ),
            (
                "follow",
                "false",
                "Write through a symbolic link to its target instead of replacing the link.",
            ),
        ],
    },
    Written {
        module: "known_hosts",
        description: "Adds, replaces or removes one host's key in an OpenSSH `known_hosts` file; hashed names and patterns are matched on the controller (no `ssh-keygen` needed on the target).",
        example: "- known_hosts:\n    name: git.example.test\n    key: \"git.example.test ssh-ed25519 AAAAC3Nza...\"\n",
        args: &[
            (
                "name",
                "",
                "The host (`[host]:port` for another port); lowercased. The key's host field must match it.",
            ),
            (
                "key",
                "",
                "The `known_hosts` line (`HOST TYPE KEY`); required with `state: present`. Without it, `absent` removes every line of the host.",
            ),
            (
                "path",
                "~/.ssh/known_hosts",
                "The file (a missing directory is made 0700).",
            ),
            (
                "hash_host",
                "false",
                "Write the host name hashed (`|1|salt|hash`), as `ssh-keygen -H` does.",
            ),
            (
                "state",
                "present",
                "`present` (the same key stays, a different key of its type is replaced) or `absent`.",
            ),
        ],
    },
    Written {
        module: "wait_for",
        description: "Waits on the target for a port to open or close, a file to appear (holding a regexp) or go, or a port's connections to drain. Local ports are read from /proc/net/tcp; other hosts are connected to with bash's /dev/tcp or nc. Skipped in check mode, as in Ansible.",
        example: "- wait_for:\n    port: 8080\n    timeout: 60\n",
        args: &[
            (
                "host",
                "127.0.0.1",
                "The address (or name) to wait on. Loopback and wildcard addresses and `localhost` are read from /proc/net/tcp; others are connected to from the target.",
            ),
            (
                "timeout",
                "300",
                "Seconds to wait in all (the `delay` included).",
            ),
            (
                "connect_timeout",
                "5",
                "Seconds one connection attempt (or banner read, with `search_regex`) may take.",
            ),
            ("delay", "0", "Seconds to wait before the first attempt."),
            ("port", "", "The TCP port."),
            (
                "active_connection_states",
                "ESTABLISHED, FIN_WAIT1, FIN_WAIT2, SYN_RECV, SYN_SENT, TIME_WAIT",
                "The connection states `drained` counts.",
            ),
            (
                "path",
                "",
                "A file that must exist (or, `absent`, not exist).",
            ),
            (
                "search_regex",
                "",
                "A regexp the file, or what the server says on connecting, must match; its groups are `match_groups` / `match_groupdict`.",
            ),
            (
                "state",
                "started",
                "`started`/`present` (open, exists), `stopped`/`absent` (closed, gone) or `drained` (no active connection on the port).",
            ),
            (
                "exclude_hosts",
                "",
                "With `drained`: connections from these addresses do not count.",
            ),
            ("sleep", "1", "Seconds between attempts."),
            (
                "msg",
                "",
                "The failure message on timeout instead of the default.",
            ),
        ],
    },
    Written {
        module: "wait_for_connection",
        description: "Waits until the host answers over a new connection on the same transport (retried every `sleep` seconds until `timeout`). Skipped in check mode, as in Ansible.",
        example: "- wait_for_connection:\n    delay: 5\n    timeout: 300\n",
        args: &[
            (
                "connect_timeout",
                "5",
                "Seconds one connection attempt may take.",
            ),
            ("delay", "0", "Seconds to wait before the first attempt."),
            ("sleep", "1", "Seconds between attempts."),
            ("timeout", "600", "Seconds to keep trying in all."),
        ],
    },
    Written {
        module: "reboot",
        description: "Reboots the host and waits until it is back: the boot id (`boot_time_command`) changes over a new connection on the same transport, then `test_command` succeeds. Check mode reports the reboot without one.",
        example: "- reboot:\n    msg: kernel update\n    reboot_timeout: 900\n",
        args: &[
            (
                "boot_time_command",
                "cat /proc/sys/kernel/random/boot_id",
                "A command whose output changes with every boot.",
            ),
            (
                "connect_timeout",
                "the connection's",
                "Seconds one connection attempt may take while waiting.",
            ),
            (
                "msg",
                "Reboot initiated by Ansible",
                "The message `shutdown` broadcasts.",
            ),
            (
                "post_reboot_delay",
                "0",
                "Seconds to wait after the reboot command before checking.",
            ),
            (
                "pre_reboot_delay",
                "0",
                "Seconds before the reboot, given to `shutdown -r` in whole minutes (under 60 is now), as Ansible does.",
            ),
            (
                "reboot_command",
                "shutdown -r MINUTES MSG",
                "The command that reboots, run as written.",
            ),
            (
                "reboot_timeout",
                "600",
                "Seconds to wait for the new boot, then again for `test_command`.",
            ),
            (
                "search_paths",
                "",
                "Accepted for Ansible's sake: the target's PATH finds `shutdown`.",
            ),
            (
                "test_command",
                "whoami",
                "Must succeed on the rebooted host.",
            ),
        ],
    },
    Written {
        module: "mount",
        description: "An fstab entry (`ansible.posix.mount`) and whether it is mounted now: one query reads the fstab and /proc/mounts; the fstab is rewritten atomically, then `mount`, `mount -o remount` or `umount` runs as needed.",
        example: "- ansible.posix.mount:\n    path: /mnt/scratch\n    src: tmpfs\n    fstype: tmpfs\n    opts: size=64m\n    state: mounted\n",
        args: &[
            ("path", "", "The mount point (a trailing `/` is dropped)."),
            (
                "src",
                "",
                "The device (or `UUID=…`, `tmpfs`, …); required for mounted, present and ephemeral.",
            ),
            (
                "fstype",
                "",
                "The file system type; required for mounted, present and ephemeral.",
            ),
            ("opts", "defaults", "Mount options."),
            ("dump", "0", "The fstab dump field."),
            ("passno", "0", "The fstab pass field."),
            (
                "state",
                "",
                "`mounted` (entry + mounted, the directory made), `present` (entry only), `unmounted` (umount only), `absent` (entry removed, unmounted, directory removed), `absent_from_fstab` (entry removed only), `remounted` (`mount -o remount`), `ephemeral` (mounted without an fstab entry).",
            ),
            (
                "fstab",
                "/etc/fstab",
                "The fstab file (`mount -T FILE` when not the default).",
            ),
            ("backup", "false", "Keep the old fstab as `FILE.DATE~`."),
            ("boot", "true", "`false` adds `noauto` to the options."),
        ],
    },
    Written {
        module: "getent",
        description: "Reads a name-service database with one `getent` query into `ansible_facts.getent_DATABASE` (`{key: [fields]}`). Never a change; runs in check mode too.",
        example: "- getent:\n    database: passwd\n    key: deploy\n- debug:\n    msg: \"{{ ansible_facts.getent_passwd.deploy[4] }}\"\n",
        args: &[
            (
                "database",
                "",
                "`passwd`, `group`, `shadow`, `hosts`, `services`, … (what the target's getent knows).",
            ),
            (
                "key",
                "",
                "One key to look up; without it, the whole database.",
            ),
            ("service", "", "The NSS service to ask (`getent -s`)."),
            (
                "split",
                "`:` for passwd, group, shadow, gshadow; else whitespace",
                "The field separator.",
            ),
            (
                "fail_key",
                "true",
                "Fail when `key` is not found; `false` gives it the value null.",
            ),
        ],
    },
    Written {
        module: "timezone",
        description: "The host's time zone (`community.general.timezone`): `timedatectl set-timezone` on systemd hosts, else `/etc/timezone` written atomically and the `/etc/localtime` link into /usr/share/zoneinfo. One query.",
        example: "- community.general.timezone:\n    name: Europe/Berlin\n",
        args: &[
            (
                "name",
                "",
                "The zone, as under /usr/share/zoneinfo (`Etc/UTC`, `Europe/Berlin`); an unknown one fails.",
            ),
            ("hwclock", "", "Not supported yet: refused with a message."),
        ],
    },
    Written {
        module: "modprobe",
        description: "A kernel module loaded (`modprobe`) or not (`modprobe -r`), and loaded at boot (`/etc/modules-load.d/NAME.conf`, options in `/etc/modprobe.d/NAME.conf`). One query reads /proc/modules, the built-in list and both files.",
        example: "- community.general.modprobe:\n    name: br_netfilter\n    persistent: present\n",
        args: &[
            ("name", "", "The module."),
            (
                "state",
                "present",
                "`present` (loaded) or `absent` (unloaded).",
            ),
            (
                "params",
                "",
                "Module parameters (`key=value …`), given to modprobe and, with `persistent: present`, written as an `options` line.",
            ),
            (
                "persistent",
                "disabled",
                "`present` writes the boot-time files, `absent` removes them, `disabled` leaves them alone.",
            ),
        ],
    },
    Written {
        module: "blockinfile",
        description: "Inserts, updates or removes a block of lines between marker lines, as Ansible's algorithm does on the file's bytes.",
        example: "- blockinfile:\n    path: /etc/ssh/sshd_config\n    block: |\n      Match User deploy\n        PasswordAuthentication no\n",
        args: &[
            (
                "path",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "state",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "marker",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "block",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "insertafter",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "insertbefore",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "create",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "backup",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "validate",
                "",
                "A command run on the new file before it is installed (`%s` names it, e.g. `visudo -cf %s`); if it fails, the file is left as it was.",
            ),
            (
                "marker_begin",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "marker_end",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "append_newline",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "prepend_newline",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "mode",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "owner",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "group",
                "",
                "See Ansible's `blockinfile` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "replace",
        description: "Replaces every match of a Python-style regular expression in a file (optionally between `after` and `before`).",
        example: "- replace:\n    path: /etc/hosts\n    regexp: '(\\s+)old\\.example\\.com(\\s+.*)?$'\n    replace: '\\1new.example.com\\2'\n",
        args: &[
            (
                "path",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "regexp",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "replace",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "after",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "before",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "backup",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "validate",
                "",
                "A command run on the new file before it is installed (`%s` names it, e.g. `visudo -cf %s`); if it fails, the file is left as it was.",
            ),
            (
                "encoding",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "mode",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "owner",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
            (
                "group",
                "",
                "See Ansible's `replace` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "find",
        description: "Lists the files matching patterns, age, size and type under paths, in one query; changes nothing.",
        example: "- find:\n    paths: /var/log\n    patterns: '*.log'\n    age: 2d\n  register: old_logs\n",
        args: &[
            (
                "paths",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "patterns",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "excludes",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "contains",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "read_whole_file",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "file_type",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "age",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "age_stamp",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "size",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "recurse",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "hidden",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "follow",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "get_checksum",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "checksum_algorithm",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "use_regex",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "depth",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "mode",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "exact_mode",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
            (
                "limit",
                "",
                "See Ansible's `find` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "fetch",
        description: "Copies a target's file to the controller (`dest/<inventory_hostname>/<src>`, or `dest` with `flat`) when its SHA-1 differs; the bytes are checked against the target's SHA-1 before they replace the controller's copy. Skipped in check mode, as in Ansible.",
        example: "- name: Collect the logs\n  fetch:\n    src: /var/log/app.log\n    dest: collected/\n",
        args: &[
            ("src", "", "The file on the target (not a directory)."),
            (
                "dest",
                "",
                "A controller directory (relative: next to the playbook); the file goes to `dest/<inventory_hostname>/<src>`.",
            ),
            (
                "flat",
                "false",
                "Put the file at `dest` itself (`dest/` ending in a slash gets the source's name).",
            ),
            (
                "fail_on_missing",
                "true",
                "Fail when `src` is missing or a directory; `false` reports it and goes on.",
            ),
            (
                "validate_checksum",
                "true",
                "Refuse bytes whose SHA-1 is not the one the target reported.",
            ),
        ],
    },
    Written {
        module: "assemble",
        description: "Writes one file made of the fragments in a directory (on the target, or on the controller), in name order, when it differs.",
        example: "- name: Build the config from its parts\n  assemble:\n    src: /etc/app/conf.d\n    dest: /etc/app/app.conf\n    delimiter: '### fragment'\n    validate: app --check %s\n",
        args: &[
            (
                "src",
                "",
                "The directory of fragments (regular files directly in it).",
            ),
            ("dest", "", "The file to write."),
            (
                "remote_src",
                "true",
                "`src` is on the target; `false`: on the controller (`files/`).",
            ),
            (
                "regexp",
                "",
                "Only fragments whose name matches (Python `re.search`).",
            ),
            (
                "delimiter",
                "",
                "Text between fragments (escapes like `\\n` decoded), followed by a newline.",
            ),
            (
                "ignore_hidden",
                "false",
                "Leaves out fragments whose name starts with `.`.",
            ),
            (
                "validate",
                "",
                "A command run on the new file before it is installed (`%s` names it); if it fails, the file is left as it was.",
            ),
            (
                "backup",
                "false",
                "Keeps the old file as `dest.PID.<timestamp>~` before replacing it.",
            ),
            ("mode", "", "Permissions, octal or symbolic."),
            ("owner", "", "Owner's name or uid."),
            ("group", "", "Group's name or gid."),
        ],
    },
    Written {
        module: "unarchive",
        description: "Unpacks a tar (gz, xz, bz2, zst) or zip archive from the controller, or already on the target, into an existing directory, only when its contents differ.",
        example: "- name: Unpack the release\n  unarchive:\n    src: app-1.2.tar.gz\n    dest: /opt/app\n    creates: /opt/app/bin/app\n",
        args: &[
            (
                "src",
                "",
                "The archive: a controller file (looked up in `files/`), or a target path with `remote_src`.",
            ),
            ("dest", "", "The directory to unpack into; it must exist."),
            ("remote_src", "false", "`src` is already on the target."),
            (
                "creates",
                "",
                "Skips the task when this target path exists.",
            ),
            (
                "extra_opts",
                "",
                "More options for `tar` or `unzip` (a list), e.g. `--strip-components=1`.",
            ),
            (
                "list_files",
                "false",
                "Returns the archive's member names as `files`.",
            ),
            (
                "keep_newer",
                "false",
                "Does not replace files newer than the archive's (`tar --keep-newer-files`).",
            ),
            (
                "exclude",
                "",
                "Members (names or patterns) left out of the comparison and the unpacking.",
            ),
        ],
    },
    Written {
        module: "script",
        description: "Pushes a controller script to a temp file on the target (length and checksum verified first) and runs it by its shebang, or `/bin/sh` without one; the rest of the line is its arguments.",
        example: "- name: Prepare the host\n  script: files/prepare.sh --fast\n  args:\n    creates: /etc/prepared\n",
        args: &[
            (
                "cmd",
                "",
                "The script (looked up in `files/` next to the playbook) and its arguments (shell text); or free form.",
            ),
            ("chdir", "", "An absolute directory to run it in."),
            ("creates", "", "Skip when this path exists on the target."),
            (
                "removes",
                "",
                "Skip when this path does not exist on the target.",
            ),
            (
                "executable",
                "",
                "The interpreter to run it with instead of its shebang.",
            ),
            (
                "decrypt",
                "true",
                "Vaulted scripts are decrypted on the controller; `false` is refused.",
            ),
        ],
    },
    Written {
        module: "get_url",
        description: "Downloads a URL to a file on the target with the target's curl (the URL is the target's view). The request travels on stdin; a download is checked against `checksum` before it is renamed into place and replaces `dest` only when its bytes differ.",
        example: "- name: Fetch the release\n  get_url:\n    url: https://example.com/app-1.2.tar.gz\n    dest: /opt/app-1.2.tar.gz\n    checksum: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n    mode: \"0644\"\n",
        args: &[
            (
                "url",
                "",
                "http, https or ftp URL, as curl on the target sees it.",
            ),
            (
                "dest",
                "",
                "The file to write; a directory gets the URL's last path segment.",
            ),
            (
                "checksum",
                "",
                "`algorithm:digest` (md5, sha1, sha224, sha256, sha384, sha512): an existing `dest` that matches is not downloaded again, a download that does not match is refused.",
            ),
            (
                "force",
                "false",
                "Download even when `dest` exists (it is replaced only if the bytes differ).",
            ),
            ("headers", "", "Request headers, a mapping."),
            ("timeout", "10", "Seconds the whole request may take."),
            ("url_username", "", "User for HTTP basic authentication."),
            (
                "url_password",
                "",
                "Password for HTTP basic authentication.",
            ),
            (
                "validate_certs",
                "true",
                "`false` accepts any TLS certificate.",
            ),
            ("mode", "", "The file's permissions."),
            ("owner", "", "The file's owner."),
            ("group", "", "The file's group."),
        ],
    },
    Written {
        module: "uri",
        description: "Makes one HTTP request from the target with its curl; the result holds `status`, the response headers (lower case, `_` for `-`), `content` and `json`. Fails when the status is not in `status_code`. Changes nothing unless the body is written to `dest`; skipped in check mode, as in Ansible.",
        example: "- name: Register the host\n  uri:\n    url: http://registry.local/api/hosts\n    method: POST\n    body_format: json\n    body: { name: \"{{ inventory_hostname }}\" }\n    status_code: [200, 201]\n  register: reply\n",
        args: &[
            ("url", "", "The URL, as curl on the target sees it."),
            ("method", "GET", "The HTTP method, one upper-case word."),
            (
                "body",
                "",
                "The request body: text, or a mapping/list encoded as `body_format` says.",
            ),
            (
                "body_format",
                "raw",
                "`json` or `form-urlencoded` encode a mapping body and set its Content-Type.",
            ),
            ("headers", "", "Request headers, a mapping."),
            (
                "status_code",
                "[200]",
                "The statuses that mean success (a number, a list, or `200,201`).",
            ),
            (
                "return_content",
                "false",
                "Put the body in `content` (always there on failure; JSON bodies always give `json`).",
            ),
            (
                "dest",
                "",
                "Write the body to this file on the target (replaced only when the bytes differ).",
            ),
            (
                "creates",
                "",
                "Do nothing when this path exists on the target.",
            ),
            (
                "removes",
                "",
                "Do nothing when this path does not exist on the target.",
            ),
            ("timeout", "30", "Seconds the whole request may take."),
            ("url_username", "", "User for HTTP basic authentication."),
            (
                "url_password",
                "",
                "Password for HTTP basic authentication.",
            ),
            (
                "validate_certs",
                "true",
                "`false` accepts any TLS certificate.",
            ),
            (
                "follow_redirects",
                "safe",
                "`no`/`none` stop at a redirect; any other value follows them.",
            ),
        ],
    },
    Written {
        module: "git",
        description: "Keeps a checkout of `repo` at `version` in `dest` with the target's git: one query reads the checkout and the remote's refs (`git ls-remote`), and it clones or fetches and checks out only when HEAD is not the wanted commit. `before`/`after` are in the result.",
        example: "- name: Deploy the application\n  git:\n    repo: https://git.example.com/app.git\n    dest: /srv/app\n    version: v1.4.2\n    depth: 1\n",
        args: &[
            (
                "repo",
                "",
                "The repository's URL or path, as git on the target sees it.",
            ),
            ("dest", "", "Where the checkout lives."),
            (
                "version",
                "HEAD",
                "A branch, a tag or a commit SHA (full, or abbreviated to 7 or more).",
            ),
            (
                "force",
                "false",
                "Discard local modifications of tracked files; without it they fail the task.",
            ),
            ("depth", "", "Clone and fetch only this many commits."),
            (
                "update",
                "true",
                "`false` leaves an existing checkout where it is.",
            ),
            (
                "clone",
                "true",
                "`false` does not clone a missing checkout.",
            ),
            ("remote", "origin", "The remote's name."),
            ("executable", "", "The git program to run."),
        ],
    },
    Written {
        module: "slurp",
        description: "Reads a file from the target, base64-encoded, in one query.",
        example: "- slurp:\n    src: /etc/hostname\n  register: hostname\n",
        args: &[(
            "src",
            "",
            "See Ansible's `slurp` documentation; drover takes it with the same meaning.",
        )],
    },
    Written {
        module: "tempfile",
        description: "Creates a temporary file or directory on the target and returns its path.",
        example: "- tempfile:\n    state: directory\n    suffix: build\n  register: workdir\n",
        args: &[
            (
                "state",
                "",
                "See Ansible's `tempfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "path",
                "",
                "See Ansible's `tempfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "prefix",
                "",
                "See Ansible's `tempfile` documentation; drover takes it with the same meaning.",
            ),
            (
                "suffix",
                "",
                "See Ansible's `tempfile` documentation; drover takes it with the same meaning.",
            ),
        ],
    },
    Written {
        module: "command",
        description: "Runs a command on the target without a shell: the line is split as a shell would split it and each word is quoted. Skipped in check mode unless `creates`/`removes` decide.",
        example: "- name: Show the kernel\n  command: uname -r\n  register: kernel\n\n- command:\n    argv: [touch, /srv/flag]\n    creates: /srv/flag\n",
        args: &[
            ("cmd", "", "The command line (instead of the free form)."),
            (
                "argv",
                "",
                "The command as a list of words, none of them split again.",
            ),
            ("chdir", "", "Directory to run the command in."),
            (
                "creates",
                "",
                "A path: when it exists, the command is not run.",
            ),
            (
                "removes",
                "",
                "A path: when it does not exist, the command is not run.",
            ),
            (
                "stdin",
                "",
                "Text given to the command on its standard input.",
            ),
            ("stdin_add_newline", "true", "Adds a newline to `stdin`."),
            (
                "strip_empty_ends",
                "true",
                "Strips empty lines at the end of stdout and stderr.",
            ),
            (
                "expand_argument_vars",
                "false",
                "Accepted; variables are never expanded (there is no shell).",
            ),
        ],
    },
    Written {
        module: "shell",
        description: "Runs a script with `/bin/sh -c` (or `executable`) on the target: pipes, redirections and variables work.",
        example: "- name: Count the users\n  shell: getent passwd | wc -l\n  register: users\n",
        args: &[
            ("cmd", "", "The script (instead of the free form)."),
            ("chdir", "", "Directory to run the script in."),
            (
                "creates",
                "",
                "A path: when it exists, the script is not run.",
            ),
            (
                "removes",
                "",
                "A path: when it does not exist, the script is not run.",
            ),
            ("executable", "/bin/sh", "The shell that runs the script."),
            (
                "stdin",
                "",
                "Text given to the script on its standard input.",
            ),
            ("stdin_add_newline", "true", "Adds a newline to `stdin`."),
            (
                "strip_empty_ends",
                "true",
                "Strips empty lines at the end of stdout and stderr.",
            ),
        ],
    },
    Written {
        module: "raw",
        description: "Sends the text to the target's login shell as it is; nothing is checked first.",
        example: "- raw: cat /etc/os-release\n",
        args: &[("executable", "", "The shell that runs the text.")],
    },
    Written {
        module: "copy",
        description: "Writes a file on the target from `content` or from a controller file `src`, atomically, when its SHA-1 differs.",
        example: "- name: Install the configuration\n  copy:\n    src: app.conf\n    dest: /etc/app/app.conf\n    mode: \"0640\"\n    backup: true\n",
        args: &[
            ("content", "", "The file's content (instead of `src`)."),
            (
                "src",
                "",
                "A controller file, looked up in `files/` next to the playbook, then next to it.",
            ),
            (
                "dest",
                "",
                "Where the file goes; a directory (or a path ending in `/`) gets `basename(src)`. A directory `src` is copied into it (`src: dir/`: only its contents).",
            ),
            (
                "mode",
                "",
                "Permissions, octal (`\"0644\"`) or symbolic (`u=rw,g=r`).",
            ),
            ("owner", "", "Owner's name or uid."),
            ("group", "", "Group's name or gid."),
            (
                "backup",
                "false",
                "Keeps the old file as `dest.<timestamp>~` before replacing it.",
            ),
            (
                "validate",
                "",
                "A command run on the new file before it is installed (`%s` names it, e.g. `visudo -cf %s`); if it fails, the file is left as it was.",
            ),
            (
                "force",
                "true",
                "Replaces a file whose content differs; `false` only creates missing files.",
            ),
            (
                "remote_src",
                "false",
                "`src` is a file or directory on the target, copied there.",
            ),
            (
                "directory_mode",
                "",
                "The mode of directories a directory copy creates.",
            ),
        ],
    },
    Written {
        module: "file",
        description: "Sets a path's kind (file, directory, link, hard link, absent, touched) and attributes.",
        example: "- name: Application directory\n  file:\n    path: /srv/app\n    state: directory\n    owner: app\n    mode: \"0755\"\n",
        args: &[
            ("path", "", "The path to manage."),
            ("state", "file", "What the path must be."),
            ("src", "", "What a `link` or `hard` link points to."),
            (
                "mode",
                "",
                "Permissions, octal (`\"0644\"`) or symbolic (`u=rw,g=r`).",
            ),
            ("owner", "", "Owner's name or uid."),
            ("group", "", "Group's name or gid."),
            (
                "recurse",
                "false",
                "Applies owner, group and mode to a directory's whole tree.",
            ),
            ("force", "false", "Replaces an existing file by a link."),
            (
                "follow",
                "true",
                "Follows symbolic links when setting attributes.",
            ),
            (
                "access_time",
                "",
                "`preserve`, `now`, or a time in `access_time_format`; `touch` with `preserve` is idempotent.",
            ),
            (
                "access_time_format",
                "%Y%m%d%H%M.%S",
                "How `access_time` is written.",
            ),
            (
                "modification_time",
                "",
                "`preserve`, `now`, or a time in `modification_time_format`.",
            ),
            (
                "modification_time_format",
                "%Y%m%d%H%M.%S",
                "How `modification_time` is written.",
            ),
        ],
    },
    Written {
        module: "template",
        description: "Renders a Jinja2 template on the controller, then writes it exactly as `copy` does.",
        example: "- name: Web server configuration\n  template:\n    src: nginx.conf.j2\n    dest: /etc/nginx/nginx.conf\n    mode: \"0644\"\n  notify: reload nginx\n",
        args: &[
            (
                "src",
                "",
                "The template, looked up in `templates/` next to the playbook, then next to it.",
            ),
            ("dest", "", "Where the rendered file goes."),
            (
                "mode",
                "",
                "Permissions, octal (`\"0644\"`) or symbolic (`u=rw,g=r`).",
            ),
            ("owner", "", "Owner's name or uid."),
            ("group", "", "Group's name or gid."),
            (
                "backup",
                "false",
                "Keeps the old file as `dest.<timestamp>~` before replacing it.",
            ),
            (
                "validate",
                "",
                "A command run on the new file before it is installed (`%s` names it, e.g. `visudo -cf %s`); if it fails, the file is left as it was.",
            ),
            (
                "force",
                "true",
                "Replaces a file whose content differs; `false` only creates missing files.",
            ),
        ],
    },
    Written {
        module: "lineinfile",
        description: "Makes sure one line is in a file (or is not), found by a regular expression, a substring or the line itself.",
        example: "- name: Listen on 8080\n  lineinfile:\n    path: /etc/app.conf\n    regexp: '^port='\n    line: port=8080\n",
        args: &[
            ("path", "", "The file to edit."),
            (
                "line",
                "",
                "The line to insert or replace (with `state: present`).",
            ),
            (
                "regexp",
                "",
                "A regular expression (Rust syntax) finding the line to replace or remove.",
            ),
            (
                "search_string",
                "",
                "A literal string finding the line to replace or remove.",
            ),
            ("state", "present", "Whether the line must be there."),
            (
                "insertafter",
                "EOF",
                "Where a new line goes: after the last match of this regular expression, or `EOF`.",
            ),
            (
                "insertbefore",
                "",
                "Where a new line goes: before the last match of this regular expression, or `BOF`.",
            ),
            ("create", "false", "Creates the file when it is missing."),
            (
                "backrefs",
                "false",
                "`line` may use `regexp`'s groups; nothing is inserted when there is no match.",
            ),
            (
                "firstmatch",
                "false",
                "`insertafter`/`insertbefore` use the first match instead of the last.",
            ),
            (
                "backup",
                "false",
                "Keeps the old file as `path.<timestamp>~` before changing it.",
            ),
            (
                "validate",
                "",
                "A command run on the new file before it is installed (`%s` names it, e.g. `visudo -cf %s`); if it fails, the file is left as it was.",
            ),
            (
                "mode",
                "",
                "Permissions, octal (`\"0644\"`) or symbolic (`u=rw,g=r`).",
            ),
            ("owner", "", "Owner's name or uid."),
            ("group", "", "Group's name or gid."),
        ],
    },
    Written {
        module: "stat",
        description: "Reports a path's facts (`stat.exists`, `mode`, `size`, `checksum`, …) in one query; changes nothing.",
        example: "- stat:\n    path: /etc/app.conf\n  register: conf\n\n- debug: msg=\"missing\"\n  when: not conf.stat.exists\n",
        args: &[
            ("path", "", "The path to look at."),
            (
                "follow",
                "false",
                "Follows a symbolic link to what it points to.",
            ),
            ("get_checksum", "true", "Reports the content's checksum."),
            ("checksum_algorithm", "sha1", "The checksum's algorithm."),
            (
                "get_mime",
                "false",
                "Accepted; the MIME type is not reported.",
            ),
            (
                "get_attributes",
                "false",
                "Accepted; file attributes are not reported.",
            ),
        ],
    },
    Written {
        module: "debug",
        description: "Prints a message or a variable; never touches the target.",
        example: "- debug:\n    msg: \"{{ inventory_hostname }} runs {{ ansible_facts.distribution }}\"\n\n- debug: var=result verbosity=1\n",
        args: &[
            ("msg", "Hello world!", "The message (any value)."),
            ("var", "", "A variable's name (or an expression) to show."),
            ("verbosity", "0", "Shown only from this many `-v` on."),
        ],
    },
    Written {
        module: "set_fact",
        description: "Sets variables on the host for the rest of the run (every later play too).",
        example: "- set_fact:\n    app_port: 8080\n    app_url: \"http://{{ inventory_hostname }}:8080\"\n",
        args: &[],
    },
    Written {
        module: "assert",
        description: "Fails the host when a condition does not hold.",
        example: "- assert:\n    that:\n      - app_port | int > 1024\n    fail_msg: \"app_port must not be privileged\"\n",
        args: &[
            (
                "that",
                "",
                "One condition or a list of them (Jinja expressions without braces).",
            ),
            (
                "fail_msg",
                "Assertion failed",
                "The message when a condition is false.",
            ),
            (
                "success_msg",
                "All assertions passed",
                "The message when all hold.",
            ),
            ("quiet", "false", "Shows less on success."),
        ],
    },
    Written {
        module: "fail",
        description: "Fails the host with a message.",
        example: "- fail:\n    msg: \"unsupported system\"\n  when: ansible_facts.os_family != 'Debian'\n",
        args: &[("msg", "Failed as requested from task", "The message.")],
    },
    Written {
        module: "ping",
        description: "Checks the connection with one round trip; returns `ping: pong`.",
        example: "- ping:\n",
        args: &[(
            "data",
            "pong",
            "What to return; `crash` makes the task fail.",
        )],
    },
    Written {
        module: "setup",
        description: "Gathers facts about the target into `ansible_facts` (what `gather_facts` runs).",
        example: "- setup:\n    filter: ['ansible_distribution*']\n",
        args: &[
            (
                "gather_subset",
                "all",
                "Accepted; every fact drover knows is gathered.",
            ),
            ("gather_timeout", "10", "Accepted; not used."),
            (
                "filter",
                "",
                "Only facts whose names match these shell-style patterns.",
            ),
            (
                "fact_path",
                "/etc/ansible/facts.d",
                "Accepted; local facts are not read.",
            ),
        ],
    },
    Written {
        module: "container",
        description: "Manages one docker or podman container through the engine's own CLI on the target (no SDK, no Python): one `inspect` of the container and its image, settings compared normalised; a drifted setting or image recreates the container, and the result (`differences`) and `--diff` name what drifted.",
        example: "- container:\n    name: web\n    image: local/app:1.4\n    command: [app, --port, '8080']\n    env:\n      GREETING: hello world\n    network_mode: host\n    restart_policy: unless-stopped\n",
        args: CONTAINER_ARGS,
    },
    Written {
        module: "docker_container",
        description: "The same as `container`, with docker as the engine unless `engine` says otherwise (also `community.docker.docker_container`).",
        example: "- community.docker.docker_container:\n    name: web\n    image: local/app:1.4\n",
        args: CONTAINER_ARGS,
    },
    Written {
        module: "podman_container",
        description: "The same as `container`, with podman as the engine unless `engine` says otherwise (also `containers.podman.podman_container`).",
        example: "- containers.podman.podman_container:\n    name: web\n    image: local/app:1.4\n",
        args: CONTAINER_ARGS,
    },
    Written {
        module: "locale_gen",
        description: "Locales generated or removed (`community.general.locale_gen`), as community.general decides: with /etc/locale.gen the locale's line is uncommented (appended from /usr/share/i18n/SUPPORTED when missing) or commented out, written atomically with a diff, and `locale-gen` run; with only /var/lib/locales/supported.d (Ubuntu's older way) `locale-gen NAME…` or, to remove, the names dropped from supported.d/local and `locale-gen --purge`. `locale -a` says what is there. One query.",
        example: "- community.general.locale_gen:\n    name: [de_CH.UTF-8, nl_NL.UTF-8]\n",
        args: &[
            (
                "name",
                "",
                "The locales with their encoding (`de_CH.UTF-8`), one or a list; each must be generated already or listed in SUPPORTED.",
            ),
            (
                "state",
                "present",
                "`present` generates every locale not there yet; `absent` removes those that are.",
            ),
        ],
    },
    Written {
        module: "alternatives",
        description: "One alternative of an `update-alternatives` group (`community.general.alternatives`): installed (`--install`, with its priority and subcommands), selected (`--set`), the group back to auto (`--auto`) or the alternative removed (`--remove`), each only when `update-alternatives --query` shows it is needed. One query; `--diff` shows the alternative's state before and after.",
        example: "- community.general.alternatives:\n    name: editor\n    path: /usr/bin/vim.basic\n    link: /usr/bin/editor\n    priority: 60\n",
        args: &[
            ("name", "", "The group's generic name (`editor`)."),
            (
                "path",
                "",
                "The alternative: the real file the link should point to; must exist to be installed.",
            ),
            (
                "family",
                "",
                "RHEL's alternatives family: refused, drover manages Debian's `update-alternatives`.",
            ),
            (
                "link",
                "the group's current link",
                "The generic link (`/usr/bin/editor`); needed when the group does not exist yet.",
            ),
            (
                "priority",
                "the installed priority, else 50",
                "The alternative's priority; a different one reinstalls it.",
            ),
            (
                "state",
                "selected",
                "`present` (installed), `selected` (installed and chosen manually), `auto` (installed, group in auto mode), `absent` (removed).",
            ),
            ("slaves", "", "The same as `subcommands` (its older name)."),
            (
                "subcommands",
                "",
                "Followers installed with the alternative: a list of `name`, `link`, `path`; different ones reinstall it.",
            ),
        ],
    },
    Written {
        module: "pam_limits",
        description: "One PAM limit (`community.general.pam_limits`): the `DOMAIN TYPE ITEM VALUE` line of a limits file set by community.general's rules (every matching line gets the value, `use_max`/`use_min` keep the larger/smaller, a missing line is appended tab-separated with its `#comment`), written atomically with a diff and an optional backup. One query.",
        example: "- community.general.pam_limits:\n    domain: '@deploy'\n    limit_type: soft\n    limit_item: nofile\n    value: 64000\n",
        args: &[
            ("domain", "", "A user, `@group`, `*` or a UID/GID range."),
            ("limit_type", "", "`hard`, `soft` or `-` (both)."),
            (
                "limit_item",
                "",
                "The limit: `core`, `data`, `fsize`, `memlock`, `nofile`, `rss`, `stack`, `cpu`, `nproc`, `as`, `maxlogins`, `maxsyslogins`, `priority`, `locks`, `sigpending`, `msgqueue`, `nice`, `rtprio`, `chroot`.",
            ),
            (
                "value",
                "",
                "`unlimited`, `infinity`, `-1` or a number ≥ 0; -20…19 for `nice` and `priority`.",
            ),
            (
                "use_max",
                "false",
                "Keep the file's value when it is larger (unlimited is largest).",
            ),
            (
                "use_min",
                "false",
                "Keep the file's value when it is smaller.",
            ),
            (
                "backup",
                "false",
                "Keep a timestamped copy of the file before changing it (`backup_file` in the result).",
            ),
            (
                "dest",
                "/etc/security/limits.conf",
                "The limits file; created when missing (its directory must exist).",
            ),
            (
                "comment",
                "",
                "Written after the limit as `#comment`; without it a changed line keeps its own.",
            ),
        ],
    },
    Written {
        module: "ufw",
        description: "The ufw firewall (`community.general.ufw`): state, default policies, logging and rules, each `ufw` command planned only when community.general would see a change — from `ufw status verbose`, the `### tuple` lines of the user rules files and, for a rule, what `ufw --dry-run` says it would write. Proven by fixtures only: the test fleet shares the machine's network stack, so ufw is never run there.",
        example: "- community.general.ufw:\n    rule: allow\n    port: '22'\n    proto: tcp\n",
        args: &[
            (
                "state",
                "",
                "`enabled` (`ufw -f enable` when inactive), `disabled` (when active), `reloaded`, `reset` (always run).",
            ),
            (
                "default",
                "",
                "A default policy, `allow`, `deny` or `reject`, for `direction` (incoming when not given).",
            ),
            (
                "logging",
                "",
                "`on`, `off`, `low`, `medium`, `high`, `full`.",
            ),
            (
                "direction",
                "",
                "`in`/`out` for a rule; `incoming`/`outgoing`/`routed` for a default policy.",
            ),
            ("delete", "false", "Delete the rule instead of adding it."),
            ("route", "false", "A rule for routed (forwarded) packets."),
            ("insert", "", "Insert the rule as rule number NUM."),
            (
                "insert_relative_to",
                "zero",
                "`zero` (absolute), `first-ipv4`, `last-ipv4`, `first-ipv6`, `last-ipv6` (read from `ufw status numbered`).",
            ),
            ("rule", "", "`allow`, `deny`, `limit` or `reject`."),
            ("interface", "", "The rule's interface (needs `direction`)."),
            ("interface_in", "", "The input interface (routed rules)."),
            ("interface_out", "", "The output interface (routed rules)."),
            ("log", "false", "Log new connections matching the rule."),
            ("from_ip", "any", "Source address or network."),
            ("from_port", "", "Source port."),
            ("to_ip", "any", "Destination address or network."),
            ("to_port", "", "Destination port or range (`60000:61000`)."),
            (
                "proto",
                "",
                "`any`, `tcp`, `udp`, `ipv6`, `esp`, `ah`, `gre`, `igmp`, `vrrp`.",
            ),
            (
                "name",
                "",
                "An application profile from /etc/ufw/applications.d.",
            ),
            ("comment", "", "The rule's comment (ufw 0.35 or later)."),
        ],
    },
];

/// The arguments of `container` and its docker/podman names.
const CONTAINER_ARGS: &[(&str, &str, &str)] = &[
    ("name", "", "The container's name."),
    (
        "image",
        "",
        "The image to run (`repo/name:tag` or an id); needed to create the container. Its id is compared with the container's.",
    ),
    (
        "state",
        "started",
        "`started` (created and running), `stopped` (created, not running), `present` (created, left as it is), `absent` (removed).",
    ),
    (
        "command",
        "the image's",
        "The command: a list of words or a string split like a shell does.",
    ),
    (
        "entrypoint",
        "the image's",
        "The entrypoint: a list of words or a string split like a shell does.",
    ),
    (
        "env",
        "",
        "Environment variables (a mapping); values are text (quote `yes`/`no`). Compared with the image's environment merged in.",
    ),
    (
        "env_file",
        "",
        "A file on the target with `KEY=VALUE` lines, merged under `env`.",
    ),
    (
        "published_ports",
        "",
        "`[IP:][HOST_PORT:]PORT[/PROTO]` entries (`ports`, `publish`); not used with `network_mode: host`.",
    ),
    (
        "volumes",
        "",
        "`SOURCE:TARGET[:ro]` binds and named volumes (`volume`).",
    ),
    (
        "mounts",
        "",
        "`--mount`s: `type` (volume, bind, tmpfs), `source`, `target`, `read_only`.",
    ),
    (
        "networks",
        "",
        "Networks to connect the container to (names or `{name: …}`).",
    ),
    (
        "network_mode",
        "the engine's",
        "`host`, `none`, `bridge`, `container:NAME`, … (`network`).",
    ),
    (
        "labels",
        "",
        "Labels (a mapping). Compared with the image's labels merged in.",
    ),
    (
        "restart_policy",
        "no",
        "`no`, `always`, `on-failure`, `unless-stopped`.",
    ),
    (
        "user",
        "the image's",
        "The user (and group) the command runs as.",
    ),
    (
        "workdir",
        "the image's",
        "The working directory (`working_dir`).",
    ),
    ("hostname", "the engine's", "The container's hostname."),
    (
        "healthcheck",
        "the image's",
        "`test` (a shell line, or a list starting with `CMD`/`CMD-SHELL`/`NONE`), `interval`, `timeout`, `retries`, `start_period`; only the parts given are compared.",
    ),
    ("memory", "", "Memory limit (`512m`, `1g`)."),
    ("cpus", "", "CPUs the container may use (`0.5`)."),
    (
        "pull",
        "missing",
        "`missing` (pull only an image that is not on the target), `always` (pull every run: a change only when the image id moved; the container follows on the next run), `never` (a missing image fails). `true`/`false` mean `always`/`missing`.",
    ),
    (
        "recreate",
        "false",
        "Recreate the container even when it matches.",
    ),
    (
        "restart",
        "false",
        "Restart a matching, running container (`force_restart`).",
    ),
    (
        "comparisons",
        "strict for each given setting",
        "How settings are compared: setting → `strict`, `ignore` or `allow_more_present`; `*` sets the rest.",
    ),
    (
        "engine",
        "auto (container), docker, podman",
        "`docker`, `podman`, or `auto`: the CLI the target has, docker first.",
    ),
    (
        "stop_timeout",
        "the engine's (10)",
        "Seconds to wait for a graceful stop (`stop`, `restart`; podman's removal, which otherwise kills at once).",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::MODULES;

    #[test]
    fn every_module_is_written_up_with_exactly_its_arguments() {
        let mut problems = Vec::new();
        for module in MODULES {
            let doc = describe(*module);
            let Some(written) = written(module.name()) else {
                problems.push(format!("{}: no entry in doc::TABLE", module.name()));
                continue;
            };
            let parsed: Vec<&str> = doc
                .args
                .iter()
                .map(|a| a.name)
                .filter(|n| !n.starts_with('_'))
                .collect();
            let table: Vec<&str> = written.args.iter().map(|(n, _, _)| *n).collect();
            if parsed != table {
                problems.push(format!(
                    "{}: the parser takes {parsed:?}, doc::TABLE lists {table:?}",
                    module.name()
                ));
            }
            if written.description.is_empty() || written.example.is_empty() {
                problems.push(format!("{}: no description or example", module.name()));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    fn arg<'a>(doc: &'a ModuleDoc, name: &str) -> &'a ArgDoc {
        doc.args
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("{name} in {doc:#?}"))
    }

    fn doc_of(name: &str) -> ModuleDoc {
        let module = crate::registry::lookup(name).unwrap_or_else(|| panic!("{name}"));
        describe(module)
    }

    #[test]
    fn what_the_parser_knows_is_read_from_it() {
        let file = doc_of("file");
        let path = arg(&file, "path");
        assert_eq!(path.aliases, ["dest", "name"]);
        assert!(path.required);
        assert_eq!(path.kind, "str");
        let state = arg(&file, "state");
        assert_eq!(
            state.choices,
            ["file", "directory", "absent", "touch", "link", "hard"]
        );
        assert!(!state.required);
        assert_eq!(arg(&file, "recurse").kind, "bool");
        assert_eq!(arg(&file, "mode").kind, "mode");

        let stat = doc_of("stat");
        assert_eq!(arg(&stat, "get_mime").aliases, ["get_mime_type", "mime"]);
        let copy = doc_of("copy");
        assert!(arg(&copy, "dest").required);
        assert!(!arg(&copy, "content").required);
        assert_eq!(arg(&doc_of("assert"), "that").kind, "any");
        assert_eq!(arg(&doc_of("assert"), "fail_msg").aliases, ["msg"]);
        assert_eq!(arg(&doc_of("setup"), "filter").kind, "list");
        assert!(doc_of("command").free_form);
        assert!(doc_of("set_fact").any_names);
    }
}
