//! `ufw` (`community.general.ufw`): the firewall's state, default policies, logging and rules,
//! through `ufw` commands decided as community.general decides "changed": from `ufw status
//! verbose`, the `### tuple` lines of the user rules files, and, for a rule, what `ufw --dry-run`
//! says it would write (a dry run changes nothing). Two queries for a rule, one otherwise.
//!
//! Proven by fixtures only: the test fleet's hosts share the machine's network stack, so running
//! ufw (or iptables/nft) there would change the machine's own firewall.

mod rules;
mod status;

use crate::doc::Written;
use crate::plan::Diff;
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use rules::{insert_position, rule_changes, rule_words};
use serde::Deserialize;
use status::{comment_supported, current_default, logging_changes};

pub struct Ufw;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub state: Option<String>,
    #[serde(default, alias = "policy", deserialize_with = "crate::de::opt_string")]
    pub default: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub logging: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub direction: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub delete: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub route: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub insert: Option<String>,
    #[serde(default = "zero", deserialize_with = "crate::de::string")]
    pub insert_relative_to: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub rule: Option<String>,
    #[serde(default, alias = "if", deserialize_with = "crate::de::opt_string")]
    pub interface: Option<String>,
    #[serde(default, alias = "if_in", deserialize_with = "crate::de::opt_string")]
    pub interface_in: Option<String>,
    #[serde(default, alias = "if_out", deserialize_with = "crate::de::opt_string")]
    pub interface_out: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub log: bool,
    #[serde(
        default = "any",
        alias = "from",
        alias = "src",
        deserialize_with = "crate::de::string"
    )]
    pub from_ip: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub from_port: Option<String>,
    #[serde(
        default = "any",
        alias = "dest",
        alias = "to",
        deserialize_with = "crate::de::string"
    )]
    pub to_ip: String,
    #[serde(default, alias = "port", deserialize_with = "crate::de::opt_string")]
    pub to_port: Option<String>,
    #[serde(
        default,
        alias = "protocol",
        deserialize_with = "crate::de::opt_string"
    )]
    pub proto: Option<String>,
    #[serde(default, alias = "app", deserialize_with = "crate::de::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub comment: Option<String>,
}

fn zero() -> String {
    "zero".into()
}
fn any() -> String {
    "any".into()
}

const RULES_FILES: &[&str] = &[
    "/lib/ufw/user.rules",
    "/lib/ufw/user6.rules",
    "/etc/ufw/user.rules",
    "/etc/ufw/user6.rules",
    "/var/lib/ufw/user.rules",
    "/var/lib/ufw/user6.rules",
];

fn check_choice(name: &str, value: Option<&str>, choices: &[&str]) -> Result<(), ModuleError> {
    match value {
        Some(v) if !choices.contains(&v) => Err(ModuleError::Params(format!(
            "value of {name} must be one of: {}, got: {v}",
            choices.join(", ")
        ))),
        _ => Ok(()),
    }
}

