//! Repetitions (`A * n`) checked where they are built. `[x] * 2` holds `x` twice without copying
//! it, so `[[[x] * 2] * 2] * 2`… written forty deep in ONE expression is a value of 2^40 items
//! that is small in memory; minijinja compares (`==`), concatenates (`~`) and tests membership
//! (`in`) by walking it without a fuel charge, which would hang the run. The `{% set %}` check
//! ([`super::limits::guard_assignments`]) never sees it, as nothing is assigned. So every
//! multiplication in a template or expression is passed through [`REPEAT_CHECK`], which refuses
//! a result holding more than `MAX_ITEMS` along every path; the error names the line.

use minijinja::machinery::ast::{BinOpKind, CallArg, Expr, Stmt};
use minijinja::machinery::{Span, parse, parse_expr};
use minijinja::syntax::SyntaxConfig;
use std::borrow::Cow;

/// The function every multiplication's result passes through; not a name a template would use.
pub const REPEAT_CHECK: &str = "__drover_repeated";

/// `source` (a whole template) with every `A * B` wrapped as `REPEAT_CHECK(A * B)`. A source
/// that does not parse is returned as it is, for minijinja to report.
pub fn guard_template<'a>(source: &'a str, syntax: &SyntaxConfig) -> Cow<'a, str> {
    if !source.contains('*') {
        return source.into();
    }
    let Ok(ast) = parse(source, "<template>", syntax.clone()) else {
        return source.into();
    };
    let mut spans = Vec::new();
    stmt(&ast, &mut spans);
    wrap(source, spans)
}

/// [`guard_template`] for a bare expression.
pub fn guard_expression(source: &str) -> Cow<'_, str> {
    if !source.contains('*') {
        return source.into();
    }
    let Ok(ast) = parse_expr(source) else {
        return source.into();
    };
    let mut spans = Vec::new();
    expr(&ast, &mut spans);
    wrap(source, spans)
}

/// Inserts the wrapper around each span; spans nest (an inner product inside an outer one) and
/// never overlap otherwise, so inserting at offsets in order keeps both balanced.
fn wrap(source: &str, spans: Vec<Span>) -> Cow<'_, str> {
    if spans.is_empty() {
        return source.into();
    }
    // (offset, whether it closes, span length): closings before openings at one offset, inner
    // closings first, outer openings first.
    let mut marks: Vec<(usize, bool, usize)> = Vec::with_capacity(spans.len() * 2);
    for span in &spans {
        let (start, end) = (span.start_offset as usize, span.end_offset as usize);
        if end <= start || end > source.len() {
            return source.into();
        }
        marks.push((start, false, end - start));
        marks.push((end, true, end - start));
    }
    marks.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.cmp(&a.1))
            .then(if a.1 { a.2.cmp(&b.2) } else { b.2.cmp(&a.2) })
    });
    let mut out = String::with_capacity(source.len() + spans.len() * (REPEAT_CHECK.len() + 2));
    let mut copied = 0;
    for (offset, closes, _) in marks {
        let Some(text) = source.get(copied..offset) else {
            return source.into();
        };
        out.push_str(text);
        if closes {
            out.push(')');
        } else {
            out.push_str(REPEAT_CHECK);
            out.push('(');
        }
        copied = offset;
    }
    out.push_str(source.get(copied..).unwrap_or(""));
    out.into()
}

