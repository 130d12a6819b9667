//! What was undefined, in ansible-core 2.19's words, when a template used an undefined value.
//!
//! An undefined value chains (`x.a.b | default('d')` works, see vendor/README.md), so by the time
//! one is used the expression that made it may be long: minijinja names it (`` `d.a.b` is
//! undefined ``). Ansible names its first missing link instead: `'x' is undefined` for a missing
//! variable, `object of type 'dict' has no attribute 'a'` for a missing attribute or item. This
//! walks the chain from its root, evaluating each link in the render's own context, to find it.

use super::hostvars::Hostvars;
use minijinja::machinery::ast::{CallArg, Expr};
use minijinja::machinery::parse_expr;
use minijinja::value::ValueKind;
use minijinja::{Environment, Value as JinjaValue};

/// The first missing link of an undefined chain.
#[derive(Debug, PartialEq)]
pub enum Missing {
    /// A variable that does not exist (or is itself undefined, as a pending one can be).
    Variable(String),
    /// An attribute or item a defined value lacks: Ansible's message, and the key.
    Attribute { message: String, key: String },
}

impl Missing {
    /// The name Ansible's `mandatory` reports: the variable, or the attribute.
    pub fn name(&self) -> &str {
        match self {
            Missing::Variable(name) => name,
            Missing::Attribute { key, .. } => key,
        }
    }
}

/// Which root names a chain may be evaluated from: a template's own names (`{% for i in … %}`,
/// `{% set %}`, macro arguments) are not in the render context, so their chains cannot be.
pub type RootFilter<'a> = &'a dyn Fn(&str) -> bool;

/// Every root name is a variable of the context (a bare expression binds none of its own).
pub fn any_root(_: &str) -> bool {
    true
}

/// The first missing link of `expr` (a variable, attribute or item chain such as `d.a['b']`),
/// evaluated in `ctx`; `None` when `expr` is no such chain or nothing in it is undefined.
pub fn first_missing(
    env: &Environment<'_>,
    expr: &str,
    ctx: &JinjaValue,
    roots: RootFilter<'_>,
) -> Option<Missing> {
    let ast = parse_expr(expr).ok()?;
    let eval = Eval { env, ctx, roots };
    missing_in(&ast, expr, &eval)
}

/// The first missing link of any chain inside `expr` (`[d.a]`, `d.a ~ x`), in source order;
/// the input of `default()` and the operand of a test are not uses and are skipped.
pub fn first_missing_inside(
    env: &Environment<'_>,
    expr: &str,
    ctx: &JinjaValue,
    roots: RootFilter<'_>,
) -> Option<Missing> {
    let ast = parse_expr(expr).ok()?;
    let eval = Eval { env, ctx, roots };
    let mut found = Vec::new();
    chains(&ast, &mut found);
    found.iter().find_map(|e| missing_in(e, expr, &eval))
}

/// The first missing link of the input of a `mandatory` filter inside `source` (a bare
/// expression), for its message: Ansible names the variable or attribute.
pub fn mandatory_input(env: &Environment<'_>, source: &str, ctx: &JinjaValue) -> Option<Missing> {
    let ast = parse_expr(source).ok()?;
    let eval = Eval {
        env,
        ctx,
        roots: &any_root,
    };
    let mut inputs = Vec::new();
    mandatory_inputs(&ast, &mut inputs);
    inputs.iter().find_map(|e| missing_in(e, source, &eval))
}

struct Eval<'a, 'env> {
    env: &'a Environment<'env>,
    ctx: &'a JinjaValue,
    roots: RootFilter<'a>,
}

impl Eval<'_, '_> {
    fn text(&self, text: &str) -> Option<JinjaValue> {
        let compiled = self.env.compile_expression(text).ok()?;
        compiled.eval(self.ctx.clone()).ok()
    }
}

fn missing_in(e: &Expr<'_>, source: &str, eval: &Eval<'_, '_>) -> Option<Missing> {
    let (parent, key) = match e {
        Expr::Var(var) => {
            if !(eval.roots)(var.id) {
                return None;
            }
            return eval
                .text(var.id)
                .filter(JinjaValue::is_undefined)
                .map(|_| Missing::Variable(var.id.to_string()));
        }
        Expr::GetAttr(attr) => (&attr.expr, JinjaValue::from(attr.name)),
        Expr::GetItem(item) => (&item.expr, value_of(&item.subscript_expr, source, eval)?),
        _ => return None,
    };
    if let Some(found) = missing_in(parent, source, eval) {
        return Some(found);
    }
    let parent_value = value_of(parent, source, eval)?;
    if parent_value.is_undefined() || !link(&parent_value, &key).is_undefined() {
        return None;
    }
    Some(Missing::Attribute {
        message: no_attribute(&parent_value, &key),
        key: key.as_str().map_or_else(|| key.to_string(), str::to_string),
    })
}

