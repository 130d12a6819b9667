//! Python's `datetime` and `timedelta` objects as ansible-core's templates have them: made by the
//! `to_datetime` filter (`datetime.strptime`) and `now()` without `fmt`, subtracted
//! (`(a - b).days`, `.seconds`, `.total_seconds()`), compared, formatted (`.strftime()`), and shown
//! as Python shows them (`str()` inside text, ISO 8601 as a task argument's value).
//!
//! minijinja has no operators for objects, so a template that makes datetimes has its `-` turned
//! into a call of [`SUB`] before it is compiled ([`rewrite_subtractions`]): numbers subtract as
//! before, datetimes as Python's do. Datetimes are naive (no time zone), as `to_datetime` without
//! `%z` and `now()` make them.

use chrono::format::{Fixed, Item};
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use minijinja::value::{DynObject, Object, ObjectRepr};
use minijinja::{Error, ErrorKind, State, Value};
use std::cmp::Ordering;
use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

/// The function a rewritten `a - b` calls.
pub const SUB: &str = "__drover_sub";

fn err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// Python's `datetime` allows years 1 to 9999; chrono allows far more.
const YEARS: std::ops::RangeInclusive<i64> = 1..=9999;

/// A naive `datetime.datetime` (of no zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(NaiveDateTime);

/// A `datetime.timedelta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeDelta(chrono::TimeDelta);

/// Broken-down civil time, as `now()` hands it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micro: u32,
}

impl DateTime {
    /// The datetime of `civil`, checked as Python's constructor checks it (and with its messages).
    pub fn from_civil(c: Civil) -> Result<DateTime, String> {
        if !YEARS.contains(&c.year) {
            return Err(format!("year {} is out of range", c.year));
        }
        if !(1..=12).contains(&c.month) {
            return Err("month must be in 1..12".into());
        }
        let date = i32::try_from(c.year)
            .ok()
            .and_then(|year| NaiveDate::from_ymd_opt(year, c.month, c.day))
            .ok_or("day is out of range for month")?;
        // chrono reads a microsecond past 999,999 as a leap second; Python has none.
        let time = (c.micro <= 999_999)
            .then(|| NaiveTime::from_hms_micro_opt(c.hour, c.minute, c.second, c.micro))
            .flatten()
            .ok_or("time is out of range")?;
        Ok(DateTime(date.and_time(time)))
    }

    pub fn civil(&self) -> Civil {
        let t = &self.0;
        Civil {
            year: i64::from(t.year()),
            month: t.month(),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
            micro: t.nanosecond() / 1000,
        }
    }

    /// The seconds since the epoch this naive time would be in UTC, and its microseconds.
    fn as_if_utc(&self) -> (i64, u32) {
        let utc = self.0.and_utc();
        (utc.timestamp(), utc.timestamp_subsec_micros())
    }

    /// Python's `isoformat()`: `2026-01-02T03:04:05` (`.ffffff` when there are microseconds).
    pub fn isoformat(&self) -> String {
        self.format("%Y-%m-%dT%H:%M:%S")
    }

    /// `format` and, as Python adds them, the microseconds when there are any.
    fn format(&self, format: &str) -> String {
        let text = self.0.format(format).to_string();
        if self.0.nanosecond() == 0 {
            text
        } else {
            text + &self.0.format("%.6f").to_string()
        }
    }

    fn weekday(&self) -> i64 {
        i64::from(self.0.weekday().num_days_from_monday())
    }

    fn checked_add(&self, delta: TimeDelta) -> Result<DateTime, Error> {
        self.0
            .checked_add_signed(delta.0)
            .filter(|moved| YEARS.contains(&i64::from(moved.year())))
            .map(DateTime)
            .ok_or_else(|| err("date value out of range"))
    }
}

impl fmt::Display for DateTime {
    /// Python's `str()`: `2026-01-02 03:04:05[.ffffff]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format("%Y-%m-%d %H:%M:%S"))
    }
}

const MICROS_PER_SECOND: i128 = 1_000_000;
const MICROS_PER_DAY: i128 = 86_400 * MICROS_PER_SECOND;

