//! Bounds on what one render may cost, so that no template (a value doubled thirty times, a loop
//! without end, a structure nested 50,000 deep) can hang drover, exhaust its memory or overflow its
//! stack. Every bound fails the render with an error naming the template; none aborts the process.
//!
//! - **Fuel** (minijinja's budget, charged per instruction and per 64 bytes of data created) bounds a
//!   render's time and the memory it allocates.
//! - **Output size**: rendered text is written through [`CappedWriter`]; values are measured.
//! - **Nesting**: structures only grow deeper than their inputs through `namespace()` attributes
//!   assigned in a loop. Creating a namespace caps the remaining fuel at [`NAMESPACE_FUEL`], which
//!   bounds that depth, and renders that may use one run on a stack sized for it ([`on_big_stack`]).
//!   Values leaving a render deeper than [`MAX_DEPTH`] are refused.
//! - **Shared structure**: `[x, x]` nested n times costs 2^n to write out; values holding more
//!   than [`MAX_ITEMS`] are refused before they are printed, serialized or returned.

use minijinja::value::{Kwargs, Rest, ValueKind, ValueOrKwargs};
use minijinja::{Environment, Error, ErrorKind, State, Value};

/// Work one render may do: about this many instructions, or 64 times as many bytes of data.
/// A 10,000-host loop writing half a megabyte takes about 300,000.
pub const FUEL: u64 = 4_000_000;

/// Fuel left to a render once it creates a `namespace()`, the only way a template can nest a
/// structure deeper with every loop pass (each level costs at least ~2 fuel).
pub const NAMESPACE_FUEL: u64 = 1_000_000;

/// Stack for renders that may build deep structures: dropping or printing one recurses per level
/// (~400 bytes a level in release builds), so NAMESPACE_FUEL/2 levels fit with room to spare.
/// Only the pages actually used are ever backed by memory.
pub const BIG_STACK: usize = 512 << 20;

/// Rendered text larger than this is refused.
pub const MAX_OUTPUT: usize = 64 << 20;

/// Values deeper than this do not leave a render (JSON parsers stop at 128).
pub const MAX_DEPTH: usize = 512;

pub fn install(env: &mut Environment<'static>) {
    env.set_fuel(Some(FUEL));
    install_assignment_check(env);
    install_repeat_check(env);
    env.set_formatter(|out, state, value| {
        check_shape(value)?;
        // Ansible's finalize prints None as nothing (`a{{ none }}b` is `ab`); `~` still says None.
        if value.is_none() {
            return Ok(());
        }
        minijinja::escape_formatter(out, state, value)
    });
    env.add_filter(
        "tojson",
        |value: &Value, indent: Option<Value>, kwargs: Kwargs| -> Result<Value, Error> {
            check_shape(value)?;
            let spaces = match &indent {
                Some(indent) => indent.as_usize(),
                None => kwargs.peek::<Option<usize>>("indent")?,
            }
            .unwrap_or(0);
            if spaces > 0 {
                let json = serde_json::to_value(value).unwrap_or_default();
                check_text_len(indentation_bytes(&json, spaces), "tojson")?;
            }
            minijinja::filters::tojson(value, indent, kwargs)
        },
    );
    guard_builtins(&mut Guarded::new(env));
    env.set_unknown_method_callback(|state, value, method, args| {
        // Python's string methods (`','.join(x)`) stringify their arguments like filters do.
        for arg in args {
            check_shape(arg)?;
        }
        if let ("format", Some(format)) = (method, value.as_str()) {
            check_text_len(largest_width_in(format), "str.format")?;
        }
        super::python_methods(state, value, method, args)
    });
    env.add_function(
        "namespace",
        |state: &State, defaults: Option<ValueOrKwargs>| -> Result<Value, Error> {
            cap_fuel(state, NAMESPACE_FUEL)?;
            minijinja::functions::namespace(defaults)
        },
    );
}