fn stmts(list: &[Stmt<'_>], spans: &mut Vec<Span>) {
    for s in list {
        stmt(s, spans);
    }
}

fn stmt(s: &Stmt<'_>, spans: &mut Vec<Span>) {
    match s {
        Stmt::Template(t) => stmts(&t.children, spans),
        Stmt::EmitExpr(e) => expr(&e.expr, spans),
        Stmt::ForLoop(f) => {
            expr(&f.iter, spans);
            if let Some(filter) = &f.filter_expr {
                expr(filter, spans);
            }
            stmts(&f.body, spans);
            stmts(&f.else_body, spans);
        }
        Stmt::IfCond(i) => {
            expr(&i.expr, spans);
            stmts(&i.true_body, spans);
            stmts(&i.false_body, spans);
        }
        Stmt::WithBlock(w) => {
            for (_, value) in &w.assignments {
                expr(value, spans);
            }
            stmts(&w.body, spans);
        }
        Stmt::Set(set) => expr(&set.expr, spans),
        Stmt::SetBlock(set) => {
            if let Some(filter) = &set.filter {
                expr(filter, spans);
            }
            stmts(&set.body, spans);
        }
        Stmt::AutoEscape(a) => stmts(&a.body, spans),
        Stmt::FilterBlock(f) => stmts(&f.body, spans),
        Stmt::Macro(m) => {
            for default in &m.defaults {
                expr(default, spans);
            }
            stmts(&m.body, spans);
        }
        Stmt::CallBlock(c) => {
            call_args(&c.call.args, spans);
            stmts(&c.macro_decl.body, spans);
        }
        Stmt::Do(d) => call_args(&d.call.args, spans),
        _ => {}
    }
}

fn call_args(args: &[CallArg<'_>], spans: &mut Vec<Span>) {
    for arg in args {
        match arg {
            CallArg::Pos(e)
            | CallArg::Kwarg(_, e)
            | CallArg::PosSplat(e)
            | CallArg::KwargSplat(e) => expr(e, spans),
        }
    }
}

fn expr(e: &Expr<'_>, spans: &mut Vec<Span>) {
    match e {
        Expr::Var(_) | Expr::Const(_) => {}
        Expr::Slice(s) => {
            expr(&s.expr, spans);
            for part in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                expr(part, spans);
            }
        }
        Expr::UnaryOp(u) => expr(&u.expr, spans),
        Expr::BinOp(b) => {
            if matches!(b.op, BinOpKind::Mul) {
                spans.push(b.span());
            }
            expr(&b.left, spans);
            expr(&b.right, spans);
        }
        Expr::Compare(c) => {
            expr(&c.expr, spans);
            for op in &c.ops {
                expr(&op.expr, spans);
            }
        }
        Expr::IfExpr(i) => {
            expr(&i.test_expr, spans);
            expr(&i.true_expr, spans);
            if let Some(f) = &i.false_expr {
                expr(f, spans);
            }
        }
        Expr::Filter(f) => {
            if let Some(inner) = &f.expr {
                expr(inner, spans);
            }
            call_args(&f.args, spans);
        }
        Expr::Test(t) => {
            expr(&t.expr, spans);
            call_args(&t.args, spans);
        }
        Expr::GetAttr(g) => expr(&g.expr, spans),
        Expr::GetItem(g) => {
            expr(&g.expr, spans);
            expr(&g.subscript_expr, spans);
        }
        Expr::Call(c) => {
            expr(&c.expr, spans);
            call_args(&c.args, spans);
        }
        Expr::List(l) => l.items.iter().for_each(|i| expr(i, spans)),
        Expr::Tuple(t) => t.items.iter().for_each(|i| expr(i, spans)),
        Expr::Map(m) => m
            .keys
            .iter()
            .chain(m.values.iter())
            .for_each(|i| expr(i, spans)),
    }
}

/// One test per shape that hung, aborted or grew without bound before it was bounded (each
/// render on a thread: a hang fails the test after a minute instead of stopping the run).
#[cfg(test)]
mod tests {
    use super::super::{Templar, Vars};
    use std::time::Duration;

    fn render(template: &str) -> Result<String, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        let source = template.to_string();
        std::thread::spawn(move || {
            let mut vars = Vars::new();
            vars.insert("x".into(), serde_json::json!("abcdefghij"));
            vars.insert(
                "l".into(),
                serde_json::json!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
            );
            let out = Templar::new().render_str(&source, &vars);
            let out = out.map(|v| v.as_str().map_or_else(|| v.to_string(), String::from));
            let _ = tx.send(out.map_err(|e| e.to_string()));
        });
        rx.recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the render of {template:?} did not finish within 60 s"))
    }

    /// `text` after a first line, so that the error must name line 2.
    fn refused(text: &str, expected: &str) {
        let e = render(&format!("{{{{ 1 }}}}\n{text}")).unwrap_err();
        assert!(e.contains(expected), "{text}: {e}");
        assert!(e.contains("line 2"), "{text}: {e}");
    }

    fn repeated(levels: usize) -> String {
        (0..levels).fold("l".to_string(), |inner, _| format!("[{inner}]*2"))
    }

    #[test]
    fn a_list_repeated_inside_itself_in_one_expression_is_refused_where_it_is_built() {
        let doubled = repeated(40);
        for template in [
            format!("{{{{ ({doubled}) == ({doubled}) }}}}"),
            format!("{{{{ {doubled} ~ '' }}}}"),
            format!("{{{{ 1 in {doubled} }}}}"),
            format!("{{% if ({doubled}) != [] %}}yes{{% endif %}}"),
        ] {
            refused(
                &template,
                "a repetition (`… * n`): the value holds more than 2000000 items",
            );
        }
    }

    #[test]
    fn repetitions_below_the_limit_are_unchanged() {
        let small = repeated(10);
        let cases = [
            (format!("{{{{ ({small}) == ({small}) }}}}"), "true"),
            ("{{ 2 * 3 * 4 }}".into(), "24"),
            ("{{ [1, 2] * 2 }}".into(), "[1,2,1,2]"),
            ("{{ 'ab' * 2 ~ ('c' * 2) }}".into(), "ababcc"),
            (
                "{% for i in range(3) %}{{ i * 2 }}{% endfor %}".into(),
                "024",
            ),
            ("{% set a = [l[0]] * 3 %}{{ a }}".into(), "[1, 1, 1]"),
            (
                "{% macro m(v=[0] * 2) %}{{ v }}{% endmacro %}{{ m() }}".into(),
                "[0, 0]",
            ),
            ("{{ '*' }}{{ x[:2] * 2 }}".into(), "*abab"),
        ];
        for (template, want) in cases {
            assert_eq!(render(&template).as_deref(), Ok(want), "{template}");
        }
    }

    #[test]
    fn a_width_of_a_terabyte_is_refused_before_it_is_allocated() {
        refused("{{ x | center(10**12) }}", "center would build a text of");
        refused(
            "{{ '{:>1000000000000}'.format(x) }}",
            "str.format would build a text of",
        );
        refused(
            "{{ '%1000000000000d' | format(1) }}",
            "format would build a text of",
        );
        assert_eq!(render("{{ 'ab' | center(6) }}").as_deref(), Ok("  ab  "));
        assert_eq!(render("{{ '{:>4}'.format('a') }}").as_deref(), Ok("   a"));
        assert_eq!(render("{{ '%3d' | format(7) }}").as_deref(), Ok("  7"));
    }

    #[test]
    fn a_replacement_that_multiplies_the_text_is_refused_as_it_grows() {
        refused(
            "{{ (x * 10**5) | regex_replace('a', x * 10**5) }}",
            "regex_replace would build a text of",
        );
        assert_eq!(
            render("{{ 'a-b-c' | regex_replace('([a-z])', '<\\1>', count=2) }}").as_deref(),
            Ok("<a>-<b>-c")
        );
    }

    #[test]
    fn combinations_of_a_few_short_lists_are_refused_by_their_count() {
        refused(
            "{{ l | product(l, l, l, l, l, l, l, l, l, l, l) | list }}",
            "product would build 1000000000000 items",
        );
        refused(
            "{{ range(60) | list | combinations(30) | list }}",
            "combinations would build",
        );
        refused(
            "{{ range(14) | list | permutations | list }}",
            "permutations would build 87178291200 items",
        );
        assert_eq!(
            render("{{ [1, 2, 3] | combinations(2) | list | length }}").as_deref(),
            Ok("3")
        );
        assert_eq!(
            render("{{ [1, 2, 3] | permutations(2) | list | length }}").as_deref(),
            Ok("6")
        );
        assert_eq!(
            render("{{ [1, 2] | product([3, 4]) | list | length }}").as_deref(),
            Ok("4")
        );
    }

    #[test]
    fn an_indent_of_a_billion_is_refused_before_the_text_is_written() {
        refused(
            "{{ l | tojson(indent=10**9) }}",
            "tojson would build a text of",
        );
        refused(
            "{{ l | to_nice_json(indent=10**9) }}",
            "to_nice_json would build a text of",
        );
        refused(
            "{{ l | to_json(indent=10**9) }}",
            "to_json would build a text of",
        );
        assert_eq!(
            render("{{ [1] | to_nice_json(indent=2) }}").as_deref(),
            Ok("[\n  1\n]")
        );
    }
}
