//! Host ranges: `web[01:20]`, `db-[a:f]`, `node[1:10:2]`.

/// Expands every `[start:end(:stride)]` in `pattern`; a name without one is returned as is.
pub fn expand(pattern: &str) -> Result<Vec<String>, String> {
    let Some(open) = pattern.find('[') else {
        return Ok(vec![pattern.to_string()]);
    };
    let close = pattern[open..]
        .find(']')
        .map(|i| open + i)
        .ok_or_else(|| format!("unclosed range in {pattern:?}"))?;
    let (head, spec, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let parts: Vec<&str> = spec.split(':').collect();
    let (start, end, stride) = match parts.as_slice() {
        [s, e] => (*s, *e, 1usize),
        [s, e, st] => (
            *s,
            *e,
            st.parse()
                .map_err(|_| format!("bad stride in {pattern:?}"))?,
        ),
        _ => {
            return Err(format!(
                "bad range [{spec}] in {pattern:?}: expected [start:end] or [start:end:stride]"
            ));
        }
    };
    if stride == 0 {
        return Err(format!("zero stride in {pattern:?}"));
    }
    let items = if let (Ok(a), Ok(b)) = (start.parse::<u64>(), end.parse::<u64>()) {
        let width = if start.starts_with('0') && start.len() > 1 {
            start.len()
        } else {
            0
        };
        if a > b {
            return Err(format!("range start is after its end in {pattern:?}"));
        }
        (a..=b)
            .step_by(stride)
            .map(|n| format!("{n:0width$}"))
            .collect::<Vec<_>>()
    } else if start.len() == 1 && end.len() == 1 && start < end {
        let (a, b) = (start.as_bytes()[0], end.as_bytes()[0]);
        (a..=b)
            .step_by(stride)
            .map(|c| (c as char).to_string())
            .collect()
    } else {
        return Err(format!("bad range [{spec}] in {pattern:?}"));
    };
    let mut out = Vec::new();
    for item in items {
        for rest in expand(tail)? {
            out.push(format!("{head}{item}{rest}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::expand;

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
        assert_eq!(expand("plain").unwrap(), ["plain"]);
        assert!(expand("bad[1:").is_err());
        assert!(expand("bad[3:1]").is_err());
    }
}
