//! `setup` (and play-level `gather_facts`): the host's facts in one round trip, as `ansible_facts`
//! with Ansible's `ansible_` names. The engine stores them under `ansible_facts` and, as Ansible's
//! `inject_facts_as_vars` does, as top-level `ansible_*` variables.

use crate::doc::Written;
use crate::facts::system::{GATHER_SCRIPT, parse};
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::{Map, Value};

pub struct Setup;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Accepted for compatibility: drover's one script is cheap enough to gather every subset.
    #[serde(default)]
    pub gather_subset: Option<Value>,
    #[serde(default)]
    pub gather_timeout: Option<Value>,
    /// Only facts whose `ansible_` name matches one of these shell-style patterns.
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub filter: Vec<String>,
    #[serde(default)]
    pub fact_path: Option<String>,
}

#[async_trait::async_trait]
impl Module for Setup {
    type Params = Params;
    const NAME: &'static str = "setup";
    const DOC: Written = Written {
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
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let out = host.query(&Cmd::new(GATHER_SCRIPT)).await?;
        let facts = parse(&out.stdout);
        if facts
            .get("system")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            return Ok(Plan::fail(format!(
                "could not gather facts (rc={}): {}",
                out.rc,
                out.stderr.trim()
            )));
        }
        let mut named: Map<String, Value> = facts
            .into_iter()
            .map(|(k, v)| (format!("ansible_{k}"), v))
            .filter(|(k, _)| p.filter.is_empty() || p.filter.iter().any(|f| glob_match(f, k)))
            .collect();
        named.insert("gather_subset".into(), Value::from(vec!["all"]));
        Ok(Plan::ok().set("ansible_facts", Value::Object(named)))
    }
}

/// Shell-style `*`/`?` matching, for `filter`.
fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn filters_like_fnmatch() {
        assert!(glob_match(
            "ansible_distribution*",
            "ansible_distribution_version"
        ));
        assert!(glob_match("ansible_*_mb", "ansible_memtotal_mb"));
        assert!(!glob_match("ansible_eth?", "ansible_eth10"));
    }
}
