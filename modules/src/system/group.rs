//! `group`: a local group, created with `groupadd`, its gid fixed with `groupmod`, removed with
//! `groupdel`; one `getent group` query.

use crate::doc::Written;
use crate::facts::users;
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct Group;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default)]
    pub state: super::user::Presence,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub gid: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub system: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub non_unique: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force: bool,
    /// Ansible's `local` (lgroupadd): drover's hosts use the local files anyway.
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub local: bool,
}

#[async_trait::async_trait]
impl Module for Group {
    type Params = Params;
    const NAME: &'static str = "group";
    const DOC: Written = Written {
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
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.name.is_empty() || p.name.starts_with('-') || p.name.contains([':', ',', ' ', '\n']) {
            return Err(ModuleError::Params(format!(
                "invalid group name: {:?}",
                p.name
            )));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let out = host.query(&users::query("", &[p.name.as_str()])).await?;
        let (_, groups) = users::parse(&out.stdout);
        let found = groups.get(&p.name);
        let absent = p.state == super::user::Presence::Absent;
        let mut plan = Plan::ok()
            .set("name", p.name.as_str())
            .set("state", if absent { "absent" } else { "present" });
        if let Some(g) = found {
            plan = plan.set("gid", g.gid);
        }
        let step = match (found, absent) {
            (None, true) => None,
            (Some(_), true) => {
                let cmd = if p.force {
                    Cmd::new("groupdel -f")
                } else {
                    Cmd::new("groupdel")
                };
                Some(cmd.arg(&p.name))
            }
            (None, false) => {
                let mut cmd = Cmd::new("groupadd");
                if let Some(gid) = p.gid {
                    cmd = cmd.syntax("-g").arg(gid.to_string());
                    if p.non_unique {
                        cmd = cmd.syntax("-o");
                    }
                }
                if p.system {
                    cmd = cmd.syntax("-r");
                }
                Some(cmd.arg(&p.name))
            }
            (Some(g), false) => p.gid.filter(|gid| *gid != u64::from(g.gid)).map(|gid| {
                let cmd = Cmd::new("groupmod -g").arg(gid.to_string());
                let cmd = if p.non_unique { cmd.syntax("-o") } else { cmd };
                cmd.arg(&p.name)
            }),
        };
        plan.steps.extend(step.map(Step::run));
        Ok(plan)
    }
}
