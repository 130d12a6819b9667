//! Ansible's `version` test (`version_compare`): loose (the default), strict and semantic versions
//! compared as ansible-core compares them, with its operators and error messages.

use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq, Clone)]
enum Part {
    Num(u64),
    Word(String),
}

/// `op` is one of Ansible's names (`<`, `lt`, `==`, `=`, `eq`, …); `kind` is `loose`, `strict`,
/// `semver`/`semantic` (`pep440` is refused).
pub fn compare(value: &str, other: &str, op: &str, kind: &str) -> Result<bool, String> {
    if value.is_empty() {
        return Err("Input version value cannot be empty".into());
    }
    if other.is_empty() {
        return Err("Version parameter to compare against cannot be empty".into());
    }
    let test = operator(op)?;
    let ord = match kind {
        "loose" => loose_cmp(&loose(value), &loose(other))?,
        "strict" => strict(value)?.cmp(&strict(other)?),
        "semver" | "semantic" => semver_cmp(&semver(value)?, &semver(other)?),
        "pep440" => return Err("version_type 'pep440' is not supported yet".into()),
        other => {
            return Err(format!(
                "Invalid version type ({other}). Must be one of loose, strict, semver, semantic, pep440"
            ));
        }
    };
    Ok(test(ord))
}

fn operator(op: &str) -> Result<fn(Ordering) -> bool, String> {
    Ok(match op {
        "==" | "=" | "eq" => |o| o == Ordering::Equal,
        "<" | "lt" => |o| o == Ordering::Less,
        "<=" | "le" => |o| o != Ordering::Greater,
        ">" | "gt" => |o| o == Ordering::Greater,
        ">=" | "ge" => |o| o != Ordering::Less,
        "!=" | "<>" | "ne" => |o| o != Ordering::Equal,
        other => {
            return Err(format!(
                "Invalid operator type ({other}). Must be one of '==', '=', 'eq', '<', 'lt', '<=', 'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'"
            ));
        }
    })
}

/// distutils' LooseVersion: runs of digits, runs of letters, other characters dropped.
fn loose(v: &str) -> Vec<Part> {
    let re = regex::Regex::new(r"(?i)\d+|[a-z]+").expect("static regex");
    re.find_iter(v)
        .map(|m| match m.as_str().parse::<u64>() {
            Ok(n) => Part::Num(n),
            Err(_) => Part::Word(m.as_str().to_string()),
        })
        .collect()
}

/// Python's list comparison; a number against a word is Python's TypeError.
fn loose_cmp(a: &[Part], b: &[Part]) -> Result<Ordering, String> {
    for (x, y) in a.iter().zip(b) {
        let ord = match (x, y) {
            (Part::Num(x), Part::Num(y)) => x.cmp(y),
            (Part::Word(x), Part::Word(y)) => x.cmp(y),
            _ => {
                return Err(
                    "Version comparison failed: '<' not supported between instances of 'int' and 'str'"
                        .into(),
                );
            }
        };
        if ord != Ordering::Equal {
            return Ok(ord);
        }
    }
    Ok(a.len().cmp(&b.len()))
}

/// StrictVersion: `N.N[.N][{a|b}N]`; a pre-release sorts before its release.
/// A strict version's numbers, then its pre-release: (0, letter, n), or (1, ' ', 0) for none.
type Strict = ((u64, u64, u64), (u8, char, u64));

fn strict(v: &str) -> Result<Strict, String> {
    let re =
        regex::Regex::new(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$").expect("static regex");
    let bad = || format!("Version comparison failed: invalid version number '{v}'");
    let c = re.captures(v).ok_or_else(bad)?;
    let num = |i: usize| -> Result<u64, String> {
        c.get(i)
            .map_or(Ok(0), |m| m.as_str().parse().map_err(|_| bad()))
    };
    let pre = match c.get(4) {
        Some(letter) => (0, letter.as_str().chars().next().unwrap_or('a'), num(5)?),
        None => (1, ' ', 0),
    };
    Ok(((num(1)?, num(2)?, num(3)?), pre))
}

struct SemVer {
    core: (u64, u64, u64),
    pre: Vec<Part>,
}

fn semver(v: &str) -> Result<SemVer, String> {
    let ident = r"(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)";
    let re = regex::Regex::new(&format!(
        r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-({ident}(?:\.{ident})*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$"
    ))
    .expect("static regex");
    let bad = || format!("Version comparison failed: invalid semantic version '{v}'");
    let c = re.captures(v).ok_or_else(bad)?;
    let num = |i: usize| -> Result<u64, String> {
        c.get(i)
            .map_or(Ok(0), |m| m.as_str().parse().map_err(|_| bad()))
    };
    let pre = c.get(4).map_or_else(Vec::new, |m| {
        m.as_str()
            .split('.')
            .map(|p| match p.parse::<u64>() {
                Ok(n) if p.bytes().all(|b| b.is_ascii_digit()) => Part::Num(n),
                _ => Part::Word(p.to_string()),
            })
            .collect()
    });
    Ok(SemVer {
        core: (num(1)?, num(2)?, num(3)?),
        pre,
    })
}

fn semver_cmp(a: &SemVer, b: &SemVer) -> Ordering {
    a.core
        .cmp(&b.core)
        .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (x, y) in a.pre.iter().zip(&b.pre) {
                    let ord = match (x, y) {
                        (Part::Num(x), Part::Num(y)) => x.cmp(y),
                        (Part::Word(x), Part::Word(y)) => x.cmp(y),
                        (Part::Num(_), Part::Word(_)) => Ordering::Less,
                        (Part::Word(_), Part::Num(_)) => Ordering::Greater,
                    };
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                a.pre.len().cmp(&b.pre.len())
            }
        })
}
