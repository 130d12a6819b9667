//! Jinja2 templating as Ansible does it, on minijinja: every string of a task's arguments, `when:`
//! expressions, and the `template` module's files. Ansible's filters, tests and lookups live in
//! [`filters`].
//!
//! Variables are passed as one JSON map per call ([`Vars`]); it is converted to a minijinja value once
//! per call, so rendering all strings of a task's arguments costs one conversion.

pub mod catalog;
mod crypt;
mod dates;
mod datetime;
mod dump_json;
mod dump_yaml;
mod error;
mod file_tests;
mod filters;
mod hostvars;
mod limits;
mod lookup_files;
mod lookup_inventory;
pub mod lookup_lists;
pub(crate) mod lookup_template;
pub mod lookups;
mod macro_include;
mod plugins;
mod pyrandom;
mod repeat_guard;
mod resolve;
mod result_tests;
pub mod search_path;
mod source;
mod undefined;
mod url_filters;
mod versions;

pub use error::TemplateError;
pub use hostvars::{Hostvars, HostvarsStore};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, ErrorKind, Template, UndefinedBehavior, Value as JinjaValue};
pub(crate) use plugins::merge_hash;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub type Vars = serde_json::Map<String, Value>;

/// The configured Jinja environment; one per run, shared by every host.
pub struct Templar {
    env: Environment<'static>,
}

impl Default for Templar {
    fn default() -> Self {
        Self::new()
    }
}

impl Templar {
    pub fn new() -> Templar {
        let mut env = Environment::new();
        // Ansible's Jinja settings: trim_blocks on, trailing newline kept, undefined values are errors.
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .keep_trailing_newline(true)
            .build();
        if let Ok(syntax) = syntax {
            env.set_syntax(syntax);
        }
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        filters::register(&mut env);
        plugins::register(&mut env);
        lookups::register(&mut env);
        dates::register(&mut env);
        limits::install(&mut env);
        Templar { env }
    }

    /// This environment with `globals` visible to every template and expression, below any
    /// variable of the same name. For what every host of a play shares (`groups`, `play_hosts`):
    /// converted once here instead of with each host's variables at every render.
    pub fn with_globals(&self, globals: &Vars) -> Templar {
        let mut env = self.env.clone();
        for (name, value) in globals {
            env.add_global(name.clone(), JinjaValue::from(Serde(value)));
        }
        Templar { env }
    }

    /// This environment with one more global, a lazy object (`hostvars`): nothing of it is
    /// converted until a template reads it.
    pub fn with_global_object(
        &self,
        name: &str,
        object: impl minijinja::value::Object + 'static,
    ) -> Templar {
        let mut env = self.env.clone();
        env.add_global(name.to_string(), JinjaValue::from_object(object));
        Templar { env }
    }

    /// Renders every string inside `value`; maps and lists recursively, keys too.
    pub fn render_value(&self, value: &Value, vars: &Vars) -> Result<Value, TemplateError> {
        if !contains_template(value) {
            return Ok(value.clone());
        }
        let ctx = self.context(vars);
        self.render_value_in(value, &ctx, vars)
    }