/// minijinja's own filters and tests that stringify, sort or compare their whole input, again
/// behind the shape check (the ones charging fuel as they go keep their registration).
fn guard_builtins(env: &mut Guarded<'_>) {
    use minijinja::{filters as f, tests as t};
    env.add_filter("lower", f::lower);
    env.add_filter("upper", f::upper);
    env.add_filter("title", f::title);
    env.add_filter("capitalize", f::capitalize);
    env.add_filter("trim", f::trim);
    env.add_filter("join", f::join);
    env.add_filter("lines", f::lines);
    env.add_filter("min", f::min);
    env.add_filter("max", f::max);
    env.add_filter("sort", f::sort);
    env.add_filter("sum", f::sum);
    env.add_filter("urlencode", super::url_filters::urlencode);
    env.add_filter(
        "format",
        |state: &mut State, format: &Value, args: Rest<ValueOrKwargs>| -> Result<Value, Error> {
            if let Some(text) = format.as_str() {
                check_text_len(largest_width_in(text), "format")?;
            }
            f::format(state, format, args)
        },
    );
    env.add_filter("escape", f::escape);
    env.add_filter("e", f::escape);
    env.add_filter("safe", f::safe);
    for name in ["eq", "equalto", "=="] {
        env.add_test(name, t::is_eq);
    }
    for name in ["ne", "!="] {
        env.add_test(name, t::is_ne);
    }
    for name in ["lt", "lessthan", "<"] {
        env.add_test(name, t::is_lt);
    }
    for name in ["le", "<="] {
        env.add_test(name, t::is_le);
    }
    for name in ["gt", "greaterthan", ">"] {
        env.add_test(name, t::is_gt);
    }
    for name in ["ge", ">="] {
        env.add_test(name, t::is_ge);
    }
    env.add_test("in", t::is_in);
    env.add_test("lower", t::is_lower);
    env.add_test("upper", t::is_upper);
}

/// Lowers the render's remaining fuel to at most `limit` (never raises it).
fn cap_fuel(state: &State, limit: u64) -> Result<(), Error> {
    match state.fuel_levels() {
        Some((_, remaining)) if remaining > limit => state.consume_fuel(remaining - limit),
        _ => Ok(()),
    }
}

/// Whether a render of `source` may create a namespace and so needs [`on_big_stack`]. File
/// templates always do (their includes are not known in advance).
pub fn may_nest_deeply(source: &str) -> bool {
    source.contains("namespace")
}

/// Runs `render` on a stack big enough for the deepest structure the fuel allows.
pub fn on_big_stack<R>(render: impl FnOnce() -> R) -> R {
    stacker::grow(BIG_STACK, render)
}

/// Items a value may hold, counted along every path (a list holding the same list twice counts
/// it twice: that is what writing it out costs, and `[x, x]` nested 40 times is 2^40 items).
pub const MAX_ITEMS: usize = 2_000_000;

/// Checks that `value` nests at most [`MAX_DEPTH`] deep and holds at most [`MAX_ITEMS`], walking
/// no further than those limits (never exponentially, never deeper than MAX_DEPTH frames).
pub fn check_shape(value: &Value) -> Result<(), Error> {
    let mut budget = MAX_ITEMS;
    walk(value, Reach::Whole, MAX_DEPTH, &mut budget).map(drop)
}

/// How far a walk looks into a value.
#[derive(Clone, Copy)]
enum Reach {
    /// Every container, lazy iterables too; nesting past the depth given is an error.
    Whole,
    /// A value a template just built, to at most the depth given: lazy iterables (which walking
    /// could consume) and `hostvars` (which walking would convert host by host) are not entered.
    Built,
    /// Like `Built`, and lazy iterables of known length too: a repeated list (`[x] * 2`) is one,
    /// and walks again every time (a one-shot iterator has no known length).
    Repeated,
}

