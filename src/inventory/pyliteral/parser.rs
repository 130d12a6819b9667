//! Python's tokenizer and parser for the shapes `literal_eval` may accept: numbers, strings with
//! their prefixes and escapes, names, brackets and braces.

use super::Py;

/// Python's tokenizer refuses deeper bracket nesting ("too many nested parentheses").
const MAX_NESTING: usize = 200;

/// A parsed expression, only the shapes `literal_eval` may accept.
pub(super) enum Node {
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

pub(super) struct Parser {
    chars: Vec<char>,
    pos: usize,
    nesting: usize,
}

impl Parser {
    pub(super) fn new(text: &str) -> Parser {
        Parser {
            chars: text.chars().collect(),
            pos: 0,
            nesting: 0,
        }
    }

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
    pub(super) fn top_level(&mut self) -> Option<Node> {
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
