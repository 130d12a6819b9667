//! Host patterns as ansible-core reads them in INI and YAML inventories: an optional `:port`
//! (`host:2222`, `[::1]:2222`), then ranges `web[01:20]`, `db-[a:f]`, `node[1:10:2]`, several per
//! name. The expansion is counted before it is built and refused above [`MAX_HOSTS_PER_PATTERN`]:
//! `h[0:999999999]` is an error, never a 24 GB allocation.

use regex::Regex;
use std::sync::LazyLock;

/// The most hosts one pattern (one inventory line or YAML key) may expand to.
pub const MAX_HOSTS_PER_PATTERN: u128 = 1_000_000;

const ASCII_LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The host names and port of a pattern (Ansible's `_expand_hostpattern`).
pub fn expand_host_pattern(pattern: &str) -> Result<(Vec<String>, Option<u64>), String> {
    let (name, port) = split_port(pattern);
    let names = if name.contains('[') {
        expand(&name)?
    } else {
        vec![name]
    };
    Ok((names, port))
}

/// Ansible's `parse_address(allow_ranges=True)`: a port is split off only when what is left is a
/// valid host name or address (ranges allowed); otherwise the whole word is the name.
fn split_port(word: &str) -> (String, Option<u64>) {
    let mut address = word.to_string();
    let mut port = None;
    for pattern in [&*BRACKETED_HOSTPORT, &*HOSTPORT] {
        let found = pattern.captures(&address).and_then(|c| {
            Some((
                c.get(1)?.as_str().to_string(),
                c.get(2)?.as_str().parse().ok(),
            ))
        });
        if let Some((host, number)) = found {
            address = host;
            port = number;
        }
    }
    if port.is_some() && is_host_address(&address) {
        (address, port)
    } else {
        (word.to_string(), None)
    }
}

fn is_host_address(address: &str) -> bool {
    IPV4.is_match(address) || IPV6.is_match(address) || is_hostname(address)
}

/// Dot-separated labels of word characters, `-` and ranges, not ending in `-` or `_`.
fn is_hostname(address: &str) -> bool {
    address
        .split('.')
        .all(|label| LABEL.is_match(label) && !label.ends_with('-') && !label.ends_with('_'))
}

const NUMERIC_RANGE: &str = r"\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]";
const HEX_RANGE: &str = r"\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]";
const ALNUM_RANGE: &str = r"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]";

static BRACKETED_HOSTPORT: LazyLock<Regex> = LazyLock::new(|| compile(r"^\[(.+)\]:([0-9]+)$"));
static HOSTPORT: LazyLock<Regex> =
    LazyLock::new(|| compile(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$"));
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)^(?:\w|{ALNUM_RANGE})(?:[\w-]|{ALNUM_RANGE})*$"
    ))
});
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    let part = format!(r"(?:[01]?[0-9]{{1,2}}|2[0-4][0-9]|25[0-5]|{NUMERIC_RANGE})");
    compile(&format!(r"(?i)^(?:{part}\.){{3}}{part}$"))
});
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    let c = format!(r"(?:[0-9a-f]{{1,4}}|{HEX_RANGE})");
    let forms = [
        format!(r"(?:{c}:){{7}}{c}"),
        format!(r"(?:{c}:){{1,6}}:"),
        format!(r"(?:{c}:)(?::{c}){{1,6}}"),
        format!(r"(?:{c}:){{2}}(?::{c}){{1,5}}"),
        format!(r"(?:{c}:){{3}}(?::{c}){{1,4}}"),
        format!(r"(?:{c}:){{4}}(?::{c}){{1,3}}"),
        format!(r"(?:{c}:){{5}}(?::{c}){{1,2}}"),
        format!(r"(?:{c}:){{6}}(?::{c})"),
        format!(r":(?::{c}){{1,6}}"),
        format!(r"{c}?::"),
        format!(r"(?:0:){{6}}(?:{c}\.){{3}}{c}"),
        format!(r"::(?:ffff:)?(?:{c}\.){{3}}{c}"),
        format!(r"(?:0:){{5}}ffff:(?:{c}\.){{3}}{c}"),
    ];
    compile(&format!("(?i)^(?:{})$", forms.join("|")))
});

/// The patterns above are constants (the unit tests compile every one).
fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a constant host-address pattern compiles")
}

/// One `[begin:end(:step)]` of a pattern, with the literal text before it.
struct Segment {
    head: String,
    items: Items,
}

