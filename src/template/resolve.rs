//! Variables whose values are templates of other variables (`app_root: "{{ base }}/app"`), resolved
//! before a task runs as Ansible's lazy templating would, and the variables that can never be
//! resolved because they refer to themselves (`a: "{{ a }}"`, or `a → b → a`).
//!
//! A variable on (or leading into) such a cycle is replaced by a marker; the render context turns
//! the marker into a value that fails any template using it with "Recursive loop detected in
//! template: a -> b -> a", as Ansible fails — instead of printing `{{ a }}`. Variables that fail
//! to render for another reason (a size limit, a syntax error) are marked the same way.

use super::{Templar, TemplateError, Vars, contains_template, is_template};
use minijinja::value::{Enumerator, Object, Serde, merge_maps};
use minijinja::{Error, ErrorKind, Value as JinjaValue};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Marks a variable that can never be resolved; what follows is the error using it reports.
const FAILED_MARKER: &str = "\u{0}drover:unresolvable\u{0}";

impl Templar {
    /// Resolves variables whose values are themselves templates, as Ansible's lazy templating
    /// does, so expressions see final values. Each is rendered once, after the variables it reads.
    /// A value that refers to an undefined name stays as written (a loop variable may define it
    /// later); one that refers to itself, or fails otherwise, fails wherever it is used.
    pub fn resolve_vars(&self, vars: &mut Vars) {
        let pending = templated(vars);
        if pending.is_empty() {
            return;
        }
        let deps = self.dependencies(vars, &pending);
        let (looped, order) = find_loops(&pending, &deps);
        for (name, chain) in looped {
            let error = format!(
                "Recursive loop detected in template: {}",
                chain.join(" -> ")
            );
            vars.insert(name, failed_marker(&error));
        }
        let resolved = Arc::new(Resolved::default());
        let ctx = merge_maps([
            context_of(vars),
            JinjaValue::from_dyn_object(resolved.clone()),
        ]);
        let mut unresolved: HashSet<String> = HashSet::new();
        for name in order {
            let waits = deps
                .get(name.as_str())
                .is_some_and(|d| d.iter().any(|n| unresolved.contains(n)));
            let Some(value) = vars.get(&name).filter(|v| contains_template(v)) else {
                continue;
            };
            if waits {
                unresolved.insert(name);
                continue;
            }
            let final_value = match self.render_value_in(value, &ctx, vars) {
                Ok(rendered) => rendered,
                Err(TemplateError::Undefined { .. } | TemplateError::NoAttribute { .. }) => {
                    unresolved.insert(name);
                    continue;
                }
                Err(e) => failed_marker(&e.to_string()),
            };
            resolved.insert(&name, context_value(&name, &final_value));
            vars.insert(name, final_value);
        }
        if !unresolved.is_empty() {
            let mut names: Vec<String> = unresolved.into_iter().collect();
            names.sort();
            vars.insert(PENDING.to_string(), Value::from(names));
        }
    }

    /// For each templated variable, the templated variables it reads.
    fn dependencies<'a>(
        &self,
        vars: &Vars,
        pending: &'a [String],
    ) -> HashMap<&'a str, Vec<String>> {
        let names: HashSet<&str> = pending.iter().map(String::as_str).collect();
        pending
            .iter()
            .filter_map(|name| {
                let value = vars.get(name)?;
                let mut refs: Vec<String> = self
                    .referenced_names(value)
                    .into_iter()
                    .filter(|r| names.contains(r.as_str()))
                    .collect();
                refs.sort();
                Some((name.as_str(), refs))
            })
            .collect()
    }

    /// Every variable name the templates inside `value` read.
    fn referenced_names(&self, value: &Value) -> HashSet<String> {
        let mut out = HashSet::new();
        let mut collect = |s: &str| {
            if is_template(s)
                && let Ok(t) = self.env.template_from_str(s)
            {
                out.extend(t.undeclared_variables(false));
            }
        };
        visit_strings(value, &mut collect);
        out
    }
}

fn templated(vars: &Vars) -> Vec<String> {
    vars.iter()
        .filter(|(_, v)| contains_template(v))
        .map(|(k, _)| k.clone())
        .collect()
}

fn visit_strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|i| visit_strings(i, f)),
        Value::Object(map) => {
            for (k, v) in map {
                f(k);
                visit_strings(v, f);
            }
        }
        _ => {}
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    OnPath,
    Done,
}

