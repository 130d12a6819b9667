//! Ansible's `version` test (`version_compare`): loose (the default), strict and semantic versions
//! compared as ansible-core compares them, with its operators and error messages.

use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq, Clone)]
enum Part {
    Num(u64),
    Word(String),
}

/// `op` is one of Ansible's names (`<`, `lt`, `==`, `=`, `eq`, …); `kind` is `loose`, `strict`,
/// `semver`/`semantic` or `pep440`.
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
        "pep440" => pep440(value)?.cmp(&pep440(other)?),
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

/// A PEP 440 version as `packaging.version.Version` orders it: epoch, release (trailing zeros
/// dropped), pre-release, post-release, dev release, local label. `None` of pre, post and dev
/// sort as packaging's infinities do (see [`pep440`]).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pep440 {
    epoch: u64,
    release: Vec<u64>,
    /// (0, …) before any release: a dev release alone; (1, letter rank, n): a pre-release;
    /// (2, 0, 0): none.
    pre: (u8, u8, u64),
    /// (0, 0): none; (1, n): `.postN`.
    post: (u8, u64),
    /// (0, n): `.devN`; (1, 0): none.
    dev: (u8, u64),
    /// Words before numbers, as packaging orders local segments: (0, 0, word) or (1, n, "").
    local: Vec<(u8, u64, String)>,
}

fn pep440(v: &str) -> Result<Pep440, String> {
    let re = regex::Regex::new(
        r"(?ix)^\s*v?
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?:[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
        (?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?
        (?P<dev>[-_.]?dev[-_.]?(?P<dev_n>[0-9]+)?)?
        (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
        \s*$",
    )
    .expect("static regex");
    let bad = || format!("Version comparison failed: Invalid version: '{v}'");
    let c = re.captures(v).ok_or_else(bad)?;
    let num = |name: &str| -> Result<u64, String> {
        c.name(name)
            .map_or(Ok(0), |m| m.as_str().parse().map_err(|_| bad()))
    };
    let mut release = c["release"]
        .split('.')
        .map(|n| n.parse().map_err(|_| bad()))
        .collect::<Result<Vec<u64>, String>>()?;
    while release.len() > 1 && release.last() == Some(&0) {
        release.pop();
    }
    let has_post = c.name("post_n1").is_some() || c.name("post_l").is_some();
    let has_dev = c.name("dev").is_some();
    let pre = match c.name("pre_l").map(|m| m.as_str().to_ascii_lowercase()) {
        Some(l) => {
            let rank = match l.as_str() {
                "a" | "alpha" => 0,
                "b" | "beta" => 1,
                _ => 2,
            };
            (1, rank, num("pre_n")?)
        }
        None if has_dev && !has_post => (0, 0, 0),
        None => (2, 0, 0),
    };
    let post = if has_post {
        (1, num("post_n1")?.max(num("post_n2")?))
    } else {
        (0, 0)
    };
    let dev = if has_dev { (0, num("dev_n")?) } else { (1, 0) };
    let local = c.name("local").map_or_else(Vec::new, |m| {
        m.as_str()
            .split(['-', '_', '.'])
            .map(|p| match p.parse::<u64>() {
                Ok(n) => (1, n, String::new()),
                Err(_) => (0, 0, p.to_ascii_lowercase()),
            })
            .collect()
    });
    Ok(Pep440 {
        epoch: num("epoch")?,
        release,
        pre,
        post,
        dev,
        local,
    })
}

#[cfg(test)]
mod pep440_tests {
    use super::compare;

    /// ansible-core's test_core target: `'2.14.0rc1' is version('2.14.0', 'lt', version_type='pep440')`.
    #[test]
    fn pep440_orders_dev_pre_release_post_and_local_versions() {
        let lt = |a: &str, b: &str| compare(a, b, "lt", "pep440");
        for (a, b) in [
            ("2.14.0rc1", "2.14.0"),
            ("1.0.dev1", "1.0a1"),
            ("1.0a1", "1.0b2"),
            ("1.0b2", "1.0rc1"),
            ("1.0", "1.0.post1"),
            ("1.0", "1.0+local"),
            ("1.0.post1", "1!0.1"),
        ] {
            assert_eq!(lt(a, b), Ok(true), "{a} < {b}");
            assert_eq!(lt(b, a), Ok(false), "{b} < {a}");
        }
        assert_eq!(compare("1.0", "1.0.0", "eq", "pep440"), Ok(true));
        assert!(compare("nope", "1.0", "eq", "pep440").is_err());
    }
}
