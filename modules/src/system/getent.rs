//! `getent`: one `getent DATABASE [KEY]` query, its lines as `ansible_facts.getent_DATABASE`
//! (`{key: [fields…]}`, a repeated key a list of such lists), as Ansible's module returns them.
//! Read-only: never a change, runs in check mode too.

use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::{Map, Value};

pub struct Getent;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub database: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub key: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub service: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub split: Option<String>,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub fail_key: bool,
}

/// Databases whose fields are `:`-separated; the others split on whitespace.
const COLON_DATABASES: &[&str] = &["passwd", "shadow", "group", "gshadow"];

#[async_trait::async_trait]
impl Module for Getent {
    type Params = Params;
    const NAME: &'static str = "getent";
    const DOC: Written = Written {
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
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let mut cmd = Cmd::new("getent").arg(&p.database);
        if let Some(key) = &p.key {
            cmd = cmd.arg(key);
        }
        if let Some(service) = &p.service {
            cmd = cmd.arg("-s").arg(service);
        }
        let out = host.query(&cmd).await?;
        let tree = format!("getent_{}", p.database);
        let facts = |entries: Map<String, Value>| {
            let mut facts = Map::new();
            facts.insert(tree.clone(), Value::Object(entries));
            Value::Object(facts)
        };
        let msg = match out.rc {
            0 => {
                let split = p.split.clone().or_else(|| {
                    COLON_DATABASES
                        .contains(&p.database.as_str())
                        .then(|| ":".to_string())
                });
                let entries = records(&out.stdout, split.as_deref());
                return Ok(Plan::ok().set("ansible_facts", facts(entries)));
            }
            1 => "Missing arguments, or database unknown.",
            2 => {
                let msg = "One or more supplied key could not be found in the database.";
                if !p.fail_key {
                    let mut entries = Map::new();
                    entries.insert(p.key.clone().unwrap_or_default(), Value::Null);
                    return Ok(Plan::ok()
                        .set("ansible_facts", facts(entries))
                        .set("msg", msg));
                }
                msg
            }
            3 => "Enumeration not supported on this database.",
            127 => "getent is not installed on the host",
            _ => "Unexpected failure!",
        };
        Ok(Plan::fail(msg))
    }
}

/// Each line split (on `split`, else on runs of whitespace) into its key and the other fields.
fn records(text: &str, split: Option<&str>) -> Map<String, Value> {
    let mut entries = Map::new();
    let mut seen: Map<String, Value> = Map::new();
    for line in text.lines() {
        let fields: Vec<Value> = match split {
            Some(sep) => line
                .split(sep)
                .map(|f| Value::String(f.to_string()))
                .collect(),
            None => line
                .split_whitespace()
                .map(|f| Value::String(f.to_string()))
                .collect(),
        };
        let Some((Value::String(key), rest)) = fields.split_first() else {
            continue;
        };
        let rest = Value::Array(rest.to_vec());
        if seen.contains_key(key) {
            // A key met again: its value becomes the list of every record's fields.
            let Some(slot) = entries.get_mut(key) else {
                continue;
            };
            if seen.get(key) == Some(&Value::Bool(false)) {
                *slot = Value::Array(vec![slot.take()]);
                seen.insert(key.clone(), Value::Bool(true));
            }
            if let Value::Array(all) = slot {
                all.push(rest);
            }
        } else {
            entries.insert(key.clone(), rest);
            seen.insert(key.clone(), Value::Bool(false));
        }
    }
    entries
}
