//! Lenient argument types, as Ansible coerces them: templated values arrive as strings (`"yes"`,
//! `"0644"`, `"8080"`), YAML gives booleans, numbers and lists.

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, Visitor};
use serde_json::Value;

/// Python's type name of a JSON value (`native_type_name`), as Ansible's messages name it.
pub fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Ansible's boolean: `true/false`, `yes/no`, `on/off`, `1/0`, `y/n`, case-insensitive.
pub fn bool_from_value(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" | "y" | "t" => Some(true),
            "false" | "no" | "off" | "0" | "n" | "f" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Python's truthiness of a value, as Ansible applies it to conditions (`when:`, `that:`).
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// `#[serde(default = "crate::de::yes")]`: a boolean argument that is on unless the task says.
pub fn yes() -> bool {
    true
}

/// `#[serde(deserialize_with = "de::boolean")]`
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = Value::deserialize(d)?;
    bool_from_value(&v).ok_or_else(|| {
        de::Error::custom(format!(
            "{v} is not a valid boolean (use true/false, yes/no)"
        ))
    })
}

/// `#[serde(default, deserialize_with = "de::opt_boolean")]`
pub fn opt_boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        v => bool_from_value(&v)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("{v} is not a valid boolean"))),
    }
}

/// A string that YAML may have typed as a number or boolean (`owner: 1000`, `line: 5`).
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    scalar_to_string(Value::deserialize(d)?).map_err(de::Error::custom)
}

/// `#[serde(default, deserialize_with = "de::opt_string")]`
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        v => scalar_to_string(v).map(Some).map_err(de::Error::custom),
    }
}

fn scalar_to_string(v: Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if b { "True" } else { "False" }.to_string()),
        other => Err(format!("expected a string, got {other}")),
    }
}

/// A list that may also be written as one string, comma-separated (`groups: a,b`).
pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|i| scalar_to_string(i).map_err(de::Error::custom))
            .collect(),
        Value::String(s) => Ok(s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()),
        other => scalar_to_string(other)
            .map(|s| vec![s])
            .map_err(de::Error::custom),
    }
}

/// A file mode as Ansible reads it: an integer (YAML `0644` is already octal → 420) or a string,
/// octal (`"0644"`, `"644"`) or symbolic (`"u=rw,g=r"`). Kept as text for the target's `chmod`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Octal(u32),
    Symbolic(String),
}

impl Mode {
    /// The mode as `chmod` takes it.
    pub fn to_chmod(&self) -> String {
        match self {
            Mode::Octal(m) => format!("{m:04o}"),
            Mode::Symbolic(s) => s.clone(),
        }
    }
    pub fn octal(&self) -> Option<u32> {
        match self {
            Mode::Octal(m) => Some(*m),
            Mode::Symbolic(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_u64()
                .filter(|m| *m <= 0o7777)
                .map(|m| Mode::Octal(m as u32))
                .ok_or_else(|| de::Error::custom(format!("mode {n} is out of range"))),
            Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                u32::from_str_radix(&s, 8)
                    .ok()
                    .filter(|m| *m <= 0o7777)
                    .map(Mode::Octal)
                    .ok_or_else(|| {
                        de::Error::custom(format!("mode {s:?} is not a valid octal mode"))
                    })
            }
            Value::String(s) if is_symbolic_mode(&s) => Ok(Mode::Symbolic(s)),
            other => Err(de::Error::custom(format!(
                "mode {other} is not an octal or symbolic mode"
            ))),
        }
    }
}

fn is_symbolic_mode(s: &str) -> bool {
    !s.is_empty()
        && s.split(',').all(|clause| {
            let ops = clause.find(['+', '-', '=']);
            match ops {
                Some(i) => {
                    clause[..i].chars().all(|c| "ugoa".contains(c))
                        && clause[i..].chars().all(|c| "+-=rwxXstugo".contains(c))
                }
                None => false,
            }
        })
}

/// The argument names a `Params` struct accepts, aliases included; `None` when it is not a struct
/// (a map takes any key). Read from serde's own field list, so it never drifts from the struct.
pub fn field_names<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    let mut found = None;
    let _ = T::deserialize(FieldNames { found: &mut found });
    found
}