/// Depth-first search without recursion (variable chains may be long): a dependency already on
/// the current path closes a loop; a variable depending on a looped one inherits its chain.
/// Also returns the variables outside loops in an order that puts each after those it reads.
fn find_loops(
    order: &[String],
    deps: &HashMap<&str, Vec<String>>,
) -> (HashMap<String, Vec<String>>, Vec<String>) {
    let mut marks: HashMap<&str, Mark> = HashMap::new();
    let mut looped: HashMap<String, Vec<String>> = HashMap::new();
    let mut finished: Vec<String> = Vec::new();
    let no_deps = Vec::new();
    for start in order {
        if marks.contains_key(start.as_str()) {
            continue;
        }
        let mut path: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        marks.insert(start.as_str(), Mark::OnPath);
        while let Some((node, next)) = path.last().copied() {
            let node_deps = deps.get(node).unwrap_or(&no_deps);
            if let Some(dep) = node_deps.get(next) {
                if let Some(top) = path.last_mut() {
                    top.1 += 1;
                }
                match marks.get(dep.as_str()) {
                    None => {
                        marks.insert(dep.as_str(), Mark::OnPath);
                        path.push((dep.as_str(), 0));
                    }
                    Some(Mark::OnPath) => record_cycle(&path, dep, &mut looped),
                    Some(Mark::Done) => {}
                }
                continue;
            }
            path.pop();
            marks.insert(node, Mark::Done);
            if looped.contains_key(node) {
                continue;
            }
            let inherited = node_deps.iter().find_map(|d| looped.get(d)).cloned();
            match inherited {
                Some(chain) => {
                    let mut own = vec![node.to_string()];
                    own.extend(chain);
                    looped.insert(node.to_string(), own);
                }
                None => finished.push(node.to_string()),
            }
        }
    }
    (looped, finished)
}

/// `path` ends in a variable depending on `dep`, which is earlier on the path: every variable from
/// `dep` on is in the loop; each gets the loop told from itself (`b -> a -> b`).
fn record_cycle(path: &[(&str, usize)], dep: &str, looped: &mut HashMap<String, Vec<String>>) {
    let Some(start) = path.iter().position(|(n, _)| *n == dep) else {
        return;
    };
    let cycle: Vec<&str> = path[start..].iter().map(|(n, _)| *n).collect();
    for i in 0..cycle.len() {
        let mut chain: Vec<String> = cycle[i..]
            .iter()
            .chain(&cycle[..i])
            .map(|n| n.to_string())
            .collect();
        chain.push(cycle[i].to_string());
        looped.entry(cycle[i].to_string()).or_insert(chain);
    }
}

fn failed_marker(error: &str) -> Value {
    Value::String(format!("{FAILED_MARKER}{error}"))
}

/// A variable's value as templates see it: a failed variable fails the template reading it.
fn context_value(name: &str, value: &Value) -> JinjaValue {
    match value.as_str().and_then(|s| s.strip_prefix(FAILED_MARKER)) {
        Some(error) => JinjaValue::from(Error::new(
            ErrorKind::InvalidOperation,
            format!("{error} (in variable '{name}')"),
        )),
        None => JinjaValue::from(Serde(value)),
    }
}

impl Templar {
    /// The render context for `vars`, as [`context_of`], where a variable [`Templar::resolve_vars`]
    /// left pending (its template reads a name undefined then: `x: "{{ item }}-x"`) is rendered
    /// now, with these variables (a loop's `item`). One whose template still reads an undefined
    /// name is undefined, as Ansible's lazy templating makes it: `is defined` is false and
    /// `default()` applies, while using it fails naming the missing variable.
    pub(super) fn context(&self, vars: &Vars) -> JinjaValue {
        let base = context_of(vars);
        let mut left: Vec<&String> = match vars.get(PENDING) {
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|n| vars.get_key_value(n).map(|(k, _)| k))
                .filter(|n| vars.get(*n).is_some_and(is_pending))
                .collect(),
            _ => Vec::new(),
        };
        if left.is_empty() {
            return base;
        }
        let scope = Arc::new(LazyScope {
            base,
            pending: left.iter().map(|n| (*n).clone()).collect(),
            resolved: Resolved::default(),
        });
        let ctx = JinjaValue::from_dyn_object(scope.clone());
        // Each pass renders those whose pending inputs are rendered; a pass doing nothing ends it.
        loop {
            let before = left.len();
            left.retain(|name| {
                let Some(value) = vars.get(*name) else {
                    return false;
                };
                match self.render_value_in(value, &ctx, vars) {
                    Ok(rendered) => {
                        scope
                            .resolved
                            .insert(name, JinjaValue::from(Serde(&rendered)));
                        false
                    }
                    Err(_) => true,
                }
            });
            if left.is_empty() || left.len() == before {
                break;
            }
        }
        ctx
    }
}