impl Reach {
    /// Whether the walk enters `value`, `depth_left` levels above the walk's depth limit.
    fn enters(self, value: &Value, depth_left: usize) -> Result<bool, Error> {
        match self {
            Reach::Whole => {
                if !matches!(
                    value.kind(),
                    ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
                ) {
                    return Ok(false);
                }
                if depth_left == 0 {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!("the value is nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                Ok(true)
            }
            Reach::Built => Ok(depth_left > 0
                && matches!(value.kind(), ValueKind::Seq | ValueKind::Map)
                && value
                    .downcast_object_ref::<super::hostvars::Hostvars>()
                    .is_none()),
            Reach::Repeated => Ok(Reach::Built.enters(value, depth_left)?
                || (depth_left > 0
                    && value.kind() == ValueKind::Iterable
                    && value.as_object().and_then(|o| o.enumerator_len()).is_some())),
        }
    }
}

/// Charges `value`'s items along every path to `budget`; returns how many it charged. A child
/// that is the very object its previous sibling was is charged again without a second walk, so
/// a doubled list reaches the cap in as many steps as it has levels.
fn walk(
    value: &Value,
    reach: Reach,
    depth_left: usize,
    budget: &mut usize,
) -> Result<usize, Error> {
    if !reach.enters(value, depth_left)? {
        return Ok(0);
    }
    let Ok(items) = value.try_iter() else {
        return Ok(0);
    };
    let is_map = value.kind() == ValueKind::Map;
    let mut charged = 0;
    let mut previous: Option<(Value, usize)> = None;
    for item in items {
        let child = if is_map {
            value.get_item(&item).unwrap_or_default()
        } else {
            item
        };
        let below = match &previous {
            Some((same, n))
                if child.as_object().is_some() && minijinja::tests::is_sameas(same, &child) =>
            {
                charge(budget, *n)?;
                *n
            }
            _ => walk(&child, reach, depth_left - 1, budget)?,
        };
        charge(budget, 1)?;
        charged += below + 1;
        previous = Some((child, below));
    }
    Ok(charged)
}

fn charge(budget: &mut usize, items: usize) -> Result<(), Error> {
    *budget = budget.checked_sub(items).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("the value holds more than {MAX_ITEMS} items"),
        )
    })?;
    Ok(())
}

/// Refuses, before building it, a text of `len` bytes longer than [`MAX_OUTPUT`]: fuel is charged
/// for what a filter returns only once it exists, so one call asked for a width of 10^12
/// (`center`, `'{:>N}'.format`) or replacing every match by a long text would allocate it, or
/// abort the process, first. `what` names the filter or method.
pub fn check_text_len(len: u128, what: &str) -> Result<(), Error> {
    if len > MAX_OUTPUT as u128 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "{what} would build a text of {len} bytes, more than {} MiB",
                MAX_OUTPUT >> 20
            ),
        ));
    }
    Ok(())
}

/// Refuses, before building it, a list of more than [`MAX_ITEMS`] items (`product`,
/// `combinations` and `permutations` of a few short lists are astronomically long).
pub fn check_item_count(count: u128, what: &str) -> Result<(), Error> {
    if count > MAX_ITEMS as u128 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{what} would build {count} items, more than {MAX_ITEMS}"),
        ));
    }
    Ok(())
}

/// How many items `product` of lists this long builds (saturating).
pub fn product_count(lengths: impl IntoIterator<Item = usize>) -> u128 {
    lengths
        .into_iter()
        .fold(1u128, |n, len| n.saturating_mul(len as u128))
}

/// How many items `permutations(items, r)` builds (n!/(n-r)!) or, not `ordered`,
/// `combinations(items, r)` (that divided by r!), saturating.
pub fn arrangement_count(n: usize, r: usize, ordered: bool) -> u128 {
    if r > n {
        return 0;
    }
    let r = if ordered { r } else { r.min(n - r) };
    (0..r as u128).fold(1u128, |count, i| {
        let count = count.saturating_mul(n as u128 - i);
        if ordered { count } else { count / (i + 1) }
    })
}

