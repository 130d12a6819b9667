//! `--tags` / `--skip-tags`: whether a task with these (inherited) tags runs, exactly as Ansible's
//! `Taggable.evaluate_tags` decides, with its special tags `always`, `never`, `all`, `tagged` and
//! `untagged`.

use crate::template::{Templar, Vars};
use serde_json::Value;
use std::collections::BTreeSet;

/// What the command line selected. `only` empty means `all`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagSelection {
    pub only: BTreeSet<String>,
    pub skip: BTreeSet<String>,
}

impl TagSelection {
    /// From `--tags a,b --tags c` / `--skip-tags …` (each value may hold a comma list).
    pub fn new(only: &[String], skip: &[String]) -> Self {
        let split = |values: &[String]| -> BTreeSet<String> {
            values
                .iter()
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect()
        };
        TagSelection {
            only: split(only),
            skip: split(skip),
        }
    }

    /// Whether a task with `tags` runs.
    pub fn runs(&self, tags: &[String]) -> bool {
        let untagged = tags.is_empty();
        let tags: BTreeSet<&str> = if untagged {
            BTreeSet::from(["untagged"])
        } else {
            tags.iter().map(String::as_str).collect()
        };
        let in_set = |set: &BTreeSet<String>| tags.iter().any(|t| set.contains(*t));
        let only_all = self.only.is_empty() || self.only.contains("all");
        let never = tags.contains("never");
        // The order of Ansible's checks: always, then all (but never), then a named tag, then tagged.
        let mut runs = tags.contains("always")
            || (only_all && !never)
            || in_set(&self.only)
            || (self.only.contains("tagged") && !untagged && !never);
        if runs && !self.skip.is_empty() {
            if self.skip.contains("all") {
                if !tags.contains("always") || self.skip.contains("always") {
                    runs = false;
                }
            } else if in_set(&self.skip) || (self.skip.contains("tagged") && !untagged) {
                runs = false;
            }
        }
        runs
    }
}

/// Whether a tag as written is a template (`tags: "{{ tags_in_var }}"`).
pub fn is_templated(tag: &str) -> bool {
    tag.contains("{{") || tag.contains("{%")
}

/// `tags` with each templated entry rendered, as Ansible's `evaluate_tags` renders them before
/// selecting: a string is one tag (a comma inside a rendered value does not split it), a list
/// gives each of its items. The tags as written when none is templated.
pub fn render(tags: &[String], templar: &Templar, vars: &Vars) -> Result<Vec<String>, String> {
    if !tags.iter().any(|t| is_templated(t)) {
        return Ok(tags.to_vec());
    }
    let mut rendered = Vec::with_capacity(tags.len());
    for tag in tags {
        if !is_templated(tag) {
            push_new(&mut rendered, tag.clone());
            continue;
        }
        match templar.render_str(tag, vars).map_err(|e| e.to_string())? {
            Value::Array(items) => {
                for item in items {
                    push_new(&mut rendered, tag_text(item)?);
                }
            }
            other => push_new(&mut rendered, tag_text(other)?),
        }
    }
    Ok(rendered)
}

fn push_new(tags: &mut Vec<String>, tag: String) {
    if !tags.contains(&tag) {
        tags.push(tag);
    }
}

/// A rendered tag: Ansible's `tags` are strings or integers.
fn tag_text(value: Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!(
            "`tags` must be strings or integers (or a list of them), not {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sel(only: &[&str], skip: &[&str]) -> TagSelection {
        let v = |s: &[&str]| s.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        TagSelection::new(&v(only), &v(skip))
    }

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| t.to_string()).collect()
    }

    /// Cases as ansible-core's test/units/playbook/test_taggable.py and the `tags` integration
    /// target check them.
    #[test]
    fn special_tags_behave_as_in_ansible() {
        let none = tags(&[]);
        let web = tags(&["web"]);
        let always = tags(&["always"]);
        let never = tags(&["never"]);
        let never_debug = tags(&["never", "debug"]);
        // No selection: everything but `never`.
        let all = sel(&[], &[]);
        assert!(all.runs(&none) && all.runs(&web) && all.runs(&always));
        assert!(!all.runs(&never) && !all.runs(&never_debug));
        // --tags web
        let s = sel(&["web"], &[]);
        assert!(s.runs(&web) && s.runs(&always));
        assert!(!s.runs(&none) && !s.runs(&tags(&["db"])));
        // --tags debug runs a `never, debug` task.
        assert!(sel(&["debug"], &[]).runs(&never_debug));
        assert!(sel(&["never"], &[]).runs(&never));
        // tagged / untagged
        assert!(sel(&["tagged"], &[]).runs(&web));
        assert!(!sel(&["tagged"], &[]).runs(&none));
        assert!(!sel(&["tagged"], &[]).runs(&never_debug));
        assert!(sel(&["untagged"], &[]).runs(&none));
        assert!(!sel(&["untagged"], &[]).runs(&web));
        // --skip-tags
        assert!(!sel(&[], &["web"]).runs(&web));
        assert!(sel(&[], &["web"]).runs(&none));
        assert!(sel(&[], &["web"]).runs(&always));
        assert!(!sel(&[], &["always"]).runs(&always));
        assert!(!sel(&[], &["tagged"]).runs(&web));
        assert!(sel(&[], &["tagged"]).runs(&none));
        assert!(!sel(&[], &["untagged"]).runs(&none));
        assert!(!sel(&[], &["all"]).runs(&web));
        assert!(sel(&[], &["all"]).runs(&always));
        assert!(!sel(&[], &["all", "always"]).runs(&always));
        // comma lists
        assert!(sel(&["a,web"], &[]).runs(&web));
    }

    #[test]
    fn templated_tags_render_to_strings_lists_and_numbers() {
        let vars: Vars = serde_json::from_value(json!({
            "one": "tag1", "list": ["a", "b", 3], "csv": "x,y", "bad": {"k": 1}
        }))
        .expect("vars");
        let templar = Templar::new();
        let render = |t: &[&str]| render(&tags(t), &templar, &vars);
        assert_eq!(
            render(&["{{ one }}", "plain"]),
            Ok(tags(&["tag1", "plain"]))
        );
        assert_eq!(render(&["{{ list }}", "a"]), Ok(tags(&["a", "b", "3"])));
        assert_eq!(render(&["{{ csv }}"]), Ok(tags(&["x,y"])));
        assert!(render(&["{{ bad }}"]).is_err());
        assert!(render(&["{{ undefined_here }}"]).is_err());
    }
}
