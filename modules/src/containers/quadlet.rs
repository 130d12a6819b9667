//! `quadlet`: a podman Quadlet unit (`.container`, `.network`, `.volume`, `.kube`, `.pod`) in
//! `/etc/containers/systemd/`, written through the verified atomic write, then `daemon-reload` and
//! the generated service started (restarted when its unit changed). Changed only when the unit file
//! changed or the service had to be started. Quadlet needs podman ≥ 4.4's systemd generator: a host
//! without it fails with that reason rather than writing a unit nothing would ever run.

use crate::cmd::quote;
use crate::doc::Written;
use crate::facts::file::{self, FileStat, Want};
use crate::files::write::{Attrs, Content, atomic_write};
use crate::{Cmd, CmdOutput, Diff, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use serde_json::{Map, Value};

pub struct Quadlet;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: Kind,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub content: Option<String>,
    /// `{Container: {Image: x, Environment: [A=1, B=2]}, Install: {WantedBy: default.target}}`.
    #[serde(default)]
    pub sections: Option<Map<String, Value>>,
    #[serde(default)]
    pub state: super::image::Presence,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub started: bool,
    #[serde(default = "unit_dir", deserialize_with = "crate::de::string")]
    pub dir: String,
}

fn unit_dir() -> String {
    "/etc/containers/systemd".into()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Container,
    Network,
    Volume,
    Kube,
    Pod,
}

impl Kind {
    fn extension(self) -> &'static str {
        match self {
            Kind::Container => "container",
            Kind::Network => "network",
            Kind::Volume => "volume",
            Kind::Kube => "kube",
            Kind::Pod => "pod",
        }
    }

    /// The service Quadlet generates for a unit `NAME.EXT`.
    fn service(self, name: &str) -> String {
        match self {
            Kind::Container | Kind::Kube => format!("{name}.service"),
            Kind::Network => format!("{name}-network.service"),
            Kind::Volume => format!("{name}-volume.service"),
            Kind::Pod => format!("{name}-pod.service"),
        }
    }
}

/// Where podman installs the Quadlet generator (4.4+: the system generator links to it).
const GENERATORS: &[&str] = &[
    "/usr/lib/systemd/system-generators/podman-system-generator",
    "/lib/systemd/system-generators/podman-system-generator",
    "/usr/libexec/podman/quadlet",
];

impl Params {
    fn path(&self) -> String {
        format!(
            "{}/{}.{}",
            self.dir.trim_end_matches('/'),
            self.name,
            self.kind.extension()
        )
    }

    fn text(&self) -> Result<String, ModuleError> {
        if let Some(c) = &self.content {
            return Ok(if c.ends_with('\n') {
                c.clone()
            } else {
                format!("{c}\n")
            });
        }
        let sections = self.sections.as_ref().ok_or_else(|| {
            ModuleError::Params("one of the following is required: content, sections".into())
        })?;
        let mut out = String::new();
        for (section, keys) in sections {
            let Value::Object(keys) = keys else {
                return Err(ModuleError::Params(format!(
                    "sections.{section} must be a mapping"
                )));
            };
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("[{section}]\n"));
            for (key, value) in keys {
                for v in values_of(value) {
                    out.push_str(&format!("{key}={v}\n"));
                }
            }
        }
        Ok(out)
    }
}

/// A key's values: a list repeats the key, as systemd units do (`Environment=`, `PublishPort=`).
fn values_of(value: &Value) -> Vec<String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        other => other.to_string(),
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        Value::Null => Vec::new(),
        other => vec![scalar(other)],
    }
}

