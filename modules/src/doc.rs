//! Module documentation (`drover doc MODULE`, `docs/modules/`), read from the definitions that parse
//! the arguments so it cannot drift from them. What the parser knows is asked of it: the accepted
//! names (serde's field list), which names are aliases of one argument (both given at once are a
//! "duplicate field"), which arguments are required ("missing required arguments"), the choices of
//! an enumerated argument (an unknown value lists them) and each argument's type (which sample
//! values its deserializer accepts). Only what no parser knows — what an argument means, its default
//! and an example — is written down, beside each module (`Module::DOC`), and a test holds it to the
//! parser.

use crate::FreeForm;
use crate::registry::DynModule;
use serde_json::{Map, Value, json};

/// Everything `drover doc` shows about one module.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModuleDoc {
    pub name: &'static str,
    pub description: &'static str,
    /// The free-form text (`command: ls -l`) goes to `_raw_params`.
    pub free_form: bool,
    /// Any argument name is accepted (`set_fact`).
    pub any_names: bool,
    pub args: Vec<ArgDoc>,
    pub example: &'static str,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArgDoc {
    pub name: &'static str,
    pub aliases: Vec<&'static str>,
    /// `str`, `bool`, `list`, `mode`, `choice`, `int` or `any`.
    pub kind: &'static str,
    pub required: bool,
    pub choices: Vec<String>,
    pub default: &'static str,
    pub description: &'static str,
}

/// What is written down of a module (`Module::DOC`, in its own file): its description, example,
/// and per argument a default and meaning.
pub struct Written {
    pub description: &'static str,
    pub example: &'static str,
    /// (argument, default, description)
    pub args: &'static [(&'static str, &'static str, &'static str)],
}

impl Written {
    /// Nothing written down (the engine's own task keywords, which `drover doc` does not list).
    pub const NONE: Written = Written {
        description: "",
        example: "",
        args: &[],
    };
}

/// The documentation of `module`: asked of its parser, completed from what is written beside it.
pub fn describe(module: &dyn DynModule) -> ModuleDoc {
    let written = module.doc();
    let names = module.arg_names().unwrap_or_default();
    let probe = Probe::new(module);
    let args = probe
        .arguments(names)
        .into_iter()
        .map(|(name, aliases)| {
            let row = written.args.iter().find(|(n, _, _)| *n == name);
            let choices = probe.choices(name);
            ArgDoc {
                name,
                aliases,
                kind: probe.kind(name, !choices.is_empty()),
                required: probe.required.contains(&name),
                choices,
                default: row.map_or("", |r| r.1),
                description: row.map_or("", |r| r.2),
            }
        })
        .collect();
    ModuleDoc {
        name: module.name(),
        description: written.description,
        free_form: module.free_form() == FreeForm::RawParams,
        any_names: module.arg_names().is_none(),
        args,
        example: written.example,
    }
}

/// What is written down of the module called `module` (a short or a collection name).
pub fn written(module: &str) -> Option<&'static Written> {
    crate::registry::lookup(module).map(|m| m.doc())
}

/// Values tried on an argument to learn its type.
fn samples() -> [(&'static str, Value); 6] {
    [
        ("str", json!("some text")),
        ("bool", json!(true)),
        ("list", json!(["a", "b"])),
        ("map", json!({"k": "v"})),
        ("int", json!(3)),
        ("mode", json!("0644")),
    ]
}

/// Asks a module's argument parser questions, starting from arguments it accepts as far as serde
/// is concerned (every required argument given).
struct Probe<'m> {
    module: &'m dyn DynModule,
    base: Map<String, Value>,
    required: Vec<&'static str>,
}

impl<'m> Probe<'m> {
    fn new(module: &'m dyn DynModule) -> Self {
        let mut probe = Probe {
            module,
            base: Map::new(),
            required: Vec::new(),
        };
        probe.find_required();
        probe
    }

    /// The parser names one missing argument at a time: give it one and ask again.
    fn find_required(&mut self) {
        let names = self.module.arg_names().unwrap_or_default();
        for _ in 0..names.len() {
            let Some(error) = self.error(&self.base) else {
                return;
            };
            let Some(missing) = error
                .split("missing required arguments: ")
                .nth(1)
                .and_then(|rest| names.iter().find(|n| rest.trim() == **n))
            else {
                return;
            };
            self.required.push(missing);
            let sample = samples()
                .into_iter()
                .map(|(_, v)| v)
                .find(|v| self.accepts(missing, v))
                .unwrap_or(Value::Null);
            self.base.insert(missing.to_string(), sample);
        }
    }

    fn error(&self, args: &Map<String, Value>) -> Option<String> {
        self.module
            .check_args(Value::Object(args.clone()))
            .err()
            .map(|e| e.to_string())
    }