impl TimeDelta {
    /// All of it in microseconds; Python normalises `days`, `seconds` and `microseconds` from this
    /// (floor division: `-1.5 s` is `-1 day, 86398 s, 500000 µs`), chrono does not.
    fn micros(&self) -> i128 {
        i128::from(self.0.num_seconds()) * MICROS_PER_SECOND
            + i128::from(self.0.subsec_nanos() / 1000)
    }

    // chrono's range (±i64::MAX ms) keeps each part well inside i64.
    fn days(&self) -> i64 {
        self.micros().div_euclid(MICROS_PER_DAY) as i64
    }

    fn seconds(&self) -> i64 {
        (self.micros().rem_euclid(MICROS_PER_DAY) / MICROS_PER_SECOND) as i64
    }

    fn microseconds(&self) -> i64 {
        self.micros().rem_euclid(MICROS_PER_SECOND) as i64
    }

    fn total_seconds(&self) -> f64 {
        self.micros() as f64 / MICROS_PER_SECOND as f64
    }
}

impl fmt::Display for TimeDelta {
    /// Python's `str()`: `-2 days, 12:00:00`, `1 day, 0:00:00.500000`, `0:01:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.days();
        if days != 0 {
            let unit = if days.abs() == 1 { "day" } else { "days" };
            write!(f, "{days} {unit}, ")?;
        }
        let seconds = self.seconds();
        write!(
            f,
            "{}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )?;
        if self.microseconds() != 0 {
            write!(f, ".{:06}", self.microseconds())?;
        }
        Ok(())
    }
}

