//! `vars_prompt`: play variables asked of the user before the run, as ansible-playbook asks them.
//! A variable given as an extra var (`-e NAME=…`) is not asked. Without a terminal the `default`
//! is taken (as Ansible does); without one either, the run stops, naming the `-e` option that
//! avoids the question.

use super::load::{LoadError, invalid, unsupported};
use crate::yaml::Origin;
use serde_json::{Map, Value};

/// One entry of `vars_prompt`, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct VarPrompt {
    pub name: String,
    /// The question; `None`: Ansible's `input for NAME: `.
    pub prompt: Option<String>,
    pub default: Option<String>,
    /// Not echoed (the default, as in Ansible).
    pub private: bool,
    /// Asked twice, until both answers match.
    pub confirm: bool,
    pub origin: Origin,
}

const KEYS: &[&str] = &["name", "prompt", "default", "private", "confirm"];
const KEYS_LATER: &[&str] = &["encrypt", "salt", "salt_size", "unsafe"];

/// Reads a play's `vars_prompt:` list.
pub fn load(value: Option<&Value>, origin: &Origin) -> Result<Vec<VarPrompt>, LoadError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(invalid(
                origin,
                "`vars_prompt` must be a list of mappings with `name` and `prompt`",
            ));
        }
    };
    items.iter().map(|item| load_one(item, origin)).collect()
}

fn load_one(item: &Value, origin: &Origin) -> Result<VarPrompt, LoadError> {
    let Value::Object(map) = item else {
        return Err(invalid(
            origin,
            format!("a `vars_prompt` entry must be a mapping, not {item}"),
        ));
    };
    for key in map.keys() {
        if KEYS_LATER.contains(&key.as_str()) {
            return Err(unsupported(
                origin.clone(),
                format!("vars_prompt option `{key}`"),
            ));
        }
        if !KEYS.contains(&key.as_str()) {
            return Err(invalid(
                origin,
                format!(
                    "`{key}` is not a valid vars_prompt option (valid: {})",
                    KEYS.join(", ")
                ),
            ));
        }
    }
    let text = |key: &str| {
        map.get(key).and_then(|v| match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
    };
    let flag = |key: &str, default: bool| -> Result<bool, LoadError> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => drover_modules::de::bool_from_value(v).ok_or_else(|| {
                invalid(
                    origin,
                    format!("vars_prompt `{key}` must be a boolean, got {v}"),
                )
            }),
        }
    };
    let Some(name) = text("name").filter(|n| !n.is_empty()) else {
        return Err(invalid(origin, "a `vars_prompt` entry needs a `name`"));
    };
    Ok(VarPrompt {
        name,
        prompt: text("prompt"),
        default: text("default"),
        private: flag("private", true)?,
        confirm: flag("confirm", false)?,
        origin: origin.clone(),
    })
}

/// Why a prompt could not be answered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PromptError {
    #[error(
        "{origin}: vars_prompt asks for `{name}`, but there is no terminal to ask on; give it with -e {name}=…"
    )]
    NoTerminal { name: String, origin: Origin },
    #[error("{origin}: vars_prompt `{name}`: {message}")]
    Io {
        name: String,
        origin: Origin,
        message: String,
    },
}

/// How a question reaches the user: `(question, private)` → the answer, `None` without a terminal.
pub type Ask<'a> = dyn FnMut(&str, bool) -> std::io::Result<Option<String>> + 'a;

/// The answers to a play's prompts, skipping the names `extra_vars` gives.
pub fn answer(
    prompts: &[VarPrompt],
    extra_vars: &Map<String, Value>,
    ask: &mut Ask<'_>,
) -> Result<Map<String, Value>, PromptError> {
    let mut answers = Map::new();
    for prompt in prompts {
        if extra_vars.contains_key(&prompt.name) {
            continue;
        }
        let value = answer_one(prompt, ask)?;
        answers.insert(prompt.name.clone(), Value::String(value));
    }
    Ok(answers)
}

fn answer_one(prompt: &VarPrompt, ask: &mut Ask<'_>) -> Result<String, PromptError> {
    let question = question(prompt);
    let io = |e: std::io::Error| PromptError::Io {
        name: prompt.name.clone(),
        origin: prompt.origin.clone(),
        message: e.to_string(),
    };
    let no_terminal = || PromptError::NoTerminal {
        name: prompt.name.clone(),
        origin: prompt.origin.clone(),
    };
    loop {
        let Some(first) = ask(&question, prompt.private).map_err(io)? else {
            // Without a terminal Ansible takes the default silently; with none, drover refuses
            // (Ansible would go on with `None`).
            return prompt.default.clone().ok_or_else(no_terminal);
        };
        if prompt.confirm {
            let again = ask(&format!("confirm {question}"), prompt.private)
                .map_err(io)?
                .ok_or_else(no_terminal)?;
            if again != first {
                eprintln!("***** VALUES ENTERED DO NOT MATCH ****");
                continue;
            }
        }
        return Ok(match (&prompt.default, first.is_empty()) {
            (Some(default), true) => default.clone(),
            _ => first,
        });
    }
}

