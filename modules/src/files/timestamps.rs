//! `access_time` / `modification_time` of the `file` module: `preserve`, `now`, or a time written
//! in `*_format` (Python `strptime` directives), read in the target's local time zone as Ansible's
//! `time.mktime` on the target does. The target itself turns that local time into seconds
//! (`date -d`), so its zone rules apply; the comparison with the file's current times is to the
//! nanosecond, which is what makes `touch` with both `preserve` (or a fixed time) idempotent.

use crate::cmd::quote;
use crate::{Cmd, Host, ModuleError};

/// Ansible's default `*_format`, the one `touch -t` reads too.
pub const DEFAULT_FORMAT: &str = "%Y%m%d%H%M.%S";

/// What one of the two times should become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    Preserve,
    Now,
    /// A local date and time, `YYYY-MM-DD HH:MM:SS` (what `date -d` and `touch -d` read).
    At(String),
}

impl When {
    /// `preserve`, `now`, or `value` parsed with `format`; `default` when the argument is not given
    /// (`now` for `state=touch`, `preserve` for every other state, as Ansible).
    pub fn parse(
        value: Option<&str>,
        format: Option<&str>,
        default: When,
    ) -> Result<When, ModuleError> {
        match value {
            None => Ok(default),
            Some("preserve") => Ok(When::Preserve),
            Some("now") => Ok(When::Now),
            Some(text) => {
                let format = format.unwrap_or(DEFAULT_FORMAT);
                strptime(text, format).map(When::At).map_err(|why| {
                    ModuleError::Failed(format!(
                        "Error while obtaining timestamp for time {text} using format {format}: {why}"
                    ))
                })
            }
        }
    }
}

/// Both times of one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Times {
    pub atime: When,
    pub mtime: When,
}

impl Times {
    pub fn preserve_both(&self) -> bool {
        self.atime == When::Preserve && self.mtime == When::Preserve
    }

    /// The commands that set the times of `path`, or `None` when they already are as asked.
    /// `exists`: the path is there now (otherwise a step before this one creates it, with both
    /// times `now`, and no query is needed).
    pub async fn fix(
        &self,
        host: &mut dyn Host,
        path: &str,
        exists: bool,
    ) -> Result<Option<Cmd>, ModuleError> {
        if self.preserve_both() {
            return Ok(None);
        }
        if !exists {
            return Ok(self.touch_new(path));
        }
        if !self.has_explicit_time() {
            let now = |w: &When| (*w == When::Now).then_some(Setting::Now);
            return Ok(touch_commands(path, now(&self.atime), now(&self.mtime)));
        }
        let current = self.query(host, path).await?;
        let atime = decide(&self.atime, current.atime, current.a_target);
        let mtime = decide(&self.mtime, current.mtime, current.m_target);
        Ok(touch_commands(path, atime, mtime))
    }

    fn has_explicit_time(&self) -> bool {
        matches!(self.atime, When::At(_)) || matches!(self.mtime, When::At(_))
    }

    /// A file just created has both times `now`: only explicit times remain to set.
    fn touch_new(&self, path: &str) -> Option<Cmd> {
        let local = |w: &When| match w {
            When::At(local) => Some(Setting::Local(local.clone())),
            _ => None,
        };
        touch_commands(path, local(&self.atime), local(&self.mtime))
    }

    /// One round trip: the current times with nanoseconds, and each asked-for local time as seconds.
    async fn query(&self, host: &mut dyn Host, path: &str) -> Result<Current, ModuleError> {
        let mut script = format!("stat -L -c '%X|%Y|%x|%y' -- {}", quote(path));
        for when in [&self.atime, &self.mtime] {
            if let When::At(local) = when {
                script.push_str(&format!(" && date -d {} +%s", quote(local)));
            }
        }
        let out = host.query(&Cmd::new(&script)).await?;
        if !out.success() {
            return Err(ModuleError::Failed(format!(
                "Error while updating modification or access time: {}",
                out.stderr.trim()
            )));
        }
        parse_current(&out.stdout, &self.atime, &self.mtime).ok_or_else(|| {
            ModuleError::Failed(format!(
                "unexpected output while reading the times of {path}: {:?}",
                out.stdout
            ))
        })
    }
}

/// A file's time as seconds and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    secs: i64,
    nanos: u32,
}

struct Current {
    atime: Stamp,
    mtime: Stamp,
    a_target: Option<i64>,
    m_target: Option<i64>,
}