    fn with(&self, extra: &[(&str, &Value)]) -> Map<String, Value> {
        let mut args = self.base.clone();
        for (name, value) in extra {
            args.insert((*name).to_string(), (*value).clone());
        }
        args
    }

    /// Whether the parser takes `value` for `name` (an error about another thing is not about it).
    fn accepts(&self, name: &str, value: &Value) -> bool {
        let Some(error) = self.error(&self.with(&[(name, value)])) else {
            return true;
        };
        !(error.contains(&format!("argument {name}:"))
            || error.contains(&format!("value of {name} "))
            || error.contains(&format!("unsupported parameter {name}")))
    }

    /// The accepted names grouped by argument: (name, aliases), in the struct's order.
    fn arguments(&self, names: &'static [&'static str]) -> Vec<(&'static str, Vec<&'static str>)> {
        let mut groups: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for name in names {
            let canonical = groups
                .iter()
                .map(|(first, _)| *first)
                .find(|first| self.same_argument(first, name));
            match canonical.and_then(|c| groups.iter_mut().find(|(n, _)| *n == c)) {
                Some((_, aliases)) => aliases.push(name),
                None => groups.push((name, Vec::new())),
            }
        }
        // serde lists an argument's own name before its aliases, except when an alias is met first.
        for (name, aliases) in &mut groups {
            if let Some(own) = self.own_name(name, aliases) {
                aliases.retain(|a| *a != own);
                aliases.push(name);
                *name = own;
            }
            aliases.sort_unstable();
        }
        groups
    }

    /// Both names at once are a "duplicate field" when they are one argument. serde says so as it
    /// meets the second name, before it looks for missing arguments: no others are given, as one
    /// of them could be the same argument again.
    fn same_argument(&self, a: &str, b: &str) -> bool {
        samples().iter().any(|(_, v)| {
            self.error(&pair(a, b, v))
                .is_some_and(|e| e.contains("duplicate field"))
        })
    }

    /// The argument's own name, as serde names it in a "duplicate field" error, when it is not
    /// `first`.
    fn own_name(&self, first: &str, aliases: &[&'static str]) -> Option<&'static str> {
        let other = aliases.first()?;
        samples().iter().find_map(|(_, v)| {
            let error = self.error(&pair(first, other, v))?;
            let own = error.split("duplicate field `").nth(1)?.split('`').next()?;
            aliases.iter().copied().find(|a| *a == own)
        })
    }

    /// An enumerated argument lists its choices when given a value it does not know.
    fn choices(&self, name: &str) -> Vec<String> {
        let error = self
            .error(&self.with(&[(name, &json!("\u{1}not-a-choice"))]))
            .unwrap_or_default();
        let Some(list) = error
            .split(&format!("value of {name} must be one of: "))
            .nth(1)
        else {
            return Vec::new();
        };
        let list = list.split(", got:").next().unwrap_or_default();
        list.split(", ").map(str::to_string).collect()
    }

    fn kind(&self, name: &str, enumerated: bool) -> &'static str {
        if enumerated {
            return "choice";
        }
        let takes: Vec<&str> = samples()
            .iter()
            .filter(|(_, v)| self.accepts(name, v))
            .map(|(kind, _)| *kind)
            .collect();
        let has = |k: &str| takes.contains(&k);
        let not_a_bool = self.accepts(name, &json!("not a boolean"));
        if has("map") && has("list") && has("str") {
            "any"
        } else if has("list") {
            "list"
        } else if has("bool") && !not_a_bool {
            "bool"
        } else if has("str") {
            "str"
        } else if has("mode") {
            "mode"
        } else if has("int") {
            "int"
        } else {
            "any"
        }
    }
}

fn pair(a: &str, b: &str, value: &Value) -> Map<String, Value> {
    let mut args = Map::new();
    args.insert(a.to_string(), value.clone());
    args.insert(b.to_string(), value.clone());
    args
}

/// Every module's documentation, in the registry's order.
pub fn all() -> Vec<ModuleDoc> {
    crate::registry::MODULES
        .iter()
        .map(|m| describe(*m))
        .collect()
}