/// A play's questions asked on the terminal as the play starts (ansible-playbook asks each play's
/// prompts then, so an earlier play's output comes first and a run that stops early never asks
/// the later ones): the play with the answers among its vars, `None` when it asks nothing.
pub fn ask_at_play_start(
    play: &super::Play,
    extra_vars: &Map<String, Value>,
) -> Result<Option<super::Play>, PromptError> {
    if play.prompts.is_empty() {
        return Ok(None);
    }
    let answers = answer(&play.prompts, extra_vars, &mut ask_on_terminal)?;
    let mut play = play.clone();
    play.vars.extend(answers);
    play.prompts.clear();
    Ok(Some(play))
}

/// The question as ansible-playbook words it.
fn question(prompt: &VarPrompt) -> String {
    let text = prompt
        .prompt
        .clone()
        .unwrap_or_else(|| format!("input for {}", prompt.name));
    match &prompt.default {
        Some(default) => format!("{text} [{default}]: "),
        None => format!("{text}: "),
    }
}

/// Asks on the controlling terminal (standard input), hiding private answers; `None` when standard
/// input is not a terminal.
pub fn ask_on_terminal(question: &str, private: bool) -> std::io::Result<Option<String>> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    if private {
        return rpassword::prompt_password(question).map(Some);
    }
    let mut err = std::io::stderr();
    err.write_all(question.as_bytes())?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(Some(line.trim_end_matches(['\n', '\r']).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prompts(value: Value) -> Vec<VarPrompt> {
        load(Some(&value), &Origin::new(std::path::Path::new("p.yml"), 3))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn reads_entries_with_ansibles_defaults() {
        let p = prompts(json!([{"name": "who", "prompt": "Who?", "default": "me"}]));
        assert_eq!(p[0].name, "who");
        assert!(p[0].private && !p[0].confirm);
        assert_eq!(question(&p[0]), "Who? [me]: ");
        let bad = load(
            Some(&json!([{"name": "x", "encrypt": "sha512_crypt"}])),
            &Origin::new(std::path::Path::new("p.yml"), 3),
        );
        assert!(bad.is_err_and(|e| e.to_string().contains("`encrypt`")));
    }

    #[test]
    fn extra_vars_skip_the_question_and_an_empty_answer_takes_the_default() {
        let p = prompts(json!([
            {"name": "given", "prompt": "Given?"},
            {"name": "asked", "prompt": "Asked?", "default": "dflt", "private": false}
        ]));
        let mut extra = Map::new();
        extra.insert("given".into(), json!("from -e"));
        let mut questions = Vec::new();
        let mut ask = |q: &str, private: bool| {
            questions.push((q.to_string(), private));
            Ok(Some(String::new()))
        };
        let answers = answer(&p, &extra, &mut ask).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Value::Object(answers), json!({"asked": "dflt"}));
        assert_eq!(questions, [("Asked? [dflt]: ".to_string(), false)]);
    }

    #[test]
    fn confirm_asks_again_until_both_answers_match() {
        let p = prompts(json!([{"name": "pw", "prompt": "Password", "confirm": true}]));
        let mut replies = vec!["a", "b", "c", "c"].into_iter();
        let mut asked = Vec::new();
        let mut ask = |q: &str, _: bool| {
            asked.push(q.to_string());
            Ok(replies.next().map(String::from))
        };
        let answers = answer(&p, &Map::new(), &mut ask).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(answers.get("pw"), Some(&json!("c")));
        assert_eq!(asked.len(), 4);
        assert_eq!(asked[1], "confirm Password: ");
    }

    #[test]
    fn without_a_terminal_the_error_names_the_option_that_avoids_it() {
        let p = prompts(json!([{"name": "token", "prompt": "Token"}]));
        let mut ask = |_: &str, _: bool| Ok(None);
        let with_default = prompts(json!([{"name": "t", "default": "d"}]));
        let answers =
            answer(&with_default, &Map::new(), &mut ask).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(answers.get("t"), Some(&json!("d")));
        let err = answer(&p, &Map::new(), &mut ask).err();
        let shown = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            shown.contains("p.yml:3") && shown.contains("-e token=…"),
            "{shown}"
        );
    }
}
