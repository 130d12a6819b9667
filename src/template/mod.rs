//! Jinja2 templating as Ansible does it, on minijinja: every string of a task's arguments, `when:`
//! expressions, and the `template` module's files. Ansible's filters, tests and lookups live in
//! [`filters`].
//!
//! Variables are passed as one JSON map per call ([`Vars`]); it is converted to a minijinja value once
//! per call, so rendering all strings of a task's arguments costs one conversion.

mod filters;

use minijinja::value::Serde;
use minijinja::{
    Environment, ErrorKind, UndefinedBehavior, Value as JinjaValue, syntax::SyntaxConfig,
};
use serde_json::Value;
use std::path::PathBuf;

pub type Vars = serde_json::Map<String, Value>;

/// How deep variables may refer to templated variables.
const MAX_NESTING: usize = 8;

/// A template that cannot be rendered, with what a person needs to fix it.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("'{name}' is undefined")]
    Undefined { name: String },
    #[error("template error while templating string: {message}. String: {source_text}")]
    Syntax {
        message: String,
        source_text: String,
    },
    #[error("{message}")]
    Render { message: String },
}

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
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        filters::register(&mut env);
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

    /// Renders every string inside `value`; maps and lists recursively, keys too.
    pub fn render_value(&self, value: &Value, vars: &Vars) -> Result<Value, TemplateError> {
        if !contains_template(value) {
            return Ok(value.clone());
        }
        let ctx = JinjaValue::from(Serde(vars));
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

    /// Resolves variables whose values are themselves templates (`app_root: "{{ base }}/app"`), as
    /// Ansible's lazy templating does, so expressions see final values. A value that cannot be
    /// rendered yet (an undefined name) stays as written; using it reports the error.
    pub fn resolve_vars(&self, vars: &mut Vars) {
        for _ in 0..MAX_NESTING {
            let pending: Vec<String> = vars
                .iter()
                .filter(|(_, v)| contains_template(v))
                .map(|(k, _)| k.clone())
                .collect();
            if pending.is_empty() {
                return;
            }
            let ctx = JinjaValue::from(Serde(&*vars));
            let mut progressed = false;
            for key in pending {
                let Some(value) = vars.get(&key) else {
                    continue;
                };
                if let Ok(rendered) = self.render_value_in(value, &ctx, vars)
                    && &rendered != value
                {
                    vars.insert(key, rendered);
                    progressed = true;
                }
            }
            if !progressed {
                return;
            }
        }
    }

    /// Renders one string. A string that is exactly one `{{ expr }}` keeps the expression's type.
    pub fn render_str(&self, template: &str, vars: &Vars) -> Result<Value, TemplateError> {
        if !is_template(template) {
            return Ok(Value::String(template.to_string()));
        }
        self.render_str_in(template, &JinjaValue::from(Serde(vars)), vars)
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
            return self.eval_in(expr, ctx, vars).map_err(|e| match e {
                TemplateError::Syntax { message, .. } => TemplateError::Syntax {
                    message,
                    source_text: template.to_string(),
                },
                other => other,
            });
        }
        let rendered = self
            .env
            .render_str(template, ctx.clone())
            .map_err(|e| self.explain(e, template, vars, false))?;
        Ok(Value::String(rendered))
    }

    /// Evaluates a bare expression (`when:`, `that:`, `var:`).
    pub fn eval(&self, expr: &str, vars: &Vars) -> Result<Value, TemplateError> {
        self.eval_in(expr, &JinjaValue::from(Serde(vars)), vars)
    }

    fn eval_in(&self, expr: &str, ctx: &JinjaValue, vars: &Vars) -> Result<Value, TemplateError> {
        let compiled = self
            .env
            .compile_expression(expr)
            .map_err(|e| self.explain(e, expr, vars, true))?;
        let value = compiled
            .eval(ctx.clone())
            .map_err(|e| self.explain(e, expr, vars, true))?;
        if value.is_undefined() {
            let names = without_globals(&self.env, compiled.undeclared_variables(false));
            return Err(undefined_in(&names, vars, expr));
        }
        to_json(&value)
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
    pub fn render_file_text(
        &self,
        name: &str,
        text: &str,
        vars: &Vars,
        search_dirs: &[PathBuf],
    ) -> Result<String, TemplateError> {
        let mut env = self.env.clone();
        let dirs = search_dirs.to_vec();
        env.set_loader(move |wanted| {
            for dir in &dirs {
                let path = dir.join(wanted);
                if path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                        minijinja::Error::new(
                            ErrorKind::InvalidOperation,
                            format!("cannot read {}: {e}", path.display()),
                        )
                    });
                }
            }
            Ok(None)
        });
        let ctx = JinjaValue::from(Serde(vars));
        let template =
            env.template_from_named_str(name, text)
                .map_err(|e| TemplateError::Syntax {
                    message: describe(&e),
                    source_text: name.to_string(),
                })?;
        template.render(ctx).map_err(|e| {
            if e.kind() == ErrorKind::UndefinedError {
                let names = without_globals(&env, template.undeclared_variables(true));
                undefined_in(&names, vars, name)
            } else {
                TemplateError::Render {
                    message: format!("{name}: {}", describe(&e)),
                }
            }
        })
    }

    /// Names the undefined variable when minijinja only says "undefined value".
    fn explain(
        &self,
        e: minijinja::Error,
        source: &str,
        vars: &Vars,
        is_expr: bool,
    ) -> TemplateError {
        match e.kind() {
            ErrorKind::SyntaxError => TemplateError::Syntax {
                message: describe(&e),
                source_text: source.to_string(),
            },
            ErrorKind::UndefinedError => {
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
                undefined_in(&names, vars, source)
            }
            _ => TemplateError::Render {
                message: describe(&e),
            },
        }
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

fn describe(e: &minijinja::Error) -> String {
    let mut msg = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    if let Some(line) = e.line() {
        msg = format!("{msg} (line {line})");
    }
    msg
}

fn to_json(value: &JinjaValue) -> Result<Value, TemplateError> {
    serde_json::to_value(value).map_err(|e| TemplateError::Render {
        message: e.to_string(),
    })
}

fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
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