#[async_trait::async_trait]
impl Module for Ufw {
    type Params = Params;
    const NAME: &'static str = "ufw";
    const DOC: Written = Written {
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
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        check_choice(
            "state",
            p.state.as_deref(),
            &["enabled", "disabled", "reloaded", "reset"],
        )?;
        check_choice(
            "default",
            p.default.as_deref(),
            &["allow", "deny", "reject"],
        )?;
        check_choice(
            "logging",
            p.logging.as_deref(),
            &["on", "off", "low", "medium", "high", "full"],
        )?;
        check_choice(
            "direction",
            p.direction.as_deref(),
            &["in", "incoming", "out", "outgoing", "routed"],
        )?;
        check_choice(
            "insert_relative_to",
            Some(&p.insert_relative_to),
            &["zero", "first-ipv4", "last-ipv4", "first-ipv6", "last-ipv6"],
        )?;
        check_choice(
            "rule",
            p.rule.as_deref(),
            &["allow", "deny", "limit", "reject"],
        )?;
        check_choice(
            "proto",
            p.proto.as_deref(),
            &[
                "any", "tcp", "udp", "ipv6", "esp", "ah", "gre", "igmp", "vrrp",
            ],
        )?;
        if p.state.is_none() && p.default.is_none() && p.rule.is_none() && p.logging.is_none() {
            return Err(ModuleError::Params(
                "one of the following is required: state, default, rule, logging".into(),
            ));
        }
        let given = [&p.name, &p.proto, &p.logging]
            .iter()
            .filter(|v| v.is_some())
            .count();
        if given > 1 {
            return Err(ModuleError::Params(
                "parameters are mutually exclusive: name|proto|logging".into(),
            ));
        }
        if p.direction.is_some() && (p.interface_in.is_some() || p.interface_out.is_some()) {
            return Err(ModuleError::Params(
                "parameters are mutually exclusive: direction|interface_in, direction|interface_out"
                    .into(),
            ));
        }
        if p.interface.is_some() && p.direction.is_none() {
            return Err(ModuleError::Params(
                "missing parameter(s) required by 'interface': direction".into(),
            ));
        }
        if let Some(n) = p.insert.as_deref()
            && n.trim().parse::<i64>().is_err()
        {
            return Err(ModuleError::Params(format!(
                "insert: {n:?} is not an integer"
            )));
        }
        if p.rule.is_some() && !matches!(p.direction.as_deref(), None | Some("in" | "out")) {
            return Err(ModuleError::Params(
                "For rules, direction must be one of \"in\" and \"out\", or direction must not be specified.".into(),
            ));
        }
        if p.default.is_some()
            && !matches!(
                p.direction.as_deref(),
                None | Some("incoming" | "outgoing" | "routed")
            )
        {
            return Err(ModuleError::Params(
                "For default, direction must be one of \"outgoing\", \"incoming\" and \"routed\", or direction must not be specified.".into(),
            ));
        }
        if p.rule.is_some() && !p.route && p.interface_in.is_some() && p.interface_out.is_some() {
            return Err(ModuleError::Params(
                "Only route rules can combine interface_in and interface_out".into(),
            ));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let numbered =
            p.rule.is_some() && p.insert.is_some() && !p.delete && p.insert_relative_to != "zero";
        let mut script = format!(
            "echo @@bin; command -v ufw; echo @@status; LC_ALL=C ufw status verbose; echo @@rules; grep -h '^### tuple' {} 2>/dev/null; \
             echo @@version; LC_ALL=C ufw --version",
            RULES_FILES.join(" ")
        );
        if numbered {
            script.push_str("; echo @@numbered; LC_ALL=C ufw status numbered");
        }
        let out = host.query(&Cmd::new(&script)).await?;
        let section = |name: &str| crate::packages::section(&out.stdout, name).unwrap_or_default();
        if section("bin").iter().all(|l| l.trim().is_empty()) {
            return Ok(Plan::fail(
                "Failed to find required executable \"ufw\" in paths",
            ));
        }
        let status = section("status").join("\n");
        let pre_rules: Vec<&str> = section("rules");
        let mut steps: Vec<Cmd> = Vec::new();
        // What `--diff` shows: settings as `key: value` lines, and the rules' `### tuple` lines.
        let (mut before, mut after) = (String::new(), String::new());
        let mut note = |key: &str, old: &str, new: &str| {
            before.push_str(&format!("{key}: {old}\n"));
            after.push_str(&format!("{key}: {new}\n"));
        };
        if let Some(state) = p.state.as_deref() {
            let active = status.contains(" active");
            let word = match state {
                "enabled" if !active => Some("enable"),
                "disabled" if active => Some("disable"),
                "reloaded" => Some("reload"),
                "reset" => Some("reset"),
                _ => None,
            };
            if let Some(word) = word {
                let old = if active { "active" } else { "inactive" };
                note("status", old, state);
                steps.push(Cmd::new("ufw -f").arg(word));
            }
        }
        if let Some(policy) = p.default.as_deref() {
            let direction = p.direction.as_deref().unwrap_or("incoming");
            let old = current_default(&status, direction);
            if old.as_deref() != Some(policy) {
                note(
                    &format!("default {direction}"),
                    old.as_deref().unwrap_or("unknown"),
                    policy,
                );
                let mut cmd = Cmd::new("ufw default").arg(policy);
                if let Some(d) = p.direction.as_deref() {
                    cmd = cmd.arg(d);
                }
                steps.push(cmd);
            }
        }
        let mut rules_diff = None;
        if let Some(rule) = p.rule.as_deref() {
            let version = section("version");
            let with_comment = comment_supported(version.first().copied().unwrap_or(""));
            let insert_at = insert_position(&p, &section("numbered"));
            let words = rule_words(&p, rule, insert_at, with_comment);
            let dry = host
                .query(&Cmd::new("LC_ALL=C ufw --dry-run").args(&words))
                .await?;
            // Newer ufw reports a missing rule to delete as an error (`ERROR: Could not delete
            // non-existent rule`, exit 1), older ufw as a message: both mean nothing to do.
            let missing = p.delete
                && format!("{}{}", dry.stdout, dry.stderr)
                    .contains("Could not delete non-existent rule");
            if dry.rc != 0 && !missing {
                let msg = if dry.stderr.trim().is_empty() {
                    dry.stdout.trim()
                } else {
                    dry.stderr.trim()
                };
                return Ok(Plan::fail(msg.to_string()));
            }
            if !missing && rule_changes(&p, &pre_rules, &dry.stdout) {
                steps.push(Cmd::new("ufw").args(&words));
                rules_diff = Some(Diff {
                    before_header: "ufw rules".into(),
                    after_header: "ufw rules".into(),
                    before: lines_text(pre_rules.iter().copied()),
                    after: lines_text(dry.stdout.lines().filter(|l| l.starts_with("### tuple"))),
                });
            }
        }
        if let Some(level) = p.logging.as_deref()
            && logging_changes(&status, level)
        {
            let old = status
                .lines()
                .find_map(|l| l.strip_prefix("Logging: "))
                .unwrap_or("unknown");
            note("logging", old, level);
            steps.push(Cmd::new("ufw logging").arg(level));
        }
        let commands: Vec<String> = steps.iter().map(Cmd::to_shell).collect();
        let mut plan =
            Plan::with_steps(steps.into_iter().map(Step::run).collect()).set("commands", commands);
        if host.diff_mode() {
            if !after.is_empty() {
                plan.diffs.push(Diff {
                    before_header: "ufw status".into(),
                    after_header: "ufw status".into(),
                    before,
                    after,
                });
            }
            plan.diffs.extend(rules_diff);
        }
        Ok(plan)
    }
}

fn lines_text<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    lines
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}