/// `%X|%Y|%x|%y` then one line of seconds per explicit time (atime first).
fn parse_current(stdout: &str, atime: &When, mtime: &When) -> Option<Current> {
    let mut lines = stdout.lines();
    let fields: Vec<&str> = lines.next()?.split('|').collect();
    let [a_secs, m_secs, a_human, m_human] = fields.as_slice() else {
        return None;
    };
    let stamp = |secs: &str, human: &str| -> Option<Stamp> {
        Some(Stamp {
            secs: secs.trim().parse().ok()?,
            nanos: nanos_of(human),
        })
    };
    let mut next_target = |w: &When| -> Option<Option<i64>> {
        match w {
            When::At(_) => lines.next()?.trim().parse().ok().map(Some),
            _ => Some(None),
        }
    };
    let a_target = next_target(atime)?;
    let m_target = next_target(mtime)?;
    Some(Current {
        atime: stamp(a_secs, a_human)?,
        mtime: stamp(m_secs, m_human)?,
        a_target,
        m_target,
    })
}

/// The fraction of `2023-11-14 22:13:20.123456789 +0000`, in nanoseconds (0 when there is none).
fn nanos_of(human: &str) -> u32 {
    let Some((_, rest)) = human.split_once('.') else {
        return 0;
    };
    let digits: String = rest
        .chars()
        .take_while(char::is_ascii_digit)
        .take(9)
        .collect();
    format!("{digits:0<9}").parse().unwrap_or(0)
}

/// How one time gets set.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Setting {
    Now,
    Epoch(i64),
    Local(String),
}

impl Setting {
    fn touch_arg(&self) -> Option<String> {
        match self {
            Setting::Now => None,
            Setting::Epoch(s) => Some(format!("@{s}")),
            Setting::Local(l) => Some(l.clone()),
        }
    }
}

/// `None`: leave this time alone (preserved, or already the asked-for second with no fraction).
fn decide(when: &When, current: Stamp, target: Option<i64>) -> Option<Setting> {
    match (when, target) {
        (When::Preserve, _) => None,
        (When::Now, _) => Some(Setting::Now),
        (When::At(_), Some(t)) if current == (Stamp { secs: t, nanos: 0 }) => None,
        (When::At(_), Some(t)) => Some(Setting::Epoch(t)),
        (When::At(local), None) => Some(Setting::Local(local.clone())),
    }
}

fn touch_commands(path: &str, atime: Option<Setting>, mtime: Option<Setting>) -> Option<Cmd> {
    let touch = |flag: &str, s: &Setting| {
        let mut cmd = Cmd::new("touch");
        if !flag.is_empty() {
            cmd = cmd.syntax(flag);
        }
        if let Some(arg) = s.touch_arg() {
            cmd = cmd.syntax("-d").arg(arg);
        }
        cmd.syntax("--").arg(path)
    };
    match (atime, mtime) {
        (None, None) => None,
        (Some(a), Some(m)) if a == m => Some(touch("", &a)),
        (Some(a), Some(m)) => Some(touch("-a", &a).and(touch("-m", &m))),
        (Some(a), None) => Some(touch("-a", &a)),
        (None, Some(m)) => Some(touch("-m", &m)),
    }
}

/// Python's `time.strptime` for the directives a timestamp needs (`%Y %y %m %d %H %M %S %j %b %B
/// %p %I %%`), with Python's own patterns for each, so the same input parses the same way. Returns
/// the local time as `YYYY-MM-DD HH:MM:SS`.
fn strptime(text: &str, format: &str) -> Result<String, String> {
    let no_match = || format!("time data {text:?} does not match format {format:?}");
    let mut pattern = String::from("(?i)^");
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            let directive = chars.next().ok_or_else(no_match)?;
            pattern.push_str(directive_pattern(directive).ok_or_else(|| {
                format!("'{directive}' is a bad directive in format '%{directive}'")
            })?);
        } else if c.is_whitespace() {
            pattern.push_str(r"\s+");
        } else {
            pattern.push_str(&regex::escape(&c.to_string()));
        }
    }
    pattern.push('$');
    let re = regex::Regex::new(&pattern).map_err(|e| e.to_string())?;
    let caps = re.captures(text).ok_or_else(no_match)?;
    let num = |name: &str| -> Option<u32> { caps.name(name)?.as_str().trim().parse().ok() };
    let year = match (num("Y"), num("y")) {
        (Some(y), _) => y,
        (None, Some(y)) if y <= 68 => 2000 + y,
        (None, Some(y)) => 1900 + y,
        (None, None) => 1900,
    };
    let month = num("m")
        .or_else(|| caps.name("b").and_then(|b| month_number(b.as_str())))
        .unwrap_or(1);
    let mut day = num("d").unwrap_or(1);
    let mut month = month;
    if let Some(yday) = num("j") {
        (month, day) = month_day_of_year(year, yday).ok_or_else(no_match)?;
    }
    let mut hour = num("H").unwrap_or(0);
    if let Some(h12) = num("I") {
        let pm = caps
            .name("p")
            .is_some_and(|p| p.as_str().eq_ignore_ascii_case("pm"));
        hour = h12 % 12 + if pm { 12 } else { 0 };
    }
    if day > days_in_month(year, month) {
        return Err("day is out of range for month".into());
    }
    Ok(format!(
        "{year:04}-{month:02}-{day:02} {hour:02}:{:02}:{:02}",
        num("M").unwrap_or(0),
        num("S").unwrap_or(0)
    ))
}

