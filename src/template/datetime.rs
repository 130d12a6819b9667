//! Python's `datetime` and `timedelta` objects as ansible-core's templates have them: made by the
//! `to_datetime` filter (`datetime.strptime`) and `now()` without `fmt`, subtracted
//! (`(a - b).days`, `.seconds`, `.total_seconds()`), compared, formatted (`.strftime()`), and shown
//! as Python shows them (`str()` inside text, ISO 8601 as a task argument's value).
//!
//! minijinja has no operators for objects, so a template that makes datetimes has its `-` turned
//! into a call of [`SUB`] before it is compiled ([`rewrite_subtractions`]): numbers subtract as
//! before, datetimes as Python's do. Datetimes are naive (no time zone), as `to_datetime` without
//! `%z` and `now()` make them.

mod strptime;
mod subtraction;

pub use strptime::strptime;
pub use subtraction::rewrite_subtractions;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use minijinja::value::{DynObject, Object, ObjectRepr};
use minijinja::{Error, ErrorKind, State, Value};
use std::cmp::Ordering;
use std::fmt;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
