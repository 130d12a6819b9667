//! Ansible's time functions: the `strftime` filter (Python's `time.strftime`, which is the C
//! library's) and the `now()` global with `fmt` (Python's `datetime.strftime`, `%f` included).
//! Both format as the C library's `strftime` does, in local time unless `utc=True`, as
//! ansible-core does. `now()` without `fmt` is a datetime object (see [`super::datetime`]), as is
//! what the `to_datetime` filter makes.

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind, Value};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("strftime", strftime_filter);
    env.add_filter("to_datetime", super::datetime::to_datetime);
    env.add_function("now", now);
    env.add_function(super::datetime::SUB, super::datetime::subtract);
}

fn err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// `'%Y-%m-%d' | strftime(second=None, utc=False)`.
fn strftime_filter(format: String, second: Option<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let utc = kwargs.get::<Option<bool>>("utc")?.unwrap_or(false);
    let second = match second.or(kwargs.get::<Option<Value>>("second")?) {
        None => None,
        Some(v) if v.is_none() => None,
        Some(v) => Some(seconds_of(&v)?),
    };
    kwargs.assert_all_used()?;
    let (seconds, _) = second.map_or_else(now_parts, |s| (s, 0));
    format_time(&format, seconds, 0, utc)
}

fn seconds_of(value: &Value) -> Result<i64, Error> {
    if let Some(n) = value.as_i64() {
        return Ok(n);
    }
    let text = value.to_string();
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(|f| f as i64)
        .ok_or_else(|| err(format!("Invalid value for epoch value ({text})")))
}

/// `now(utc=False, fmt=None)`: the time as text with `fmt`, else a datetime object (naive: local
/// time, or UTC with `utc=True`).
fn now(kwargs: Kwargs) -> Result<Value, Error> {
    let utc = kwargs.get::<Option<bool>>("utc")?.unwrap_or(false);
    let fmt = kwargs.get::<Option<String>>("fmt")?;
    kwargs.assert_all_used()?;
    let (seconds, micros) = now_parts();
    match fmt.filter(|f| !f.is_empty()) {
        Some(fmt) => format_time(&fmt, seconds, micros, utc).map(Value::from),
        None => local_civil(seconds, micros, utc).and_then(super::datetime::datetime_value),
    }
}

/// The wall-clock time of `seconds` since the epoch, in the local zone (or UTC).
fn local_civil(seconds: i64, micros: u32, utc: bool) -> Result<super::datetime::Civil, Error> {
    let text = format_time("%Y %m %d %H %M %S", seconds, 0, utc)?;
    let fields: Vec<i64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let [year, month, day, hour, minute, second] = fields[..] else {
        return Err(err(format!("now(): unexpected time {text:?}")));
    };
    Ok(super::datetime::Civil {
        year,
        month: month as u32,
        day: day as u32,
        hour: hour as u32,
        minute: minute as u32,
        second: second as u32,
        micro: micros,
    })
}

/// Python's `timestamp()` of a naive datetime: the seconds since the epoch of that wall-clock time
/// in the local zone (asked of `date`, which knows the zone's rules).
pub fn local_timestamp(dt: &super::datetime::DateTime) -> Result<f64, Error> {
    let c = dt.civil();
    let out = std::process::Command::new("date")
        .arg("-d")
        .arg(format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        ))
        .arg("+%s")
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| err(format!("timestamp(): cannot run `date`: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let seconds: i64 = text
        .trim()
        .parse()
        .map_err(|_| err(format!("timestamp(): unexpected `date` output {text:?}")))?;
    Ok(seconds as f64 + f64::from(c.micro) / 1e6)
}

fn now_parts() -> (i64, u32) {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (since.as_secs() as i64, since.subsec_micros())
}

/// C `strftime` of `seconds` (local time, or UTC); `%f` is the microseconds, as Python's datetime
/// has it. drover forbids `unsafe` code, so the C library's strftime (and the local time zone) is
/// reached through `date`, which formats with it: one short process per call.
pub(super) fn format_time(
    format: &str,
    seconds: i64,
    micros: u32,
    utc: bool,
) -> Result<String, Error> {
    let format = with_microseconds(format, micros);
    let mut date = std::process::Command::new("date");
    if utc {
        date.arg("-u");
    }
    let out = date
        .arg("-d")
        .arg(format!("@{seconds}"))
        .arg(format!("+{format}"))
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| err(format!("strftime: cannot run `date`: {e}")))?;
    if !out.status.success() {
        return Err(err(format!(
            "strftime: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8(out.stdout).map_err(|_| err("strftime: not UTF-8"))?;
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}

/// `%f` (not a C conversion) replaced by the six-digit microseconds; `%%` kept for strftime.
fn with_microseconds(format: &str, micros: u32) -> String {
    let mut out = String::with_capacity(format.len());
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('f') => out.push_str(&format!("{micros:06}")),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_and_percent_signs() {
        assert_eq!(with_microseconds("%s.%f %%f", 42), "%s.000042 %%f");
        assert_eq!(
            format_time("%Y-%m-%d %H:%M:%S %j %a %%", 1_700_000_000, 0, true).ok(),
            Some("2023-11-14 22:13:20 318 Tue %".to_string())
        );
    }
}