struct FieldNames<'a> {
    found: &'a mut Option<&'static [&'static str]>,
}

#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("introspection")
    }
}
impl std::error::Error for Stop {}
impl de::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = Stop;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        *self.found = Some(fields);
        Err(Stop)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// A serde error about a module's arguments, worded as Ansible words it and naming the argument
/// (`path`, from serde_path_to_error; `.` for the arguments as a whole).
pub fn explain(path: &str, error: &dyn std::fmt::Display) -> String {
    let msg = error.to_string();
    if let Some(field) = backticked(&msg)
        .first()
        .filter(|_| msg.starts_with("missing field"))
    {
        return format!("missing required arguments: {field}");
    }
    let names = backticked(&msg);
    if let Some((got, choices)) = names.split_first() {
        let hint = crate::suggest::did_you_mean(got, choices.iter().copied());
        if msg.starts_with("unknown variant") {
            return format!(
                "value of {path} must be one of: {}, got: {got}{hint}",
                choices.join(", ")
            );
        }
        if msg.starts_with("unknown field") {
            return format!(
                "unsupported parameter {got}{hint}; supported parameters include: {}",
                choices.join(", ")
            );
        }
    }
    match path {
        "" | "." => msg,
        _ => format!("argument {path}: {msg}"),
    }
}

/// The words serde quotes in backticks, in order (`unknown variant `x`, expected `a` or `b``).
fn backticked(msg: &str) -> Vec<&str> {
    msg.split('`').skip(1).step_by(2).collect()
}

/// Standard base64 (with or without padding), for file contents read from a host.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let clean: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= value(*c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct P {
        #[serde(alias = "path", alias = "name")]
        dest: String,
        mode: Option<Mode>,
    }

    #[test]
    fn field_names_include_aliases() {
        let names = field_names::<P>().unwrap_or_default();
        for n in ["dest", "path", "name", "mode"] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        assert!(field_names::<serde_json::Map<String, Value>>().is_none());
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Colour {
        Red,
        Green,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Q {
        dest: String,
        colour: Option<Colour>,
        #[serde(default, deserialize_with = "boolean")]
        force: bool,
    }

    fn explained(args: Value) -> String {
        match serde_path_to_error::deserialize::<_, Q>(args) {
            Ok(q) => format!("accepted {q:?}"),
            Err(e) => explain(&e.path().to_string(), &e.into_inner()),
        }
    }

    #[test]
    fn errors_name_the_argument_and_the_choices() {
        assert_eq!(
            explained(serde_json::json!({"colour": "red"})),
            "missing required arguments: dest"
        );
        assert_eq!(
            explained(serde_json::json!({"dest": "x", "colour": "gren"})),
            "value of colour must be one of: red, green, got: gren (did you mean `green`?)"
        );
        assert_eq!(
            explained(serde_json::json!({"dest": "x", "colur": "red"})),
            "unsupported parameter colur (did you mean `colour`?); supported parameters include: dest, colour, force"
        );
        assert_eq!(
            explained(serde_json::json!({"dest": "x", "force": "maybe"})),
            "argument force: \"maybe\" is not a valid boolean (use true/false, yes/no)"
        );
    }

    #[test]
    fn modes_read_like_ansible() {
        let m = |v: Value| serde_json::from_value::<Mode>(v).map_err(|e| e.to_string());
        assert_eq!(m(Value::from(420)), Ok(Mode::Octal(0o644)));
        assert_eq!(m(Value::from("0644")), Ok(Mode::Octal(0o644)));
        assert_eq!(m(Value::from("755")), Ok(Mode::Octal(0o755)));
        assert_eq!(
            m(Value::from("u=rw,g=r,o=")),
            Ok(Mode::Symbolic("u=rw,g=r,o=".into()))
        );
        assert!(m(Value::from("0999")).is_err());
        assert!(m(Value::from("rw")).is_err());
    }

    #[test]
    fn booleans_read_like_ansible() {
        for (v, b) in [
            ("yes", true),
            ("No", false),
            ("on", true),
            ("0", false),
            ("True", true),
        ] {
            assert_eq!(bool_from_value(&Value::from(v)), Some(b), "{v}");
        }
        assert_eq!(bool_from_value(&Value::from("maybe")), None);
    }
}