    fn render_value_in(
        &self,
        value: &Value,
        ctx: &JinjaValue,
        vars: &Vars,
    ) -> Result<Value, TemplateError> {
        Ok(match value {
            Value::String(s) => self.render_str_in(s, ctx, vars)?,
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.render_value_in(i, ctx, vars))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, v) in map {
                    let key = match self.render_str_in(k, ctx, vars)? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    out.insert(key, self.render_value_in(v, ctx, vars)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    /// Renders one string. A string that is exactly one `{{ expr }}` keeps the expression's type.
    pub fn render_str(&self, template: &str, vars: &Vars) -> Result<Value, TemplateError> {
        if !is_template(template) {
            return Ok(Value::String(template.to_string()));
        }
        self.render_str_in(template, &self.context(vars), vars)
    }

    fn render_str_in(
        &self,
        template: &str,
        ctx: &JinjaValue,
        vars: &Vars,
    ) -> Result<Value, TemplateError> {
        if !is_template(template) {
            return Ok(Value::String(template.to_string()));
        }
        if let Some(expr) = single_expression(template) {
            return self.eval_in(expr, ctx, vars, true).map_err(|e| match e {
                TemplateError::Syntax { message, .. } => TemplateError::Syntax {
                    message,
                    source_text: template.to_string(),
                },
                other => other,
            });
        }
        let render = || -> Result<Value, TemplateError> {
            let prepared = source::prepare(template, true);
            let prepared = limits::guard_source(&prepared, self.env.syntax());
            let compiled = self
                .env
                .template_from_str(&prepared)
                .map_err(|e| self.explain(e, template, vars, false, ctx))?;
            render_capped(&compiled, ctx)
                .map(Value::String)
                .map_err(|e| self.explain(e, template, vars, false, ctx))
        };
        if limits::may_nest_deeply(template) {
            limits::on_big_stack(render)
        } else {
            render()
        }
    }

    /// Evaluates a bare expression (`when:`, `that:`, `var:`).
    /// Backslashes in its string constants are Jinja escapes, as in Ansible's conditionals.
    pub fn eval(&self, expr: &str, vars: &Vars) -> Result<Value, TemplateError> {
        self.eval_in(expr, &self.context(vars), vars, false)
    }

    /// `escape_backslashes`: the expression comes from a YAML string (see [`source::prepare`]).
    fn eval_in(
        &self,
        expr: &str,
        ctx: &JinjaValue,
        vars: &Vars,
        escape_backslashes: bool,
    ) -> Result<Value, TemplateError> {
        let eval = || -> Result<Value, TemplateError> {
            let prepared = source::prepare_expression(expr, escape_backslashes);
            let prepared = repeat_guard::guard_expression(&prepared);
            let compiled = self
                .env
                .compile_expression(&prepared)
                .map_err(|e| self.explain(e, expr, vars, true, ctx))?;
            let value = compiled
                .eval(ctx.clone())
                .map_err(|e| self.explain(e, expr, vars, true, ctx))?;
            if value.is_undefined() {
                let any = &undefined::any_root;
                if let Some(missing) = undefined::first_missing(&self.env, &prepared, ctx, any)
                    .or_else(|| undefined::first_missing_inside(&self.env, &prepared, ctx, any))
                {
                    return Err(self.undefined_error(missing, vars, ctx));
                }
                let names = without_globals(&self.env, compiled.undeclared_variables(false));
                return Err(self.undefined_in(&names, vars, expr));
            }
            let json = to_json(&value)?;
            if contains_null(&json) && holds_undefined(&value) {
                // A list or dict built with an undefined value (`[d.a]`) fails when it is kept,
                // as in Ansible; only using its length is fine.
                let any = &undefined::any_root;
                return Err(
                    match undefined::first_missing_inside(&self.env, &prepared, ctx, any) {
                        Some(missing) => self.undefined_error(missing, vars, ctx),
                        None => TemplateError::Render {
                            message: format!("an undefined value was used in {expr:?}"),
                        },
                    },
                );
            }
            Ok(json)
        };
        if limits::may_nest_deeply(expr) {
            limits::on_big_stack(eval)
        } else {
            eval()
        }
    }

    /// `when:` semantics: the expression's truthiness. `when: "{{ x }}"` is accepted as Ansible does.
    pub fn eval_bool(&self, expr: &str, vars: &Vars) -> Result<bool, TemplateError> {
        let expr = expr.trim();
        let value = match single_expression(expr) {
            Some(inner) => self.eval(inner, vars)?,
            None => self.eval(expr, vars)?,
        };
        Ok(drover_modules::de::truthy(&value))
    }

    /// The `template` module: renders a file's text; `{% include %}` looks in `search_dirs`.
    /// Errors name the file and line (`name` is the file's path), through includes.
    pub fn render_file_text(
        &self,
        name: &str,
        text: &str,
        vars: &Vars,
        search_dirs: &[PathBuf],
    ) -> Result<String, TemplateError> {
        render_file_with(
            &self.env,
            name,
            text,
            &self.context(vars),
            search_dirs,
            None,
        )
    }

    /// The environment, for the `template` lookup of a `with_template:` loop.
    pub(crate) fn env(&self) -> &Environment<'static> {
        &self.env
    }
}

/// [`Templar::render_file_text`] in `env`, with `syntax` instead of Ansible's where given (the
/// `template` lookup's delimiter and `trim_blocks` options).
pub(crate) fn render_file_in<'env>(
    env: &Environment<'env>,
    name: &str,
    text: &str,
    vars: &Vars,
    search_dirs: &[PathBuf],
    syntax: Option<&SyntaxConfig>,
) -> Result<String, TemplateError> {
    render_file_with(
        env,
        name,
        text,
        &resolve::context_of(vars),
        search_dirs,
        syntax,
    )
}

/// [`render_file_in`] with a render context already made (the templar's, where pending variables
/// render lazily).
fn render_file_with<'env>(
    env: &Environment<'env>,
    name: &str,
    text: &str,
    ctx: &JinjaValue,
    search_dirs: &[PathBuf],
    syntax: Option<&SyntaxConfig>,
) -> Result<String, TemplateError> {
    let mut env = env.clone();
    if let Some(syntax) = syntax {
        env.set_syntax(syntax.clone());
    }
    // Other delimiters (the `template` lookup's options) are left as they are.
    let standard_syntax = env.syntax().block_delimiters() == ("{%", "%}")
        && env.syntax().variable_delimiters() == ("{{", "}}");
    let enclose = move |text: &str| -> String {
        if standard_syntax {
            macro_include::enclose_template_names(text).into_owned()
        } else {
            text.to_string()
        }
    };
    let dirs = search_dirs.to_vec();
    let found: Arc<Mutex<HashMap<String, PathBuf>>> = Arc::default();
    let syntax = env.syntax().clone();
    let record = Arc::clone(&found);
    env.set_loader(move |wanted| {
        for dir in &dirs {
            let path = dir.join(wanted);
            if path.is_file() {
                if let Ok(mut paths) = record.lock() {
                    paths.insert(wanted.to_string(), path.clone());
                }
                return std::fs::read_to_string(&path)
                    .map(|text| Some(limits::guard_source(&enclose(&text), &syntax).into_owned()))
                    .map_err(|e| {
                        minijinja::Error::new(
                            ErrorKind::InvalidOperation,
                            format!("cannot read {}: {e}", path.display()),
                        )
                    });
            }
        }
        Ok(None)
    });
    let in_file = |e: minijinja::Error| {
        let paths = found.lock().map(|p| p.clone()).unwrap_or_default();
        error::in_file(&e, &paths)
    };
    limits::on_big_stack(|| {
        let prepared = source::prepare(text, false);
        let enclosed = match standard_syntax {
            true => macro_include::enclose_template_names(&prepared),
            false => std::borrow::Cow::Borrowed(&*prepared),
        };
        let prepared = limits::guard_source(&enclosed, env.syntax());
        let template = env
            .template_from_named_str(name, &prepared)
            .map_err(in_file)?;
        render_capped(&template, ctx).map_err(in_file)
    })
}

