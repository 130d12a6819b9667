//! Debian packages as dpkg and apt see them: `dpkg-query -W` status lines, `apt-cache policy`
//! candidates and version tables, and dpkg's version order.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// The `dpkg-query -W -f` format [`parse_status`] reads: `ii |name|arch|version`.
pub const STATUS_FORMAT: &str = "${db:Status-Abbrev}|${Package}|${Architecture}|${Version}\\n";

/// Where dpkg has a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpkgState {
    Installed,
    /// Removed, its configuration files left (`rc`): `purge` still has work to do.
    ConfigFiles,
    /// Unpacked, half-installed, half-configured, triggers pending: not usable yet.
    Broken,
    NotInstalled,
}

/// One package in dpkg's database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebStatus {
    pub state: DpkgState,
    pub arch: String,
    pub version: String,
    /// Marked `hold` (want flag `h`).
    pub held: bool,
}

/// `dpkg-query -W -f STATUS_FORMAT` output: name → status. A name asked for but unknown to dpkg is
/// simply absent (dpkg-query says so on stderr).
pub fn parse_status(stdout: &str) -> BTreeMap<String, DebStatus> {
    let mut out = BTreeMap::new();
    for line in stdout.lines() {
        let mut fields = line.splitn(4, '|');
        let (Some(abbrev), Some(name), Some(arch), Some(version)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let mut flags = abbrev.chars();
        let want = flags.next().unwrap_or('u');
        let state = match flags.next().unwrap_or('n') {
            'i' => DpkgState::Installed,
            'c' => DpkgState::ConfigFiles,
            'n' => DpkgState::NotInstalled,
            _ => DpkgState::Broken,
        };
        let status = DebStatus {
            state,
            arch: arch.to_string(),
            version: version.trim().to_string(),
            held: want == 'h',
        };
        // `name` and `name:arch` both find a package asked for either way.
        out.insert(format!("{name}:{arch}"), status.clone());
        out.entry(name.to_string()).or_insert(status);
    }
    out
}

/// What `apt-cache policy` says of one package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub installed: Option<String>,
    pub candidate: Option<String>,
    /// Every version apt knows, as listed (highest priority first).
    pub versions: Vec<String>,
}

/// `apt-cache policy NAME…` output (LC_ALL=C): name → policy. Unknown names are left out.
pub fn parse_policy(stdout: &str) -> BTreeMap<String, Policy> {
    let mut out: BTreeMap<String, Policy> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut in_table = false;
    for line in stdout.lines() {
        if !line.starts_with(' ') {
            if let Some(name) = line.strip_suffix(':').filter(|n| !n.is_empty()) {
                current = Some(name.to_string());
                in_table = false;
                out.entry(name.to_string()).or_default();
            }
            continue;
        }
        let Some(policy) = current.as_ref().and_then(|n| out.get_mut(n)) else {
            continue;
        };
        let text = line.trim();
        if let Some(v) = text.strip_prefix("Installed:") {
            policy.installed = version_or_none(v);
        } else if let Some(v) = text.strip_prefix("Candidate:") {
            policy.candidate = version_or_none(v);
        } else if text.starts_with("Version table:") {
            in_table = true;
        } else if in_table && !line.starts_with("        ") {
            // A version line: `     2.0-1 500` or ` *** 1.0-1 100`; deeper lines are its sources.
            let text = text.trim_start_matches("***").trim();
            if let Some(version) = text.split_whitespace().next() {
                policy.versions.push(version.to_string());
            }
        }
    }
    out
}

fn version_or_none(text: &str) -> Option<String> {
    let v = text.trim();
    (!v.is_empty() && v != "(none)").then(|| v.to_string())
}

/// dpkg's version order (`dpkg --compare-versions`): epoch, then upstream and revision compared
/// part by part, `~` sorting before everything, even the end.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (ea, ra) = split_epoch(a);
    let (eb, rb) = split_epoch(b);
    ea.cmp(&eb).then_with(|| {
        let (ua, va) = ra.rsplit_once('-').unwrap_or((ra, ""));
        let (ub, vb) = rb.rsplit_once('-').unwrap_or((rb, ""));
        compare_part(ua, ub).then_with(|| compare_part(va, vb))
    })
}