impl Object for DateTime {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let c = self.civil();
        Some(match key.as_str()? {
            "year" => Value::from(c.year),
            "month" => Value::from(c.month),
            "day" => Value::from(c.day),
            "hour" => Value::from(c.hour),
            "minute" => Value::from(c.minute),
            "second" => Value::from(c.second),
            "microsecond" => Value::from(c.micro),
            _ => return None,
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match (method, args) {
            ("strftime", [format]) => {
                let format = format
                    .as_str()
                    .ok_or_else(|| err("strftime() argument 1 must be str"))?;
                let (seconds, micros) = self.as_if_utc();
                super::dates::format_time(format, seconds, micros, true).map(Value::from)
            }
            ("isoformat", []) => Ok(Value::from(self.isoformat())),
            ("timestamp", []) => super::dates::local_timestamp(self).map(Value::from),
            ("weekday", []) => Ok(Value::from(self.weekday())),
            ("isoweekday", []) => Ok(Value::from(self.weekday() + 1)),
            ("date", []) => {
                let c = self.civil();
                Ok(Value::from(format!(
                    "{:04}-{:02}-{:02}",
                    c.year, c.month, c.day
                )))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn custom_cmp(self: &Arc<Self>, other: &DynObject) -> Option<Ordering> {
        Some((**self).cmp(other.downcast_ref::<Self>()?))
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl Object for TimeDelta {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "days" => Value::from(self.days()),
            "seconds" => Value::from(self.seconds()),
            "microseconds" => Value::from(self.microseconds()),
            _ => return None,
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match (method, args) {
            ("total_seconds", []) => Ok(Value::from(self.total_seconds())),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !self.0.is_zero()
    }

    fn custom_cmp(self: &Arc<Self>, other: &DynObject) -> Option<Ordering> {
        Some((**self).cmp(other.downcast_ref::<Self>()?))
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Python's type name of a datetime object (`type_debug`), if `value` is one.
pub fn type_name(value: &Value) -> Option<&'static str> {
    if value.downcast_object_ref::<DateTime>().is_some() {
        Some("datetime")
    } else if value.downcast_object_ref::<TimeDelta>().is_some() {
        Some("timedelta")
    } else {
        None
    }
}

/// A render's value as a variable holds it: a datetime as its ISO text (as ansible-core stores and
/// shows it); a timedelta cannot be stored, as in ansible-core. `None`: not a datetime object.
pub fn stored(value: &Value) -> Option<Result<String, String>> {
    if let Some(dt) = value.downcast_object_ref::<DateTime>() {
        return Some(Ok(dt.isoformat()));
    }
    value
        .downcast_object_ref::<TimeDelta>()
        .map(|_| Err("Type 'timedelta' is unsupported for variable storage.".to_string()))
}

/// `a - b` in a template that makes datetimes: Python's subtraction for datetimes and
/// timedeltas, minijinja's own for everything else.
pub fn subtract(state: &State<'_, '_>, a: Value, b: Value) -> Result<Value, Error> {
    let dt = |v: &Value| v.downcast_object_ref::<DateTime>().copied();
    let td = |v: &Value| v.downcast_object_ref::<TimeDelta>().copied();
    match (dt(&a), td(&a), dt(&b), td(&b)) {
        (Some(x), _, Some(y), _) => Ok(Value::from_object(TimeDelta(
            x.0.signed_duration_since(y.0),
        ))),
        (Some(x), _, _, Some(y)) => Ok(Value::from_object(x.checked_add(TimeDelta(-y.0))?)),
        (_, Some(x), _, Some(y)) => Ok(Value::from_object(TimeDelta(
            x.0.checked_sub(&y.0)
                .ok_or_else(|| err("timedelta value out of range"))?,
        ))),
        (None, None, None, None) => {
            // minijinja's `-` itself, with its numbers and its error messages.
            let minus = state.env().compile_expression("a - b")?;
            minus.eval(minijinja::context! { a => a, b => b })
        }
        _ => Err(err(format!(
            "unsupported operand type(s) for -: '{}' and '{}'",
            python_type(&a),
            python_type(&b)
        ))),
    }
}

fn python_type(value: &Value) -> &'static str {
    type_name(value).unwrap_or(match value.kind() {
        minijinja::value::ValueKind::String => "str",
        minijinja::value::ValueKind::Number if value.is_integer() => "int",
        minijinja::value::ValueKind::Number => "float",
        minijinja::value::ValueKind::Seq => "list",
        minijinja::value::ValueKind::Map => "dict",
        minijinja::value::ValueKind::None | minijinja::value::ValueKind::Undefined => "NoneType",
        _ => "object",
    })
}

/// `string | to_datetime(format='%Y-%m-%d %H:%M:%S')`: Python's `datetime.strptime`.
pub fn to_datetime(string: Value, format: Option<String>) -> Result<Value, Error> {
    let text = string.as_str().ok_or_else(|| {
        err(format!(
            "strptime() argument 1 must be str, not {}",
            python_type(&string)
        ))
    })?;
    let format = format.unwrap_or_else(|| "%Y-%m-%d %H:%M:%S".to_string());
    let civil = strptime(text, &format).map_err(err)?;
    DateTime::from_civil(civil)
        .map(Value::from_object)
        .map_err(err)
}

/// A datetime value for `now()`.
pub fn datetime_value(civil: Civil) -> Result<Value, Error> {
    DateTime::from_civil(civil)
        .map(Value::from_object)
        .map_err(err)
}

/// Python's `_strptime` for the directives roles use: `%Y %y %m %d %H %I %p %M %S %f %j %b %B %h
/// %a %A %%`; whitespace in the format matches any run of whitespace, letters match in any case.
/// Time zones (`%z`, `%Z`) are refused (drover's datetimes are naive).
///
/// chrono reads the names (`%b %B %h %a %A %p`) and checks the calendar, but this loop stays ours:
/// chrono's own `parse_from_str` reads a format otherwise than Python does. It skips blanks before
/// every number and lets a blank in the format match none; its literals are case-sensitive; its
/// `%Y` takes a sign and any number of digits; its `%f` counts nanoseconds (`123` is 123 ns, to
/// Python 123,000 µs); a field given twice must agree (Python keeps the last); and it wants a
/// whole date and time where Python defaults them (1900-01-01, 00:00:00).
pub fn strptime(text: &str, format: &str) -> Result<Civil, String> {
    let mismatch = || python_repr_mismatch(text, format);
    let mut p = Parsed::default();
    let mut rest = text;
    let mut spec = format.chars().peekable();
    while let Some(c) = spec.next() {
        if c == '%' {
            let directive = spec
                .next()
                .ok_or_else(|| format!("stray % in format '{format}'"))?;
            rest = p.directive(directive, rest).ok_or_else(mismatch)??;
        } else if c.is_whitespace() {
            while spec.peek().is_some_and(|n| n.is_whitespace()) {
                spec.next();
            }
            let trimmed = rest.trim_start();
            if trimmed.len() == rest.len() {
                return Err(mismatch());
            }
            rest = trimmed;
        } else {
            let mut chars = rest.chars();
            match chars.next() {
                Some(t) if t.to_lowercase().eq(c.to_lowercase()) => rest = chars.as_str(),
                _ => return Err(mismatch()),
            }
        }
    }
    if !rest.is_empty() {
        return Err(format!("unconverted data remains: {rest}"));
    }
    p.civil()
}

/// Python's message, its `repr()` quoting `'` unless the text holds one.
fn python_repr_mismatch(text: &str, format: &str) -> String {
    let quote = |s: &str| {
        if s.contains('\'') && !s.contains('"') {
            format!("\"{s}\"")
        } else {
            format!("'{}'", s.replace('\'', "\\'"))
        }
    };
    format!(
        "time data {} does not match format {}",
        quote(text),
        quote(format)
    )
}

#[derive(Default)]
struct Parsed {
    year: Option<i64>,
    month: Option<u32>,
    day: Option<u32>,
    hour: Option<u32>,
    hour12: Option<u32>,
    pm: Option<bool>,
    minute: u32,
    second: u32,
    micro: u32,
    yday: Option<u32>,
}

/// Up to `max` leading ASCII digits of `text` (at least one) and what follows them.
fn digits(text: &str, max: usize) -> Option<(u32, &str)> {
    let n = text
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if n == 0 {
        return None;
    }
    Some((text[..n].parse().ok()?, &text[n..]))
}

/// chrono's reading of one name item (`%B`: a month's full or three-letter name, in any case) at
/// the start of `text`: what it found and what follows it.
fn chrono_name(text: &str, item: Fixed) -> Option<(chrono::format::Parsed, &str)> {
    let mut parsed = chrono::format::Parsed::new();
    let rest =
        chrono::format::parse_and_remainder(&mut parsed, text, [Item::Fixed(item)].iter()).ok()?;
    Some((parsed, rest))
}

/// Where a numeric directive's value goes.
type Store = fn(&mut Parsed, u32);

/// A numeric directive: how many digits it reads at most, the values it accepts, where it keeps
/// the value. `None` for the others.
fn numeric(d: char) -> Option<(usize, RangeInclusive<u32>, Store)> {
    Some(match d {
        'Y' => (4, 0..=9999, |p, v| p.year = Some(i64::from(v))),
        'y' => (2, 0..=99, |p, v| {
            p.year = Some(i64::from(if v < 69 { 2000 + v } else { 1900 + v }));
        }),
        'm' => (2, 1..=12, |p, v| p.month = Some(v)),
        'd' => (2, 1..=31, |p, v| p.day = Some(v)),
        'H' => (2, 0..=23, |p, v| p.hour = Some(v)),
        'I' => (2, 1..=12, |p, v| p.hour12 = Some(v)),
        'M' => (2, 0..=59, |p, v| p.minute = v),
        'S' => (2, 0..=61, |p, v| p.second = v),
        'j' => (3, 1..=366, |p, v| p.yday = Some(v)),
        _ => return None,
    })
}

impl Parsed {
    /// Reads one directive at the start of `text`: `None` when the text does not match it.
    fn directive<'t>(&mut self, d: char, text: &'t str) -> Option<Result<&'t str, String>> {
        if let Some((width, range, store)) = numeric(d) {
            let (v, rest) = digits(text, width).filter(|(v, _)| range.contains(v))?;
            store(self, v);
            return Some(Ok(rest));
        }
        let rest = match d {
            'f' => {
                let (_, rest) = digits(text, 6)?;
                // Python reads `.5` as 500,000 µs: the digits are the fraction's leading ones.
                let fraction = &text[..text.len() - rest.len()];
                self.micro = format!("{fraction:0<6}").parse().ok()?;
                rest
            }
            // Python's `%b` wants the short name and `%B` the full one; drover takes either, as
            // chrono does.
            'b' | 'B' | 'h' => {
                let (parsed, rest) = chrono_name(text, Fixed::LongMonthName)?;
                self.month = parsed.month();
                rest
            }
            'a' | 'A' => chrono_name(text, Fixed::LongWeekdayName)?.1,
            'p' => {
                let (parsed, rest) = chrono_name(text, Fixed::UpperAmPm)?;
                // chrono keeps AM/PM as the hour's half: 0 before noon, 1 after.
                self.pm = parsed.hour_div_12().map(|half| half == 1);
                rest
            }
            '%' => text.strip_prefix('%')?,
            other => {
                return Some(Err(format!(
                    "to_datetime: the directive %{other} is not supported (drover's datetimes are naive: no %z/%Z)"
                )));
            }
        };
        Some(Ok(rest))
    }

    fn civil(&self) -> Result<Civil, String> {
        let year = self.year.unwrap_or(1900);
        let hour = match (self.hour12, self.pm) {
            (Some(h), Some(true)) => h % 12 + 12,
            (Some(h), _) => h % 12,
            (None, _) => self.hour.unwrap_or(0),
        };
        let day_out_of_range = || "day is out of range for month".to_string();
        let chrono_year =
            i32::try_from(year).map_err(|_| format!("year {year} is out of range"))?;
        let date = match (self.yday, self.month, self.day) {
            // Python counts a day of the year past the year's end on into the next year.
            (Some(yday), None, None) => NaiveDate::from_yo_opt(chrono_year, 1)
                .and_then(|first| first.checked_add_days(Days::new(u64::from(yday) - 1))),
            (_, month, day) => {
                NaiveDate::from_ymd_opt(chrono_year, month.unwrap_or(1), day.unwrap_or(1))
            }
        }
        .ok_or_else(day_out_of_range)?;
        Ok(Civil {
            year: i64::from(date.year()),
            month: date.month(),
            day: date.day(),
            hour,
            minute: self.minute,
            second: self.second.min(59),
            micro: self.micro,
        })
    }
}

/// The text of `source` (a template, or a bare expression when `expression`) with every binary
/// `-` turned into a call of [`SUB`], so datetimes subtract. `None` when nothing changes or the
/// text does not parse (minijinja then reports the syntax error itself).
pub fn rewrite_subtractions(source: &str, expression: bool) -> Option<String> {
    let ast = if expression {
        serde_json::to_value(minijinja::machinery::parse_expr(source).ok()?).ok()?
    } else {
        let parsed = minijinja::machinery::parse(source, "<template>", Default::default()).ok()?;
        serde_json::to_value(parsed).ok()?
    };
    let mut subs = Vec::new();
    collect_subtractions(&ast, &mut subs);
    if subs.is_empty() {
        return None;
    }
    subs.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::with_capacity(source.len() + subs.len() * 16);
    let mut index = 0;
    emit(source, &subs, &mut index, 0, source.len(), &mut out);
    Some(out)
}

/// One binary `-`: its whole extent and where its left operand ends (the operator follows), as
/// byte offsets.
#[derive(Debug, Clone, Copy)]
struct Subtraction {
    start: usize,
    operator: usize,
    end: usize,
}

fn span_of(node: &serde_json::Value) -> Option<(usize, usize)> {
    let span = node.get("inner")?.get(1)?;
    Some((
        span.get("start_offset")?.as_u64()? as usize,
        span.get("end_offset")?.as_u64()? as usize,
    ))
}

/// Finds the `BinOp` nodes whose operator is `Sub` anywhere in the serialized syntax tree.
fn collect_subtractions(node: &serde_json::Value, out: &mut Vec<Subtraction>) {
    match node {
        serde_json::Value::Object(map) => {
            if map.get("expr").and_then(|e| e.as_str()) == Some("BinOp")
                && let Some(sub) = subtraction(node)
            {
                out.push(sub);
            }
            map.values().for_each(|v| collect_subtractions(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_subtractions(v, out)),
        _ => {}
    }
}

fn subtraction(node: &serde_json::Value) -> Option<Subtraction> {
    let op = node.get("inner")?.get(0)?;
    if op.get("op")?.as_str()? != "Sub" {
        return None;
    }
    let (start, end) = span_of(node)?;
    let (_, left_end) = span_of(op.get("left")?)?;
    let (right_start, _) = span_of(op.get("right")?)?;
    // Between the operands there are only brackets, blanks and the operator itself: the first
    // `-` after the left operand is the operator.
    (right_start > left_end).then_some(Subtraction {
        start,
        operator: left_end,
        end,
    })
}

/// Writes `source[from..to]` with the subtractions inside it rewritten, outermost first.
fn emit(
    source: &str,
    subs: &[Subtraction],
    index: &mut usize,
    from: usize,
    to: usize,
    out: &mut String,
) {
    let mut at = from;
    while *index < subs.len() && subs[*index].start < to {
        let sub = subs[*index];
        *index += 1;
        if sub.start < at || sub.end > to {
            continue;
        }
        let Some(minus) = source
            .get(sub.operator..sub.end)
            .and_then(|t| t.find('-'))
            .map(|i| sub.operator + i)
        else {
            continue;
        };
        out.push_str(&source[at..sub.start]);
        out.push_str(SUB);
        out.push('(');
        emit(source, subs, index, sub.start, minus, out);
        out.push(',');
        emit(source, subs, index, minus + 1, sub.end, out);
        out.push(')');
        at = sub.end;
    }
    out.push_str(&source[at..to]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn civil(text: &str, format: &str) -> Civil {
        strptime(text, format).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn date(year: i64, month: u32, day: u32) -> DateTime {
        let c = Civil {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            micro: 0,
        };
        DateTime::from_civil(c).unwrap_or_else(|e| panic!("{year}-{month}-{day}: {e}"))
    }

    #[test]
    fn dates_count_days_as_pythons_calendar_does() {
        let epoch = date(1970, 1, 1);
        let days = |d: DateTime| TimeDelta(d.0.signed_duration_since(epoch.0)).days();
        assert_eq!(days(date(1, 1, 1)), -719_162);
        assert_eq!(days(date(2000, 3, 1)), 11_017);
        assert_eq!(days(date(9999, 12, 31)), 2_932_896);
        assert_eq!(date(2026, 1, 2).civil().day, 2);
        assert_eq!(date(1970, 1, 1).weekday(), 3);
        assert!(
            DateTime::from_civil(Civil {
                day: 29,
                ..date(2023, 2, 1).civil()
            })
            .is_err()
        );
        assert!(
            DateTime::from_civil(Civil {
                day: 29,
                ..date(2024, 2, 1).civil()
            })
            .is_ok()
        );
        assert_eq!(
            DateTime::from_civil(Civil {
                year: 0,
                ..epoch.civil()
            })
            .err()
            .as_deref(),
            Some("year 0 is out of range")
        );
        assert_eq!(
            DateTime::from_civil(Civil {
                micro: 1_000_000,
                ..epoch.civil()
            })
            .err()
            .as_deref(),
            Some("time is out of range")
        );
        assert!(
            date(9999, 12, 31)
                .checked_add(TimeDelta(chrono::TimeDelta::days(1)))
                .is_err()
        );
    }

    #[test]
    fn datetimes_print_as_python_prints_them() {
        let mut c = date(987, 6, 5).civil();
        assert_eq!(
            DateTime::from_civil(c).map(|d| d.isoformat()),
            Ok("0987-06-05T00:00:00".into())
        );
        c.micro = 120;
        assert_eq!(
            DateTime::from_civil(c).map(|d| d.to_string()),
            Ok("0987-06-05 00:00:00.000120".into())
        );
    }

    #[test]
    fn a_day_of_the_year_past_its_end_runs_into_the_next_year() {
        // Python: datetime.strptime('2026 366', '%Y %j') == datetime(2027, 1, 1)
        let c = civil("2026 366", "%Y %j");
        assert_eq!((c.year, c.month, c.day), (2027, 1, 1));
        let c = civil("2024 366", "%Y %j");
        assert_eq!((c.year, c.month, c.day), (2024, 12, 31));
    }

    #[test]
    fn strptime_reads_what_pythons_reads() {
        let c = civil("2026-01-02 03:04:05", "%Y-%m-%d %H:%M:%S");
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.second),
            (2026, 1, 2, 3, 4, 5)
        );
        assert_eq!(civil("Jan 02 2026", "%b %d %Y").month, 1);
        assert_eq!(civil("sunday 01 MARCH 2026", "%A %d %B %Y").month, 3);
        assert_eq!(civil("12:30 am", "%I:%M %p").hour, 0);
        assert_eq!(civil("12:30 PM", "%I:%M %p").hour, 12);
        assert_eq!(
            civil("2026-01-02T03:04:05.123", "%Y-%m-%dT%H:%M:%S.%f").micro,
            123_000
        );
        assert_eq!(civil("07/03/99 11:15 PM", "%d/%m/%y %I:%M %p").hour, 23);
        assert_eq!(civil("2026 032", "%Y %j").month, 2);
        assert_eq!(
            strptime("bad", "%Y-%m-%d").err().as_deref(),
            Some("time data 'bad' does not match format '%Y-%m-%d'")
        );
        assert_eq!(
            strptime("2026-01-02x", "%Y-%m-%d").err().as_deref(),
            Some("unconverted data remains: x")
        );
        assert!(strptime("2026-02-30", "%Y-%m-%d").is_err());
    }

    #[test]
    fn strptime_takes_each_numbers_range_and_width_as_python() {
        for (text, format) in [
            ("13", "%m"),
            ("00", "%m"),
            ("32", "%d"),
            ("24", "%H"),
            ("00", "%I"),
            ("13", "%I"),
            ("60", "%M"),
            ("62", "%S"),
            ("367", "%j"),
            ("000", "%j"),
            ("12345", "%Y"),
        ] {
            assert!(strptime(text, format).is_err(), "{text} as {format}");
        }
        let top = civil("12 31 2024 23 59 366", "%m %d %Y %H %M %j");
        assert_eq!((top.month, top.day, top.hour, top.minute), (12, 31, 23, 59));
        assert_eq!(civil("68", "%y").year, 2068);
        assert_eq!(civil("69", "%y").year, 1969);
        assert_eq!(civil("9999", "%Y").year, 9999);
        assert_eq!(civil("1", "%m").month, 1);
        assert_eq!(civil(".012", ".%f").micro, 12_000);
        assert_eq!(civil("1234567", "%f%S").micro, 123_456);
        assert_eq!(civil("1234567", "%f%S").second, 7);
    }

    #[test]
    fn timedeltas_print_as_python_prints_them() {
        const MICROS_PER_DAY: i64 = 86_400_000_000;
        const MICROS_PER_SECOND: i64 = 1_000_000;
        let td = |micros| TimeDelta(chrono::TimeDelta::microseconds(micros)).to_string();
        assert_eq!(td(MICROS_PER_DAY), "1 day, 0:00:00");
        assert_eq!(
            td(-2 * MICROS_PER_DAY + 12 * 3600 * MICROS_PER_SECOND),
            "-2 days, 12:00:00"
        );
        assert_eq!(td(-1_500_000), "-1 day, 23:59:58.500000");
        assert_eq!(td(61 * MICROS_PER_SECOND), "0:01:01");
    }

    #[test]
    fn binary_minus_becomes_a_call_and_unary_minus_stays() {
        assert_eq!(
            rewrite_subtractions("(a - b).days", true).as_deref(),
            Some("(__drover_sub(a , b)).days")
        );
        assert_eq!(
            rewrite_subtractions("{{ ((x|f) - (y - -1)) }} {{ 'a-b' }}", false).as_deref(),
            Some("{{ (__drover_sub((x|f) , (__drover_sub(y , -1)))) }} {{ 'a-b' }}")
        );
        assert_eq!(rewrite_subtractions("-a", true), None);
        assert_eq!(rewrite_subtractions("{{ a", false), None);
    }
}