impl Templar {
    /// Turns minijinja's error into Ansible's words, naming the undefined variable.
    fn explain(
        &self,
        e: minijinja::Error,
        source: &str,
        vars: &Vars,
        is_expr: bool,
        ctx: &JinjaValue,
    ) -> TemplateError {
        if e.kind() != ErrorKind::SyntaxError
            && let Some(expr) = error::undefined_expr(&e)
        {
            // A template's own names (`{% for i in … %}`) are not in `ctx`: no chain from them
            // can be followed there.
            let own_free_names = (!is_expr).then(|| {
                self.env
                    .template_from_str(source)
                    .map(|t| t.undeclared_variables(false))
                    .unwrap_or_default()
            });
            let roots = |name: &str| own_free_names.as_ref().is_none_or(|n| n.contains(name));
            if let Some(missing) = undefined::first_missing(&self.env, expr, ctx, &roots) {
                return self.undefined_error(missing, vars, ctx);
            }
        }
        match e.kind() {
            ErrorKind::SyntaxError => TemplateError::Syntax {
                message: error::describe(&e, source),
                source_text: source.to_string(),
            },
            ErrorKind::UndefinedError => {
                if let Some(name) = error::undefined_name(&e) {
                    let name = self.missing_behind(name, vars);
                    return TemplateError::Undefined { name };
                }
                if let Some(detail) = e.detail() {
                    return TemplateError::Render {
                        message: detail.to_string(),
                    };
                }
                let names = if is_expr {
                    self.env
                        .compile_expression(source)
                        .map(|x| x.undeclared_variables(false))
                } else {
                    self.env
                        .template_from_str(source)
                        .map(|t| t.undeclared_variables(false))
                };
                let names = without_globals(&self.env, names.unwrap_or_default());
                self.undefined_in(&names, vars, source)
            }
            ErrorKind::InvalidOperation if e.detail() == Some(plugins::MANDATORY_UNNAMED) => {
                // `mandatory` without a message names the variable, as Ansible does.
                let input = is_expr
                    .then(|| undefined::mandatory_input(&self.env, source, ctx))
                    .flatten();
                if let Some(missing) = input {
                    return TemplateError::Render {
                        message: format!("Mandatory variable '{}' not defined.", missing.name()),
                    };
                }
                match self.undefined_names(source, is_expr, vars).first() {
                    Some(name) => TemplateError::Render {
                        message: format!("Mandatory variable '{name}' not defined."),
                    },
                    None => TemplateError::Render {
                        message: plugins::MANDATORY_UNNAMED.to_string(),
                    },
                }
            }
            _ => TemplateError::Render {
                message: error::describe(&e, source),
            },
        }
    }