enum Items {
    Numbers {
        start: i128,
        stop: i128,
        step: i128,
        width: usize,
    },
    Letters {
        from: usize,
        to: usize,
        step: usize,
    },
}

impl Items {
    fn count(&self) -> u128 {
        match *self {
            Items::Numbers {
                start, stop, step, ..
            } => {
                let (span, step) = if step > 0 {
                    (stop - start, step)
                } else {
                    (start - stop, -step)
                };
                if span <= 0 {
                    0
                } else {
                    span.unsigned_abs().div_ceil(step.unsigned_abs())
                }
            }
            Items::Letters { from, to, step } => ((to - from) / step + 1) as u128,
        }
    }

    fn get(&self, index: u128) -> String {
        match *self {
            Items::Numbers {
                start, step, width, ..
            } => {
                let n = start + step * index as i128;
                zfill(&n.to_string(), width)
            }
            Items::Letters { from, step, .. } => {
                let at = from + step * index as usize;
                ASCII_LETTERS[at..=at].to_string()
            }
        }
    }
}

/// Python's `str.zfill`: zeros after the sign.
fn zfill(text: &str, width: usize) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let pad = width.saturating_sub(text.len());
    format!("{sign}{}{digits}", "0".repeat(pad))
}

/// Expands every range in `pattern` (Ansible's `expand_hostname_range`), refusing empty ranges
/// and expansions beyond [`MAX_HOSTS_PER_PATTERN`].
pub fn expand(pattern: &str) -> Result<Vec<String>, String> {
    let (segments, tail) = segments(pattern)?;
    let total = segments
        .iter()
        .fold(1u128, |n, s| n.saturating_mul(s.items.count()));
    if total == 0 {
        return Err(format!("host range in {pattern:?} expands to no hosts"));
    }
    if total > MAX_HOSTS_PER_PATTERN {
        return Err(format!(
            "host range in {pattern:?} expands to {} hosts, more than the limit of {MAX_HOSTS_PER_PATTERN} hosts per pattern",
            if total == u128::MAX {
                "too many".to_string()
            } else {
                total.to_string()
            }
        ));
    }
    let mut names = Vec::with_capacity(total as usize);
    let mut odometer = vec![0u128; segments.len()];
    loop {
        let mut name = String::new();
        for (segment, &at) in segments.iter().zip(&odometer) {
            name.push_str(&segment.head);
            name.push_str(&segment.items.get(at));
        }
        name.push_str(&tail);
        names.push(name);
        // The last range turns fastest, as Ansible's recursion over the tail does.
        let mut place = segments.len();
        loop {
            if place == 0 {
                return Ok(names);
            }
            place -= 1;
            odometer[place] += 1;
            if odometer[place] < segments[place].items.count() {
                break;
            }
            odometer[place] = 0;
        }
    }
}

/// Cuts `pattern` at each first `[` and first `]` as Ansible does, into ranges and the text after
/// the last one.
fn segments(pattern: &str) -> Result<(Vec<Segment>, String), String> {
    let mut segments = Vec::new();
    let mut rest = pattern.to_string();
    while rest.contains('[') {
        if rest.contains('|') {
            return Err(format!("'|' is not allowed in the host range {pattern:?}"));
        }
        let marked = rest.replacen('[', "|", 1).replacen(']', "|", 1);
        let parts: Vec<&str> = marked.split('|').collect();
        let [head, spec, tail] = parts.as_slice() else {
            return Err(format!("unclosed range in {pattern:?}"));
        };
        segments.push(Segment {
            head: head.to_string(),
            items: parse_spec(spec, pattern)?,
        });
        rest = tail.to_string();
    }
    Ok((segments, rest))
}

