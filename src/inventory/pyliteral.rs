//! Python literals as `ast.literal_eval` reads them (Python 3.11, which ansible-core's INI inventory
//! plugin calls on every `key=value`): numbers (`0x1f`, `1_000`, `1e3`, `-5`), strings with their
//! prefixes, escapes and implicit concatenation, `True`/`False`/`None`, lists, tuples and sets (as
//! lists), dicts, `set()`, `...`; a trailing `# comment` is allowed. Anything else is not a literal
//! (`None` here), and Ansible keeps the text as a string. Converted as Ansible converts: complex
//! numbers and `...` to their text, bytes to text.
//!
//! Where JSON cannot hold the value (an integer beyond 64 bits, an infinite float) the text is kept
//! too: drover's variables are JSON values.

use serde_json::{Map, Number, Value};

/// Python's tokenizer refuses deeper bracket nesting ("too many nested parentheses").
const MAX_NESTING: usize = 200;

/// The value of a Python literal, or `None` when `text` is not one.
pub fn literal_eval(text: &str) -> Option<Value> {
    let text = text.trim_start_matches([' ', '\t']);
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
        nesting: 0,
    };
    let node = parser.top_level()?;
    to_json(&evaluate(node)?)
}

/// Python's `repr` of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let text = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else {
            let point = point as usize;
            let int: String = format!("{digits:0<point$}");
            let (int, frac) = int.split_at(point);
            let frac = if frac.is_empty() { "0" } else { frac };
            format!("{int}.{frac}")
        };
        format!("{sign}{text}")
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{sign}{first}{rest}e{exp_sign}{:02}",
            exponent.unsigned_abs()
        )
    }
}

/// A parsed expression, only the shapes `literal_eval` may accept.
enum Node {
    Const(Py),
    Neg(Box<Node>),
    Pos(Box<Node>),
    Add(Box<Node>, Box<Node>),
    Sub(Box<Node>, Box<Node>),
    List(Vec<Node>),
    Tuple(Vec<Node>),
    Set(Vec<Node>),
    Dict(Vec<(Node, Node)>),
}

/// Python values a literal can produce.
#[derive(Clone, Debug, PartialEq)]
enum Py {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Complex(f64, f64),
    Str(String),
    Bytes(Vec<u8>),
    Ellipsis,
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    nesting: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    /// Skips blanks and a comment; inside brackets line breaks are blanks too.
    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\x0c' => self.pos += 1,
                '\n' | '\r' if self.nesting > 0 => self.pos += 1,
                '\\' if matches!(self.peek_at(1), Some('\n' | '\r')) => self.pos += 2,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n' && c != '\r') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_blanks();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `expr`, or `expr, expr, ...` (a tuple without parentheses), then only blanks and comments.
    fn top_level(&mut self) -> Option<Node> {
        let first = self.expression()?;
        let node = if self.eat(',') {
            let mut items = vec![first];
            self.sequence_rest(&mut items, None)?;
            Node::Tuple(items)
        } else {
            first
        };
        self.skip_blanks();
        while matches!(self.peek(), Some('\n' | '\r')) {
            self.pos += 1;
            self.skip_blanks();
        }
        (self.pos == self.chars.len()).then_some(node)
    }

    /// The items after `first,` up to `close` (or the end of input when `close` is `None`).
    fn sequence_rest(&mut self, items: &mut Vec<Node>, close: Option<char>) -> Option<()> {
        loop {
            self.skip_blanks();
            let at_end = match close {
                Some(c) => self.peek() == Some(c),
                None => self.peek().is_none_or(|c| c == '\n' || c == '\r'),
            };
            if at_end {
                return Some(());
            }
            items.push(self.expression()?);
            if !self.eat(',') {
                return Some(());
            }
        }
    }

    /// `term (('+' | '-') term)*`.
    fn expression(&mut self) -> Option<Node> {
        let mut node = self.unary()?;
        loop {
            if self.eat('+') {
                node = Node::Add(Box::new(node), Box::new(self.unary()?));
            } else if self.eat('-') {
                node = Node::Sub(Box::new(node), Box::new(self.unary()?));
            } else {
                return Some(node);
            }
        }
    }