#[async_trait::async_trait]
impl Module for Quadlet {
    type Params = Params;
    const NAME: &'static str = "quadlet";
    const DOC: Written = Written {
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
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.content.is_some() && p.sections.is_some() {
            return Err(ModuleError::Params(
                "parameters are mutually exclusive: content|sections".into(),
            ));
        }
        if p.name.is_empty() || p.name.contains('/') {
            return Err(ModuleError::Params(format!(
                "invalid unit name {:?}",
                p.name
            )));
        }
        if p.state == super::image::Presence::Present {
            p.text()?;
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let path = p.path();
        let service = p.kind.service(&p.name);
        let out = host.query(&query(&path, &service)).await?;
        let found = read(&out)?;
        let plan = Plan::ok()
            .set("path", path.as_str())
            .set("service", service.as_str());
        if p.state == super::image::Presence::Absent {
            return Ok(remove(plan, &path, &service, found.stat.as_ref()));
        }
        if !found.generator {
            return Ok(Plan::fail(format!(
                "podman on this host has no Quadlet generator ({}): Quadlet needs podman 4.4 or \
                 later (Debian 12 ships 4.3)",
                GENERATORS.join(", ")
            )));
        }
        let text = p.text()?;
        let current = found.stat.as_ref().and_then(|s| s.content.clone());
        let mut plan = plan;
        if current.as_deref() == Some(text.as_bytes()) {
            if p.started && !found.active {
                plan.steps
                    .push(Step::run(Cmd::new("systemctl start").arg(&service)));
            }
            return Ok(plan);
        }
        if host.diff_mode() {
            plan.diffs.push(Diff {
                before_header: path.clone(),
                after_header: path.clone(),
                before: current
                    .map(|c| String::from_utf8_lossy(&c).into_owned())
                    .unwrap_or_default(),
                after: text.clone(),
            });
        }
        plan.steps
            .push(Step::run(Cmd::new("mkdir -p --").arg(&p.dir)));
        plan.steps.push(atomic_write(
            &path,
            Content::new(text.into_bytes()),
            &Attrs::default(),
            found.stat.as_ref(),
            None,
        ));
        plan.steps
            .push(Step::run(Cmd::new("systemctl daemon-reload")));
        if p.started {
            // A changed unit takes effect only through a restart of its service.
            plan.steps
                .push(Step::run(Cmd::new("systemctl restart").arg(&service)));
        }
        Ok(plan)
    }
}

/// `state: absent`: the service stops, the unit goes, systemd forgets the generated service.
fn remove(mut plan: Plan, path: &str, service: &str, stat: Option<&FileStat>) -> Plan {
    if stat.is_none() {
        return plan;
    }
    plan.steps.push(Step::run(
        Cmd::new("systemctl stop")
            .arg(service)
            .syntax("2>/dev/null; rm -f --")
            .arg(path),
    ));
    plan.steps
        .push(Step::run(Cmd::new("systemctl daemon-reload")));
    plan
}

struct Found {
    generator: bool,
    active: bool,
    stat: Option<FileStat>,
}

/// The generator, whether the service is active, and the unit file with its content.
fn query(path: &str, service: &str) -> Cmd {
    let generators: Vec<String> = GENERATORS.iter().map(|g| quote(g)).collect();
    Cmd::new(&format!(
        "echo @@generator; for g in {}; do [ -x \"$g\" ] && echo \"$g\"; done; echo @@active;",
        generators.join(" ")
    ))
    .syntax("systemctl is-active")
    .arg(service)
    .syntax("2>/dev/null; echo @@file")
    .then(file::query(
        path,
        Want {
            content: true,
            ..Want::default()
        },
    ))
}

fn read(out: &CmdOutput) -> Result<Found, ModuleError> {
    let section = |name| crate::packages::section(&out.stdout, name);
    let generator = section("generator").is_some_and(|l| l.iter().any(|g| !g.trim().is_empty()));
    let active = section("active").is_some_and(|l| l.first().map(|s| s.trim()) == Some("active"));
    let file_lines = section("file").ok_or_else(|| {
        ModuleError::Failed(format!(
            "could not read the unit file: {}",
            out.stderr.trim()
        ))
    })?;
    let stat = file::parse(&CmdOutput {
        stdout: file_lines.join("\n"),
        ..out.clone()
    })?;
    Ok(Found {
        generator,
        active,
        stat,
    })
}