fn parse_spec(spec: &str, pattern: &str) -> Result<Items, String> {
    let bounds: Vec<&str> = spec.split(':').collect();
    let (begin, end, step) = match bounds.as_slice() {
        [b, e] => (*b, *e, "1"),
        [b, e, s] => (*b, *e, *s),
        _ => {
            return Err(format!(
                "bad range [{spec}] in {pattern:?}: a host range is [begin:end] or [begin:end:step]"
            ));
        }
    };
    let begin = if begin.is_empty() { "0" } else { begin };
    if end.is_empty() {
        return Err(format!("bad range [{spec}] in {pattern:?}: no end value"));
    }
    let width = if begin.starts_with('0') && begin.len() > 1 {
        if begin.len() != end.len() {
            return Err(format!(
                "bad range [{spec}] in {pattern:?}: begin and end must have the same length when zero-padded"
            ));
        }
        begin.len()
    } else {
        0
    };
    let bad_number =
        |what: &str| format!("bad range [{spec}] in {pattern:?}: {what} is not a number");
    let step = python_int(step).ok_or_else(|| bad_number("the step"))?;
    if step == 0 {
        return Err(format!(
            "bad range [{spec}] in {pattern:?}: the step is zero"
        ));
    }
    if let (Some(from), Some(to)) = (ASCII_LETTERS.find(begin), ASCII_LETTERS.find(end)) {
        if from > to {
            return Err(format!(
                "bad range [{spec}] in {pattern:?}: begin is after end"
            ));
        }
        return Ok(Items::Letters {
            from,
            to,
            step: usize::try_from(step)
                .map_err(|_| format!("host range in {pattern:?} expands to no hosts"))?,
        });
    }
    Ok(Items::Numbers {
        start: python_int(begin).ok_or_else(|| bad_number("the begin"))?,
        stop: python_int(end)
            .and_then(|e| e.checked_add(1))
            .ok_or_else(|| bad_number("the end"))?,
        step,
        width,
    })
}

/// Python's `int(text)` for what a range may hold: blanks around, a sign, digits with single
/// underscores between them. Bounded to 30 digits so arithmetic on it cannot overflow.
fn python_int(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let valid = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if !valid || clean.len() > 30 {
        return None;
    }
    let value: i128 = clean.parse().ok()?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::{MAX_HOSTS_PER_PATTERN, expand, expand_host_pattern};

    #[test]
    fn ranges() {
        assert_eq!(expand("web[01:03]").unwrap(), ["web01", "web02", "web03"]);
        assert_eq!(
            expand("db-[a:c].x").unwrap(),
            ["db-a.x", "db-b.x", "db-c.x"]
        );
        assert_eq!(expand("n[1:7:3]").unwrap(), ["n1", "n4", "n7"]);
        assert_eq!(
            expand("r[1:2]-[a:b]").unwrap(),
            ["r1-a", "r1-b", "r2-a", "r2-b"]
        );
        assert_eq!(expand("h[:2]").unwrap(), ["h0", "h1", "h2"]);
        assert_eq!(expand("h[y:B]").unwrap(), ["hy", "hz", "hA", "hB"]);
        assert_eq!(expand("h[8:10]").unwrap(), ["h8", "h9", "h10"]);
        assert_eq!(expand("plain").unwrap(), ["plain"]);
        assert!(expand("bad[1:").is_err());
        assert!(
            expand("bad[3:1]").is_err(),
            "Ansible silently yields no host"
        );
        assert!(expand("bad[01:3]").is_err());
        assert!(expand("bad[1:3:0]").is_err());
        assert!(expand("bad[1:x]").is_err());
        assert!(expand("bad[1]").is_err());
    }

    #[test]
    fn resource_bombs_are_refused_before_any_allocation() {
        let e = expand("h[0:999999999]").unwrap_err();
        assert!(e.contains("1000000000 hosts"), "{e}");
        assert!(e.contains(&MAX_HOSTS_PER_PATTERN.to_string()), "{e}");
        let e = expand("h[0:9999]-[0:9999]").unwrap_err();
        assert!(e.contains("100000000 hosts"), "{e}");
        let e = expand(&"[0:99]".repeat(40)).unwrap_err();
        assert!(e.contains("limit"), "{e}");
        assert!(expand("h[0:99999999999999999999999999999999999]").is_err());
        assert_eq!(expand("h[1:1000000]").map(|v| v.len()), Ok(1_000_000));
    }

    #[test]
    fn ports_as_ansible_splits_them() {
        let p = |s: &str| expand_host_pattern(s).unwrap();
        assert_eq!(p("db:2222"), (vec!["db".to_string()], Some(2222)));
        assert_eq!(p("10.0.0.1:22"), (vec!["10.0.0.1".to_string()], Some(22)));
        assert_eq!(p("[::1]:2200"), (vec!["::1".to_string()], Some(2200)));
        assert_eq!(p("::1"), (vec!["::1".to_string()], None));
        assert_eq!(
            p("w[1:2]:2222"),
            (vec!["w1".to_string(), "w2".to_string()], Some(2222))
        );
        assert_eq!(p("-odd:22"), (vec!["-odd:22".to_string()], None));
        assert_eq!(p("plain"), (vec!["plain".to_string()], None));
    }
}