    /// A sign applies to a literal only: `--1` is never one, and refusing it here keeps a long run
    /// of signs from recursing.
    fn unary(&mut self) -> Option<Node> {
        if self.eat('-') {
            return Some(Node::Neg(Box::new(self.signed_atom()?)));
        }
        if self.eat('+') {
            return Some(Node::Pos(Box::new(self.signed_atom()?)));
        }
        self.signed_atom()
    }

    fn signed_atom(&mut self) -> Option<Node> {
        let node = self.atom()?;
        // A call, subscript or attribute after a literal is never a literal.
        self.skip_blanks();
        match self.peek() {
            Some('(' | '[' | '.') => None,
            _ => Some(node),
        }
    }

    fn atom(&mut self) -> Option<Node> {
        self.skip_blanks();
        let c = self.peek()?;
        match c {
            '(' => self.bracketed('(', ')'),
            '[' => self.bracketed('[', ']'),
            '{' => self.braced(),
            '.' if self.peek_at(1) == Some('.') && self.peek_at(2) == Some('.') => {
                self.pos += 3;
                Some(Node::Const(Py::Ellipsis))
            }
            '0'..='9' | '.' => self.number().map(Node::Const),
            '\'' | '"' => self.strings().map(Node::Const),
            c if is_identifier_start(c) => self.name(),
            _ => None,
        }
    }

    fn open(&mut self) -> Option<()> {
        self.nesting += 1;
        (self.nesting <= MAX_NESTING).then_some(())
    }

    fn close(&mut self, c: char) -> Option<()> {
        if !self.eat(c) {
            return None;
        }
        self.nesting -= 1;
        Some(())
    }

    /// `(...)`: a parenthesised expression or a tuple; `[...]`: a list.
    fn bracketed(&mut self, open: char, close: char) -> Option<Node> {
        self.pos += 1;
        self.open()?;
        let mut items = Vec::new();
        let mut trailing_comma = false;
        self.skip_blanks();
        if self.peek() != Some(close) {
            items.push(self.expression()?);
            if self.eat(',') {
                trailing_comma = true;
                self.sequence_rest(&mut items, Some(close))?;
            }
        }
        self.close(close)?;
        Some(match open {
            '(' if items.len() == 1 && !trailing_comma => items.remove(0),
            '(' => Node::Tuple(items),
            _ => Node::List(items),
        })
    }

    /// `{}` (dict), `{k: v, ...}` or `{a, b, ...}` (set).
    fn braced(&mut self) -> Option<Node> {
        self.pos += 1;
        self.open()?;
        self.skip_blanks();
        if self.peek() == Some('}') {
            self.close('}')?;
            return Some(Node::Dict(Vec::new()));
        }
        let first = self.expression()?;
        if self.eat(':') {
            let mut pairs = vec![(first, self.expression()?)];
            while self.eat(',') {
                self.skip_blanks();
                if self.peek() == Some('}') {
                    break;
                }
                let key = self.expression()?;
                if !self.eat(':') {
                    return None;
                }
                pairs.push((key, self.expression()?));
            }
            self.close('}')?;
            return Some(Node::Dict(pairs));
        }
        let mut items = vec![first];
        if self.eat(',') {
            self.sequence_rest(&mut items, Some('}'))?;
        }
        self.close('}')?;
        Some(Node::Set(items))
    }

