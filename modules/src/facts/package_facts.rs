//! `package_facts`: every installed package as `ansible_facts.packages`, shaped as Ansible's module
//! shapes it — name → list of `{name, version, arch, source, …}` (one entry per installed
//! version or architecture). One query runs each requested manager that the host has: `dpkg-query`
//! (apt), `rpm -qa` (rpm), `apk info -v` (apk); no Python, no python3-apt on the target.

use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub struct PackageFacts;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "auto", deserialize_with = "crate::de::string_list")]
    pub manager: Vec<String>,
    #[serde(default)]
    pub strategy: Strategy,
}

fn auto() -> Vec<String> {
    vec!["auto".into()]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    #[default]
    First,
    All,
}

/// The managers drover reads, in Ansible's order for `auto`.
const MANAGERS: [&str; 3] = ["rpm", "apt", "apk"];

/// Ansible's aliases (so `manager: "{{ ansible_facts.pkg_mgr }}"` works).
fn canonical(name: &str) -> &str {
    match name {
        "dnf" | "dnf5" | "yum" | "zypper" | "rpm" => "rpm",
        "apt" | "apt_get" | "apt-get" | "dpkg" => "apt",
        other => other,
    }
}

/// The section each manager prints, when the host has it.
fn listing(manager: &str) -> &'static str {
    match manager {
        "apt" => {
            "command -v apt-get >/dev/null && command -v dpkg-query >/dev/null && { echo @@apt; dpkg --print-architecture; \
             dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Version}|${Architecture}|${Section}\\n'; };"
        }
        "rpm" => {
            "command -v rpm >/dev/null && { echo @@rpm; rpm -qa --qf '%{NAME}|%{VERSION}|%{RELEASE}|%{EPOCH}|%{ARCH}\\n'; };"
        }
        _ => "command -v apk >/dev/null && { echo @@apk; apk info -v; };",
    }
}

fn requested(p: &Params) -> Result<Vec<&'static str>, ModuleError> {
    let mut out: Vec<&'static str> = Vec::new();
    for name in &p.manager {
        let name = name.trim().to_ascii_lowercase();
        let chosen: Vec<&'static str> = if name == "auto" {
            MANAGERS.to_vec()
        } else {
            let c = canonical(&name);
            match MANAGERS.iter().find(|m| **m == c) {
                Some(m) => vec![*m],
                None => {
                    return Err(ModuleError::Params(format!(
                        "Unsupported package managers requested: {name} (drover reads apt, rpm and apk)"
                    )));
                }
            }
        };
        for m in chosen {
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    Ok(out)
}

#[async_trait::async_trait]
impl Module for PackageFacts {
    type Params = Params;
    const NAME: &'static str = "package_facts";
    const DOC: Written = Written {
        description: "Every installed package as `ansible_facts.packages`: name → list of `{name, version, arch, source, …}`, as Ansible's module returns it (dpkg, rpm or apk; no Python on the target).",
        example: "- package_facts:\n\n- debug:\n    msg: nginx is installed\n  when: \"'nginx' in ansible_facts.packages\"\n",
        args: &[
            (
                "manager",
                "[auto]",
                "`auto`, `apt`, `rpm`, `apk` (a list; `dnf`/`yum`/`dpkg`… are their aliases): which package databases to read.",
            ),
            (
                "strategy",
                "first",
                "`first`: the first manager that lists packages; `all`: every one, merged.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        requested(p).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let managers = requested(&p)?;
        let script: String = managers
            .iter()
            .map(|m| listing(m))
            .collect::<Vec<_>>()
            .join(" ");
        let out = host
            .query(&Cmd::new(&format!("export LC_ALL=C; {script} echo @@end")))
            .await?;
        let mut packages = Map::new();
        let mut found = 0;
        for manager in &managers {
            if p.strategy == Strategy::First && found > 0 {
                break;
            }
            let Some(lines) = crate::packages::section(&out.stdout, manager) else {
                continue;
            };
            let list = parse(manager, &lines);
            if list.is_empty() {
                continue;
            }
            found += 1;
            for entry in list {
                let name = entry["name"].as_str().unwrap_or_default().to_string();
                let slot = packages.entry(name).or_insert_with(|| json!([]));
                if let Value::Array(items) = slot {
                    items.push(entry);
                }
            }
        }
        if found == 0 {
            return Ok(Plan::fail(format!(
                "Could not detect a supported package manager from the following list: {managers:?}"
            )));
        }
        Ok(Plan::ok().set("ansible_facts", json!({ "packages": packages })))
    }
}

fn parse(manager: &str, lines: &[&str]) -> Vec<Value> {
    match manager {
        "apt" => parse_dpkg(lines),
        "rpm" => lines.iter().filter_map(|l| parse_rpm(l)).collect(),
        _ => lines.iter().filter_map(|l| parse_apk(l)).collect(),
    }
}

/// python-apt's view: every package with an installed version (not `rc`, not `un`); a package of a
/// foreign architecture is named `name:arch`, as the apt cache names it.
fn parse_dpkg(lines: &[&str]) -> Vec<Value> {
    let native = lines.first().map(|l| l.trim()).unwrap_or_default();
    lines
        .iter()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.splitn(5, '|').collect();
            let [abbrev, name, version, arch, section] = f.as_slice() else {
                return None;
            };
            let state = abbrev.chars().nth(1).unwrap_or('n');
            if matches!(state, 'n' | 'c') || name.is_empty() {
                return None;
            }
            let name = if *arch != native && *arch != "all" && !arch.is_empty() {
                format!("{name}:{arch}")
            } else {
                name.to_string()
            };
            Some(json!({
                "name": name,
                "version": version,
                "arch": arch,
                "category": section,
                "source": "apt",
            }))
        })
        .collect()
}

fn parse_rpm(line: &str) -> Option<Value> {
    let f: Vec<&str> = line.split('|').collect();
    let [name, version, release, epoch, arch] = f.as_slice() else {
        return None;
    };
    let epoch = match *epoch {
        "(none)" | "" => Value::Null,
        e => Value::from(e),
    };
    Some(json!({
        "name": name, "version": version, "release": release, "epoch": epoch,
        "arch": arch, "source": "rpm",
    }))
}

/// `apk info -v` prints `name-version-release`; Ansible splits at the last two dashes.
fn parse_apk(line: &str) -> Option<Value> {
    let line = line.trim();
    if line.is_empty() || line.starts_with("WARNING") {
        return None;
    }
    let mut parts = line.rsplitn(3, '-');
    let (release, version, name) = (parts.next(), parts.next(), parts.next());
    Some(match (name, version, release) {
        (Some(n), Some(v), Some(r)) => {
            json!({"name": n, "version": v, "release": r, "source": "apk"})
        }
        _ => json!({"name": line, "version": "", "release": "", "source": "apk"}),
    })
}