/// Bytes of indentation `value` written out with `indent` spaces a level takes: each item
/// starts a line indented by its depth (`tojson(indent=10**9)` of a short list is gigabytes).
pub fn indentation_bytes(value: &serde_json::Value, indent: usize) -> u128 {
    fn lines(value: &serde_json::Value, depth: u128) -> u128 {
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match value {
            serde_json::Value::Array(items) => Box::new(items.iter()),
            serde_json::Value::Object(map) => Box::new(map.values()),
            _ => return 0,
        };
        // The closing bracket's line, then each child's own line and its lines below.
        children.fold(depth, |sum, child| {
            sum.saturating_add(depth + 1)
                .saturating_add(lines(child, depth + 1))
        })
    }
    lines(value, 0).saturating_mul(indent as u128)
}

/// The largest width or precision in a format string's placeholders (`{:>1000000000000}`,
/// `%.99999999f`): the least length the formatted text has. Numbers in the literal text around
/// the placeholders do not count.
pub fn largest_width_in(format: &str) -> u128 {
    let mut largest = 0;
    let mut rest = format;
    while let Some(at) = rest.find(['{', '%']) {
        let after = &rest[at + 1..];
        let spec_end = if rest[at..].starts_with('{') {
            after.find('}').unwrap_or(after.len())
        } else {
            after
                .find(|c: char| !(c.is_ascii_digit() || "-+ #.*".contains(c)))
                .unwrap_or(after.len())
        };
        let spec = &after[..spec_end];
        for digits in spec.split(|c: char| !c.is_ascii_digit()) {
            if !digits.is_empty() {
                largest = largest.max(digits.parse::<u128>().unwrap_or(u128::MAX));
            }
        }
        rest = &after[spec_end..];
    }
    largest
}

/// Collects rendered text, refusing to grow past [`MAX_OUTPUT`].
#[derive(Default)]
pub struct CappedWriter {
    buf: Vec<u8>,
    pub overflowed: bool,
}

impl CappedWriter {
    pub fn into_string(self) -> String {
        String::from_utf8_lossy(&self.buf).into_owned()
    }
}

impl std::io::Write for CappedWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > MAX_OUTPUT {
            self.overflowed = true;
            return Err(std::io::Error::other("rendered output too large"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn output_too_large() -> String {
    format!("the rendered text exceeds {} MiB", MAX_OUTPUT >> 20)
}

pub fn out_of_fuel() -> String {
    format!(
        "the template exceeded its budget of {FUEL} steps (a loop without end, a value that keeps \
         doubling, or a namespace built up over {NAMESPACE_FUEL} steps?)"
    )
}

/// Registers filters, tests and functions like [`Environment`] does, but those that write out,
/// serialize, hash or compare their whole input refuse an input holding more than [`MAX_ITEMS`]
/// first: fuel does not cover minijinja's `Display`, so stringifying `[x, x]` nested 40 times
/// would take 2^40 steps. Shallow ones (which look at an input's top only) are registered as
/// given, so they stay as cheap as before on big inputs such as `hostvars`.
pub struct Guarded<'a> {
    env: &'a mut Environment<'static>,
}

/// Filters and tests that never walk or stringify their input as a whole.
const SHALLOW: &[&str] = &[
    "d",
    "default",
    "mandatory",
    "ternary",
    "type_debug",
    "length",
    "count",
    "first",
    "last",
    "random",
    "shuffle",
    "extract",
    "dict2items",
    "product",
    "combinations",
    "permutations",
    "zip",
    "zip_longest",
    "subelements",
    "defined",
    "undefined",
    "none",
    "succeeded",
    "success",
    "successful",
];

impl<'a> Guarded<'a> {
    pub fn new(env: &'a mut Environment<'static>) -> Guarded<'a> {
        Guarded { env }
    }

    pub fn add_filter<N, F, Rv, Args>(&mut self, name: N, f: F)
    where
        N: Into<std::borrow::Cow<'static, str>>,
        F: minijinja::functions::Function<Rv, Args>,
        Rv: minijinja::value::FunctionResult,
        Args: for<'b> minijinja::value::FunctionArgs<'b>,
    {
        let name = name.into();
        match guard(&name, f) {
            Ok(guarded) => self.env.add_filter(name, guarded),
            Err(f) => self.env.add_filter(name, f),
        }
    }

    pub fn add_test<N, F, Rv, Args>(&mut self, name: N, f: F)
    where
        N: Into<std::borrow::Cow<'static, str>>,
        F: minijinja::functions::Function<Rv, Args>,
        Rv: minijinja::value::FunctionResult,
        Args: for<'b> minijinja::value::FunctionArgs<'b>,
    {
        let name = name.into();
        match guard(&name, f) {
            Ok(guarded) => self.env.add_test(name, guarded),
            Err(f) => self.env.add_test(name, f),
        }
    }
}

impl std::ops::Deref for Guarded<'_> {
    type Target = Environment<'static>;
    fn deref(&self) -> &Environment<'static> {
        self.env
    }
}