    /// `True`, `False`, `None`, `set()`, or a string with a prefix (`r'..'`, `b".."`).
    fn name(&mut self) -> Option<Node> {
        let start = self.pos;
        while self.peek().is_some_and(is_identifier_char) {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        if matches!(self.peek(), Some('\'' | '"')) {
            self.pos = start;
            return self.strings().map(Node::Const);
        }
        match word.as_str() {
            "True" => Some(Node::Const(Py::Bool(true))),
            "False" => Some(Node::Const(Py::Bool(false))),
            "None" => Some(Node::Const(Py::None)),
            "set" => {
                if self.eat('(') && self.eat(')') {
                    Some(Node::Set(Vec::new()))
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// A number token: decimal, `0x`/`0o`/`0b` integers, floats, imaginary numbers (`2j`).
    fn number(&mut self) -> Option<Py> {
        let radix = match (self.peek(), self.peek_at(1)) {
            (Some('0'), Some('x' | 'X')) => 16,
            (Some('0'), Some('o' | 'O')) => 8,
            (Some('0'), Some('b' | 'B')) => 2,
            _ => 10,
        };
        let value = if radix == 10 {
            self.decimal_number()?
        } else {
            self.pos += 2;
            let digits = self.digit_run(radix, true)?;
            Py::Int(i128::from_str_radix(&digits, radix).ok()?)
        };
        // `1abc`, `0x1g`, `1.5.2`, `1.real`: an invalid literal or an attribute, never a literal.
        match self.peek() {
            Some(c) if is_identifier_char(c) || c == '.' => None,
            _ => Some(value),
        }
    }

    fn decimal_number(&mut self) -> Option<Py> {
        let mut text = String::new();
        let int_part = if self.peek() == Some('.') {
            String::new()
        } else {
            self.digit_run(10, false)?
        };
        text.push_str(&int_part);
        let mut is_float = false;
        if self.peek() == Some('.') {
            self.pos += 1;
            is_float = true;
            text.push('.');
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                text.push_str(&self.digit_run(10, false)?);
            } else if int_part.is_empty() {
                return None;
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let sign = self.peek_at(1).filter(|c| *c == '+' || *c == '-');
            let digit_at = if sign.is_some() { 2 } else { 1 };
            if self.peek_at(digit_at).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += digit_at;
                is_float = true;
                text.push('e');
                text.extend(sign);
                text.push_str(&self.digit_run(10, false)?);
            }
        }
        if matches!(self.peek(), Some('j' | 'J')) {
            self.pos += 1;
            return Some(Py::Complex(0.0, text.parse().ok()?));
        }
        if is_float {
            return Some(Py::Float(text.parse().ok()?));
        }
        // `0755` is a SyntaxError in Python 3; `00` and `0_0` are zero.
        if int_part.len() > 1 && int_part.starts_with('0') && int_part.chars().any(|c| c != '0') {
            return None;
        }
        Some(Py::Int(int_part.parse().ok()?))
    }

    /// Digits of `radix` with single underscores between them (and, after a base prefix, before
    /// the first); returns the digits alone.
    fn digit_run(&mut self, radix: u32, underscore_first: bool) -> Option<String> {
        let mut digits = String::new();
        loop {
            let underscore = self.peek() == Some('_') && (underscore_first || !digits.is_empty());
            let offset = usize::from(underscore);
            match self.peek_at(offset) {
                Some(c) if c.is_digit(radix) => {
                    digits.push(c);
                    self.pos += offset + 1;
                }
                _ if underscore => return None,
                _ => break,
            }
        }
        (!digits.is_empty()).then_some(digits)
    }

    /// One or more adjacent string literals, concatenated (`'a' "b"` is `'ab'`).
    fn strings(&mut self) -> Option<Py> {
        let mut text: Option<String> = None;
        let mut bytes: Option<Vec<u8>> = None;
        loop {
            self.skip_blanks();
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                self.pos += 1;
            }
            let prefix: String = self.chars[start..self.pos]
                .iter()
                .collect::<String>()
                .to_ascii_lowercase();
            if !matches!(self.peek(), Some('\'' | '"')) {
                self.pos = start;
                break;
            }
            let (raw, is_bytes) = match prefix.as_str() {
                "" | "u" => (false, false),
                "r" => (true, false),
                "b" => (false, true),
                "br" | "rb" => (true, true),
                _ => return None, // f-strings are not literals; other prefixes are syntax errors
            };
            let body = self.string_body(raw)?;
            if is_bytes {
                if text.is_some() {
                    return None;
                }
                bytes.get_or_insert_with(Vec::new).extend(to_bytes(&body)?);
            } else {
                if bytes.is_some() {
                    return None;
                }
                text.get_or_insert_with(String::new)
                    .push_str(&decode_surrogates(&body)?);
            }
        }
        match (text, bytes) {
            (Some(t), _) => Some(Py::Str(t)),
            (None, Some(b)) => Some(Py::Bytes(b)),
            (None, None) => None,
        }
    }

    /// The characters between the quotes, escapes decoded (kept as code units: a `\ud800` alone is
    /// checked when the pieces are joined).
    fn string_body(&mut self, raw: bool) -> Option<Vec<u32>> {
        let quote = self.peek()?;
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            if c == quote
                && (!triple || (self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote)))
            {
                self.pos += if triple { 3 } else { 1 };
                return Some(out);
            }
            if (c == '\n' || c == '\r') && !triple {
                return None;
            }
            self.pos += 1;
            if c != '\\' {
                out.push(c as u32);
                continue;
            }
            let next = self.peek()?;
            self.pos += 1;
            if raw {
                out.extend([u32::from('\\'), next as u32]);
            } else {
                self.escape(next, &mut out)?;
            }
        }
    }

    fn escape(&mut self, c: char, out: &mut Vec<u32>) -> Option<()> {
        let simple = match c {
            '\n' => return Some(()),
            '\\' => '\\',
            '\'' => '\'',
            '"' => '"',
            'a' => '\x07',
            'b' => '\x08',
            'f' => '\x0c',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\x0b',
            '0'..='7' => {
                let mut value = c.to_digit(8)?;
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            self.pos += 1;
                        }
                        None => break,
                    }
                }
                out.push(value);
                return Some(());
            }
            'x' => return self.hex_escape(2, out),
            'u' => return self.hex_escape(4, out),
            'U' => return self.hex_escape(8, out),
            // `\N{NAME}` needs the Unicode name table: not read here (the text is kept as written).
            'N' => return None,
            other => {
                out.extend([u32::from('\\'), other as u32]);
                return Some(());
            }
        };
        out.push(simple as u32);
        Some(())
    }

    fn hex_escape(&mut self, len: usize, out: &mut Vec<u32>) -> Option<()> {
        let digits: String = (0..len).filter_map(|i| self.peek_at(i)).collect();
        if digits.chars().count() != len || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += len;
        let value = u32::from_str_radix(&digits, 16).ok()?;
        (value <= 0x10_FFFF).then(|| out.push(value))
    }
}

