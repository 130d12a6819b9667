//! A rule: its words on ufw's command line, its place for `insert`, and whether a dry run says it
//! changes anything (IPv4 and IPv6 rules told apart as community.general does).

use super::Params;
use regex::Regex;
use std::sync::LazyLock;

pub(super) static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((25[0-5]|(2[0-4]|1?[0-9])?[0-9])\.){3}(25[0-5]|(2[0-4]|1?[0-9])?[0-9])")
        .unwrap_or_else(|e| panic!("IPV4: {e}"))
});
/// An IPv6 address (or network) as community.general's much longer pattern finds them: groups of
/// hex digits with at least two colons, `::` included.
pub(super) static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([0-9a-fA-F]{1,4})?::?([0-9a-fA-F]{1,4}::?)*([0-9a-fA-F]{1,4})?")
        .unwrap_or_else(|e| panic!("IPV6: {e}"))
});

pub(super) fn has_ipv6(text: &str) -> bool {
    IPV6.find_iter(text)
        .any(|m| m.as_str().matches(':').count() >= 2)
}

pub(super) fn starts_ipv6(text: &str) -> bool {
    IPV6.find(text)
        .is_some_and(|m| m.start() == 0 && m.as_str().matches(':').count() >= 2)
}

pub(super) fn starts_ipv4(text: &str) -> bool {
    IPV4.find(text).is_some_and(|m| m.start() == 0)
}

/// The rule number for `insert`: absolute, or relative to the first/last IPv4/IPv6 rule of `ufw
/// status numbered`; past the last rule it is left out (ufw refuses it), as community.general does.
pub(super) fn insert_position(p: &Params, numbered: &[&str]) -> Option<i64> {
    let insert: i64 = p.insert.as_deref()?.trim().parse().ok()?;
    if p.delete {
        return None;
    }
    if p.insert_relative_to == "zero" {
        return Some(insert);
    }
    let rules: Vec<(i64, bool)> = numbered
        .iter()
        .filter_map(|l| {
            let rest = l.strip_prefix('[')?;
            let (n, _) = rest.split_once(']')?;
            let n = n.trim().parse().ok()?;
            Some((n, l.contains("(v6)") || has_ipv6(l)))
        })
        .collect();
    let last = rules.iter().map(|r| r.0).max().unwrap_or(0);
    let last_v4 = rules.iter().filter(|r| !r.1).map(|r| r.0).max();
    let first_v6 = rules.iter().filter(|r| r.1).map(|r| r.0).min();
    let last_v6 = rules.iter().filter(|r| r.1).map(|r| r.0).max();
    let relative_to = match p.insert_relative_to.as_str() {
        "first-ipv4" => 1,
        "last-ipv4" => last_v4.unwrap_or(1),
        "first-ipv6" => first_v6.unwrap_or(last_v4.map_or(1, |n| n + 1)),
        _ => last_v6.unwrap_or(last + 1),
    };
    let at = insert + relative_to;
    (at <= last).then_some(at)
}

/// The words after `ufw` of the rule, in ufw's long form: `[route] [delete | insert NUM] ACTION
/// [DIRECTION] [on IF] [log] from ADDRESS [port PORT] to ADDRESS [port PORT] [proto P] [app NAME]
/// [comment TEXT]`.
pub(super) fn rule_words(
    p: &Params,
    rule: &str,
    insert_at: Option<i64>,
    with_comment: bool,
) -> Vec<String> {
    let mut w: Vec<String> = Vec::new();
    let mut push = |words: &[&str]| w.extend(words.iter().map(|s| s.to_string()));
    if p.route {
        push(&["route"]);
    }
    if p.delete {
        push(&["delete"]);
    }
    if let Some(n) = insert_at.filter(|_| !p.delete) {
        push(&["insert", &n.to_string()]);
    }
    push(&[rule]);
    if let Some(d) = p.direction.as_deref() {
        push(&[d]);
    }
    if let Some(i) = p.interface.as_deref() {
        push(&["on", i]);
    }
    if let Some(i) = p.interface_in.as_deref() {
        push(&["in", "on", i]);
    }
    if let Some(i) = p.interface_out.as_deref() {
        push(&["out", "on", i]);
    }
    if p.log {
        push(&["log"]);
    }
    push(&["from", &p.from_ip]);
    if let Some(port) = p.from_port.as_deref() {
        push(&["port", port]);
    }
    push(&["to", &p.to_ip]);
    if let Some(port) = p.to_port.as_deref() {
        push(&["port", port]);
    }
    if let Some(proto) = p.proto.as_deref() {
        push(&["proto", proto]);
    }
    if let Some(app) = p.name.as_deref() {
        push(&["app", app]);
    }
    if let Some(c) = p.comment.as_deref().filter(|_| with_comment) {
        push(&["comment", c]);
    }
    w
}

/// community.general's decision from a dry run: nothing changes when every line says the rule is
/// skipped (it exists) — or, deleting, that there is no such rule; otherwise the `### tuple` lines
/// the dry run would write are compared with the current ones (only the IPv4 or IPv6 ones when the
/// rule names such an address, as the dry run shows only that family).
pub(super) fn rule_changes(p: &Params, pre_rules: &[&str], dry: &str) -> bool {
    let lines: Vec<&str> = dry.lines().filter(|l| !l.trim().is_empty()).collect();
    let unchanged =
        |l: &&str| l.contains("Skipping") || l.contains("Could not delete non-existent rule");
    if !lines.is_empty() && lines.iter().all(unchanged) {
        return false;
    }
    let dry_rules: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("### tuple"))
        .collect();
    let pre: Vec<&str> = pre_rules
        .iter()
        .copied()
        .filter(|l| !l.is_empty())
        .collect();
    let only = |rules: &[&str], keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        rules
            .iter()
            .filter(|l| keep(l))
            .map(|l| l.to_string())
            .collect()
    };
    if starts_ipv4(&p.from_ip) || starts_ipv4(&p.to_ip) {
        let v4 = |l: &str| IPV4.is_match(l);
        return only(&pre, &v4) != only(&dry_rules, &v4);
    }
    if starts_ipv6(&p.from_ip) || starts_ipv6(&p.to_ip) {
        return only(&pre, &has_ipv6) != only(&dry_rules, &has_ipv6);
    }
    pre != dry_rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_told_apart() {
        assert!(starts_ipv4("10.0.0.0/8"));
        assert!(!starts_ipv4("any"));
        assert!(starts_ipv6("2001:db8::/32"));
        assert!(starts_ipv6("::"));
        assert!(!starts_ipv6("any"));
        assert!(has_ipv6("### tuple ### allow tcp 22 ::/0 any ::/0 in"));
        assert!(!has_ipv6(
            "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in"
        ));
    }
}
