//! `pip`: Python packages with the target's pip (`executable`, a virtualenv's `bin/pip3`/`bin/pip`,
//! else `pip3`, else `python3 -m pip`). One query finds pip and lists what it has installed
//! (`pip list --format=freeze`); `present`/`absent` of named packages decide from that list as
//! Ansible's check mode does, so a second run changes nothing. `latest`, `forcereinstall`,
//! `requirements` and `extra_args` run pip and, as Ansible does, read the change from its output
//! (`Successfully installed` / `Successfully uninstalled`). A missing `virtualenv` is created first
//! with `virtualenv_command`.

use crate::cmd::quote;
use crate::doc::Written;
use crate::{Cmd, CmdOutput, Host, Module, ModuleError, Parsed, Parser, Plan, Step};
use serde::Deserialize;
use std::cmp::Ordering;

pub struct Pip;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default)]
    pub state: PipState,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub name: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub version: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub requirements: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub virtualenv: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub virtualenv_site_packages: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub virtualenv_command: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub virtualenv_python: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub extra_args: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub editable: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub chdir: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub executable: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub umask: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub break_system_packages: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PipState {
    #[default]
    Present,
    Absent,
    Latest,
    Forcereinstall,
}

impl PipState {
    fn name(self) -> &'static str {
        match self {
            PipState::Present => "present",
            PipState::Absent => "absent",
            PipState::Latest => "latest",
            PipState::Forcereinstall => "forcereinstall",
        }
    }
    fn pip_args(self) -> &'static str {
        match self {
            PipState::Present => "install",
            PipState::Absent => "uninstall -y",
            PipState::Latest => "install -U",
            PipState::Forcereinstall => "install -U --force-reinstall",
        }
    }
}

/// A requirement as `name`, `name==1.0`, `name>=1.0,<2`: the canonical name and its constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    text: String,
    name: String,
    constraints: Vec<(String, String)>,
}

const OPERATORS: [&str; 7] = ["===", "==", "!=", "~=", ">=", "<=", ">"];

impl Requirement {
    fn parse(text: &str) -> Result<Requirement, ModuleError> {
        let text = text.trim();
        let split = text.find(['=', '!', '<', '>', '~', ' ', '[', ';']);
        let (name, rest) = split.map_or((text, ""), |i| (&text[..i], &text[i..]));
        let rest = rest.split(';').next().unwrap_or_default();
        let rest = match rest.trim_start().strip_prefix('[') {
            Some(extras) => extras.split_once(']').map_or("", |(_, r)| r),
            None => rest,
        };
        if name.is_empty() {
            return Err(ModuleError::Params(format!("invalid requirement: {text}")));
        }
        let mut constraints = Vec::new();
        for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let op = OPERATORS
                .iter()
                .chain(&["<"])
                .find(|op| part.starts_with(**op))
                .ok_or_else(|| ModuleError::Params(format!("invalid requirement: {text}")))?;
            constraints.push((op.to_string(), part[op.len()..].trim().to_string()));
        }
        Ok(Requirement {
            text: text.to_string(),
            name: canonical(name),
            constraints,
        })
    }

    fn satisfied_by(&self, version: &str) -> bool {
        self.constraints.iter().all(|(op, want)| {
            let order = compare_versions(version, want);
            match op.as_str() {
                "==" | "===" => match want.strip_suffix(".*") {
                    Some(prefix) => version == prefix || version.starts_with(&format!("{prefix}.")),
                    None => order == Ordering::Equal,
                },
                "!=" => order != Ordering::Equal,
                ">=" => order != Ordering::Less,
                "<=" => order != Ordering::Greater,
                ">" => order == Ordering::Greater,
                "<" => order == Ordering::Less,
                // ~=1.4 means >=1.4 and ==1.*
                _ => {
                    let stem: Vec<&str> = want.split('.').collect();
                    let prefix = stem[..stem.len().saturating_sub(1).max(1)].join(".");
                    order != Ordering::Less
                        && (version == prefix || version.starts_with(&format!("{prefix}.")))
                }
            }
        })
    }
}