fn is_identifier_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_identifier_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Code points to a Rust string; Python allows lone surrogates, Rust does not (kept as text).
fn decode_surrogates(units: &[u32]) -> Option<String> {
    units.iter().map(|&u| char::from_u32(u)).collect()
}

/// A bytes literal holds ASCII characters and escapes below 256 only.
fn to_bytes(units: &[u32]) -> Option<Vec<u8>> {
    units.iter().map(|&u| u8::try_from(u).ok()).collect()
}

/// `literal_eval`'s rules on the parsed shape: signs only on numbers, `+`/`-` only as
/// `real ± imaginary`, sets and dicts of hashable items.
fn evaluate(node: Node) -> Option<Py> {
    match node {
        Node::Const(value) => Some(value),
        Node::Neg(operand) => negate(signed_number_operand(*operand)?),
        Node::Pos(operand) => signed_number_operand(*operand),
        Node::Add(left, right) => complex_sum(*left, *right, 1.0),
        Node::Sub(left, right) => complex_sum(*left, *right, -1.0),
        Node::List(items) | Node::Tuple(items) => items
            .into_iter()
            .map(evaluate)
            .collect::<Option<_>>()
            .map(Py::List),
        Node::Set(items) => {
            let mut unique: Vec<Py> = Vec::new();
            for item in items {
                let value = evaluate(item)?;
                if !hashable(&value) {
                    return None;
                }
                if !unique.contains(&value) {
                    unique.push(value);
                }
            }
            Some(Py::List(unique))
        }
        Node::Dict(pairs) => {
            let mut out: Vec<(Py, Py)> = Vec::new();
            for (key, value) in pairs {
                let (key, value) = (evaluate(key)?, evaluate(value)?);
                if !hashable(&key) {
                    return None;
                }
                match out.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => out.push((key, value)),
                }
            }
            Some(Py::Dict(out))
        }
    }
}

/// The operand of a unary sign: a number written as a constant (not a bool, not another sign).
fn signed_number_operand(node: Node) -> Option<Py> {
    match node {
        Node::Const(value @ (Py::Int(_) | Py::Float(_) | Py::Complex(..))) => Some(value),
        _ => None,
    }
}