    /// The error for a used undefined value whose first missing link is known, in Ansible's
    /// words. A variable still pending (its template reads something undefined) is explained
    /// by rendering its template again: its own first missing link is what Ansible names.
    fn undefined_error(
        &self,
        missing: undefined::Missing,
        vars: &Vars,
        ctx: &JinjaValue,
    ) -> TemplateError {
        let name = match missing {
            undefined::Missing::Attribute { message, .. } => {
                return TemplateError::NoAttribute { message };
            }
            undefined::Missing::Variable(name) => name,
        };
        if let Some(template) = vars.get(&name).and_then(Value::as_str)
            && resolve::is_pending_text(template)
            && let Some(_depth) = undefined::ExplainDepth::enter()
            && let Err(e @ (TemplateError::Undefined { .. } | TemplateError::NoAttribute { .. })) =
                self.render_str_in(template, ctx, vars)
        {
            return e;
        }
        TemplateError::Undefined {
            name: self.missing_behind(name, vars),
        }
    }

    /// The error for a template that used an undefined value, naming the variable really
    /// missing: one it reads that does not exist, else the one behind a pending variable it reads.
    fn undefined_in(
        &self,
        names: &std::collections::HashSet<String>,
        vars: &Vars,
        source: &str,
    ) -> TemplateError {
        let mut pending: Vec<&String> = names
            .iter()
            .filter(|n| {
                vars.get(*n)
                    .and_then(Value::as_str)
                    .is_some_and(is_template)
            })
            .collect();
        pending.sort();
        match (undefined_in(names, vars, source), pending.first()) {
            (TemplateError::Render { .. }, Some(name)) => TemplateError::Undefined {
                name: self.missing_behind((*name).clone(), vars),
            },
            (error, _) => error,
        }
    }

    /// The variable really missing when `name` is undefined: `name` itself, or, when `name` is
    /// a variable whose template reads an undefined name (`deep: "{{ nested }}"`), that name, as
    /// Ansible reports it.
    fn missing_behind(&self, name: String, vars: &Vars) -> String {
        let mut name = name;
        let mut seen = std::collections::HashSet::new();
        while let Some(Value::String(template)) = vars.get(&name) {
            if !seen.insert(name.clone()) || !is_template(template) {
                break;
            }
            let inner = self.undefined_names(template, false, vars);
            let pending_inner = || {
                let read = self
                    .env
                    .template_from_str(template)
                    .map(|t| t.undeclared_variables(false))
                    .unwrap_or_default();
                let mut read: Vec<String> = read
                    .into_iter()
                    .filter(|n| vars.get(n).and_then(Value::as_str).is_some_and(is_template))
                    .collect();
                read.sort();
                read.into_iter().next()
            };
            match inner.into_iter().next().or_else(pending_inner) {
                Some(next) => name = next,
                None => break,
            }
        }
        name
    }

    /// The names a template reads that are neither variables nor globals, sorted.
    fn undefined_names(&self, source: &str, is_expr: bool, vars: &Vars) -> Vec<String> {
        let names = if is_expr {
            self.env
                .compile_expression(source)
                .map(|x| x.undeclared_variables(false))
        } else {
            self.env
                .template_from_str(source)
                .map(|t| t.undeclared_variables(false))
        };
        let mut missing: Vec<String> = without_globals(&self.env, names.unwrap_or_default())
            .into_iter()
            .filter(|n| !vars.contains_key(n))
            .collect();
        missing.sort();
        missing
    }
}

/// Renders through [`limits::CappedWriter`], so no template can produce more than MAX_OUTPUT.
fn render_capped(
    template: &Template<'_, '_>,
    ctx: &JinjaValue,
) -> Result<String, minijinja::Error> {
    let mut out = limits::CappedWriter::default();
    match template.render_captured_to(ctx.clone(), &mut out) {
        Ok(_) => Ok(out.into_string()),
        Err(_) if out.overflowed => Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            limits::output_too_large(),
        )),
        Err(e) => Err(e),
    }
}

