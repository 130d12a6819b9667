//! Python's `datetime.strptime`, directive by directive.

use super::Civil;
use chrono::format::{Fixed, Item};
use chrono::{Datelike, Days, NaiveDate};
use std::ops::RangeInclusive;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn civil(text: &str, format: &str) -> Civil {
        strptime(text, format).unwrap_or_else(|e| panic!("{text}: {e}"))
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
}
