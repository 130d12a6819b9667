//! The lookups that read (or, for `password`, create) files on the controller: ports of
//! ansible-core's `password`, `csvfile` and `ini`; and why `url` is refused.

use super::crypt::{Scheme, sha_crypt};
use super::lookups::{LookupContext, find_file};
use super::pyrandom::{PyRandom, Seed};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

type Options = Map<String, Value>;
type Items = Result<Vec<Value>, String>;

/// Hosts template in parallel: one password file is read, created and written by one at a time,
/// so every host gets the password the first one stored (Ansible uses a lock file for its forks).
static PASSWORD_FILES: Mutex<()> = Mutex::new(());

const PASSWORD_OPTIONS: &[&str] = &["length", "encrypt", "chars", "ident", "seed"];

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A term `words k=v k=v` as ansible-core's lookups split it: the leading words without `=` (the
/// `_raw_params`), then `k=v` pairs (quoted values allowed).
fn split_term(term: &str) -> Result<(String, Options), String> {
    let trimmed = term.trim_start();
    let mut raw = Vec::new();
    let mut rest = trimmed;
    while let Some(word) = rest.split_whitespace().next() {
        if word.contains('=') {
            break;
        }
        raw.push(word);
        rest = rest[rest.find(word).unwrap_or(0) + word.len()..].trim_start();
    }
    let options = if rest.is_empty() {
        Options::new()
    } else {
        crate::playbook::parse_kv(rest, false).map_err(|e| {
            format!("Unrecognized value after key=value parameters in {term:?}: {e}")
        })?
    };
    Ok((raw.join(" "), options))
}

/// `password`: `path [length=N] [chars=...] [seed=S] [encrypt=sha512_crypt]`. The file (relative
/// to the playbook directory) holds the password, created with random characters when missing
/// and reused after; with `encrypt` the salt is stored beside it (`pw salt=SALT`) so the hash is
/// the same on every run.
pub fn password(terms: &[Value], options: &Options, ctx: &LookupContext) -> Items {
    let playbook_dir = super::lookups::playbook_dir(ctx.var);
    terms
        .iter()
        .map(|term| {
            let (path, settings) = password_settings(&text_of(term), options)?;
            let path = expand_home(&path);
            let path = if path.is_absolute() {
                path
            } else {
                playbook_dir.join(path)
            };
            one_password(&path, &settings).map(Value::String)
        })
        .collect()
}

struct PasswordSettings {
    length: usize,
    chars: Vec<char>,
    seed: Option<String>,
    encrypt: Option<Scheme>,
}

fn password_settings(term: &str, options: &Options) -> Result<(String, PasswordSettings), String> {
    let (path, inline) = split_term(term)?;
    let invalid: Vec<&String> = inline
        .keys()
        .chain(options.keys())
        .filter(|k| !PASSWORD_OPTIONS.contains(&k.as_str()))
        .collect();
    if !invalid.is_empty() {
        let names: Vec<&str> = invalid.iter().map(|k| k.as_str()).collect();
        return Err(format!(
            "Unrecognized parameter(s) given to password lookup: {}",
            names.join(", ")
        ));
    }
    let get = |name: &str| inline.get(name).or_else(|| options.get(name));
    let length = match get("length") {
        None => 20,
        Some(v) => text_of(v)
            .trim()
            .parse::<usize>()
            .map_err(|_| format!("Invalid value provided for 'integer': '{}'", text_of(v)))?,
    };
    let chars = candidate_chars(get("chars"));
    if chars.is_empty() && length > 0 {
        return Err("password lookup: `chars` leaves no character to choose from".into());
    }
    let encrypt = match get("encrypt").map(text_of).as_deref() {
        None | Some("") => None,
        Some("sha512_crypt") => Some(Scheme::Sha512),
        Some("sha256_crypt") => Some(Scheme::Sha256),
        Some(other) => {
            return Err(format!(
                "password lookup: encrypt={other} is not supported yet (sha512_crypt, sha256_crypt)"
            ));
        }
    };
    if get("ident").is_some_and(|v| !text_of(v).is_empty()) {
        return Err("password lookup: `ident` (bcrypt) is not supported yet".into());
    }
    let seed = get("seed").map(text_of);
    Ok((
        path,
        PasswordSettings {
            length,
            chars,
            seed,
            encrypt,
        },
    ))
}