/// A global (`groups`) is never the undefined name: an error inside it is about an attribute.
fn without_globals(
    env: &Environment<'static>,
    mut names: std::collections::HashSet<String>,
) -> std::collections::HashSet<String> {
    for (global, _) in env.globals() {
        names.remove(global);
    }
    names
}

fn undefined_in(
    names: &std::collections::HashSet<String>,
    vars: &Vars,
    source: &str,
) -> TemplateError {
    let mut missing: Vec<&String> = names.iter().filter(|n| !vars.contains_key(*n)).collect();
    missing.sort();
    match missing.first() {
        Some(name) => TemplateError::Undefined {
            name: (*name).clone(),
        },
        None => TemplateError::Render {
            message: format!("an undefined attribute or value was used in {source:?}"),
        },
    }
}

fn contains_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(contains_null),
        Value::Object(map) => map.values().any(contains_null),
        _ => false,
    }
}

/// Whether a list or dict holds an undefined value anywhere.
fn holds_undefined(value: &JinjaValue) -> bool {
    use minijinja::value::ValueKind;
    match value.kind() {
        ValueKind::Undefined => true,
        ValueKind::Seq | ValueKind::Map => value.try_iter().is_ok_and(|items| {
            items.into_iter().any(|item| {
                if value.kind() != ValueKind::Map {
                    return holds_undefined(&item);
                }
                value
                    .get_item(&item)
                    .is_ok_and(|member| holds_undefined(&member))
            })
        }),
        _ => false,
    }
}

/// A render's result as a variable value; values too deep to handle safely are refused.
fn to_json(value: &JinjaValue) -> Result<Value, TemplateError> {
    if let Err(e) = limits::check_shape(value) {
        return Err(TemplateError::Render {
            message: e.detail().unwrap_or("value too large").to_string(),
        });
    }
    if let Some(stored) = datetime::stored(value) {
        return stored
            .map(Value::String)
            .map_err(|message| TemplateError::Render { message });
    }
    if value.as_str().is_some_and(|s| s.len() > limits::MAX_OUTPUT) {
        return Err(TemplateError::Render {
            message: limits::output_too_large(),
        });
    }
    serde_json::to_value(value).map_err(|e| TemplateError::Render {
        message: e.to_string(),
    })
}

fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// Python's methods on values (`'a'.upper()`, `d.items()`), minijinja-contrib's, plus the list
/// method `index` that it lacks. `limits::install` registers it, behind its size checks.
pub(super) fn python_methods(
    state: &mut minijinja::State,
    value: &JinjaValue,
    method: &str,
    args: &[JinjaValue],
) -> Result<JinjaValue, minijinja::Error> {
    if method == "index" && value.kind() == minijinja::value::ValueKind::Seq {
        let [wanted] = args else {
            return Err(minijinja::Error::new(
                ErrorKind::InvalidOperation,
                "index() takes exactly one argument here",
            ));
        };
        for (position, item) in value.try_iter()?.enumerate() {
            if item == *wanted {
                return Ok(JinjaValue::from(position));
            }
        }
        return Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("{wanted} is not in list"),
        ));
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}

/// A template whose output is `text`, whatever it holds (how `!unsafe` text is kept).
pub fn literal_text(text: &str) -> String {
    if !(text.contains("{{") || text.contains("{%") || text.contains("{#")) {
        return text.to_string();
    }
    // No `{%` inside the raw block, so no `{% raw %}`/`{% endraw %}` of the text can end or nest it.
    let body = text.replace("{%", "{% endraw %}{{ '{%' }}{% raw %}");
    format!("{{% raw %}}{body}{{% endraw %}}")
}

/// A value that renders to exactly itself, however often it is templated: what a module returned
/// (a registered result, facts a task set). Ansible marks such data untrusted and never templates
/// it again, so a registered stdout holding `{{ x }}` stays that text.
pub fn untrusted(value: Value) -> Value {
    match value {
        Value::String(s) if is_template(&s) => Value::String(literal_text(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(untrusted).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let k = if is_template(&k) { literal_text(&k) } else { k };
                    (k, untrusted(v))
                })
                .collect(),
        ),
        other => other,
    }
}

fn contains_template(value: &Value) -> bool {
    match value {
        Value::String(s) => is_template(s),
        Value::Array(items) => items.iter().any(contains_template),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| is_template(k) || contains_template(v)),
        _ => false,
    }
}

/// `"{{ expr }}"` (and nothing else) → `expr`.
fn single_expression(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}") && !inner.contains("{%"))
        .then_some(inner.trim())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod cases;

#[cfg(test)]
mod lookup_cases;

#[cfg(test)]
mod fuzz;
