//! `debconf`: one answer in the debconf database, read with `debconf-show` (a password from
//! `debconf-get-selections` when the host has it, else from debconf's own `passwords.dat`) and set
//! with `debconf-set-selections` — the answer travels on stdin, never on a command line — only when
//! it differs, compared as Ansible compares it (booleans lower-cased, multiselect lists sorted).

use crate::cmd::quote;
use crate::doc::Written;
use crate::{Cmd, Diff, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub struct Debconf;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(alias = "pkg", deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(
        default,
        alias = "selection",
        alias = "setting",
        deserialize_with = "crate::de::opt_string"
    )]
    pub question: Option<String>,
    #[serde(default)]
    pub vtype: Option<Vtype>,
    #[serde(default, alias = "answer")]
    pub value: Option<Value>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub unseen: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vtype {
    Boolean,
    Error,
    Multiselect,
    Note,
    Password,
    Seen,
    Select,
    String,
    Text,
    Title,
}

impl Vtype {
    fn name(self) -> &'static str {
        match self {
            Vtype::Boolean => "boolean",
            Vtype::Error => "error",
            Vtype::Multiselect => "multiselect",
            Vtype::Note => "note",
            Vtype::Password => "password",
            Vtype::Seen => "seen",
            Vtype::Select => "select",
            Vtype::String => "string",
            Vtype::Text => "text",
            Vtype::Title => "title",
        }
    }
}

const PASSWORDS: &str = "/var/cache/debconf/passwords.dat";

/// A value as Python's `to_text` writes it (`True`, `3`), a list joined for multiselect.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[async_trait::async_trait]
impl Module for Debconf {
    type Params = Params;
    const NAME: &'static str = "debconf";
    const DOC: Written = Written {
        description: "Sets one debconf answer (`debconf-set-selections`, the answer on stdin) when `debconf-show` reports another; with only `name`, returns the package's answers as `current`.",
        example: "- debconf:\n    name: tzdata\n    question: tzdata/Areas\n    vtype: select\n    value: Europe\n",
        args: &[
            ("name", "", "The package owning the question."),
            (
                "question",
                "",
                "The question (`tzdata/Areas`); needs `vtype` and `value`.",
            ),
            (
                "vtype",
                "",
                "The question's type; `boolean` compares lower-cased, `multiselect` a list sorted, `password` reads `debconf-get-selections` or debconf's `passwords.dat`.",
            ),
            ("value", "", "The answer (a list for `multiselect`)."),
            (
                "unseen",
                "false",
                "`debconf-set-selections -u`: the question is still asked.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let given = [p.question.is_some(), p.vtype.is_some(), p.value.is_some()];
        if given.iter().any(|g| *g) && !given.iter().all(|g| *g) {
            return Err(ModuleError::Params(
                "parameters are required together: question, vtype, value".into(),
            ));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let mut script = Cmd::new(&format!("export LC_ALL=C; p={};", quote(&p.name)))
            .syntax("command -v debconf-show >/dev/null || { echo 'debconf-show: command not found' >&2; exit 127; }; debconf-show \"$p\" || exit 1;");
        if p.vtype == Some(Vtype::Password) {
            script = script.syntax(&format!(
                "echo @@passwords; if command -v debconf-get-selections >/dev/null; then debconf-get-selections | awk -v p=\"$p\" 'index($0, p) == 1'; else echo @@dat; cat {PASSWORDS} 2>/dev/null; fi;"
            ));
        }
        let out = host.query(&script).await?;
        if !out.success() {
            return Ok(Plan::fail(out.stderr.trim().to_string()));
        }
        let (shown, passwords) = match out.stdout.split_once("@@passwords\n") {
            Some((shown, rest)) => (shown, Some(rest)),
            None => (out.stdout.as_str(), None),
        };
        let prev = selections(shown);
        let (Some(question), Some(vtype), Some(value)) = (&p.question, p.vtype, &p.value) else {
            return Ok(Plan::ok()
                .set("current", Value::Object(prev))
                .set("msg", ""));
        };
        let (wanted, existing) = compare(vtype, value, prev.get(question), || {
            password_of(passwords.unwrap_or_default(), &p.name, question)
        });
        if existing.as_ref() == Some(&wanted) {
            return Ok(Plan::ok()
                .set("current", Value::Object(prev))
                .set("msg", ""));
        }
        let set_value = match &wanted {
            Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
            other => text_of(other),
        };
        let line = format!("{} {question} {} {set_value}", p.name, vtype.name());
        let cmd = if p.unseen {
            Cmd::new("debconf-set-selections -u")
        } else {
            Cmd::new("debconf-set-selections")
        };
        let before = prev.get(question).cloned().unwrap_or(json!(""));
        let shown_after = if vtype == Vtype::Password {
            json!("********")
        } else {
            wanted.clone()
        };
        let mut plan = Plan::with_steps(vec![super::fed(cmd, line.into_bytes())]);
        if host.diff_mode() {
            plan.diffs.push(Diff {
                before_header: format!("{} {question}", p.name),
                after_header: format!("{} {question}", p.name),
                before: format!("{question}: {}\n", text_of(&before)),
                after: format!("{question}: {}\n", text_of(&shown_after)),
            });
        }
        Ok(plan
            .set("current", json!({ question.clone(): shown_after }))
            .set("previous", json!({ question.clone(): before }))
            .set("msg", ""))
    }
}

/// `debconf-show`: `* question: value` (the `*` marks questions asked) → question → value.
fn selections(shown: &str) -> Map<String, Value> {
    shown
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| {
            let key = k.trim().trim_start_matches('*').trim().to_string();
            (key, Value::from(v.trim()))
        })
        .collect()
}

/// The wanted value and the existing one as Ansible compares them (`None`: no such question).
fn compare(
    vtype: Vtype,
    value: &Value,
    existing: Option<&Value>,
    password: impl FnOnce() -> String,
) -> (Value, Option<Value>) {
    let existing_text = existing.map(text_of);
    match vtype {
        Vtype::Boolean => (
            Value::from(text_of(value).to_lowercase()),
            existing_text.map(|e| Value::from(e.to_lowercase())),
        ),
        Vtype::Password => (
            Value::from(text_of(value)),
            existing_text.map(|_| Value::from(password())),
        ),
        Vtype::Multiselect if value.is_array() => {
            let mut wanted: Vec<String> = value
                .as_array()
                .into_iter()
                .flatten()
                .map(text_of)
                .collect();
            wanted.sort();
            let have = existing_text.map(|e| {
                let mut items: Vec<String> = e.split(',').map(|i| i.trim().to_string()).collect();
                items.sort();
                json!(items)
            });
            (json!(wanted), have)
        }
        _ => (Value::from(text_of(value)), existing_text.map(Value::from)),
    }
}

/// A password answer: from `debconf-get-selections` lines (`pkg<TAB>question<TAB>password<TAB>value`)
/// or from `passwords.dat` (`Name: question` … `Value: value` stanzas).
fn password_of(text: &str, pkg: &str, question: &str) -> String {
    if let Some(dat) = text.split_once("@@dat\n").map(|(_, d)| d) {
        return dat
            .split("\n\n")
            .find(|stanza| {
                stanza
                    .lines()
                    .any(|l| l.trim() == format!("Name: {question}"))
            })
            .and_then(|stanza| stanza.lines().find_map(|l| l.strip_prefix("Value: ")))
            .unwrap_or_default()
            .to_string();
    }
    text.lines()
        .filter(|l| l.starts_with(pkg))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[1] == question && f[2] == "password")
        .map(|f| f[3].to_string())
        .unwrap_or_default()
}