/// PEP 503: lower case, runs of `-_.` as one `-`.
fn canonical(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().chars() {
        if "-_.".contains(c) {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Release numbers compared numerically, part by part (`1.10` > `1.9`, `1.0` == `1`).
fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<u64> {
        v.split(['.', '+'])
            .map(|p| {
                p.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse()
                    .unwrap_or(0)
            })
            .collect()
    };
    let (mut x, mut y) = (parts(a), parts(b));
    let len = x.len().max(y.len());
    x.resize(len, 0);
    y.resize(len, 0);
    x.cmp(&y)
}

fn requirements_of(p: &Params) -> Result<Vec<Requirement>, ModuleError> {
    let mut reqs: Vec<Requirement> = p
        .name
        .iter()
        .map(|n| Requirement::parse(n))
        .collect::<Result<_, _>>()?;
    if let Some(version) = &p.version {
        if reqs.len() > 1 {
            return Err(ModuleError::Params("'version' argument is ambiguous when installing multiple package distributions. Please specify version restrictions next to each package in 'name' argument.".into()));
        }
        if let Some(first) = reqs.first_mut() {
            if !first.constraints.is_empty() {
                return Err(ModuleError::Params("The 'version' argument conflicts with any version specifier provided along with a package name. Please keep the version specifier, but remove the 'version' argument.".into()));
            }
            let spec = if version.starts_with(['=', '!', '<', '>', '~']) {
                version.clone()
            } else {
                format!("=={version}")
            };
            *first = Requirement::parse(&format!("{}{spec}", first.text))?;
        }
    }
    Ok(reqs)
}

#[async_trait::async_trait]
impl Module for Pip {
    type Params = Params;
    const NAME: &'static str = "pip";
    const DOC: Written = Written {
        description: "Installs, upgrades or removes Python packages with the target's pip (system, `executable`, or a `virtualenv` it creates); a present/absent task decides from `pip list`, so a second run changes nothing.",
        example: "- pip:\n    name: [requests>=2.31, flask]\n    virtualenv: /opt/app/venv\n    virtualenv_command: python3 -m venv\n",
        args: &[
            (
                "state",
                "present",
                "`present`, `absent`, `latest`, `forcereinstall`.",
            ),
            (
                "name",
                "",
                "Requirements (`name`, `name==1.0`, `name>=1,<2`); a list.",
            ),
            (
                "version",
                "",
                "The version of the one package named (`1.0` means `==1.0`).",
            ),
            (
                "requirements",
                "",
                "A requirements file on the target (relative to `chdir`).",
            ),
            (
                "virtualenv",
                "",
                "The virtualenv to install into; created when it has no `bin/activate`.",
            ),
            (
                "virtualenv_site_packages",
                "false",
                "`--system-site-packages` for a new virtualenv.",
            ),
            (
                "virtualenv_command",
                "virtualenv",
                "The command that creates it (`python3 -m venv`).",
            ),
            (
                "virtualenv_python",
                "",
                "`-pPYTHON` for `virtualenv` (not for venv).",
            ),
            (
                "extra_args",
                "",
                "More pip arguments (`--no-index --find-links /srv/wheels`); the change is then read from pip's output.",
            ),
            ("editable", "false", "Adds `-e`."),
            (
                "chdir",
                "/tmp",
                "Where pip runs (and a relative `virtualenv` lives).",
            ),
            ("executable", "", "The pip to run (`pip3.11`, a path)."),
            ("umask", "", "The umask pip runs with (octal)."),
            (
                "break_system_packages",
                "false",
                "`PIP_BREAK_SYSTEM_PACKAGES=1` (a distribution's Python marked externally managed).",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let err = |m: &str| Err(ModuleError::Params(m.to_string()));
        match (p.name.is_empty(), p.requirements.is_some()) {
            (true, false) => return err("one of the following is required: name, requirements"),
            (false, true) => return err("parameters are mutually exclusive: name|requirements"),
            _ => {}
        }
        if p.executable.is_some() && p.virtualenv.is_some() {
            return err("parameters are mutually exclusive: executable|virtualenv");
        }
        if p.state == PipState::Latest && p.version.is_some() {
            return err("version is incompatible with state=latest");
        }
        if let Some(u) = &p.umask
            && u32::from_str_radix(u, 8).is_err()
        {
            return err("umask must be an octal integer");
        }
        requirements_of(p).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let reqs = requirements_of(&p)?;
        let env = p
            .virtualenv
            .as_ref()
            .map(|v| match (&p.chdir, v.starts_with('/')) {
                (Some(dir), false) => format!("{}/{v}", dir.trim_end_matches('/')),
                _ => v.clone(),
            });
        let out = host.query(&query(&p, env.as_deref())).await?;
        let text = out.stdout.as_str();
        if let Some(missing) = super::section(text, "no-pip") {
            return Ok(Plan::fail(missing.join(" ").trim().to_string()));
        }
        let pip = super::section(text, "pip")
            .and_then(|l| l.first().map(|s| s.to_string()))
            .unwrap_or_default();
        let venv_missing = super::section(text, "no-venv").is_some();
        let installed: Vec<(String, String)> = super::section(text, "freeze")
            .unwrap_or_default()
            .iter()
            .filter_map(|l| l.split_once("=="))
            .map(|(n, v)| (canonical(n), v.trim().to_string()))
            .collect();
        let present = |r: &Requirement| {
            installed
                .iter()
                .any(|(n, v)| *n == r.name && r.satisfied_by(v))
        };
        let by_output = p.extra_args.is_some()
            || p.requirements.is_some()
            || matches!(p.state, PipState::Latest | PipState::Forcereinstall);
        let mut plan = Plan::ok();
        let mut steps = Vec::new();
        if let (Some(env), true) = (&env, venv_missing) {
            steps.push(Step::run(venv_cmd(&p, env)));
        }
        let wanted: Vec<&Requirement> = reqs
            .iter()
            .filter(|r| match p.state {
                PipState::Absent => installed.iter().any(|(n, _)| *n == r.name),
                _ => venv_missing || !present(r),
            })
            .collect();
        let pip = if venv_missing {
            env.as_deref()
                .map(|e| format!("{}/bin/pip3", e.trim_end_matches('/')))
                .unwrap_or(pip)
        } else {
            pip
        };
        let cmd = pip_cmd(&p, &pip, &reqs, env.as_deref());
        if by_output {
            let absent = p.state == PipState::Absent;
            let created = venv_missing;
            steps.push(
                Step::registered(cmd.clone())
                    .parsed(Parser::new(move |o| changed_by(o, absent, created))),
            );
        } else if !wanted.is_empty() {
            steps.push(Step::registered(cmd.clone()));
        }
        plan.steps = steps;
        Ok(plan
            .set("cmd", cmd.display())
            .set("name", p.name.clone())
            .set("version", p.version.clone())
            .set("state", p.state.name())
            .set("requirements", p.requirements.clone())
            .set("virtualenv", env))
    }
}

/// Ansible's reading of pip's output: `Successfully installed`/`uninstalled`; pip's rc 1 for
/// uninstalling what is not installed is no failure.
fn changed_by(out: &CmdOutput, absent: bool, created: bool) -> Parsed {
    let text = format!("{}{}", out.stdout, out.stderr);
    let mut parsed = Parsed::default();
    if out.rc != 0 && !(absent && out.rc == 1 && text.contains("not installed")) {
        parsed.failed = Some(format!("stdout: {}\n:stderr: {}", out.stdout, out.stderr));
        return parsed;
    }
    let word = if absent {
        "Successfully uninstalled"
    } else {
        "Successfully installed"
    };
    parsed.changed = Some(created || out.stdout.contains(word));
    parsed
}

/// Finds pip (and whether the virtualenv exists), then lists what it has installed.
fn query(p: &Params, env: Option<&str>) -> Cmd {
    let find = match (env, &p.executable) {
        (Some(env), _) => format!(
            "e={}; if [ ! -f \"$e/bin/activate\" ]; then echo @@no-venv; else for c in \"$e/bin/pip3\" \"$e/bin/pip\"; do [ -x \"$c\" ] && {{ pip=$c; break; }}; done; \
             [ -n \"$pip\" ] || {{ echo @@no-pip; echo \"Unable to find pip in the virtualenv, $e, under any of these names: pip3, pip. Make sure pip is present in the virtualenv.\"; exit 0; }}; fi;",
            quote(env)
        ),
        (None, Some(exe)) => format!(
            "pip=$(command -v {}) || {{ echo @@no-pip; echo 'Unable to find any of {} to use.  pip needs to be installed.'; exit 0; }};",
            quote(exe),
            exe.replace('\'', "")
        ),
        (None, None) => "if python3 -c 'import pip' >/dev/null 2>&1; then pip='python3 -m pip'; else pip=$(command -v pip3) || { echo @@no-pip; echo 'Unable to find any of pip3 to use.  pip needs to be installed.'; exit 0; }; fi;".to_string(),
    };
    Cmd::new(&format!(
        "export LC_ALL=C PIP_DISABLE_PIP_VERSION_CHECK=1; pip=; {find} if [ -n \"$pip\" ]; then echo @@pip; echo \"$pip\"; echo @@freeze; $pip list --format=freeze 2>/dev/null || $pip freeze 2>/dev/null; fi; echo @@end"
    ))
}

fn venv_cmd(p: &Params, env: &str) -> Cmd {
    let command = p.virtualenv_command.as_deref().unwrap_or("virtualenv");
    let is_venv = command.contains("pyvenv") || command.split_whitespace().any(|w| w == "venv");
    let mut words: Vec<String> = command.split_whitespace().map(quote).collect();
    if p.virtualenv_site_packages {
        words.push("--system-site-packages".into());
    }
    if !is_venv {
        words.push(format!(
            "-p{}",
            quote(p.virtualenv_python.as_deref().unwrap_or("python3"))
        ));
    }
    let mut cmd = Cmd::new(&words.join(" ")).arg(env);
    if let Some(dir) = &p.chdir {
        cmd = Cmd::new("cd").arg(dir).syntax("&&").syntax(&cmd.to_shell());
    }
    cmd
}

fn pip_cmd(p: &Params, pip: &str, reqs: &[Requirement], env: Option<&str>) -> Cmd {
    let mut prefix = String::from("env PIP_DISABLE_PIP_VERSION_CHECK=1");
    if p.break_system_packages {
        prefix.push_str(" PIP_BREAK_SYSTEM_PACKAGES=1");
    }
    if let Some(env) = env {
        prefix.push_str(&format!(
            " PATH={}/bin:\"$PATH\"",
            quote(env.trim_end_matches('/'))
        ));
    }
    let mut script = String::new();
    if let Some(u) = &p.umask {
        script.push_str(&format!("umask {u} && "));
    }
    script.push_str(&format!(
        "cd {} && ",
        quote(p.chdir.as_deref().unwrap_or("/tmp"))
    ));
    // `pip` is a program path or `python3 -m pip` found by the query: drover's own words.
    let mut cmd = Cmd::new(&format!("{script}{prefix} {pip} {}", p.state.pip_args()));
    let mut extra: Vec<String> = p
        .extra_args
        .as_deref()
        .map(|e| e.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    if p.editable && !extra.iter().any(|a| a == "-e") {
        extra.push("-e".into());
    }
    cmd = cmd.args(&extra);
    match &p.requirements {
        Some(file) => cmd.syntax("-r").arg(file),
        None => cmd.args(reqs.iter().map(|r| r.text.as_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_match_versions() {
        let r = |t: &str| Requirement::parse(t).unwrap_or_else(|e| panic!("{e}"));
        assert!(r("Drover_Demo").satisfied_by("1.0"));
        assert_eq!(r("Drover_Demo").name, "drover-demo");
        assert!(r("x==1.0").satisfied_by("1.0.0"));
        assert!(!r("x==1.0").satisfied_by("2.0"));
        assert!(r("x>=1.9,<2").satisfied_by("1.10"));
        assert!(!r("x>=1.9,<2").satisfied_by("2.0"));
        assert!(r("x==1.*").satisfied_by("1.4"));
        assert!(r("x~=1.4").satisfied_by("1.9") && !r("x~=1.4").satisfied_by("2.0"));
        assert!(r("x[extra]>=1").satisfied_by("1"));
    }
}
