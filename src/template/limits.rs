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

use minijinja::value::{Kwargs, ValueKind, ValueOrKwargs};
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
    env.set_formatter(|out, state, value| {
        check_shape(value)?;
        minijinja::escape_formatter(out, state, value)
    });
    env.add_filter(
        "tojson",
        |value: &Value, indent: Option<Value>, kwargs: Kwargs| -> Result<Value, Error> {
            check_shape(value)?;
            minijinja::filters::tojson(value, indent, kwargs)
        },
    );
    env.add_function(
        "namespace",
        |state: &State, defaults: Option<ValueOrKwargs>| -> Result<Value, Error> {
            cap_fuel(state, NAMESPACE_FUEL)?;
            minijinja::functions::namespace(defaults)
        },
    );
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
    walk(value, MAX_DEPTH, &mut budget)
}

fn walk(value: &Value, depth_left: usize, budget: &mut usize) -> Result<(), Error> {
    if !matches!(
        value.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
    ) {
        return Ok(());
    }
    if depth_left == 0 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("the value is nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    let Ok(items) = value.try_iter() else {
        return Ok(());
    };
    let is_map = value.kind() == ValueKind::Map;
    for item in items {
        *budget = budget.checked_sub(1).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("the value holds more than {MAX_ITEMS} items"),
            )
        })?;
        let child = if is_map {
            value.get_item(&item).unwrap_or_default()
        } else {
            item
        };
        walk(&child, depth_left - 1, budget)?;
    }
    Ok(())
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
