//! Host lists in the compressed form pdsh, dshbak and ClusterShell print: `host[01-03,05]`.
//!
//! Names are grouped by what surrounds their last run of digits (`web[1-3].example.com`); the digits
//! become ranges of consecutive numbers that keep their zero padding (`[08-11]`). Names without
//! digits (or with numbers too large to count) are listed as they are.

use std::collections::BTreeMap;

/// One name split around its last number: `web01.lan` → (`web`, `01`, `.lan`).
struct Numbered<'a> {
    prefix: &'a str,
    digits: &'a str,
    value: u64,
    suffix: &'a str,
}

fn split_last_number(name: &str) -> Option<Numbered<'_>> {
    let end = name.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = name[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let digits = &name[start..end];
    Some(Numbered {
        prefix: &name[..start],
        digits,
        value: digits.parse().ok()?,
        suffix: &name[end..],
    })
}

/// Consecutive numbers written with the same padding: `08`..`11`.
struct Range<'a> {
    first: &'a str,
    last: &'a str,
    last_value: u64,
}

impl<'a> Range<'a> {
    fn start(digits: &'a str, value: u64) -> Self {
        Range {
            first: digits,
            last: digits,
            last_value: value,
        }
    }

    /// Takes the next number if it follows on and reads the same padded to the range's width.
    fn extend(&mut self, digits: &'a str, value: u64) -> bool {
        let width = self.first.len();
        let follows = self.last_value.checked_add(1) == Some(value);
        if follows && format!("{value:0width$}") == digits {
            self.last = digits;
            self.last_value = value;
            return true;
        }
        false
    }

    fn render(&self) -> String {
        if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{}-{}", self.first, self.last)
        }
    }
}

/// A family's numbers as (digit count, value, digits as written).
type Numbers<'a> = Vec<(usize, u64, &'a str)>;

/// `["host01", "host02", "host03", "host05"]` → `host[01-03,05]`; order and duplicates do not matter.
pub fn compress<S: AsRef<str>>(names: &[S]) -> String {
    // Numbers sort by length first: unpadded ones are then in numeric order, and padded ones of one
    // width stay together (`h[1-2,01-02]`).
    let mut families: BTreeMap<(&str, &str), Numbers<'_>> = BTreeMap::new();
    let mut plain: Vec<&str> = Vec::new();
    for name in names {
        let name = name.as_ref();
        match split_last_number(name) {
            Some(n) => families.entry((n.prefix, n.suffix)).or_default().push((
                n.digits.len(),
                n.value,
                n.digits,
            )),
            None => plain.push(name),
        }
    }
    let mut parts: Vec<((String, u64), String)> = plain
        .into_iter()
        .map(|name| ((name.to_string(), 0), name.to_string()))
        .collect();
    for ((prefix, suffix), mut numbers) in families {
        numbers.sort_unstable();
        numbers.dedup();
        let first_value = numbers.first().map_or(0, |&(_, v, _)| v);
        parts.push((
            (prefix.to_string(), first_value),
            render_family(prefix, suffix, &numbers),
        ));
    }
    parts.sort();
    parts.dedup();
    parts
        .into_iter()
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join(",")
}

fn render_family(prefix: &str, suffix: &str, numbers: &[(usize, u64, &str)]) -> String {
    let mut ranges: Vec<Range<'_>> = Vec::new();
    for &(_, value, digits) in numbers {
        let extended = ranges
            .last_mut()
            .is_some_and(|range| range.extend(digits, value));
        if !extended {
            ranges.push(Range::start(digits, value));
        }
    }
    match ranges.as_slice() {
        [single] if single.first == single.last => format!("{prefix}{}{suffix}", single.first),
        _ => {
            let inner: Vec<String> = ranges.iter().map(Range::render).collect();
            format!("{prefix}[{}]{suffix}", inner.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::compress;

    /// pdsh's expansion of one compressed list, to check that compressing loses no name.
    fn expand(list: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut rest = list;
        while !rest.is_empty() {
            let (part, tail) = split_top_level(rest);
            rest = tail;
            let Some((prefix, inner)) = part.split_once('[') else {
                names.push(part.to_string());
                continue;
            };
            let (ranges, suffix) = inner.split_once(']').unwrap_or((inner, ""));
            for range in ranges.split(',') {
                let (first, last) = range.split_once('-').unwrap_or((range, range));
                let width = first.len();
                let (a, b): (u64, u64) = (first.parse().unwrap_or(0), last.parse().unwrap_or(0));
                for n in a..=b {
                    names.push(format!("{prefix}{n:0width$}{suffix}"));
                }
            }
        }
        names.sort();
        names
    }

    fn split_top_level(text: &str) -> (&str, &str) {
        let mut depth = 0;
        for (i, c) in text.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                ',' if depth == 0 => return (&text[..i], &text[i + 1..]),
                _ => {}
            }
        }
        (text, "")
    }

    #[test]
    fn ranges_of_padded_numbers() {
        assert_eq!(
            compress(&["host01", "host02", "host03", "host05"]),
            "host[01-03,05]"
        );
        assert_eq!(
            compress(&["host05", "host03", "host01", "host02"]),
            "host[01-03,05]"
        );
        assert_eq!(
            compress(&["node08", "node09", "node10", "node11"]),
            "node[08-11]"
        );
        assert_eq!(compress(&["n9", "n10", "n11"]), "n[9-11]");
    }

    #[test]
    fn single_names_stay_plain() {
        assert_eq!(compress(&["host07"]), "host07");
        assert_eq!(compress(&["localhost"]), "localhost");
        assert_eq!(compress::<&str>(&[]), "");
        assert_eq!(compress(&["host01", "host01"]), "host01");
    }

    #[test]
    fn families_and_plain_names_side_by_side() {
        assert_eq!(
            compress(&["web2", "db1", "web1", "localhost", "db2", "web3"]),
            "db[1-2],localhost,web[1-3]"
        );
        assert_eq!(
            compress(&["web01.lan", "web02.lan", "web01.dmz"]),
            "web01.dmz,web[01-02].lan"
        );
        assert_eq!(
            compress(&["r1n1", "r1n2", "r2n1"]),
            "r1n[1-2],r2n1",
            "only the last number is ranged"
        );
    }

    #[test]
    fn padding_breaks_a_range() {
        assert_eq!(compress(&["h1", "h01", "h2", "h02"]), "h[1-2,01-02]");
        assert_eq!(compress(&["h9", "h010"]), "h[9,010]");
        assert_eq!(
            compress(&["h18446744073709551615", "h99999999999999999999"]),
            "h18446744073709551615,h99999999999999999999",
            "numbers beyond u64 are names"
        );
    }

    #[test]
    fn compressing_loses_no_name() {
        let names: Vec<String> = [1, 2, 3, 7, 8, 10, 11, 12, 99, 100]
            .iter()
            .map(|n| format!("node{n:03}"))
            .chain(["gateway".to_string(), "db7".to_string()])
            .collect();
        let list = compress(&names);
        assert_eq!(list, "db7,gateway,node[001-003,007-008,010-012,099-100]");
        let mut expected = names.clone();
        expected.sort();
        assert_eq!(expand(&list), expected);
    }
}