fn negate(value: Py) -> Option<Py> {
    match value {
        Py::Int(i) => Some(Py::Int(i.checked_neg()?)),
        Py::Float(f) => Some(Py::Float(-f)),
        Py::Complex(re, im) => Some(Py::Complex(-re, -im)),
        _ => None,
    }
}

/// `1+2j`, `-1.5-2j`: a real (optionally signed) then an imaginary constant.
fn complex_sum(left: Node, right: Node, sign: f64) -> Option<Py> {
    let real = match left {
        Node::Neg(operand) => negate(signed_number_operand(*operand)?)?,
        Node::Pos(operand) => signed_number_operand(*operand)?,
        other => signed_number_operand(other)?,
    };
    let real = match real {
        Py::Int(i) => i as f64,
        Py::Float(f) => f,
        _ => return None,
    };
    match signed_number_operand(right)? {
        Py::Complex(re, im) => Some(Py::Complex(real + sign * re, sign * im)),
        _ => None,
    }
}

fn hashable(value: &Py) -> bool {
    !matches!(value, Py::List(_) | Py::Dict(_))
}

fn to_json(value: &Py) -> Option<Value> {
    Some(match value {
        Py::None => Value::Null,
        Py::Bool(b) => Value::Bool(*b),
        Py::Int(i) => int_to_json(*i)?,
        Py::Float(f) => Value::Number(Number::from_f64(*f)?),
        Py::Complex(re, im) => Value::String(complex_repr(*re, *im)),
        Py::Str(s) => Value::String(s.clone()),
        Py::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        Py::Ellipsis => Value::String("...".into()),
        Py::List(items) => Value::Array(items.iter().map(to_json).collect::<Option<_>>()?),
        Py::Dict(pairs) => {
            let mut map = Map::new();
            for (key, value) in pairs {
                map.insert(json_key(key)?, to_json(value)?);
            }
            Value::Object(map)
        }
    })
}

fn int_to_json(i: i128) -> Option<Value> {
    if let Ok(small) = i64::try_from(i) {
        return Some(Value::from(small));
    }
    u64::try_from(i).ok().map(Value::from)
}

/// A dict key as Python's `json.dumps` writes it.
fn json_key(key: &Py) -> Option<String> {
    Some(match key {
        Py::Str(s) => s.clone(),
        Py::Int(i) => i.to_string(),
        Py::Float(f) => float_repr(*f),
        Py::Bool(b) => b.to_string(),
        Py::None => "null".into(),
        _ => return None,
    })
}

/// Python's `repr(complex)`: `2j`, `(1+2j)`, `(-0-1j)`.
fn complex_repr(re: f64, im: f64) -> String {
    let part = |f: f64| {
        let text = float_repr(f);
        text.strip_suffix(".0").map(String::from).unwrap_or(text)
    };
    if re == 0.0 && re.is_sign_positive() {
        return format!("{}j", part(im));
    }
    let sign = if im.is_sign_negative() { "-" } else { "+" };
    format!("({}{sign}{}j)", part(re), part(im.abs()))
}

#[cfg(test)]
mod tests {
    use super::{float_repr, literal_eval};
    use serde_json::json;

    fn eval(text: &str) -> Option<serde_json::Value> {
        literal_eval(text)
    }

