//! The one place drover reads YAML. Ansible's YAML is 1.1 as PyYAML reads it: `yes/no/on/off` are
//! booleans, `0755` is octal, `<<` merges, a repeated key keeps its last value. serde-saphyr does all of
//! these with the options below. Known difference: a bare `y`/`n` reads as a boolean (PyYAML keeps the
//! string); quote it to keep text.

use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};

pub use serde_saphyr::Spanned;

/// A place in a source file, for error messages (`site.yml:12`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: PathBuf,
    pub line: u64,
}

impl Origin {
    pub fn new(file: &Path, line: u64) -> Self {
        Origin {
            file: file.to_path_buf(),
            line,
        }
    }
    /// Where a spanned YAML value starts.
    pub fn of<T>(file: &Path, spanned: &Spanned<T>) -> Self {
        Origin::new(file, spanned.referenced.line())
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}", self.file.display(), self.line)
        } else {
            write!(f, "{}", self.file.display())
        }
    }
}

/// A YAML file that could not be read into the shape drover expects.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct YamlError {
    pub origin: Origin,
    pub message: String,
}

fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.legacy_octal_numbers = true;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    options.with_snippet = false;
    options
}

/// Parses YAML text from `file` (named in errors) into `T`. Inline `!vault` values are decrypted
/// with the run's vault secrets first.
pub fn from_str<T: DeserializeOwned>(text: &str, file: &Path) -> Result<T, YamlError> {
    let expanded;
    let text = if text.contains("!vault") {
        expanded =
            crate::vault::expand_inline(text, crate::vault::installed()).map_err(|(line, e)| {
                YamlError {
                    origin: Origin::new(file, line as u64),
                    message: e.to_string(),
                }
            })?;
        expanded.as_str()
    } else {
        text
    };
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0);
        let message = e.to_string();
        // saphyr prefixes "error: line N column M: "; the origin already says where.
        let message = match message.split_once(": ") {
            Some((head, rest)) if head.starts_with("error") => rest
                .split_once(": ")
                .map(|(_, m)| m)
                .unwrap_or(rest)
                .to_string(),
            _ => message,
        };
        YamlError {
            origin: Origin::new(file, line),
            message: message.lines().next().unwrap_or("").to_string(),
        }
    })
}

/// Reads and parses a YAML file; a file encrypted with ansible-vault is decrypted first.
pub fn from_file<T: DeserializeOwned>(file: &Path) -> Result<T, YamlError> {
    let fail = |message: String| YamlError {
        origin: Origin::new(file, 0),
        message,
    };
    let bytes = crate::vault::read_file(file)
        .map_err(|e| fail(format!("cannot read: {e}")))?
        .map_err(|e| fail(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".into()))?;
    from_str(&text, file)
}

/// Writes a value as YAML (the `to_yaml` filter, `--list` outputs).
pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_saphyr::to_string(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(text: &str) -> Value {
        from_str(text, Path::new("t.yml")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// What PyYAML (and so Ansible) reads for each scalar.
    #[test]
    fn reads_scalars_like_pyyaml() {
        let cases = [
            ("yes", json!(true)),
            ("No", json!(false)),
            ("on", json!(true)),
            ("off", json!(false)),
            ("true", json!(true)),
            ("0755", json!(493)),
            ("'0755'", json!("0755")),
            ("0o755", json!(493)),
            ("0x1f", json!(31)),
            ("1.5", json!(1.5)),
            ("~", json!(null)),
            ("null", json!(null)),
            ("hello", json!("hello")),
            ("'yes'", json!("yes")),
            ("8080", json!(8080)),
        ];
        for (text, want) in cases {
            assert_eq!(parse(&format!("v: {text}"))["v"], want, "{text}");
        }
    }

    #[test]
    fn merges_keys_and_keeps_last_duplicate() {
        let v = parse("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nd: 1\nd: 2\n");
        assert_eq!(v["m"], json!({"x": 1, "y": 3}));
        assert_eq!(v["d"], json!(2));
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = from_str::<Value>("a: 1\nb: [1,\nc: }\n", Path::new("site.yml")).unwrap_err();
        assert_eq!(e.origin.file, Path::new("site.yml"));
        assert!(e.origin.line >= 2, "{e}");
        assert!(e.to_string().starts_with("site.yml:"), "{e}");
    }

    #[test]
    fn spans_give_lines() {
        let v: Vec<Spanned<Value>> =
            from_str("- a: 1\n- b: 2\n", Path::new("x")).unwrap_or_default();
        assert_eq!(
            v.iter().map(|s| s.referenced.line()).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }
}