impl std::ops::DerefMut for Guarded<'_> {
    fn deref_mut(&mut self) -> &mut Environment<'static> {
        self.env
    }
}

/// `f` behind a check of every argument's shape, or `f` itself when `name` is shallow.
#[allow(clippy::type_complexity)]
fn guard<F, Rv, Args>(
    name: &str,
    f: F,
) -> Result<
    impl Fn(&mut State, Rest<ValueOrKwargs>) -> Result<Value, Error> + Send + Sync + 'static,
    F,
>
where
    F: minijinja::functions::Function<Rv, Args>,
    Rv: minijinja::value::FunctionResult,
    Args: for<'b> minijinja::value::FunctionArgs<'b>,
{
    if SHALLOW.contains(&name) {
        return Err(f);
    }
    let inner = Value::from_function(f);
    // Keyword arguments pass through as the marked value they arrive as.
    Ok(
        move |state: &mut State, args: Rest<ValueOrKwargs>| -> Result<Value, Error> {
            let args = args.into_values();
            for arg in &args {
                check_shape(arg)?;
            }
            inner.call(state, &args)
        },
    )
}

/// The function every `{% set x = … %}` assignment passes its value through (see
/// [`guard_assignments`]); not a name a template would use.
const ASSIGN_CHECK: &str = "__drover_assigned";

/// Registers [`ASSIGN_CHECK`]: the value unchanged, or an error naming the assigned variable when
/// the value, written out, would hold more than [`MAX_ITEMS`].
fn install_assignment_check(env: &mut Environment<'static>) {
    env.add_function(
        ASSIGN_CHECK,
        |value: Value, target: String| -> Result<Value, Error> {
            let mut budget = MAX_ITEMS;
            match walk(&value, Reach::Built, ASSIGN_CHECK_DEPTH, &mut budget) {
                Ok(_) => Ok(value),
                Err(e) => Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "{{% set {target} = … %}}: {} (a list or dict holding the same value \
                         twice, doubled again and again, would make comparing, joining or \
                         printing it take longer than any run)",
                        e.detail().unwrap_or("the value is too large")
                    ),
                )),
            }
        },
    );
}

/// Registers [`super::repeat_guard::REPEAT_CHECK`]: a product unchanged, or an error when it
/// would hold more than [`MAX_ITEMS`] written out.
fn install_repeat_check(env: &mut Environment<'static>) {
    env.add_function(
        super::repeat_guard::REPEAT_CHECK,
        |value: Value| -> Result<Value, Error> {
            let mut budget = MAX_ITEMS;
            match walk(&value, Reach::Repeated, ASSIGN_CHECK_DEPTH, &mut budget) {
                Ok(_) => Ok(value),
                Err(e) => Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "a repetition (`… * n`): {} (a list repeated inside a list, again and \
                         again, holds its items once but would make comparing, joining or printing \
                         it take longer than any run)",
                        e.detail().unwrap_or("the value is too large")
                    ),
                )),
            }
        },
    );
}