/// The variable, attribute and item chains of `e` (each the longest), in source order. A
/// method's object is a chain, the method itself is no attribute.
fn chains<'e, 'a>(e: &'e Expr<'a>, out: &mut Vec<&'e Expr<'a>>) {
    if matches!(e, Expr::Var(_) | Expr::GetAttr(_) | Expr::GetItem(_)) {
        out.push(e);
    }
    let mut walk = |x: &'e Expr<'a>| chains(x, out);
    match e {
        Expr::Var(_) => {}
        Expr::GetAttr(attr) => walk(&attr.expr),
        Expr::GetItem(item) => {
            walk(&item.expr);
            walk(&item.subscript_expr);
        }
        Expr::Const(_) | Expr::Test(_) => {}
        Expr::Slice(slice) => {
            walk(&slice.expr);
            for part in [&slice.start, &slice.stop, &slice.step]
                .into_iter()
                .flatten()
            {
                walk(part);
            }
        }
        Expr::UnaryOp(op) => walk(&op.expr),
        Expr::BinOp(op) => {
            walk(&op.left);
            walk(&op.right);
        }
        Expr::Compare(cmp) => {
            walk(&cmp.expr);
            for op in &cmp.ops {
                walk(&op.expr);
            }
        }
        Expr::IfExpr(ifx) => {
            walk(&ifx.test_expr);
            walk(&ifx.true_expr);
            if let Some(other) = &ifx.false_expr {
                walk(other);
            }
        }
        Expr::Filter(filter) => {
            if let Some(input) = &filter.expr
                && !matches!(filter.name, "default" | "d")
            {
                walk(input);
            }
            filter.args.iter().for_each(|a| walk(arg_expr(a)));
        }
        Expr::Call(call) => {
            match &call.expr {
                Expr::GetAttr(method) => walk(&method.expr),
                Expr::Var(_) => {}
                other => walk(other),
            }
            call.args.iter().for_each(|a| walk(arg_expr(a)));
        }
        Expr::List(list) => list.items.iter().for_each(walk),
        Expr::Tuple(tuple) => tuple.items.iter().for_each(walk),
        Expr::Map(map) => {
            for (k, v) in map.keys.iter().zip(&map.values) {
                walk(k);
                walk(v);
            }
        }
    }
}

fn arg_expr<'e, 'a>(arg: &'e CallArg<'a>) -> &'e Expr<'a> {
    match arg {
        CallArg::Pos(e) | CallArg::Kwarg(_, e) | CallArg::PosSplat(e) | CallArg::KwargSplat(e) => e,
    }
}

/// The inputs of the `mandatory` filters of `e`.
fn mandatory_inputs<'e, 'a>(e: &'e Expr<'a>, out: &mut Vec<&'e Expr<'a>>) {
    if let Expr::Filter(filter) = e {
        if let Some(input) = &filter.expr {
            if filter.name == "mandatory" {
                out.push(input);
            }
            mandatory_inputs(input, out);
        }
        return;
    }
    if let Expr::UnaryOp(op) = e {
        mandatory_inputs(&op.expr, out);
    }
    if let Expr::BinOp(op) = e {
        mandatory_inputs(&op.left, out);
        mandatory_inputs(&op.right, out);
    }
}

/// The value of a chain's part, link by link from its root. (The spans minijinja gives a
/// chain's outer links do not cover their parent, so a link is not evaluated from its text.)
fn value_of(e: &Expr<'_>, source: &str, eval: &Eval<'_, '_>) -> Option<JinjaValue> {
    match e {
        Expr::Var(var) => eval.text(var.id),
        Expr::Const(constant) => Some(constant.value.clone()),
        Expr::GetAttr(attr) => {
            let parent = value_of(&attr.expr, source, eval)?;
            Some(link(&parent, &JinjaValue::from(attr.name)))
        }
        Expr::GetItem(item) => {
            let parent = value_of(&item.expr, source, eval)?;
            let key = value_of(&item.subscript_expr, source, eval)?;
            Some(link(&parent, &key))
        }
        other => {
            let span = other.span();
            eval.text(source.get(span.start_offset as usize..span.end_offset as usize)?)
        }
    }
}

