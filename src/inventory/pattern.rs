//! Host patterns (`--limit`, a play's `hosts:`): `all`, `*`, names, groups, globs, `~regex`, `a:b` /
//! `a,b` (union), `a:&b` (intersection), `a:!b` (exclusion), subscripts `g[0]`, `g[1:3]`, `g[-1]`,
//! `@file` (one name per line). Results are in inventory order, without duplicates.

use super::{Inventory, InventoryError};
use globset::GlobBuilder;

pub fn select(inv: &Inventory, pattern: &str) -> Result<Vec<String>, InventoryError> {
    let terms = split_terms(pattern.trim())?;
    let mut selected = vec![false; inv.hosts.len()];
    let unions = terms
        .iter()
        .filter(|t| !t.starts_with('&') && !t.starts_with('!'));
    for term in unions {
        for host in resolve(inv, term)? {
            selected[host] = true;
        }
    }
    for term in terms.iter().filter_map(|t| t.strip_prefix('&')) {
        let keep = membership(inv, &resolve(inv, term)?);
        for (host, on) in selected.iter_mut().enumerate() {
            *on = *on && keep[host];
        }
    }
    for term in terms.iter().filter_map(|t| t.strip_prefix('!')) {
        for host in resolve(inv, term)? {
            selected[host] = false;
        }
    }
    // Inventory order, as Ansible's default `order: inventory`.
    Ok(inv
        .hosts
        .keys()
        .zip(&selected)
        .filter(|(_, on)| **on)
        .map(|(h, _)| h.clone())
        .collect())
}

fn membership(inv: &Inventory, hosts: &[usize]) -> Vec<bool> {
    let mut member = vec![false; inv.hosts.len()];
    for &h in hosts {
        member[h] = true;
    }
    member
}

/// Splits on `,` (or `:` when there is no comma), never inside `[...]` or a `~regex`.
fn split_terms(pattern: &str) -> Result<Vec<String>, InventoryError> {
    if let Some(file) = pattern.strip_prefix('@') {
        let text = std::fs::read_to_string(file)
            .map_err(|e| InventoryError::Other(format!("cannot read limit file {file}: {e}")))?;
        return Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect());
    }
    let sep = if pattern.contains(',') { ',' } else { ':' };
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in pattern.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c == sep && depth == 0 && !(sep == ':' && current.starts_with('~')) {
            terms.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    terms.push(current);
    Ok(terms
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect())
}

/// The host indices a term names, in inventory order.
fn resolve(inv: &Inventory, term: &str) -> Result<Vec<usize>, InventoryError> {
    let (base, subscript) = split_subscript(term);
    let hosts = resolve_base(inv, base)?;
    match subscript {
        None => Ok(hosts),
        Some(sub) => apply_subscript(&hosts, sub, term),
    }
}

fn resolve_base(inv: &Inventory, term: &str) -> Result<Vec<usize>, InventoryError> {
    if term == "all" || term == "*" {
        return Ok((0..inv.hosts.len()).collect());
    }
    if let Some(hosts) = inv.host_indices_of_group(term) {
        return Ok(hosts);
    }
    if let Some(host) = inv.hosts.get_index_of(term) {
        return Ok(vec![host]);
    }
    let matches: Box<dyn Fn(&str) -> bool> = if let Some(re) = term.strip_prefix('~') {
        let re = regex::Regex::new(re)
            .map_err(|e| InventoryError::Other(format!("invalid pattern {term:?}: {e}")))?;
        Box::new(move |name| re.is_match(name))
    } else if term.contains(['*', '?', '[']) {
        let glob = GlobBuilder::new(term)
            .literal_separator(false)
            .build()
            .map_err(|e| InventoryError::Other(format!("invalid pattern {term:?}: {e}")))?
            .compile_matcher();
        Box::new(move |name| glob.is_match(name))
    } else {
        return Ok(Vec::new());
    };
    let mut member = vec![false; inv.hosts.len()];
    for group in inv.groups.keys().filter(|g| matches(g)) {
        for h in inv.host_indices_of_group(group).unwrap_or_default() {
            member[h] = true;
        }
    }
    for (h, name) in inv.hosts.keys().enumerate() {
        member[h] = member[h] || matches(name);
    }
    Ok((0..member.len()).filter(|&h| member[h]).collect())
}

/// `web[0]`, `web[1:3]`, `web[-1]` (but not a glob character class like `web[12]x`).
fn split_subscript(term: &str) -> (&str, Option<&str>) {
    if let Some(stripped) = term.strip_suffix(']')
        && let Some(open) = stripped.rfind('[')
    {
        let inner = &stripped[open + 1..];
        let numeric = !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_digit() || c == ':' || c == '-');
        if numeric && !term.starts_with('~') {
            return (&term[..open], Some(inner));
        }
    }
    (term, None)
}

fn apply_subscript(hosts: &[usize], sub: &str, term: &str) -> Result<Vec<usize>, InventoryError> {
    let bad = || InventoryError::Other(format!("invalid subscript in pattern {term:?}"));
    let len = hosts.len() as i64;
    let index = |s: &str| -> Result<i64, InventoryError> {
        let i: i64 = s.parse().map_err(|_| bad())?;
        Ok(if i < 0 { len + i } else { i })
    };
    let (start, end) = match sub.split_once(':') {
        None => {
            let i = index(sub)?;
            (i, i)
        }
        Some((a, b)) => (
            if a.is_empty() { 0 } else { index(a)? },
            if b.is_empty() { len - 1 } else { index(b)? },
        ),
    };
    Ok(hosts
        .iter()
        .enumerate()
        .filter(|(i, _)| (*i as i64) >= start && (*i as i64) <= end)
        .map(|(_, h)| *h)
        .collect())
}