/// `chars`: names of Python's `string` constants or literal characters, comma separated (`,,` is a
/// comma); quotes are dropped, as ansible-core's `_gen_candidate_chars` does.
fn candidate_chars(spec: Option<&Value>) -> Vec<char> {
    let specs: Vec<String> = match spec {
        None | Some(Value::Null) => vec!["ascii_letters".into(), "digits".into(), ".,:-_".into()],
        Some(Value::Array(items)) => items.iter().map(text_of).collect(),
        Some(other) => {
            let text = text_of(other);
            let mut out: Vec<String> = Vec::new();
            if text.contains(",,") {
                out.push(",".into());
            }
            out.extend(
                text.replace(",,", ",")
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(String::from),
            );
            out
        }
    };
    specs
        .iter()
        .map(|spec| python_string_constant(spec).unwrap_or(spec))
        .collect::<String>()
        .chars()
        .filter(|c| *c != '"' && *c != '\'')
        .collect()
}

fn python_string_constant(name: &str) -> Option<&'static str> {
    const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
    const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    Some(match name {
        "ascii_letters" => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "ascii_lowercase" => LOWER,
        "ascii_uppercase" => UPPER,
        "digits" => "0123456789",
        "hexdigits" => "0123456789abcdefABCDEF",
        "octdigits" => "01234567",
        "punctuation" => PUNCTUATION,
        "whitespace" => " \t\n\r\x0b\x0c",
        "printable" => concat!(
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
            " \t\n\r\x0b\x0c"
        ),
        _ => return None,
    })
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

fn one_password(path: &Path, settings: &PasswordSettings) -> Result<String, String> {
    let _guard = PASSWORD_FILES.lock().unwrap_or_else(|e| e.into_inner());
    let null = path == Path::new("/dev/null");
    let stored = if null {
        None
    } else {
        read_password_file(path)?
    };
    let mut changed = stored.is_none();
    let (plaintext, mut salt) = match stored {
        Some(content) => parse_content(&content),
        None => (
            random_text(settings.length, &settings.chars, settings.seed.as_deref())?,
            None,
        ),
    };
    if settings.encrypt.is_some() && salt.is_none() {
        changed = true;
        salt = Some(random_text(
            16,
            &SALT_CHARS.chars().collect::<Vec<_>>(),
            None,
        )?);
    }
    if changed && !null {
        let content = match (&salt, settings.encrypt) {
            (Some(salt), _) => format!("{plaintext} salt={salt}"),
            (None, _) => plaintext.clone(),
        };
        write_password_file(path, &content)?;
    }
    Ok(match (settings.encrypt, salt) {
        (Some(scheme), Some(salt)) => sha_crypt(
            scheme,
            plaintext.as_bytes(),
            &salt,
            scheme.ansible_default_rounds(),
        ),
        _ => plaintext,
    })
}

const SALT_CHARS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./";