/// The names [`Templar::resolve_vars`] left pending, kept beside the variables (no template can
/// name it).
const PENDING: &str = "\u{0}drover:pending";

/// A variable still to render: a template, not text kept literal (`!unsafe`, a module's output).
fn is_pending(value: &Value) -> bool {
    value.as_str().is_some_and(is_pending_text)
}

/// [`is_pending`] for a variable's text.
pub(super) fn is_pending_text(text: &str) -> bool {
    is_template(text) && !text.starts_with("{% raw %}")
}

/// Variables with the pending ones rendered or, when they cannot be, undefined.
#[derive(Debug)]
struct LazyScope {
    base: JinjaValue,
    pending: HashSet<String>,
    resolved: Resolved,
}

impl Object for LazyScope {
    fn get_value(self: &Arc<Self>, key: &JinjaValue) -> Option<JinjaValue> {
        let name = key.as_str()?;
        if self.pending.contains(name) {
            return self.resolved.0.lock().ok()?.get(name).cloned();
        }
        self.base.get_item(key).ok().filter(|v| !v.is_undefined())
    }

    /// The names a template can list (`vars`, the `template` lookup's variables): those of the
    /// base but a pending one still undefined and the bookkeeping of pending names.
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let resolved = match self.resolved.0.lock() {
            Ok(map) => map.keys().cloned().collect::<HashSet<String>>(),
            Err(_) => HashSet::new(),
        };
        let Ok(names) = self.base.try_iter() else {
            return Enumerator::Empty;
        };
        let listed: Vec<JinjaValue> = names
            .filter(|key| match key.as_str() {
                Some(PENDING) => false,
                Some(name) => !self.pending.contains(name) || resolved.contains(name),
                None => true,
            })
            .collect();
        Enumerator::Values(listed)
    }
}

/// Variables rendered so far in one [`Templar::resolve_vars`]; they win over the raw values.
#[derive(Debug, Default)]
struct Resolved(Mutex<HashMap<String, JinjaValue>>);

impl Resolved {
    fn insert(&self, name: &str, value: JinjaValue) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(name.to_string(), value);
        }
    }
}

impl Object for Resolved {
    fn get_value(self: &Arc<Self>, key: &JinjaValue) -> Option<JinjaValue> {
        self.0.lock().ok()?.get(key.as_str()?).cloned()
    }
}

/// The render context for `vars`: variables that failed to resolve become values that fail the
/// template using them, and `vars` is every variable as one dict, as in Ansible.
pub fn context_of(vars: &Vars) -> JinjaValue {
    let base = JinjaValue::from(Serde(vars));
    let mut overrides: BTreeMap<String, JinjaValue> = vars
        .iter()
        .filter(|(_, value)| value.as_str().is_some_and(|s| s.starts_with(FAILED_MARKER)))
        .map(|(name, value)| (name.clone(), context_value(name, value)))
        .collect();
    if !vars.contains_key(ALL_VARS) {
        overrides.insert(ALL_VARS.to_string(), all_vars(vars, &base));
    }
    if overrides.is_empty() {
        return base;
    }
    // The last map wins a lookup.
    merge_maps([base, JinjaValue::from(overrides)])
}

/// Ansible's `vars`: every variable, without the bookkeeping of pending names.
fn all_vars(vars: &Vars, base: &JinjaValue) -> JinjaValue {
    if !vars.contains_key(PENDING) {
        return base.clone();
    }
    let mut shown = vars.clone();
    shown.remove(PENDING);
    JinjaValue::from(Serde(&shown))
}

/// The variable holding all variables (Ansible's `vars`).
const ALL_VARS: &str = "vars";