/// CPython's `_strptime.TimeRE` patterns.
fn directive_pattern(d: char) -> Option<&'static str> {
    Some(match d {
        'd' => r"(?P<d>3[01]|[12]\d|0[1-9]|[1-9]| [1-9])",
        'H' => r"(?P<H>2[0-3]|[0-1]\d|\d)",
        'I' => r"(?P<I>1[0-2]|0[1-9]|[1-9])",
        'j' => r"(?P<j>36[0-6]|3[0-5]\d|[12]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])",
        'm' => r"(?P<m>1[0-2]|0[1-9]|[1-9])",
        'M' => r"(?P<M>[0-5]\d|\d)",
        'S' => r"(?P<S>6[0-1]|[0-5]\d|\d)",
        'y' => r"(?P<y>\d\d)",
        'Y' => r"(?P<Y>\d\d\d\d)",
        'b' | 'B' | 'h' => {
            r"(?P<b>january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
        }
        'p' => r"(?P<p>am|pm)",
        '%' => "%",
        _ => return None,
    })
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_number(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| lower.starts_with(m))
        .map(|i| i as u32 + 1)
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn month_day_of_year(year: u32, yday: u32) -> Option<(u32, u32)> {
    let mut left = yday;
    for month in 1..=12 {
        let len = days_in_month(year, month);
        if left <= len {
            return Some((month, left));
        }
        left -= len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_python_strptime() {
        // Expectations printed by CPython 3.11's time.strptime.
        let cases = [
            ("202311142213.20", DEFAULT_FORMAT, Ok("2023-11-14 22:13:20")),
            ("2023111422135", "%Y%m%d%H%M%S", Ok("2023-11-14 22:13:05")),
            ("20231114", "%Y%m%d%H", Ok("2023-11-01 04:00:00")),
            ("2023-1-5  3:4", "%Y-%m-%d %H:%M", Ok("2023-01-05 03:04:00")),
            ("14 Nov 99 10PM", "%d %b %y %I%p", Ok("1999-11-14 22:00:00")),
            ("2024 060", "%Y %j", Ok("2024-02-29 00:00:00")),
        ];
        for (text, format, want) in cases {
            assert_eq!(
                strptime(text, format).as_deref(),
                want.map_err(|_: ()| String::new()).as_deref(),
                "{text} {format}"
            );
        }
        assert_eq!(
            strptime("2023-02-31", "%Y-%m-%d"),
            Err("day is out of range for month".into())
        );
        assert!(strptime("1 jan 99 ", "%d %b %y").is_err());
        assert!(strptime("2023", "%Q").is_err());
    }

    #[test]
    fn reads_nanoseconds_from_stat() {
        assert_eq!(nanos_of("2023-11-14 22:13:20.015997618 +0000"), 15_997_618);
        assert_eq!(nanos_of("2023-11-14 22:13:20.5 +0000"), 500_000_000);
        assert_eq!(nanos_of("2023-11-14 22:13:20 +0000"), 0);
    }

    #[test]
    fn touch_commands_set_only_what_differs() {
        let p = "/t";
        assert_eq!(touch_commands(p, None, None), None);
        let show = |a, m| touch_commands(p, a, m).map(|c| c.to_shell());
        assert_eq!(
            show(Some(Setting::Now), Some(Setting::Now)).as_deref(),
            Some("touch -- /t")
        );
        assert_eq!(
            show(None, Some(Setting::Epoch(1_700_000_000))).as_deref(),
            Some("touch -m -d @1700000000 -- /t")
        );
        assert_eq!(
            show(
                Some(Setting::Now),
                Some(Setting::Local("2023-11-14 22:13:20".into()))
            )
            .as_deref(),
            Some("touch -a -- /t && touch -m -d '2023-11-14 22:13:20' -- /t")
        );
    }
}
