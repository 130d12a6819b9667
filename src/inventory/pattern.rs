//! Host patterns (`--limit`, a play's `hosts:`): `all`, `*`, names, groups, globs, `~regex`, `a:b` /
//! `a,b` (union), `a:&b` (intersection), `a:!b` (exclusion), subscripts `g[0]`, `g[1:3]`, `g[-1]`,
//! `@file` (one name per line). Results are in inventory order, without duplicates.

use super::{Inventory, InventoryError};
use globset::GlobBuilder;

pub fn select(inv: &Inventory, pattern: &str) -> Result<Vec<String>, InventoryError> {
    let terms = split_terms(pattern.trim())?;
    let mut selected: Vec<String> = Vec::new();
    let unions = terms
        .iter()
        .filter(|t| !t.starts_with('&') && !t.starts_with('!'));
    for term in unions {
        for host in resolve(inv, term)? {
            if !selected.contains(&host) {
                selected.push(host);
            }
        }
    }
    for term in terms.iter().filter_map(|t| t.strip_prefix('&')) {
        let keep = resolve(inv, term)?;
        selected.retain(|h| keep.contains(h));
    }
    for term in terms.iter().filter_map(|t| t.strip_prefix('!')) {
        let drop = resolve(inv, term)?;
        selected.retain(|h| !drop.contains(h));
    }
    // Inventory order, as Ansible's default `order: inventory`.
    Ok(inv
        .hosts
        .keys()
        .filter(|h| selected.contains(h))
        .cloned()
        .collect())
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

fn resolve(inv: &Inventory, term: &str) -> Result<Vec<String>, InventoryError> {
    let (base, subscript) = split_subscript(term);
    let hosts = resolve_base(inv, base)?;
    match subscript {
        None => Ok(hosts),
        Some(sub) => apply_subscript(&hosts, sub, term),
    }
}

fn resolve_base(inv: &Inventory, term: &str) -> Result<Vec<String>, InventoryError> {
    if term == "all" || term == "*" {
        return Ok(inv.host_names());
    }
    if inv.groups.contains_key(term) {
        return Ok(inv.hosts_of_group(term));
    }
    if inv.hosts.contains_key(term) {
        return Ok(vec![term.to_string()]);
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
    let mut out: Vec<String> = Vec::new();
    for group in inv.groups.keys().filter(|g| matches(g)) {
        out.extend(inv.hosts_of_group(group));
    }
    out.extend(inv.hosts.keys().filter(|h| matches(h)).cloned());
    Ok(inv
        .hosts
        .keys()
        .filter(|h| out.contains(h))
        .cloned()
        .collect())
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

fn apply_subscript(hosts: &[String], sub: &str, term: &str) -> Result<Vec<String>, InventoryError> {
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
        .map(|(_, h)| h.clone())
        .collect())
}