/// `parent.key` / `parent[key]` as the engine reads it: undefined when missing.
fn link(parent: &JinjaValue, key: &JinjaValue) -> JinjaValue {
    if parent.is_undefined() {
        return parent.clone();
    }
    parent.get_item(key).unwrap_or(JinjaValue::UNDEFINED)
}

/// Ansible's words for `parent` lacking `key`.
fn no_attribute(parent: &JinjaValue, key: &JinjaValue) -> String {
    if parent.downcast_object_ref::<Hostvars>().is_some() {
        // Ansible's hostvars names the host it does not know this way.
        return format!("hostvars[{}]", python_repr(key));
    }
    format!(
        "object of type '{}' has no attribute {}",
        python_type(parent),
        python_repr(key)
    )
}

/// Bounds the nesting of explanations: explaining a pending variable renders its template,
/// whose error may be explained by rendering another's. Variable cycles never get here (they
/// fail as cycles), so the bound only guards against what that misses.
pub struct ExplainDepth;

const MAX_EXPLAIN_DEPTH: usize = 64;

thread_local! {
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl ExplainDepth {
    pub fn enter() -> Option<ExplainDepth> {
        DEPTH.with(|d| {
            (d.get() < MAX_EXPLAIN_DEPTH).then(|| {
                d.set(d.get() + 1);
                ExplainDepth
            })
        })
    }
}

impl Drop for ExplainDepth {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// The Python type name Ansible shows for a value.
pub fn python_type(value: &JinjaValue) -> &'static str {
    match value.kind() {
        ValueKind::Map => "dict",
        ValueKind::Seq | ValueKind::Iterable => "list",
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Bool => "bool",
        ValueKind::None => "NoneType",
        ValueKind::Number if value.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::Undefined => "Undefined",
        _ => "object",
    }
}

/// `repr()` of a key as Python prints it: `'a'`, `5`.
fn python_repr(key: &JinjaValue) -> String {
    match key.as_str() {
        Some(s) if s.contains('\'') && !s.contains('"') => format!("\"{s}\""),
        Some(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Templar;
    use minijinja::context;

    fn missing(expr: &str) -> Option<Missing> {
        let templar = Templar::new();
        let ctx = context! {
            d => context! { k => 1, inner => context! { z => 2 } },
            l => vec![1, 2],
            s => "str",
            n => (),
        };
        first_missing(templar.env(), expr, &ctx, &any_root)
    }

    fn attribute(message: &str) -> Option<Missing> {
        let key = message.rsplit(' ').next().unwrap_or_default();
        Some(Missing::Attribute {
            message: message.to_string(),
            key: key.trim_matches('\'').to_string(),
        })
    }

    #[test]
    fn the_first_missing_link_is_named_as_ansible_names_it() {
        assert_eq!(missing("x.a.b"), Some(Missing::Variable("x".into())));
        assert_eq!(
            missing("d.a.b"),
            attribute("object of type 'dict' has no attribute 'a'")
        );
        assert_eq!(
            missing("d.inner['q'].r"),
            attribute("object of type 'dict' has no attribute 'q'")
        );
        assert_eq!(
            missing("l[5]"),
            attribute("object of type 'list' has no attribute 5")
        );
        assert_eq!(
            missing("d.k.a"),
            attribute("object of type 'int' has no attribute 'a'")
        );
        assert_eq!(
            missing("s.a"),
            attribute("object of type 'str' has no attribute 'a'")
        );
        assert_eq!(
            missing("n.a.b"),
            attribute("object of type 'NoneType' has no attribute 'a'")
        );
    }

    #[test]
    fn a_defined_chain_or_another_expression_names_nothing() {
        assert_eq!(missing("d.inner.z"), None);
        assert_eq!(missing("'a' if false"), None);
        assert_eq!(missing("d.a | default(1)"), None);
    }

    #[test]
    fn inside_an_expression_the_first_used_chain_is_named() {
        let templar = Templar::new();
        let ctx = context! { d => context! { k => 1 } };
        let inside = |expr| first_missing_inside(templar.env(), expr, &ctx, &any_root);
        assert_eq!(
            inside("[d.k, d.a]"),
            attribute("object of type 'dict' has no attribute 'a'")
        );
        assert_eq!(
            inside("d.get('k') ~ x"),
            Some(Missing::Variable("x".into()))
        );
        assert_eq!(inside("[x | default(1), d.k]"), None);
        let local = |name: &str| name != "i";
        assert_eq!(first_missing(templar.env(), "i.a", &ctx, &local), None);
        let mandatory = mandatory_input(templar.env(), "d.a | mandatory", &ctx);
        assert_eq!(mandatory.as_ref().map(Missing::name), Some("a"));
    }
}
