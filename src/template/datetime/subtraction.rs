//! Rewriting a template's binary `-` into a call of [`SUB`], so datetimes subtract.

use super::SUB;

/// The text of `source` (a template, or a bare expression when `expression`) with every binary
/// `-` turned into a call of [`SUB`], so datetimes subtract. `None` when nothing changes or the
/// text does not parse (minijinja then reports the syntax error itself).
pub fn rewrite_subtractions(source: &str, expression: bool) -> Option<String> {
    let ast = if expression {
        serde_json::to_value(minijinja::machinery::parse_expr(source).ok()?).ok()?
    } else {
        let parsed = minijinja::machinery::parse(source, "<template>", Default::default()).ok()?;
        serde_json::to_value(parsed).ok()?
    };
    let mut subs = Vec::new();
    collect_subtractions(&ast, &mut subs);
    if subs.is_empty() {
        return None;
    }
    subs.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::with_capacity(source.len() + subs.len() * 16);
    let mut index = 0;
    emit(source, &subs, &mut index, 0, source.len(), &mut out);
    Some(out)
}

/// One binary `-`: its whole extent and where its left operand ends (the operator follows), as
/// byte offsets.
#[derive(Debug, Clone, Copy)]
struct Subtraction {
    start: usize,
    operator: usize,
    end: usize,
}

fn span_of(node: &serde_json::Value) -> Option<(usize, usize)> {
    let span = node.get("inner")?.get(1)?;
    Some((
        span.get("start_offset")?.as_u64()? as usize,
        span.get("end_offset")?.as_u64()? as usize,
    ))
}

/// Finds the `BinOp` nodes whose operator is `Sub` anywhere in the serialized syntax tree.
fn collect_subtractions(node: &serde_json::Value, out: &mut Vec<Subtraction>) {
    match node {
        serde_json::Value::Object(map) => {
            if map.get("expr").and_then(|e| e.as_str()) == Some("BinOp")
                && let Some(sub) = subtraction(node)
            {
                out.push(sub);
            }
            map.values().for_each(|v| collect_subtractions(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_subtractions(v, out)),
        _ => {}
    }
}

fn subtraction(node: &serde_json::Value) -> Option<Subtraction> {
    let op = node.get("inner")?.get(0)?;
    if op.get("op")?.as_str()? != "Sub" {
        return None;
    }
    let (start, end) = span_of(node)?;
    let (_, left_end) = span_of(op.get("left")?)?;
    let (right_start, _) = span_of(op.get("right")?)?;
    // Between the operands there are only brackets, blanks and the operator itself: the first
    // `-` after the left operand is the operator.
    (right_start > left_end).then_some(Subtraction {
        start,
        operator: left_end,
        end,
    })
}

/// Writes `source[from..to]` with the subtractions inside it rewritten, outermost first.
fn emit(
    source: &str,
    subs: &[Subtraction],
    index: &mut usize,
    from: usize,
    to: usize,
    out: &mut String,
) {
    let mut at = from;
    while *index < subs.len() && subs[*index].start < to {
        let sub = subs[*index];
        *index += 1;
        if sub.start < at || sub.end > to {
            continue;
        }
        let Some(minus) = source
            .get(sub.operator..sub.end)
            .and_then(|t| t.find('-'))
            .map(|i| sub.operator + i)
        else {
            continue;
        };
        out.push_str(&source[at..sub.start]);
        out.push_str(SUB);
        out.push('(');
        emit(source, subs, index, sub.start, minus, out);
        out.push(',');
        emit(source, subs, index, minus + 1, sub.end, out);
        out.push(')');
        at = sub.end;
    }
    out.push_str(&source[at..to]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_minus_becomes_a_call_and_unary_minus_stays() {
        assert_eq!(
            rewrite_subtractions("(a - b).days", true).as_deref(),
            Some("(__drover_sub(a , b)).days")
        );
        assert_eq!(
            rewrite_subtractions("{{ ((x|f) - (y - -1)) }} {{ 'a-b' }}", false).as_deref(),
            Some("{{ (__drover_sub((x|f) , (__drover_sub(y , -1)))) }} {{ 'a-b' }}")
        );
        assert_eq!(rewrite_subtractions("-a", true), None);
        assert_eq!(rewrite_subtractions("{{ a", false), None);
    }
}