    #[test]
    fn numbers_as_python_reads_them() {
        assert_eq!(eval("8080"), Some(json!(8080)));
        assert_eq!(eval("-5"), Some(json!(-5)));
        assert_eq!(eval("+3"), Some(json!(3)));
        assert_eq!(eval("0x1f"), Some(json!(31)));
        assert_eq!(eval("0x_1F"), Some(json!(31)));
        assert_eq!(eval("0o17"), Some(json!(15)));
        assert_eq!(eval("0b101"), Some(json!(5)));
        assert_eq!(eval("1_000"), Some(json!(1000)));
        assert_eq!(eval("00"), Some(json!(0)));
        assert_eq!(eval("0755"), None, "a SyntaxError in Python 3");
        assert_eq!(eval("1__0"), None);
        assert_eq!(eval("1_"), None);
        assert_eq!(eval("1.5"), Some(json!(1.5)));
        assert_eq!(eval("1e3"), Some(json!(1000.0)));
        assert_eq!(eval("09.5"), Some(json!(9.5)));
        assert_eq!(eval("1."), Some(json!(1.0)));
        assert_eq!(eval(".5"), Some(json!(0.5)));
        assert_eq!(eval("-0.25"), Some(json!(-0.25)));
        assert_eq!(eval("1j"), Some(json!("1j")));
        assert_eq!(eval("1+2j"), Some(json!("(1+2j)")));
        assert_eq!(eval("-1j"), Some(json!("(-0-1j)")));
        assert_eq!(eval("1.2.3"), None);
        assert_eq!(eval("10.0.0.1"), None);
        assert_eq!(eval("1abc"), None);
        assert_eq!(eval("--1"), None);
        assert_eq!(eval("1+2"), None);
        assert_eq!(eval("-True"), None);
        assert_eq!(eval("1e999"), None, "infinite: JSON cannot hold it");
        assert_eq!(
            eval("123456789012345678901234567890"),
            None,
            "beyond 64 bits"
        );
    }

    #[test]
    fn constants_strings_and_containers() {
        assert_eq!(eval("True"), Some(json!(true)));
        assert_eq!(eval("None"), Some(json!(null)));
        assert_eq!(eval("true"), None);
        assert_eq!(eval("yes"), None);
        assert_eq!(eval("'a b'"), Some(json!("a b")));
        assert_eq!(eval(r#""tab\there""#), Some(json!("tab\there")));
        assert_eq!(eval(r#"r"\d""#), Some(json!("\\d")));
        assert_eq!(eval(r#""\d""#), Some(json!("\\d")));
        assert_eq!(eval(r#""\x41\u00e9\101""#), Some(json!("AéA")));
        assert_eq!(eval("'a' \"b\""), Some(json!("ab")));
        assert_eq!(eval("b'x'"), Some(json!("x")));
        assert_eq!(eval("b'x' 'y'"), None);
        assert_eq!(eval("f'x'"), None);
        assert_eq!(eval("'''tri'''"), Some(json!("tri")));
        assert_eq!(eval("[1, 'a', 2.0]"), Some(json!([1, "a", 2.0])));
        assert_eq!(eval("(1, 2)"), Some(json!([1, 2])));
        assert_eq!(eval("1, 2"), Some(json!([1, 2])));
        assert_eq!(eval("(1)"), Some(json!(1)));
        assert_eq!(eval("(1,)"), Some(json!([1])));
        assert_eq!(eval("()"), Some(json!([])));
        assert_eq!(eval("{1, 2, 1}"), Some(json!([1, 2])));
        assert_eq!(eval("set()"), Some(json!([])));
        assert_eq!(
            eval("{'k': 'v', 1: [True]}"),
            Some(json!({"k": "v", "1": [true]}))
        );
        assert_eq!(eval("{}"), Some(json!({})));
        assert_eq!(eval("{[1]: 2}"), None, "unhashable key");
        assert_eq!(eval("..."), Some(json!("...")));
        assert_eq!(eval("8080 # the port"), Some(json!(8080)));
        assert_eq!(eval("abc # a comment"), None);
        assert_eq!(eval(""), None);
        assert_eq!(eval("[1, 2"), None);
        assert_eq!(eval("[1][0]"), None);
        assert_eq!(eval("x"), None);
    }

    #[test]
    fn nesting_is_bounded_like_python() {
        let ok = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(eval(&ok).is_some());
        let deep = format!("{}{}", "[".repeat(201), "]".repeat(201));
        assert_eq!(eval(&deep), None);
        assert_eq!(eval(&"(".repeat(100_000)), None);
    }

    #[test]
    fn float_repr_is_pythons() {
        assert_eq!(float_repr(1000.0), "1000.0");
        assert_eq!(float_repr(0.5), "0.5");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-5), "1.5e-05");
        assert_eq!(float_repr(0.0001), "0.0001");
        assert_eq!(float_repr(-2.5), "-2.5");
        assert_eq!(float_repr(123456789.125), "123456789.125");
        assert_eq!(float_repr(1.2345678901234568e17), "1.2345678901234568e+17");
    }
}
