//! `modprobe` (`community.general.modprobe`): a kernel module loaded or not, and whether it is
//! loaded at boot (`/etc/modules-load.d/NAME.conf`, options in `/etc/modprobe.d/NAME.conf`).
//! One query reads `/proc/modules`, the kernel's built-in list and both files.

use crate::cmd::quote;
use crate::doc::Written;
use crate::files::write::{Attrs, Content, atomic_write};
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Modprobe;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum State {
    #[default]
    Present,
    Absent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Persistent {
    #[default]
    Disabled,
    Present,
    Absent,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default)]
    pub state: State,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub params: Option<String>,
    #[serde(default)]
    pub persistent: Persistent,
}

impl Params {
    fn load_file(&self) -> String {
        format!("/etc/modules-load.d/{}.conf", self.name)
    }
    fn options_file(&self) -> String {
        format!("/etc/modprobe.d/{}.conf", self.name)
    }
    fn params(&self) -> &str {
        self.params.as_deref().unwrap_or("").trim()
    }
}

#[async_trait::async_trait]
impl Module for Modprobe {
    type Params = Params;
    const NAME: &'static str = "modprobe";
    const DOC: Written = Written {
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
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let valid = !p.name.is_empty()
            && p.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(ModuleError::Params(format!(
                "invalid module name: {:?}",
                p.name
            )));
        }
        shlex::split(p.params())
            .map(drop)
            .ok_or_else(|| ModuleError::Params(format!("params: cannot split {:?}", p.params())))
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        // The kernel names modules with `_` where modprobe accepts `-` too.
        let kernel_name = p.name.replace('-', "_");
        let query = Cmd::new(&format!(
            "echo @@loaded; grep -q '^{kernel_name} ' /proc/modules && echo yes; \
             echo @@builtin; grep -qE '/{kernel_name}\\.ko' /lib/modules/$(uname -r)/modules.builtin 2>/dev/null && echo yes; \
             echo @@load; cat {} 2>/dev/null; echo @@options; cat {} 2>/dev/null; echo @@end",
            quote(&p.load_file()),
            quote(&p.options_file())
        ));
        let out = host.query(&query).await?;
        let section = |name: &str| crate::packages::section(&out.stdout, name).unwrap_or_default();
        let yes = |name: &str| section(name).first().is_some_and(|l| l.trim() == "yes");
        let (loaded, builtin) = (yes("loaded"), yes("builtin"));
        let mut plan = Plan::ok()
            .set("name", p.name.as_str())
            .set("params", p.params())
            .set(
                "state",
                if p.state == State::Present {
                    "present"
                } else {
                    "absent"
                },
            );
        match p.state {
            State::Present if !loaded && !builtin => {
                let args = shlex::split(p.params()).unwrap_or_default();
                plan.steps
                    .push(Step::run(Cmd::new("modprobe").arg(&p.name).args(args)));
            }
            State::Absent if loaded => {
                plan.steps
                    .push(Step::run(Cmd::new("modprobe -r").arg(&p.name)));
            }
            State::Absent if builtin => {
                return Ok(Plan::fail(format!(
                    "{} is built into the kernel and cannot be unloaded",
                    p.name
                )));
            }
            _ => {}
        }
        let load_lines: Vec<String> = section("load")
            .iter()
            .map(|l| l.trim().to_string())
            .collect();
        let option_line = format!("options {} {}", p.name, p.params());
        let has_options = section("options").iter().any(|l| l.trim() == option_line);
        match p.persistent {
            Persistent::Present => {
                if !load_lines.contains(&p.name) {
                    plan.steps
                        .push(write(&p.load_file(), &format!("{}\n", p.name)));
                }
                if !p.params().is_empty() && !has_options {
                    plan.steps
                        .push(write(&p.options_file(), &format!("{option_line}\n")));
                }
            }
            Persistent::Absent => {
                if load_lines.contains(&p.name) {
                    plan.steps
                        .push(Step::run(Cmd::new("rm -f").arg(p.load_file())));
                }
                if section("options").iter().any(|l| !l.trim().is_empty()) {
                    plan.steps
                        .push(Step::run(Cmd::new("rm -f").arg(p.options_file())));
                }
            }
            Persistent::Disabled => {}
        }
        Ok(plan)
    }
}

fn write(path: &str, text: &str) -> Step {
    atomic_write(
        path,
        Content::new(text.as_bytes().to_vec()),
        &Attrs::new(Some(crate::de::Mode::Octal(0o644)), None, None),
        None,
        None,
    )
}
