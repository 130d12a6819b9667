//! A play's hosts in batches, as ansible-playbook cuts them: `order` sorts the play's hosts,
//! `serial` (a number, `"N%"`, or a list of them whose last entry repeats) sizes each batch, and
//! every batch runs the whole play (tasks and handlers) before the next starts.

use crate::playbook::Play;
use crate::template::{Templar, Vars};
use serde_json::Value;

/// The play's hosts in the order its `order:` asks for.
pub fn order_hosts(mut hosts: Vec<String>, order: &str) -> Result<Vec<String>, String> {
    match order {
        "inventory" => {}
        "reverse_inventory" => hosts.reverse(),
        "sorted" => hosts.sort(),
        "reverse_sorted" => {
            hosts.sort();
            hosts.reverse();
        }
        "shuffle" => shuffle(&mut hosts),
        other => {
            return Err(format!(
                "'{other}' is not a valid value for order (inventory, reverse_inventory, sorted, reverse_sorted, shuffle)"
            ));
        }
    }
    Ok(hosts)
}

/// Fisher–Yates with the system's random source (a failed read leaves the order as it is).
fn shuffle(hosts: &mut [String]) {
    for i in (1..hosts.len()).rev() {
        let mut bytes = [0u8; 8];
        if getrandom::fill(&mut bytes).is_err() {
            return;
        }
        let j = (u64::from_le_bytes(bytes) % (i as u64 + 1)) as usize;
        hosts.swap(i, j);
    }
}

/// One `serial` entry: a count, or a share of the play's hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchSize {
    Count(i64),
    Percent(i64),
}

impl BatchSize {
    fn parse(value: &Value) -> Result<BatchSize, String> {
        let bad = || format!("serial: {value} is not a number or a percentage");
        match value {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f as i64))
                .map(BatchSize::Count)
                .ok_or_else(bad),
            Value::String(s) => {
                let s = s.trim();
                match s.strip_suffix('%') {
                    Some(pct) => pct
                        .trim()
                        .parse()
                        .map(BatchSize::Percent)
                        .map_err(|_| bad()),
                    None => s.parse().map(BatchSize::Count).map_err(|_| bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    /// Ansible's `pct_to_int`: a percentage rounds down, but never below one host.
    fn hosts_of(self, total: usize) -> i64 {
        match self {
            BatchSize::Count(n) => n,
            BatchSize::Percent(pct) => match ((pct as f64 / 100.0) * total as f64) as i64 {
                0 => 1,
                n => n,
            },
        }
    }
}

/// `serial` rendered (it may be a template of play or extra vars) into batch sizes.
pub fn serial_sizes(play: &Play, templar: &Templar, vars: &Vars) -> Result<Vec<BatchSize>, String> {
    play.flow
        .serial
        .iter()
        .map(|entry| {
            let rendered = templar
                .render_value(entry, vars)
                .map_err(|e| format!("serial: {e}"))?;
            BatchSize::parse(&rendered)
        })
        .collect()
}

/// `hosts` cut into batches: each entry of `sizes` in turn, the last one repeating; a size of zero
/// or less (or no `serial`) takes every remaining host.
pub fn batches(hosts: Vec<String>, sizes: &[BatchSize]) -> Vec<Vec<String>> {
    let total = hosts.len();
    let mut left = hosts.into_iter().peekable();
    let mut out = Vec::new();
    let mut index = 0;
    while left.peek().is_some() {
        let size = sizes
            .get(index.min(sizes.len().saturating_sub(1)))
            .map_or(0, |s| s.hosts_of(total));
        if size <= 0 {
            out.push(left.collect());
            break;
        }
        out.push(left.by_ref().take(size as usize).collect());
        index += 1;
    }
    out
}

/// A keyword that is a percentage (`max_fail_percentage: 30`, `"30"`, `"{{ pct }}"`).
pub fn percentage(value: &Value, templar: &Templar, vars: &Vars) -> Result<f64, String> {
    let rendered = templar
        .render_value(value, vars)
        .map_err(|e| format!("max_fail_percentage: {e}"))?;
    match &rendered {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('%').parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("max_fail_percentage: {rendered} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hosts(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("h{i}")).collect()
    }

    fn sizes(values: Value) -> Vec<BatchSize> {
        let Value::Array(values) = values else {
            panic!("a list")
        };
        values
            .iter()
            .map(|v| BatchSize::parse(v).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    }

    fn lengths(batches: &[Vec<String>]) -> Vec<usize> {
        batches.iter().map(Vec::len).collect()
    }

    #[test]
    fn serial_as_ansible_cuts_it() {
        assert_eq!(lengths(&batches(hosts(6), &[])), [6]);
        assert_eq!(lengths(&batches(hosts(5), &sizes(json!([2])))), [2, 2, 1]);
        // 30% of 6 is 1.8: rounded down; the last size repeats.
        let cut = batches(hosts(6), &sizes(json!([1, "30%", "100%"])));
        assert_eq!(lengths(&cut), [1, 1, 4]);
        assert_eq!(cut[2], ["h3", "h4", "h5", "h6"]);
        assert_eq!(
            lengths(&batches(hosts(3), &sizes(json!(["10%"])))),
            [1, 1, 1]
        );
        assert_eq!(lengths(&batches(hosts(3), &sizes(json!([0])))), [3]);
        assert_eq!(lengths(&batches(hosts(4), &sizes(json!(["2"])))), [2, 2]);
        assert!(BatchSize::parse(&json!("many")).is_err());
    }

    #[test]
    fn orders() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let given = names(&["b", "c", "a"]);
        let ordered = |o| order_hosts(given.clone(), o).unwrap_or_default();
        assert_eq!(ordered("inventory"), names(&["b", "c", "a"]));
        assert_eq!(ordered("reverse_inventory"), names(&["a", "c", "b"]));
        assert_eq!(ordered("sorted"), names(&["a", "b", "c"]));
        assert_eq!(ordered("reverse_sorted"), names(&["c", "b", "a"]));
        let mut shuffled = ordered("shuffle");
        shuffled.sort();
        assert_eq!(shuffled, names(&["a", "b", "c"]));
        assert!(order_hosts(given, "random").is_err());
    }
}