fn split_epoch(v: &str) -> (u64, &str) {
    match v.split_once(':') {
        Some((e, rest)) if e.bytes().all(|b| b.is_ascii_digit()) => (e.parse().unwrap_or(0), rest),
        _ => (0, v),
    }
}

fn char_order(c: Option<u8>) -> i32 {
    match c {
        Some(b'~') => -1,
        None => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

fn compare_part(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while !a.is_empty() || !b.is_empty() {
        // Non-digit prefixes, character by character.
        loop {
            let ca = a.first().copied().filter(|c| !c.is_ascii_digit());
            let cb = b.first().copied().filter(|c| !c.is_ascii_digit());
            if ca.is_none() && cb.is_none() {
                break;
            }
            let ord = char_order(ca).cmp(&char_order(cb));
            if ord != Ordering::Equal {
                return ord;
            }
            a = &a[1..];
            b = &b[1..];
        }
        let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
        let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let na = trim_zeros(&a[..da]);
        let nb = trim_zeros(&b[..db]);
        let ord = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
        if ord != Ordering::Equal {
            return ord;
        }
        a = &a[da..];
        b = &b[db..];
    }
    Ordering::Equal
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits.iter().take_while(|d| **d == b'0').count();
    &digits[start..]
}

/// Shell-style matching (`*`, `?`, `[…]` taken literally) as Python's `fnmatch` does for versions.
pub fn fnmatch(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_like_dpkg() {
        use Ordering::*;
        for (a, b, want) in [
            ("1.0-1", "2.0-1", Less),
            ("2.0-1", "1.0-1", Greater),
            ("1.0-1", "1.0-1", Equal),
            ("1.0~rc1-1", "1.0-1", Less),
            ("1:0.9", "2.0", Greater),
            ("1.10", "1.9", Greater),
            ("1.0a", "1.0", Greater),
            ("1.0+deb12u1", "1.0", Greater),
            ("1.001", "1.1", Equal),
            ("2.36.1-8+deb12u1", "2.36.1-8", Greater),
        ] {
            assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
        }
    }

    #[test]
    fn status_lines_read_every_state() {
        let s = parse_status(
            "ii |drover-hello|all|1.0-1\nrc |drover-extra|all|1.0-1\nun |gone|amd64|\niU |half|all|0.1\nhi |held|all|3\n",
        );
        assert_eq!(s["drover-hello"].state, DpkgState::Installed);
        assert_eq!(s["drover-hello:all"].version, "1.0-1");
        assert_eq!(s["drover-extra"].state, DpkgState::ConfigFiles);
        assert_eq!(s["gone"].state, DpkgState::NotInstalled);
        assert_eq!(s["half"].state, DpkgState::Broken);
        assert!(s["held"].held);
    }

    #[test]
    fn policy_reads_candidate_and_table() {
        let p = parse_policy(
            "drover-hello:\n  Installed: 1.0-1\n  Candidate: 2.0-1\n  Version table:\n     2.0-1 500\n        500 file:/srv/repo ./ Packages\n *** 1.0-1 500\n        500 file:/srv/repo ./ Packages\n        100 /var/lib/dpkg/status\nnew:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n",
        );
        let hello = &p["drover-hello"];
        assert_eq!(hello.installed.as_deref(), Some("1.0-1"));
        assert_eq!(hello.candidate.as_deref(), Some("2.0-1"));
        assert_eq!(hello.versions, ["2.0-1", "1.0-1"]);
        assert_eq!(p["new"].candidate, None);
    }

    #[test]
    fn fnmatch_like_python() {
        assert!(fnmatch("1.0*", "1.0-1"));
        assert!(fnmatch("1.0-1", "1.0-1"));
        assert!(!fnmatch("1.0", "1.0-1"));
        assert!(fnmatch("?.0-1", "2.0-1"));
    }
}
