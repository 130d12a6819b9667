//! Ansible's filters of `find` (patterns, age, size, type, mode, depth), decided from the arguments
//! alone and run on the controller.

use super::listing::Entry;
use super::{AgeStamp, FileType, Params};
use crate::ModuleError;
use crate::files::pyre;
use crate::files::write::apply_symbolic;

/// Everything decided from the arguments alone, checked before the host is asked anything.
pub(super) struct Filters {
    pub(super) file_type: FileType,
    pub(super) patterns: Vec<regex::Regex>,
    pub(super) excludes: Vec<regex::Regex>,
    pub(super) hidden: bool,
    pub(super) age: Option<(i64, AgeStamp)>,
    pub(super) size: Option<i64>,
    pub(super) mode: Option<(u32, bool)>,
    pub(super) depth: Option<i64>,
}

impl Filters {
    pub(super) fn from_params(p: &Params) -> Result<Filters, ModuleError> {
        if p.limit.is_some_and(|l| l <= 0) {
            return Err(ModuleError::Params(format!(
                "limit cannot be {} (use None for unlimited)",
                p.limit.unwrap_or(0)
            )));
        }
        let name_matcher = |pattern: &String| match p.use_regex {
            true => pyre::compile_flags("", &format!("\\A(?:{pattern})"), "pattern"),
            false => glob(pattern),
        };
        let patterns = match p.patterns.is_empty() {
            true => vec![name_matcher(&String::from(if p.use_regex {
                ".*"
            } else {
                "*"
            }))?],
            false => p
                .patterns
                .iter()
                .map(name_matcher)
                .collect::<Result<_, _>>()?,
        };
        let excludes = p
            .excludes
            .iter()
            .map(name_matcher)
            .collect::<Result<_, _>>()?;
        let age = match &p.age {
            None => None,
            Some(text) => Some((
                with_unit(
                    text,
                    &[
                        ("s", 1),
                        ("m", 60),
                        ("h", 3600),
                        ("d", 86_400),
                        ("w", 604_800),
                    ],
                )
                .ok_or_else(|| ModuleError::Params(format!("failed to process age: {text}")))?,
                p.age_stamp.unwrap_or(AgeStamp::Mtime),
            )),
        };
        let size = match &p.size {
            None => None,
            Some(text) => Some(
                with_unit(
                    text,
                    &[
                        ("b", 1),
                        ("k", 1 << 10),
                        ("m", 1 << 20),
                        ("g", 1 << 30),
                        ("t", 1 << 40),
                    ],
                )
                .ok_or_else(|| ModuleError::Params(format!("failed to process size: {text}")))?,
            ),
        };
        let mode = p.mode.as_ref().map(|m| {
            let bits = match m {
                crate::de::Mode::Octal(o) => *o,
                crate::de::Mode::Symbolic(s) => apply_symbolic(0, s, false),
            };
            (bits & 0o7777, p.exact_mode)
        });
        Ok(Filters {
            file_type: p.file_type.unwrap_or(FileType::File),
            patterns,
            excludes,
            hidden: p.hidden,
            age,
            size,
            mode,
            depth: p.depth.filter(|d| p.recurse && *d > 0),
        })
    }

    /// Ansible's order of tests; the size filter only ever applies to regular files.
    pub(super) fn pass(&self, e: &Entry, now: f64) -> bool {
        let type_ok = match self.file_type {
            FileType::Any => true,
            FileType::File => e.kind == 'f',
            FileType::Directory => e.kind == 'd',
            FileType::Link => e.kind == 'l',
        };
        type_ok
            && self.depth.is_none_or(|d| e.depth <= d)
            && (self.hidden || !e.name().starts_with('.'))
            && self.name_passes(e.name())
            && self.age.is_none_or(|(age, stamp)| {
                let elapsed = now - e.time(stamp);
                if age >= 0 {
                    elapsed >= age as f64
                } else {
                    elapsed <= age.unsigned_abs() as f64
                }
            })
            && (e.kind != 'f'
                || self.size.is_none_or(|size| {
                    if size >= 0 {
                        e.size >= size as u64
                    } else {
                        e.size <= size.unsigned_abs()
                    }
                }))
            && self.mode.is_none_or(|(mode, exact)| match exact {
                true => e.mode == mode,
                false => e.mode & mode != 0,
            })
    }

    /// A name passes when a pattern matches it and no exclude does.
    pub(super) fn name_passes(&self, name: &str) -> bool {
        self.patterns.iter().any(|p| p.is_match(name))
            && !self.excludes.iter().any(|x| x.is_match(name))
    }
}

/// `30d`, `-2h`, `10m`, `1g`: a number and an optional unit (case-insensitive).
pub(super) fn with_unit(text: &str, units: &[(&str, i64)]) -> Option<i64> {
    let lower = text.trim().to_ascii_lowercase();
    let (number, factor) = match units.iter().find(|(u, _)| lower.ends_with(u)) {
        Some((u, f)) => (&lower[..lower.len() - u.len()], *f),
        None => (lower.as_str(), 1),
    };
    let digits = number.strip_prefix('-').unwrap_or(number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse::<i64>().ok()?.checked_mul(factor)
}

/// Python's `fnmatch.fnmatch` on POSIX: the whole name, case-sensitive, `*`, `?`, `[seq]`, `[!seq]`.
pub(super) fn glob(pattern: &str) -> Result<regex::Regex, ModuleError> {
    let mut re = String::from("(?s)\\A(?:");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => match chars[i + 1..].iter().skip(1).position(|c| *c == ']') {
                Some(close) => {
                    let end = i + 2 + close;
                    let body: String = chars[i + 1..end].iter().collect();
                    let body = match body.strip_prefix('!') {
                        Some(rest) => format!("^{}", rest.replace('\\', "\\\\")),
                        None => body.replace('\\', "\\\\"),
                    };
                    re.push_str(&format!("[{}]", body.replace('[', "\\[")));
                    i = end;
                }
                None => re.push_str("\\["),
            },
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push_str(")\\z");
    regex::Regex::new(&re)
        .map_err(|e| ModuleError::Params(format!("pattern {pattern:?} is not a valid glob: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_like_fnmatch() {
        let m = |p: &str, s: &str| glob(p).map(|re| re.is_match(s)).unwrap_or(false);
        assert!(m("*.log", "app.log"));
        assert!(!m("*.log", "app.log.1"));
        assert!(m("*.log*", "app.log.1"));
        assert!(m("?.txt", "a.txt"));
        assert!(m("[ab]*", "beta"));
        assert!(!m("[!ab]*", "beta"));
        assert!(m("[!ab]*", "gamma"));
        assert!(m("a[", "a["));
        assert!(m("a.b", "a.b") && !m("a.b", "axb"));
        assert!(m("*", ".hidden"));
    }

    #[test]
    fn ages_and_sizes_with_units() {
        let age = [
            ("s", 1),
            ("m", 60),
            ("h", 3600),
            ("d", 86_400),
            ("w", 604_800),
        ];
        assert_eq!(with_unit("2d", &age), Some(172_800));
        assert_eq!(with_unit("-1H", &age), Some(-3600));
        assert_eq!(with_unit("30", &age), Some(30));
        assert_eq!(with_unit("x1d", &age), None);
        assert_eq!(with_unit("d", &age), None);
    }
}