/// A module's page as Markdown (`docs/modules/NAME.md`).
pub fn markdown(doc: &ModuleDoc) -> String {
    let mut page = format!("# {}\n\n{}\n\n", doc.name, doc.description);
    if doc.free_form {
        page.push_str("Takes a free-form command: `");
        page.push_str(doc.name);
        page.push_str(": <command line>`.\n\n");
    }
    if doc.any_names {
        page.push_str("Takes any argument name: each becomes a variable.\n\n");
    }
    let shown: Vec<&ArgDoc> = doc
        .args
        .iter()
        .filter(|a| !a.name.starts_with('_'))
        .collect();
    if !shown.is_empty() {
        page.push_str("| argument | type | required | default | aliases | description |\n");
        page.push_str("| --- | --- | --- | --- | --- | --- |\n");
    }
    for arg in shown {
        let kind = if arg.choices.is_empty() {
            arg.kind.to_string()
        } else {
            format!("one of: {}", arg.choices.join(", "))
        };
        let cell = |s: &str| s.replace('|', "\\|");
        page.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            arg.name,
            cell(&kind),
            if arg.required { "yes" } else { "" },
            cell(arg.default),
            arg.aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", "),
            cell(arg.description),
        ));
    }
    if !doc.example.is_empty() {
        page.push_str("\n## Example\n\n```yaml\n");
        page.push_str(doc.example.trim_end());
        page.push_str("\n```\n");
    }
    page
}

/// A module's documentation for a terminal, as `ansible-doc` lays it out.
pub fn text(doc: &ModuleDoc) -> String {
    let mut out = format!("> {}\n\n  {}\n", doc.name.to_uppercase(), doc.description);
    if doc.free_form {
        out.push_str(&format!("\n  Free form: `{}: <command line>`.\n", doc.name));
    }
    if doc.any_names {
        out.push_str("\n  Any argument name is accepted: each becomes a variable.\n");
    }
    out.push_str("\nOPTIONS (= is mandatory):\n");
    for arg in doc.args.iter().filter(|a| !a.name.starts_with('_')) {
        let mark = if arg.required { '=' } else { '-' };
        out.push_str(&format!("\n{mark} {}\n", arg.name));
        if !arg.description.is_empty() {
            out.push_str(&format!("        {}\n", arg.description));
        }
        if !arg.aliases.is_empty() {
            out.push_str(&format!("        aliases: {}\n", arg.aliases.join(", ")));
        }
        if !arg.choices.is_empty() {
            out.push_str(&format!("        choices: {}\n", arg.choices.join(", ")));
        }
        if !arg.default.is_empty() {
            out.push_str(&format!("        default: {}\n", arg.default));
        }
        out.push_str(&format!("        type: {}\n", arg.kind));
    }
    if !doc.example.is_empty() {
        out.push_str("\nEXAMPLES:\n\n");
        out.push_str(doc.example.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::MODULES;

    #[test]
    fn every_module_is_written_up_with_exactly_its_arguments() {
        let mut problems = Vec::new();
        for module in MODULES {
            let doc = describe(*module);
            let written = module.doc();
            let parsed: Vec<&str> = doc
                .args
                .iter()
                .map(|a| a.name)
                .filter(|n| !n.starts_with('_'))
                .collect();
            let table: Vec<&str> = written.args.iter().map(|(n, _, _)| *n).collect();
            if parsed != table {
                problems.push(format!(
                    "{}: the parser takes {parsed:?}, its DOC lists {table:?}",
                    module.name()
                ));
            }
            if written.description.is_empty() || written.example.is_empty() {
                problems.push(format!("{}: no description or example", module.name()));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    fn arg<'a>(doc: &'a ModuleDoc, name: &str) -> &'a ArgDoc {
        doc.args
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("{name} in {doc:#?}"))
    }

    fn doc_of(name: &str) -> ModuleDoc {
        let module = crate::registry::lookup(name).unwrap_or_else(|| panic!("{name}"));
        describe(module)
    }

    #[test]
    fn what_the_parser_knows_is_read_from_it() {
        let file = doc_of("file");
        let path = arg(&file, "path");
        assert_eq!(path.aliases, ["dest", "name"]);
        assert!(path.required);
        assert_eq!(path.kind, "str");
        let state = arg(&file, "state");
        assert_eq!(
            state.choices,
            ["file", "directory", "absent", "touch", "link", "hard"]
        );
        assert!(!state.required);
        assert_eq!(arg(&file, "recurse").kind, "bool");
        assert_eq!(arg(&file, "mode").kind, "mode");

        let stat = doc_of("stat");
        assert_eq!(arg(&stat, "get_mime").aliases, ["get_mime_type", "mime"]);
        let copy = doc_of("copy");
        assert!(arg(&copy, "dest").required);
        assert!(!arg(&copy, "content").required);
        assert_eq!(arg(&doc_of("assert"), "that").kind, "any");
        assert_eq!(arg(&doc_of("assert"), "fail_msg").aliases, ["msg"]);
        assert_eq!(arg(&doc_of("setup"), "filter").kind, "list");
        assert!(doc_of("command").free_form);
        assert!(doc_of("set_fact").any_names);
    }
}