/// How deep an assignment's value is looked into. Every doubling is checked where it is
/// assigned, so its copies lie at most a few levels down; deeper (a chain of `[x]` 50,000 long,
/// which is not a hazard) is not walked again at every assignment.
const ASSIGN_CHECK_DEPTH: usize = 64;

/// `source` with every multiplication ([`super::repeat_guard`]) and every `{% set %}`
/// ([`guard_assignments`]) checked where it builds its value.
pub fn guard_source<'a>(
    source: &'a str,
    syntax: &minijinja::syntax::SyntaxConfig,
) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    match super::repeat_guard::guard_template(source, syntax) {
        Cow::Borrowed(unchanged) => guard_assignments(unchanged, syntax),
        Cow::Owned(guarded) => Cow::Owned(guard_assignments(&guarded, syntax).into_owned()),
    }
}

/// `source` with the value of every `{% set TARGET = EXPR %}` passed through [`ASSIGN_CHECK`].
/// minijinja walks containers without a fuel charge when it compares (`==`, `in`), concatenates
/// (`~`) or hashes them, and a value doubled by `{% set a = [a, a] %}` forty times is small in
/// memory (its halves are shared) but 2^40 items to such a walk: it would hang the run. Refused
/// where it is built instead, the error naming the variable and line. Nothing else changes: the
/// rewrite only wraps the expression (`((EXPR), 'TARGET')`), so a source that does not lex is
/// returned as it is, for minijinja to report.
pub fn guard_assignments<'a>(
    source: &'a str,
    syntax: &minijinja::syntax::SyntaxConfig,
) -> std::borrow::Cow<'a, str> {
    use minijinja::machinery::{Token, tokenize};
    if !source.contains("set") {
        return source.into();
    }
    // (where the expression starts, where it ends, the target's text)
    let mut wraps: Vec<(usize, usize, &str)> = Vec::new();
    let mut state = AssignScan::Outside;
    for token in tokenize(source, false, syntax.clone()) {
        let Ok((token, span)) = token else {
            return source.into();
        };
        let (start, end) = (span.start_offset as usize, span.end_offset as usize);
        state = match (state, token) {
            (_, Token::BlockStart) => AssignScan::BlockStart,
            (AssignScan::BlockStart, Token::Ident("set")) => AssignScan::Target(end),
            (AssignScan::Target(from), Token::Assign) => {
                AssignScan::Expr(end, source.get(from..start).unwrap_or("").trim())
            }
            (AssignScan::Expr(from, target), Token::BlockEnd) => {
                wraps.push((from, start, target));
                AssignScan::Outside
            }
            (AssignScan::Target(_), Token::BlockEnd) => AssignScan::Outside,
            (AssignScan::BlockStart, _) => AssignScan::Outside,
            (other, _) => other,
        };
    }
    if wraps.is_empty() {
        return source.into();
    }
    let mut out = String::with_capacity(source.len() + wraps.len() * 40);
    let mut copied = 0;
    for (from, to, target) in wraps {
        let (Some(before), Some(expr)) = (source.get(copied..from), source.get(from..to)) else {
            return source.into();
        };
        // Targets are names, dotted names and tuples of them; anything else is not quoted in.
        let target = if target
            .chars()
            .all(|c| c.is_alphanumeric() || "_., ()".contains(c))
        {
            target
        } else {
            "…"
        };
        out.push_str(before);
        out.push_str(&format!(" {ASSIGN_CHECK}(({expr}), '{target}') "));
        copied = to;
    }
    out.push_str(source.get(copied..).unwrap_or(""));
    out.into()
}

/// Where [`guard_assignments`] is in a `{% set … %}` tag.
#[derive(Clone, Copy)]
enum AssignScan<'a> {
    Outside,
    /// Just after `{%`.
    BlockStart,
    /// After `set`; the target starts at this offset.
    Target(usize),
    /// After `=`: the expression starts at this offset.
    Expr(usize, &'a str),
}

