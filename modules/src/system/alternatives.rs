//! `alternatives` (`community.general.alternatives`): one alternative of a Debian
//! `update-alternatives` group installed (with its priority and subcommands), selected, the group
//! put back to auto, or the alternative removed — by community.general's rules for when each is
//! needed. One query (`update-alternatives --query`, machine-readable, and whether the path exists).

use crate::cmd::quote;
use crate::doc::Written;
use crate::plan::Diff;
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct Alternatives;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Present,
    #[default]
    Selected,
    Auto,
    Absent,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Present => "present",
            State::Selected => "selected",
            State::Auto => "auto",
            State::Absent => "absent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subcommand {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub path: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub link: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub path: Option<String>,
    /// RHEL's `alternatives --family`: refused, Debian's `update-alternatives` has none.
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub family: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub link: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub priority: Option<String>,
    #[serde(default)]
    pub state: State,
    #[serde(default, alias = "slaves")]
    pub subcommands: Option<Vec<Subcommand>>,
}

impl Params {
    fn priority(&self) -> Option<i64> {
        self.priority.as_deref().and_then(|p| p.trim().parse().ok())
    }
}

/// What `update-alternatives --query NAME` says of the group.
#[derive(Debug, Default, PartialEq)]
struct Group {
    link: Option<String>,
    mode: Option<String>,
    value: Option<String>,
    /// Path → (priority, subcommands with their links).
    alternatives: BTreeMap<String, (i64, Vec<Subcommand>)>,
}

/// An `Alternative:` block as read: path, priority, (slave name, slave path).
type RawAlternative = (String, i64, Vec<(String, String)>);

fn parse_query(text: &str) -> Group {
    let mut group = Group::default();
    let mut slave_links: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut raw: Vec<RawAlternative> = Vec::new();
    for line in text.lines() {
        if let Some(slave) = line.strip_prefix(' ') {
            let Some((name, path)) = slave.trim().split_once(' ') else {
                continue;
            };
            match (&current, raw.last_mut()) {
                (Some(_), Some(entry)) => entry.2.push((name.into(), path.into())),
                _ => {
                    slave_links.insert(name.into(), path.into());
                }
            }
            continue;
        }
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        let value = value.trim().to_string();
        match key {
            "Link" if current.is_none() => group.link = Some(value),
            "Status" => group.mode = Some(value),
            "Value" if value != "none" => group.value = Some(value),
            "Alternative" => {
                current = Some(value.clone());
                raw.push((value, 50, Vec::new()));
            }
            "Priority" => {
                if let Some(entry) = raw.last_mut() {
                    entry.1 = value.parse().unwrap_or(0);
                }
            }
            _ => {}
        }
    }
    for (path, priority, slaves) in raw {
        let subcommands = slaves
            .into_iter()
            .map(|(name, spath)| Subcommand {
                link: slave_links.get(&name).cloned().unwrap_or_default(),
                name,
                path: spath,
            })
            .collect();
        group.alternatives.insert(path, (priority, subcommands));
    }
    group
}