fn read_password_file(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(|text| Some(text.trim_end().to_string()))
            .map_err(|_| format!("{}: the password file is not UTF-8", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// `password salt=SALT[ ident=IDENT]` as ansible-core stores it (the last ` salt=` splits).
fn parse_content(content: &str) -> (String, Option<String>) {
    match content.rfind(" salt=") {
        None => (content.to_string(), None),
        Some(at) => {
            let rest = &content[at + " salt=".len()..];
            let salt = rest.rfind(" ident=").map_or(rest, |i| &rest[..i]);
            (content[..at].to_string(), Some(salt.to_string()))
        }
    }
}

/// Writes the file as ansible-core does: its directory created 0700, the file 0600, a final
/// newline.
fn write_password_file(path: &Path, content: &str) -> Result<(), String> {
    use std::io::Write as _;
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
    let shown = |e: std::io::Error| format!("{}: {e}", path.display());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(shown)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(shown)?;
    file.write_all(format!("{content}\n").as_bytes())
        .map_err(shown)
}

/// `length` characters of `chars`: Python's `random.Random(seed).choice` with a seed (so the same
/// seed gives ansible-core's password), the system's randomness without.
fn random_text(length: usize, chars: &[char], seed: Option<&str>) -> Result<String, String> {
    if chars.is_empty() {
        return Ok(String::new());
    }
    let n = chars.len() as u64;
    match seed {
        Some(seed) => {
            let mut random = PyRandom::new(Seed::Text(seed));
            Ok((0..length)
                .map(|_| chars[random.below(n) as usize])
                .collect())
        }
        None => (0..length)
            .map(|_| system_below(n).map(|i| chars[i as usize]))
            .collect(),
    }
}

/// A uniform number below `n` from the system's randomness (rejection sampling, no modulo bias).
fn system_below(n: u64) -> Result<u64, String> {
    let zone = u64::MAX - u64::MAX % n;
    loop {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
        let x = u64::from_le_bytes(bytes);
        if x < zone {
            return Ok(x % n);
        }
    }
}

/// `csvfile`: `key [file=…] [delimiter=…] [col=…] [keycol=…] [default=…]`; the `col` of the first
/// row whose `keycol` equals the key (Python's `csv.excel` dialect).
pub fn csvfile(terms: &[Value], options: &Options, ctx: &LookupContext) -> Items {
    if terms.is_empty() {
        return Err("Search key is required but was not found".into());
    }
    let mut out = Vec::new();
    for term in terms {
        let (key, inline) = split_term(&text_of(term))?;
        if key.is_empty() {
            return Err("Search key is required but was not found".into());
        }
        let get = |name: &str| inline.get(name).or_else(|| options.get(name)).map(text_of);
        for name in inline.keys().chain(options.keys()) {
            if !["file", "delimiter", "col", "keycol", "default", "encoding"]
                .contains(&name.as_str())
            {
                return Err(format!("'{name}' is not a valid option"));
            }
        }
        let file = get("file").unwrap_or_else(|| "ansible.csv".into());
        let delimiter = match get("delimiter").as_deref() {
            None | Some("TAB") | Some("\\t") => '\t',
            Some(d) => d.chars().next().unwrap_or('\t'),
        };
        let index = |name: &str, default: usize| match get(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map_err(|_| format!("Invalid value provided for 'integer': '{v}'")),
        };
        let (col, keycol) = (index("col", 1)?, index("keycol", 0)?);
        let path = find_file(ctx, Some("files"), &file)
            .ok_or_else(|| format!("Unable to find '{file}' in expected paths"))?;
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut found = None;
        for row in csv_rows(&text, delimiter) {
            if row.get(keycol) == Some(&key) {
                found = Some(
                    row.get(col)
                        .cloned()
                        .ok_or_else(|| "list index out of range".to_string())?,
                );
                break;
            }
        }
        if let Some(value) = found.or_else(|| get("default")) {
            out.push(Value::String(value));
        }
    }
    Ok(out)
}

/// Rows of CSV text as Python's `csv.reader` (excel dialect) reads them: `"` quotes a field,
/// `""` inside quotes is one quote, a quoted field may span lines.
fn csv_rows(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            c if c == delimiter => {
                row.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                at_field_start = true;
            }
            other => {
                field.push(other);
                at_field_start = false;
            }
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    // Python's reader gives `[]` for a blank line, which never matches a key.
    rows.retain(|r| !(r.len() == 1 && r[0].is_empty()));
    rows
}

const INI_OPTIONS: &[&str] = &[
    "type",
    "file",
    "section",
    "re",
    "encoding",
    "default",
    "case_sensitive",
    "allow_no_value",
    "allow_none",
    "interpolation",
];

/// `ini`: `key [section=…] [file=…] [re=true] [default=…] [type=properties]`; the value of `key` in
/// `section` of the file, as Python's `configparser` reads it (keys lowercased, `[DEFAULT]`
/// inherited, `%(name)s` interpolation, indented continuation lines).
pub fn ini(terms: &[Value], options: &Options, ctx: &LookupContext) -> Items {
    let mut out = Vec::new();
    for term in terms {
        let (key, inline) = split_term(&text_of(term))?;
        for name in inline.keys().chain(options.keys()) {
            if !INI_OPTIONS.contains(&name.as_str()) {
                return Err(format!("'{name}' is not a valid option."));
            }
        }
        let key = if key.is_empty() && inline.is_empty() {
            text_of(term)
        } else if key.is_empty() {
            return Err(format!(
                "No key to look up was provided as first term within string inline options: {}",
                text_of(term)
            ));
        } else {
            key
        };
        let get = |name: &str| inline.get(name).or_else(|| options.get(name));
        let flag =
            |name: &str, default: bool| get(name).map_or(default, drover_modules::de::truthy);
        let properties = get("type").map(text_of).as_deref() == Some("properties");
        let file = get("file")
            .map(text_of)
            .unwrap_or_else(|| "ansible.ini".into());
        let section = if properties {
            "java_properties".to_string()
        } else {
            get("section")
                .map(text_of)
                .unwrap_or_else(|| "global".into())
        };
        let case_sensitive = flag("case_sensitive", false);
        let path = find_file(ctx, Some("files"), &file)
            .ok_or_else(|| format!("Unable to find '{file}' in expected paths"))?;
        let mut text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if properties {
            text = format!("[java_properties]\n{text}");
        }
        let parsed = IniFile::parse(
            &text,
            case_sensitive,
            flag("allow_no_value", false) || flag("allow_none", false),
        )
        .map_err(|e| format!("{file}: {e}"))?;
        let Some(values) = parsed.section(&section) else {
            return Err(format!("No section '{section}' in '{file}'."));
        };
        let interpolate = flag("interpolation", true);
        let resolve = |raw: &Option<String>| -> Result<Value, String> {
            match raw {
                None => Ok(Value::Null),
                Some(raw) if interpolate => interpolate_value(raw, &values, 0).map(Value::String),
                Some(raw) => Ok(Value::String(raw.clone())),
            }
        };
        if flag("re", false) {
            let pattern = regex::Regex::new(&format!("^(?:{key})"))
                .map_err(|e| format!("ini: bad regular expression {key:?}: {e}"))?;
            for (name, raw) in &values {
                if pattern.is_match(name) {
                    out.push(resolve(raw)?);
                }
            }
            continue;
        }
        let wanted = if case_sensitive {
            key.clone()
        } else {
            key.to_lowercase()
        };
        match values.iter().find(|(name, _)| *name == wanted) {
            Some((_, raw)) => out.push(resolve(raw)?),
            None => out.push(
                get("default")
                    .cloned()
                    .unwrap_or(Value::String(String::new())),
            ),
        }
    }
    Ok(out)
}

/// A section's entries in order: (key, value; `None` for a key without value).
type IniEntries = Vec<(String, Option<String>)>;

/// An ini file as `configparser` holds it: sections in order.
struct IniFile {
    defaults: IniEntries,
    sections: Vec<(String, IniEntries)>,
}

impl IniFile {
    fn parse(text: &str, case_sensitive: bool, allow_no_value: bool) -> Result<IniFile, String> {
        let mut file = IniFile {
            defaults: Vec::new(),
            sections: Vec::new(),
        };
        let mut current: Option<usize> = None; // None: before any section; usize::MAX: DEFAULT
        let mut last_key: Option<String> = None;
        for (number, line) in text.lines().enumerate() {
            let stripped = line.trim();
            if stripped.is_empty() || stripped.starts_with('#') || stripped.starts_with(';') {
                last_key = None;
                continue;
            }
            let indented = line.starts_with([' ', '\t']);
            if indented && let Some(key) = &last_key {
                let entries = file.entries_mut(current);
                if let Some(entries) = entries
                    && let Some((_, Some(value))) = entries.iter_mut().rev().find(|(k, _)| k == key)
                {
                    value.push('\n');
                    value.push_str(stripped);
                }
                continue;
            }
            if let Some(name) = stripped.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                current = Some(if name == "DEFAULT" {
                    usize::MAX
                } else {
                    file.sections.push((name.to_string(), Vec::new()));
                    file.sections.len() - 1
                });
                last_key = None;
                continue;
            }
            let (key, value) = match stripped.find(['=', ':']) {
                Some(at) => (
                    stripped[..at].trim().to_string(),
                    Some(stripped[at + 1..].trim().to_string()),
                ),
                None if allow_no_value => (stripped.to_string(), None),
                None => {
                    return Err(format!(
                        "Source contains parsing errors: line {}: {line:?}",
                        number + 1
                    ));
                }
            };
            let key = if case_sensitive {
                key
            } else {
                key.to_lowercase()
            };
            let Some(entries) = file.entries_mut(current) else {
                return Err(format!(
                    "File contains no section headers. line: {}, {line:?}",
                    number + 1
                ));
            };
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(format!("Duplicate option {key:?} (line {})", number + 1));
            }
            entries.push((key.clone(), value));
            last_key = Some(key);
        }
        Ok(file)
    }

    fn entries_mut(&mut self, current: Option<usize>) -> Option<&mut IniEntries> {
        match current {
            None => None,
            Some(usize::MAX) => Some(&mut self.defaults),
            Some(i) => self.sections.get_mut(i).map(|(_, e)| e),
        }
    }

    /// A section's entries with `[DEFAULT]`'s beneath them, as `configparser.items(section)`.
    fn section(&self, name: &str) -> Option<IniEntries> {
        let (_, own) = self.sections.iter().find(|(n, _)| n == name)?;
        let mut all = own.clone();
        for (key, value) in &self.defaults {
            if !all.iter().any(|(k, _)| k == key) {
                all.push((key.clone(), value.clone()));
            }
        }
        Some(all)
    }
}

/// `configparser.BasicInterpolation`: `%(name)s` is another key's value, `%%` a percent sign.
fn interpolate_value(
    raw: &str,
    values: &[(String, Option<String>)],
    depth: usize,
) -> Result<String, String> {
    if depth > 10 {
        return Err(format!("interpolation too deep in {raw:?}"));
    }
    let mut out = String::new();
    let mut rest = raw;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(close) = inner.find(")s")
        {
            let name = inner[..close].to_lowercase();
            let Some((_, Some(value))) = values.iter().find(|(k, _)| *k == name) else {
                return Err(format!("Bad value substitution: option {name:?} not found"));
            };
            out.push_str(&interpolate_value(value, values, depth + 1)?);
            rest = &inner[close + 2..];
        } else {
            return Err(format!(
                "'%' must be followed by '%' or '(', found: {:?}",
                &rest[at..]
            ));
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Why `url` is refused: it would fetch from the controller while templating; drover keeps
/// templates free of network access.
pub const URL_REFUSED: &str = "lookup plugin 'url' is not supported: drover templates never reach \
     the network; fetch with the `uri` or `get_url` module (delegate_to: localhost for the \
     controller) and register the result";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::os::unix::fs::PermissionsExt as _;

    fn no_render(_: &crate::template::lookups::TemplateJob) -> Result<String, String> {
        Err("no templates".into())
    }

    fn password_in(dir: &Path, term: &str) -> Result<String, String> {
        let dir_json = json!(dir.display().to_string());
        let var = move |name: &str| (name == "playbook_dir").then(|| dir_json.clone());
        let ctx = LookupContext {
            var: &var,
            names: &Vec::new,
            search_dirs: vec![dir.to_path_buf()],
            render: &no_render,
            subdir: None,
        };
        let out = password(&[json!(term)], &Options::new(), &ctx)?;
        Ok(out[0].as_str().unwrap_or_default().to_string())
    }

    #[test]
    fn a_new_password_is_stored_0600_in_a_0700_directory_and_reused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let first = password_in(tmp.path(), "creds/db length=12 chars=digits").expect("made");
        assert_eq!(first.len(), 12);
        assert!(first.chars().all(|c| c.is_ascii_digit()), "{first}");
        let file = tmp.path().join("creds/db");
        assert_eq!(
            std::fs::read_to_string(&file).ok(),
            Some(format!("{first}\n"))
        );
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .ok()
        };
        assert_eq!(mode(&file), Some(0o600));
        assert_eq!(mode(&tmp.path().join("creds")), Some(0o700));
        // Later runs (other lengths too) get the stored one, as ansible-core's.
        assert_eq!(
            password_in(tmp.path(), "creds/db length=3").as_deref(),
            Ok(first.as_str())
        );
        let other = password_in(tmp.path(), "creds/other").expect("made");
        assert_eq!(other.len(), 20);
        assert_ne!(other, first);
    }

    #[test]
    fn encrypt_hashes_the_stored_password_with_its_stored_salt() {
        let tmp = tempfile::tempdir().expect("tempdir");
        // Written by ansible-core 2.19: `lookup('password', 'x encrypt=sha512_crypt length=8
        // chars=digits')` stored this and printed the hash below.
        std::fs::write(tmp.path().join("x"), "38989775 salt=xOqAIwv2ADGZnAYM\n").expect("write");
        assert_eq!(
            password_in(tmp.path(), "x encrypt=sha512_crypt").as_deref(),
            Ok(
                "$6$rounds=656000$xOqAIwv2ADGZnAYM$RWjo5jRn7bHEA/tzeyHmqu/jRdUKbqA4PhKULLTdvXdJFsB16gPVpEiKd/wcaJjOzp/KaCAZH2qPp60z6qFSs0"
            )
        );
        assert_eq!(password_in(tmp.path(), "x").as_deref(), Ok("38989775"));
        // A stored password without a salt gets one, written back as Ansible writes it.
        std::fs::write(tmp.path().join("y"), "plain\n").expect("write");
        let hashed = password_in(tmp.path(), "y encrypt=sha256_crypt").expect("hashed");
        let stored = std::fs::read_to_string(tmp.path().join("y")).unwrap_or_default();
        let salt = stored
            .trim_end()
            .strip_prefix("plain salt=")
            .unwrap_or_default();
        assert_eq!(salt.len(), 16, "{stored}");
        assert!(
            hashed.starts_with(&format!("$5$rounds=535000${salt}$")),
            "{hashed}"
        );
    }

    #[test]
    fn dev_null_is_never_written_and_unknown_options_are_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            password_in(tmp.path(), "/dev/null length=5").map(|p| p.len()),
            Ok(5)
        );
        let bad = password_in(tmp.path(), "x bogus=1").expect_err("refused");
        assert!(
            bad.contains("Unrecognized parameter(s) given to password lookup: bogus"),
            "{bad}"
        );
        assert!(!tmp.path().join("x").exists());
        let bcrypt = password_in(tmp.path(), "x encrypt=bcrypt").expect_err("refused");
        assert!(bcrypt.contains("not supported yet"), "{bcrypt}");
    }
}