#[cfg(test)]
mod tests {
    use super::super::{Templar, Vars};
    use std::time::Duration;

    /// Renders `template` on a thread: a hang (the old behaviour) fails the test after a minute
    /// instead of stopping the test run.
    fn render(template: &str) -> Result<String, String> {
        let template = template.to_string();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let out = Templar::new().render_str(&template, &Vars::new());
            let out = out.map(|v| v.as_str().map_or_else(|| v.to_string(), String::from));
            let _ = tx.send(out.map_err(|e| e.to_string()));
        });
        rx.recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the render did not finish within 60 s"))
    }

    fn doubled(times: usize, step: &str) -> String {
        "{% set a = [1] %}{% set b = [1] %}{% set d = {} %}".to_string() + &step.repeat(times)
    }

    /// Operators walk containers without charging fuel: a value doubled in place 40 times would
    /// keep `==`, `~` or `in` busy for 2^40 steps. The assignment that crosses the limit fails,
    /// naming the variable and the line.
    #[test]
    fn operators_on_doubled_values_end_with_an_error_naming_the_assignment() {
        let lists = doubled(40, "{% set a = [a, a] %}{% set b = [b, b] %}");
        for op in [
            "a == b",
            "a != b",
            "a < b",
            "a ~ a",
            "b in [a]",
            "a | string",
        ] {
            let e = render(&format!("{lists}\n{{{{ {op} }}}}")).unwrap_err();
            assert!(e.contains("{% set a = … %}"), "{op}: {e}");
            assert!(e.contains("holds more than 2000000 items"), "{op}: {e}");
        }
        let dicts = doubled(40, "{% set d = {'x': d, 'y': d} %}");
        let e = render(&format!(
            "{dicts}{{{{ d == d | dict2items | items2dict }}}}"
        ))
        .unwrap_err();
        assert!(e.contains("{% set d = … %}"), "{e}");
        let namespaced = "{% set ns = namespace(x=[1], y=[1]) %}{% for i in range(40) %}\
             {% set ns.x = [ns.x, ns.x] %}{% set ns.y = [ns.y, ns.y] %}{% endfor %}{{ ns.x == ns.y }}";
        let e = render(namespaced).unwrap_err();
        assert!(e.contains("{% set ns.x = … %}"), "{e}");
        let multiline = format!(
            "{}\n\n{{% set a = [a, a] -%}}\n{{{{ a == b }}}}",
            doubled(19, "{% set a = [a, a] %}")
        );
        let e = render(&multiline).unwrap_err();
        assert!(e.contains("line 3"), "{e}");
    }

    #[test]
    fn assignments_below_the_limit_are_unchanged() {
        let cases = [
            (
                "{% set a = [1] %}{% for i in range(15) %}{% set a = [a, a] %}{% endfor %}{{ a | length }}",
                "1",
            ),
            (
                &*(doubled(15, "{% set a = [a, a] %}{% set b = [b, b] %}") + "{{ a == b }}"),
                "True",
            ),
            ("{% set a, b = 1, 2 %}{{ a + b }}", "3"),
            ("{% set (a, b) = [3, 4] %}{{ a * b }}", "12"),
            ("{% set s = 'x %} y' %}{{ s }}", "x %} y"),
            ("{% set s %}block {{ 1 }}{% endset %}{{ s }}", "block 1"),
            (
                "{% set l = [1, 2, 3] | select('odd') %}{{ l | list }}{{ l | list }}",
                "[1, 3][1, 3]",
            ),
            ("{%- set x = 5 -%} [{{ x }}]", "[5]"),
            ("{% raw %}{% set a = 1 %}{% endraw %}", "{% set a = 1 %}"),
            ("{{ 'set' }}", "set"),
        ];
        for (template, want) in cases {
            assert_eq!(render(template).as_deref(), Ok(want), "{template}");
        }
    }
}