#[async_trait::async_trait]
impl Module for Alternatives {
    type Params = Params;
    const NAME: &'static str = "alternatives";
    const DOC: Written = Written {
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
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.family.is_some() {
            return Err(ModuleError::Params(
                "family is RHEL's alternatives only; drover manages Debian's update-alternatives"
                    .into(),
            ));
        }
        if p.path.as_deref().is_none_or(str::is_empty) {
            return Err(ModuleError::Params(
                "one of the following is required: path, family".into(),
            ));
        }
        if let Some(prio) = p.priority.as_deref()
            && prio.trim().parse::<i64>().is_err()
        {
            return Err(ModuleError::Params(format!(
                "priority: {prio:?} is not an integer"
            )));
        }
        if p.name.is_empty() || p.name.contains(['/', ' ']) {
            return Err(ModuleError::Params(format!(
                "invalid alternative name: {:?}",
                p.name
            )));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let path = p.path.clone().unwrap_or_default();
        let query = Cmd::new(&format!(
            "echo @@exists; [ -e {} ] && echo yes; echo @@query; LC_ALL=C update-alternatives --query {} 2>/dev/null",
            quote(&path),
            quote(&p.name)
        ));
        let out = host.query(&query).await?;
        let exists = crate::packages::section(&out.stdout, "exists")
            .unwrap_or_default()
            .first()
            .is_some_and(|l| l.trim() == "yes");
        let query_text = out.stdout.split_once("@@query\n").map_or("", |(_, q)| q);
        let group = parse_query(query_text);
        let mut messages = Vec::new();
        let mut steps = Vec::new();
        let mut after_state = None;
        let current = group.alternatives.get(&path);
        if p.state == State::Absent {
            if current.is_some() {
                steps.push(Step::run(
                    Cmd::new("update-alternatives --remove")
                        .arg(&p.name)
                        .arg(&path),
                ));
                messages.push(format!("Remove alternative '{path}' from '{}'.", p.name));
                after_state = Some(State::Absent);
            }
        } else {
            if needs_install(&p, current) {
                let link = p.link.clone().or_else(|| group.link.clone());
                if !exists {
                    return Ok(Plan::fail(format!("Specified path {path} does not exist")));
                }
                let Some(link) = link else {
                    return Ok(Plan::fail(
                        "Needed to install the alternative, but unable to do so as we are missing the link",
                    ));
                };
                let priority = p.priority().or(current.map(|c| c.0)).unwrap_or(50);
                let mut cmd = Cmd::new("update-alternatives --install")
                    .arg(&link)
                    .arg(&p.name)
                    .arg(&path)
                    .arg(priority.to_string());
                for s in p.subcommands.iter().flatten() {
                    cmd = cmd.arg("--slave").arg(&s.link).arg(&s.name).arg(&s.path);
                }
                steps.push(Step::run(cmd));
                messages.push(format!("Install alternative '{path}' for '{}'.", p.name));
                after_state = Some(State::Present);
            }
            if p.state == State::Selected && group.value.as_deref() != Some(path.as_str()) {
                steps.push(Step::run(
                    Cmd::new("update-alternatives --set")
                        .arg(&p.name)
                        .arg(&path),
                ));
                messages.push(format!("Set alternative '{path}' for '{}'.", p.name));
                after_state = Some(State::Selected);
            }
            if p.state == State::Auto && group.mode.as_deref() == Some("manual") {
                steps.push(Step::run(
                    Cmd::new("update-alternatives --auto").arg(&p.name),
                ));
                messages.push(format!("Set alternative to auto for '{}'.", p.name));
                after_state = Some(State::Present);
            }
        }
        let mut plan = Plan::with_steps(steps).set("msg", messages.join(" "));
        if host.diff_mode()
            && let Some(state) = after_state
        {
            plan.diffs.push(diff(&p, &group, state));
        }
        Ok(plan)
    }
}

/// community.general reinstalls when the path is no alternative yet, or a given priority or given
/// subcommands differ from the installed ones (subcommands compared as sets).
fn needs_install(p: &Params, current: Option<&(i64, Vec<Subcommand>)>) -> bool {
    let Some((priority, subcommands)) = current else {
        return true;
    };
    if p.priority().is_some_and(|want| want != *priority) {
        return true;
    }
    p.subcommands.as_ref().is_some_and(|want| {
        !want.iter().all(|s| subcommands.contains(s))
            || !subcommands.iter().all(|s| want.contains(s))
    })
}

/// Before and after as community.general reports them (state, path, priority, link), one
/// `key: value` line each.
fn diff(p: &Params, group: &Group, after: State) -> Diff {
    let path = p.path.as_deref().unwrap_or_default();
    let before = match group.alternatives.get(path) {
        None => "state: absent\n".to_string(),
        Some((priority, _)) => {
            let selected =
                group.mode.as_deref() == Some("manual") && group.value.as_deref() == Some(path);
            describe(
                if selected {
                    State::Selected
                } else {
                    State::Present
                },
                path,
                Some(*priority),
                group.link.as_deref(),
            )
        }
    };
    let after = if after == State::Absent {
        "state: absent\n".to_string()
    } else {
        let priority = p
            .priority()
            .or(group.alternatives.get(path).map(|c| c.0))
            .unwrap_or(50);
        let link = p.link.as_deref().or(group.link.as_deref());
        describe(after, path, Some(priority), link)
    };
    Diff {
        before_header: format!("alternative {}", p.name),
        after_header: format!("alternative {}", p.name),
        before,
        after,
    }
}

fn describe(state: State, path: &str, priority: Option<i64>, link: Option<&str>) -> String {
    let mut text = format!("state: {}\npath: {path}\n", state.name());
    if let Some(priority) = priority {
        text.push_str(&format!("priority: {priority}\n"));
    }
    if let Some(link) = link {
        text.push_str(&format!("link: {link}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_gives_the_group_and_each_alternatives_slaves() {
        let text = "Name: editor\nLink: /usr/bin/editor\nSlaves:\n editor.1.gz /usr/share/man/man1/editor.1.gz\n\
                    Status: manual\nBest: /bin/nano\nValue: /usr/bin/vim.basic\n\n\
                    Alternative: /bin/nano\nPriority: 40\nSlaves:\n editor.1.gz /usr/share/man/man1/nano.1.gz\n\n\
                    Alternative: /usr/bin/vim.basic\nPriority: 30\n";
        let group = parse_query(text);
        assert_eq!(group.link.as_deref(), Some("/usr/bin/editor"));
        assert_eq!(group.mode.as_deref(), Some("manual"));
        assert_eq!(group.value.as_deref(), Some("/usr/bin/vim.basic"));
        let nano = &group.alternatives["/bin/nano"];
        assert_eq!(nano.0, 40);
        assert_eq!(
            nano.1,
            vec![Subcommand {
                name: "editor.1.gz".into(),
                path: "/usr/share/man/man1/nano.1.gz".into(),
                link: "/usr/share/man/man1/editor.1.gz".into(),
            }]
        );
        assert_eq!(group.alternatives["/usr/bin/vim.basic"], (30, vec![]));
    }
}
