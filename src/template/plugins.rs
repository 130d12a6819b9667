//! More of Ansible's filters and tests (ansible-core's `plugins/filter/core.py`, `mathstuff.py`,
//! `urlsplit.py`, `plugins/test/*`), each as ansible-core computes it; the expected answers are
//! ansible-core's own, in `fixtures/ansible_cases.json`.

use drover_modules::files::find::normpath;
use minijinja::value::{Kwargs, Rest, Serde, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Value};
use serde_json::Value as Json;
use std::path::{Component, Path, PathBuf};

use super::crypt::{self, Scheme};
use super::pyrandom::{PyRandom, Seed};

pub fn register(env: &mut Environment<'static>) {
    let env = &mut super::limits::Guarded::new(env);
    env.add_filter("combine", combine);
    env.add_filter("product", product);
    env.add_filter("split", split);
    env.add_filter("password_hash", password_hash);
    env.add_filter("comment", comment);
    env.add_filter("random", random);
    env.add_filter("shuffle", shuffle);
    env.add_filter("subelements", subelements);
    env.add_filter("extract", extract);
    env.add_filter("mandatory", mandatory);
    env.add_filter("human_readable", human_readable);
    env.add_filter("human_to_bytes", human_to_bytes);
    env.add_filter("path_join", path_join);
    env.add_filter("realpath", realpath);
    env.add_filter("relpath", relpath);
    env.add_filter("normpath", |s: String| normpath(&s));
    env.add_filter("urlsplit", urlsplit);
    env.add_filter("bool", to_bool);
    env.add_filter("md5", |s: String| {
        format!("{:x}", md5::compute(s.as_bytes()))
    });
    env.add_filter("sha1", |s: String| {
        use sha1::Digest as _;
        hex::encode(sha1::Sha1::digest(s.as_bytes()))
    });
    env.add_filter("log", |x: f64, base: Option<f64>| match base {
        Some(b) => x.ln() / b.ln(),
        None => x.ln(),
    });
    env.add_filter("pow", |x: f64, y: f64| x.powf(y));
    env.add_filter("root", |x: f64, base: Option<f64>| match base {
        Some(b) if b != 2.0 => x.powf(1.0 / b),
        _ => x.sqrt(),
    });
    env.add_filter("combinations", combinations);
    env.add_filter("permutations", permutations);
    env.add_filter("zip_longest", zip_longest);
    env.add_filter("rekey_on_member", rekey_on_member);
    env.add_filter("commonpath", commonpath);
    env.add_filter("center", |s: String, width: Option<usize>| {
        // Python's str.center: the extra space goes right when the padding is odd and the
        // text's length even, as CPython computes it.
        let width = width.unwrap_or(80);
        let len = s.chars().count();
        if width <= len {
            return Ok(s);
        }
        let pad = width - len;
        super::limits::check_text_len((s.len() + pad) as u128, "center")?;
        let left = pad / 2 + (pad & width & 1);
        Ok::<_, Error>(format!("{}{s}{}", " ".repeat(left), " ".repeat(pad - left)))
    });
    env.add_filter("to_uuid", to_uuid);
    env.add_filter("urldecode", |s: String| urldecode(&s));

    env.add_test("file", |p: String| Path::new(&p).is_file());
    env.add_test("is_file", |p: String| Path::new(&p).is_file());
    env.add_test("directory", |p: String| Path::new(&p).is_dir());
    env.add_test("is_dir", |p: String| Path::new(&p).is_dir());
    env.add_test("exists", |p: String| Path::new(&p).exists());
    env.add_test("link", |p: String| Path::new(&p).is_symlink());
    env.add_test("is_link", |p: String| Path::new(&p).is_symlink());
    env.add_test("link_exists", |p: String| {
        std::fs::symlink_metadata(&p).is_ok()
    });
    env.add_test("abs", |p: String| Path::new(&p).is_absolute());
    env.add_test("is_abs", |p: String| Path::new(&p).is_absolute());
    env.add_test("subset", |a: Vec<Value>, b: Vec<Value>| {
        a.iter().all(|x| b.contains(x))
    });
    env.add_test("issubset", |a: Vec<Value>, b: Vec<Value>| {
        a.iter().all(|x| b.contains(x))
    });
    env.add_test("superset", |a: Vec<Value>, b: Vec<Value>| {
        b.iter().all(|x| a.contains(x))
    });
    env.add_test("issuperset", |a: Vec<Value>, b: Vec<Value>| {
        b.iter().all(|x| a.contains(x))
    });
    // Python's `item in seq`: a substring of a string, a key of a mapping, an item of a list.
    env.add_test(
        "contains",
        |state: &minijinja::State, seq: Value, item: Value| {
            minijinja::tests::is_in(state, &item, &seq)
        },
    );
    env.add_test("any", |seq: Value| {
        seq.try_iter().is_ok_and(|mut it| it.any(|x| x.is_true()))
    });
    env.add_test("all", |seq: Value| {
        seq.try_iter().is_ok_and(|mut it| it.all(|x| x.is_true()))
    });
    env.add_test("truthy", |v: Value, kwargs: Kwargs| truthy(&v, &kwargs));
    env.add_test("falsy", |v: Value, kwargs: Kwargs| {
        truthy(&v, &kwargs).map(|t| !t)
    });
    env.add_test("match", |s: String, p: String, kwargs: Kwargs| {
        regex_test(&s, &p, Some("match"), &kwargs)
    });
    env.add_test("search", |s: String, p: String, kwargs: Kwargs| {
        regex_test(&s, &p, Some("search"), &kwargs)
    });
    env.add_test("regex", |s: String, p: String, kwargs: Kwargs| {
        regex_test(&s, &p, None, &kwargs)
    });
    env.add_test("version", version);
    env.add_test("version_compare", version);
    for (name, key, expected) in RESULT_TESTS {
        env.add_test(*name, move |r: Value| result_test(&r, key, *expected));
    }
    env.add_test("succeeded", |r: Value| result_test(&r, "failed", false));
    env.add_test("success", |r: Value| result_test(&r, "failed", false));
    env.add_test("successful", |r: Value| result_test(&r, "failed", false));
    env.add_test("uri", |s: String, schemes: Option<Vec<String>>| {
        is_uri(&s, schemes.as_deref())
    });
    env.add_test("url", |s: String, schemes: Option<Vec<String>>| {
        is_uri(&s, schemes.as_deref()) && {
            let parts = split_url(&s);
            parts
                .get("netloc")
                .and_then(Json::as_str)
                .is_some_and(|n| !n.is_empty())
                || parts.get("scheme").and_then(Json::as_str) == Some("file")
        }
    });
    env.add_test("urn", |s: String| is_uri(&s, Some(&["urn".to_string()])));
    env.add_test("nan", |v: Value| f64::try_from(v).is_ok_and(f64::is_nan));
    env.add_test("isnan", |v: Value| f64::try_from(v).is_ok_and(f64::is_nan));
    // After RESULT_TESTS: `changed` and `started` read more than one field.
    super::result_tests::register(env);
    super::file_tests::register(env);
}

/// ansible-core's own plugin names (`ansible-doc -t KIND -l`, recorded with the fixtures).
const ANSIBLE_PLUGINS: &str = include_str!("fixtures/ansible_plugins.json");

/// Whether ansible-core has a built-in `kind` (filter, test, lookup) of that short name.
pub fn ansible_has(kind: &str, name: &str) -> bool {
    ansible_names(kind).iter().any(|n| n == name)
}

/// ansible-core's built-in plugins of a kind, by short name.
pub fn ansible_names(kind: &str) -> Vec<String> {
    serde_json::from_str::<Json>(ANSIBLE_PLUGINS)
        .ok()
        .and_then(|all| all.get(kind).cloned())
        .and_then(|names| serde_json::from_value(names).ok())
        .unwrap_or_default()
}

/// Result tests that read one field (`failed`, `changed`, `skipped`, …), as ansible-core's
/// `plugins/test/core.py`: the field's truth, on a dictionary only.
const RESULT_TESTS: &[(&str, &str, bool)] = &[
    ("failed", "failed", true),
    ("failure", "failed", true),
    ("changed", "changed", true),
    ("change", "changed", true),
    ("skipped", "skipped", true),
    ("skip", "skipped", true),
    ("unreachable", "unreachable", true),
    ("reachable", "unreachable", false),
    ("finished", "finished", true),
    ("started", "started", true),
];

fn err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

fn json_of(value: &Value) -> Result<Json, Error> {
    super::limits::check_shape(value)?;
    serde_json::to_value(value).map_err(|e| err(e.to_string()))
}

fn from_json(value: &Json) -> Value {
    Value::from(Serde(value))
}

fn result_test(r: &Value, key: &str, expected: bool) -> Result<bool, Error> {
    if r.kind() != ValueKind::Map {
        return Err(err(format!(
            "The '{key}' test expects a dictionary, got {}",
            r.kind()
        )));
    }
    let set = r.get_attr(key).is_ok_and(|v| v.is_true());
    // `finished` is true for a result without the async field, as in Ansible.
    if key == "finished" && r.get_attr(key).is_ok_and(|v| v.is_undefined()) {
        return Ok(true);
    }
    Ok(set == expected)
}

// ---------------------------------------------------------------- combine

fn combine(first: Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive = kwargs.get::<Option<bool>>("recursive")?.unwrap_or(false);
    let list_merge = kwargs
        .get::<Option<String>>("list_merge")?
        .unwrap_or_else(|| "replace".into());
    kwargs
        .assert_all_used()
        .map_err(|_| err("'recursive' and 'list_merge' are the only valid keyword arguments"))?;
    let mut dicts = Vec::new();
    for term in std::iter::once(&first).chain(others.iter()) {
        match json_of(term)? {
            Json::Array(items) => dicts.extend(items),
            other => dicts.push(other),
        }
    }
    let mut result = Json::Object(Default::default());
    for d in dicts {
        let Json::Object(d) = d else {
            return Err(err(format!(
                "combine expects dictionaries, got {}",
                super::dump_json::dump(&d, Default::default())
            )));
        };
        result = merge_hash(result, d, recursive, &list_merge)?;
    }
    Ok(from_json(&result))
}

/// ansible-core's `merge_hash` (ansible/utils/vars.py).
pub(crate) fn merge_hash(
    x: Json,
    y: serde_json::Map<String, Json>,
    recursive: bool,
    list_merge: &str,
) -> Result<Json, Error> {
    const MODES: [&str; 6] = [
        "replace",
        "keep",
        "append",
        "prepend",
        "append_rp",
        "prepend_rp",
    ];
    if !MODES.contains(&list_merge) {
        return Err(err(
            "merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', 'append', 'prepend', 'append_rp' or 'prepend_rp'",
        ));
    }
    let Json::Object(mut x) = x else {
        return Ok(Json::Object(y));
    };
    if x.is_empty() || x == y {
        return Ok(Json::Object(y));
    }
    for (key, y_value) in y {
        let Some(x_value) = x.get_mut(&key) else {
            x.insert(key, y_value);
            continue;
        };
        match (x_value, y_value) {
            (x_value @ Json::Object(_), Json::Object(y_map)) if recursive => {
                let merged = merge_hash(x_value.take(), y_map, true, list_merge)?;
                *x_value = merged;
            }
            (Json::Array(xs), Json::Array(ys)) if recursive || list_merge != "replace" => {
                match list_merge {
                    "keep" => {}
                    "append" => xs.extend(ys),
                    "prepend" => *xs = ys.into_iter().chain(xs.drain(..)).collect(),
                    "append_rp" => {
                        xs.retain(|z| !ys.contains(z));
                        xs.extend(ys);
                    }
                    "prepend_rp" => {
                        xs.retain(|z| !ys.contains(z));
                        *xs = ys.into_iter().chain(xs.drain(..)).collect();
                    }
                    _ => *xs = ys,
                }
            }
            (slot, y_value) => *slot = y_value,
        }
    }
    Ok(Json::Object(x))
}

// ---------------------------------------------------------------- lists

fn product(first: Vec<Value>, others: Rest<Vec<Value>>) -> Result<Vec<Value>, Error> {
    let lengths = std::iter::once(first.len()).chain(others.iter().map(Vec::len));
    super::limits::check_item_count(super::limits::product_count(lengths), "product")?;
    let mut out: Vec<Vec<Value>> = first.into_iter().map(|v| vec![v]).collect();
    for list in others.iter() {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                list.iter().map(move |v| {
                    let mut row = prefix.clone();
                    row.push(v.clone());
                    row
                })
            })
            .collect();
    }
    Ok(out.into_iter().map(Value::from).collect())
}

fn combinations(items: Vec<Value>, r: usize) -> Result<Vec<Value>, Error> {
    let count = super::limits::arrangement_count(items.len(), r, false);
    super::limits::check_item_count(count, "combinations")?;
    fn go(items: &[Value], r: usize, start: usize, cur: &mut Vec<Value>, out: &mut Vec<Value>) {
        if cur.len() == r {
            out.push(Value::from(cur.clone()));
            return;
        }
        for i in start..items.len() {
            cur.push(items[i].clone());
            go(items, r, i + 1, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    go(&items, r, 0, &mut Vec::new(), &mut out);
    Ok(out)
}

fn permutations(items: Vec<Value>, r: Option<usize>) -> Result<Vec<Value>, Error> {
    fn go(
        items: &[Value],
        r: usize,
        used: &mut Vec<bool>,
        cur: &mut Vec<Value>,
        out: &mut Vec<Value>,
    ) {
        if cur.len() == r {
            out.push(Value::from(cur.clone()));
            return;
        }
        for i in 0..items.len() {
            if !used[i] {
                used[i] = true;
                cur.push(items[i].clone());
                go(items, r, used, cur, out);
                cur.pop();
                used[i] = false;
            }
        }
    }
    let r = r.unwrap_or(items.len());
    let count = super::limits::arrangement_count(items.len(), r, true);
    super::limits::check_item_count(count, "permutations")?;
    let mut out = Vec::new();
    if r <= items.len() {
        go(
            &items,
            r,
            &mut vec![false; items.len()],
            &mut Vec::new(),
            &mut out,
        );
    }
    Ok(out)
}

fn zip_longest(
    first: Vec<Value>,
    others: Rest<Vec<Value>>,
    kwargs: Kwargs,
) -> Result<Vec<Value>, Error> {
    let fill = kwargs
        .get::<Option<Value>>("fillvalue")?
        .unwrap_or(Value::from(()));
    kwargs.assert_all_used()?;
    let lists: Vec<&Vec<Value>> = std::iter::once(&first).chain(others.iter()).collect();
    let n = lists.iter().map(|l| l.len()).max().unwrap_or(0);
    Ok((0..n)
        .map(|i| {
            Value::from(
                lists
                    .iter()
                    .map(|l| l.get(i).cloned().unwrap_or_else(|| fill.clone()))
                    .collect::<Vec<_>>(),
            )
        })
        .collect())
}

fn rekey_on_member(data: Value, key: String, duplicates: Option<String>) -> Result<Value, Error> {
    let items: Vec<Json> = match json_of(&data)? {
        Json::Array(items) => items,
        Json::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        _ => return Err(err("type is not a valid list, set, or dict")),
    };
    let mut out = serde_json::Map::new();
    for item in items {
        let Some(k) = item.get(&key).cloned() else {
            return Err(err(format!("key {key} was not found")));
        };
        let k = match k {
            Json::String(s) => s,
            other => other.to_string(),
        };
        if out.contains_key(&k) && duplicates.as_deref() != Some("overwrite") {
            return Err(err(format!(
                "Key {k} is not unique, cannot correctly turn into dict"
            )));
        }
        out.insert(k, item);
    }
    Ok(from_json(&Json::Object(out)))
}

fn subelements(
    obj: Value,
    path: Value,
    skip_missing: Option<bool>,
    kwargs: Kwargs,
) -> Result<Vec<Value>, Error> {
    let skip_missing = skip_missing.or(kwargs.get("skip_missing")?);
    kwargs.assert_all_used()?;
    let elements: Vec<Json> = match json_of(&obj)? {
        Json::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        Json::Array(items) => items,
        _ => return Err(err("obj must be a list of dicts or a nested dict")),
    };
    let keys: Vec<String> = match json_of(&path)? {
        Json::String(s) => s.split('.').map(str::to_string).collect(),
        Json::Array(items) => items
            .into_iter()
            .map(|k| {
                k.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| k.to_string())
            })
            .collect(),
        _ => return Err(err("subelements must be a list or a string")),
    };
    let mut out = Vec::new();
    for element in elements {
        let mut values = &element;
        let empty = Json::Array(Vec::new());
        for key in &keys {
            match values {
                Json::Object(map) => match map.get(key) {
                    Some(v) => values = v,
                    None if skip_missing.unwrap_or(false) => {
                        values = &empty;
                        break;
                    }
                    None => {
                        return Err(err(format!(
                            "could not find '{key}' key in iterated item {}",
                            python_repr(values)
                        )));
                    }
                },
                other => {
                    return Err(err(format!(
                        "the key {key} should point to a dictionary, got '{}'",
                        python_repr(other)
                    )));
                }
            }
        }
        let Json::Array(list) = values else {
            return Err(err(format!(
                "the key '{}' should point to a list, got {}",
                keys.last().map(String::as_str).unwrap_or(""),
                python_repr(values)
            )));
        };
        for v in list {
            out.push(Value::from(vec![from_json(&element), from_json(v)]));
        }
    }
    Ok(out)
}

/// Python's `repr` of a JSON value, for error messages worded like Ansible's.
fn python_repr(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::String(s) => format!("'{s}'"),
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Json::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("'{k}': {}", python_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn extract(item: Value, container: Value, morekeys: Option<Value>) -> Result<Value, Error> {
    let mut keys = vec![item];
    match morekeys {
        Some(more) if more.kind() == ValueKind::Seq => keys.extend(more.try_iter()?),
        Some(more) => keys.push(more),
        None => {}
    }
    let mut value = container;
    for key in keys {
        value = value.get_item(&key)?;
    }
    Ok(value)
}

fn mandatory(value: Value, msg: Option<String>) -> Result<Value, Error> {
    if !value.is_undefined() {
        return Ok(value);
    }
    // Without a message, the template's caller names the variable (see `Templar::explain`).
    let msg = msg.unwrap_or_else(|| MANDATORY_UNNAMED.into());
    Err(Error::new(ErrorKind::InvalidOperation, msg))
}

/// `mandatory`'s error before the undefined variable's name is known.
pub const MANDATORY_UNNAMED: &str = "Mandatory variable not defined.";

// ---------------------------------------------------------------- text

fn split(s: String, sep: Option<String>, maxsplit: Option<i64>) -> Vec<String> {
    let max = maxsplit.filter(|m| *m >= 0).map(|m| m as usize);
    match sep {
        Some(sep) if !sep.is_empty() => match max {
            Some(m) => s.splitn(m + 1, sep.as_str()).map(str::to_string).collect(),
            None => s.split(sep.as_str()).map(str::to_string).collect(),
        },
        _ => {
            let mut out = Vec::new();
            let mut rest = s.trim_start();
            while !rest.is_empty() {
                if max.is_some_and(|m| out.len() == m) {
                    out.push(rest.trim_end().to_string());
                    break;
                }
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                out.push(rest[..end].to_string());
                rest = rest[end..].trim_start();
            }
            out
        }
    }
}

fn password_hash(
    password: String,
    hashtype: Option<String>,
    salt: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let salt = match salt {
        Some(s) => Some(s),
        None => kwargs.get::<Option<String>>("salt")?,
    };
    let rounds = kwargs.get::<Option<u32>>("rounds")?;
    let _salt_size = kwargs.get::<Option<usize>>("salt_size")?;
    let _ident = kwargs.get::<Option<String>>("ident")?;
    kwargs.assert_all_used()?;
    let scheme = match hashtype.as_deref().unwrap_or("sha512") {
        "sha512" | "sha512_crypt" => Scheme::Sha512,
        "sha256" | "sha256_crypt" => Scheme::Sha256,
        other => {
            return Err(err(format!(
                "password_hash: hash type {other:?} is not supported yet (sha512, sha256)"
            )));
        }
    };
    let salt = match salt {
        Some(s) => {
            if let Some(bad) = s
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '/'))
            {
                return Err(err(format!(
                    "password_hash: invalid character {bad:?} in salt (./0-9A-Za-z only)"
                )));
            }
            s
        }
        None => random_salt()?,
    };
    let rounds = rounds.unwrap_or(scheme.ansible_default_rounds());
    Ok(crypt::sha_crypt(scheme, password.as_bytes(), &salt, rounds))
}

fn random_salt() -> Result<String, Error> {
    const CHARS: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| err(format!("no randomness for a salt: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(CHARS[usize::from(*b) % 64]))
        .collect())
}

/// Ansible's `comment` filter, parameter for parameter.
fn comment(text: String, style: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let style = style.unwrap_or_else(|| "plain".into());
    let (beginning, decoration, end) = match style.as_str() {
        "plain" => ("", "# ", ""),
        "erlang" => ("", "% ", ""),
        "c" => ("", "// ", ""),
        "cblock" => ("/*", " * ", " */"),
        "xml" => ("<!--", " - ", "-->"),
        other => {
            return Err(err(format!(
                "Invalid style '{other}'. Available styles: plain, erlang, c, cblock, xml"
            )));
        }
    };
    let get = |name: &str, default: &str| -> Result<String, Error> {
        Ok(kwargs
            .get::<Option<String>>(name)?
            .unwrap_or_else(|| default.to_string()))
    };
    let count = |name: &str| -> Result<usize, Error> {
        Ok(kwargs.get::<Option<usize>>(name)?.unwrap_or(1))
    };
    let prepostfix = get("decoration", decoration)?;
    let newline = get("newline", "\n")?;
    let beginning = get("beginning", beginning)?;
    let prefix = get("prefix", prepostfix.trim_end())?;
    let postfix = get("postfix", prepostfix.trim_end())?;
    let end = get("end", end)?;
    let decoration = get("decoration", decoration)?;
    let (prefix_count, postfix_count) = (count("prefix_count")?, count("postfix_count")?);
    kwargs.assert_all_used()?;
    let mut out = String::new();
    if !beginning.is_empty() {
        out.push_str(&beginning);
        out.push_str(&newline);
    }
    if !prefix.is_empty() {
        let line = if prefix == newline {
            newline.clone()
        } else {
            format!("{prefix}{newline}")
        };
        out.push_str(&line.repeat(prefix_count));
    }
    let body = format!(
        "{decoration}{}",
        text.replace(&newline, &format!("{newline}{decoration}"))
    );
    out.push_str(&body.replace(
        &format!("{decoration}{newline}"),
        &format!("{}{newline}", decoration.trim_end()),
    ));
    for _ in 0..postfix_count {
        out.push_str(&newline);
        out.push_str(&postfix);
    }
    if !end.is_empty() {
        out.push_str(&newline);
        out.push_str(&end);
    }
    Ok(out)
}

fn seeded(seed: Option<Value>) -> Result<Option<PyRandom>, Error> {
    let Some(seed) = seed.filter(|s| !s.is_none() && !s.is_undefined()) else {
        return Ok(None);
    };
    if let Some(text) = seed.as_str() {
        return Ok(Some(PyRandom::new(Seed::Text(text))));
    }
    match i128::try_from(seed.clone()) {
        Ok(n) => Ok(Some(PyRandom::new(Seed::Int(n)))),
        Err(_) => Err(err(format!(
            "random: a seed must be a string or an integer, not {}",
            seed.kind()
        ))),
    }
}

fn unseeded() -> Result<PyRandom, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| err(format!("no randomness: {e}")))?;
    Ok(PyRandom::new(Seed::Int(i128::from_le_bytes(bytes))))
}

fn random(
    end: Value,
    start: Option<i64>,
    step: Option<i64>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let start = start.or(kwargs.get::<Option<i64>>("start")?);
    let step = step.or(kwargs.get::<Option<i64>>("step")?);
    let mut rng = match seeded(kwargs.get::<Option<Value>>("seed")?)? {
        Some(r) => r,
        None => unseeded()?,
    };
    kwargs.assert_all_used()?;
    if let Ok(end) = i64::try_from(end.clone()) {
        let (start, step) = (
            start.filter(|s| *s != 0).unwrap_or(0),
            step.filter(|s| *s != 0).unwrap_or(1),
        );
        return rng
            .randrange(start, end, step)
            .map(Value::from)
            .ok_or_else(|| {
                err(format!(
                    "empty range for randrange() ({start}, {end}, {step})"
                ))
            });
    }
    if start.is_some_and(|s| s != 0) || step.is_some_and(|s| s != 0) {
        return Err(err("start and step can only be used with integer values"));
    }
    let items: Vec<Value> = end
        .try_iter()
        .map_err(|_| err("random can only be used on sequences and integers"))?
        .collect();
    if items.is_empty() {
        return Err(err("Cannot choose from an empty sequence"));
    }
    let i = rng.below(items.len() as u64) as usize;
    Ok(items[i].clone())
}

fn shuffle(items: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let seed = kwargs.get::<Option<Value>>("seed")?;
    kwargs.assert_all_used()?;
    let Ok(iter) = items.try_iter() else {
        return Ok(items);
    };
    let mut list: Vec<Value> = iter.collect();
    let mut rng = match seeded(seed.filter(|s| s.is_true()))? {
        Some(r) => r,
        None => unseeded()?,
    };
    rng.shuffle(&mut list);
    Ok(Value::from(list))
}

/// Ansible's `bool` filter (`boolean(value, strict=False)`): true for `yes/on/1/true/y/t` and 1,
/// anything else false.
fn to_bool(value: Value) -> bool {
    match value.kind() {
        ValueKind::Bool => value.is_true(),
        ValueKind::Number => f64::try_from(value).is_ok_and(|n| n == 1.0),
        ValueKind::String => matches!(
            value
                .as_str()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
                .as_str(),
            "yes" | "on" | "1" | "true" | "t"
        ),
        _ => false,
    }
}

fn human_readable(
    size: f64,
    isbits: Option<bool>,
    unit: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let isbits = isbits.or(kwargs.get("isbits")?);
    let unit = unit.or(kwargs.get("unit")?);
    kwargs.assert_all_used()?;
    let base = if isbits.unwrap_or(false) {
        "bits"
    } else {
        "Bytes"
    };
    let mut picked = ("B", 1f64);
    for (suffix, limit) in SIZES {
        let wanted = match &unit {
            None => size >= *limit,
            Some(u) => u.to_ascii_uppercase().starts_with(suffix),
        };
        picked = (suffix, *limit);
        if wanted {
            break;
        }
    }
    let suffix = if picked.1 != 1.0 {
        format!("{}{}", picked.0, &base[..1])
    } else {
        base.to_string()
    };
    Ok(format!("{:.2} {suffix}", size / picked.1))
}

const SIZES: &[(&str, f64)] = &[
    ("Y", 1208925819614629174706176.0),
    ("Z", 1180591620717411303424.0),
    ("E", 1152921504606846976.0),
    ("P", 1125899906842624.0),
    ("T", 1099511627776.0),
    ("G", 1073741824.0),
    ("M", 1048576.0),
    ("K", 1024.0),
    ("B", 1.0),
];

const UNIT_NAMES: &[(&str, [&str; 4])] = &[
    ("B", ["byte", "B", "bit", "b"]),
    ("K", ["kilobyte", "KB", "kilobit", "Kb"]),
    ("M", ["megabyte", "MB", "megabit", "Mb"]),
    ("G", ["gigabyte", "GB", "gigabit", "Gb"]),
    ("T", ["terabyte", "TB", "terabit", "Tb"]),
    ("P", ["petabyte", "PB", "petabit", "Pb"]),
    ("E", ["exabyte", "EB", "exabit", "Eb"]),
    ("Z", ["zetabyte", "ZB", "zetabit", "Zb"]),
    ("Y", ["yottabyte", "YB", "yottabit", "Yb"]),
];

fn human_to_bytes(
    size: Value,
    default_unit: Option<String>,
    isbits: Option<bool>,
    kwargs: Kwargs,
) -> Result<i64, Error> {
    let default_unit = default_unit.or(kwargs.get("default_unit")?);
    let isbits = isbits.or(kwargs.get("isbits")?);
    kwargs.assert_all_used()?;
    let text = size.to_string();
    let fail = |why: String| err(format!("human_to_bytes() can't interpret the input: {why}"));
    let re = regex::Regex::new(r"^([0-9]*\.?[0-9]+)(?:\s*([A-Za-z]+))?\s*$").expect("static regex");
    let caps = re.captures(&text).ok_or_else(|| {
        fail(format!(
            "human_to_bytes() can't interpret following string: {text}"
        ))
    })?;
    let num: f64 = caps[1]
        .parse()
        .map_err(|_| fail(format!("bad number {}", &caps[1])))?;
    let Some(unit) = caps.get(2).map(|m| m.as_str().to_string()).or(default_unit) else {
        return Ok(num.round() as i64);
    };
    let key = unit[..1].to_ascii_uppercase();
    let Some((_, limit)) = SIZES.iter().find(|(s, _)| *s == key) else {
        return Err(fail(format!(
            "human_to_bytes() failed to convert {text} (unit = {unit}). The suffix must be one of Y, Z, E, P, T, G, M, K, B"
        )));
    };
    let bits = isbits.unwrap_or(false);
    if unit.len() > 1 {
        let names = UNIT_NAMES
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, n)| n)
            .ok_or_else(|| fail(format!("no unit {key}")))?;
        let (long, short) = if bits {
            (names[2], names[3])
        } else {
            (names[0], names[1])
        };
        if unit.to_ascii_lowercase() != long && unit != short {
            let class = if bits { "b" } else { "B" };
            let expect = if key == "B" {
                format!("expect {class} or {}", if bits { "bit" } else { "byte" })
            } else {
                format!("expect {key}{class} or {key}")
            };
            return Err(fail(format!(
                "human_to_bytes() failed to convert {text}. Value is not a valid string ({expect})"
            )));
        }
    }
    Ok((num * limit).round() as i64)
}

// ---------------------------------------------------------------- paths and URLs

fn path_join(parts: Value) -> Result<String, Error> {
    if let Some(s) = parts.as_str() {
        return Ok(s.to_string());
    }
    let mut out = String::new();
    for part in parts.try_iter()? {
        let part = part.to_string();
        if part.starts_with('/') {
            out = part;
        } else if out.is_empty() || out.ends_with('/') {
            out.push_str(&part);
        } else {
            out.push('/');
            out.push_str(&part);
        }
    }
    Ok(out)
}

fn realpath(path: String) -> String {
    std::fs::canonicalize(&path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| {
            let abs = if path.starts_with('/') {
                path.clone()
            } else {
                std::env::current_dir()
                    .map(|d| d.join(&path).display().to_string())
                    .unwrap_or(path.clone())
            };
            normpath(&abs)
        })
}

fn absolute(path: &str) -> PathBuf {
    let p = if path.starts_with('/') {
        path.to_string()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path).display().to_string())
            .unwrap_or_else(|_| path.to_string())
    };
    PathBuf::from(normpath(&p))
}

fn relpath(path: String, start: Option<String>) -> String {
    let target = absolute(&path);
    let base = absolute(start.as_deref().unwrap_or("."));
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out: Vec<String> = vec!["..".to_string(); b.len() - common];
    out.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if out.is_empty() {
        ".".into()
    } else {
        out.join("/")
    }
}

fn commonpath(paths: Vec<String>) -> Result<String, Error> {
    let Some(first) = paths.first() else {
        return Err(err("commonpath() arg is an empty sequence"));
    };
    let split = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_string)
            .collect()
    };
    let absolute = first.starts_with('/');
    if paths.iter().any(|p| p.starts_with('/') != absolute) {
        return Err(err("Can't mix absolute and relative paths"));
    }
    let mut common = split(first);
    for p in &paths[1..] {
        let parts = split(p);
        let n = common
            .iter()
            .zip(&parts)
            .take_while(|(a, b)| a == b)
            .count();
        common.truncate(n);
    }
    let joined = common.join("/");
    Ok(if absolute {
        format!("/{joined}")
    } else {
        joined
    })
}

fn urlsplit(url: String, query: Option<String>) -> Result<Value, Error> {
    let parts = split_url(&url);
    match query {
        None => Ok(from_json(&Json::Object(parts))),
        Some(q) => parts
            .get(&q)
            .map(from_json)
            .ok_or_else(|| err(format!("urlsplit: unknown URL component: {q}"))),
    }
}

/// Python's `urllib.parse.urlsplit` with the attributes Ansible's filter returns.
fn split_url(url: &str) -> serde_json::Map<String, Json> {
    let (scheme, rest) = match url.split_once(':') {
        Some((s, r))
            if s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (s.to_ascii_lowercase(), r)
        }
        _ => (String::new(), url),
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (netloc, path) = match rest.strip_prefix("//") {
        Some(r) => match r.find('/') {
            Some(i) => (&r[..i], &r[i..]),
            None => (r, ""),
        },
        None => ("", rest),
    };
    let (userinfo, hostport) = match netloc.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, netloc),
    };
    let (username, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((n, p)) => (Json::from(n), Json::from(p)),
            None => (Json::from(u), Json::Null),
        },
        None => (Json::Null, Json::Null),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => {
            (h, p.parse::<u16>().ok())
        }
        _ => (hostport, None),
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let mut out = serde_json::Map::new();
    out.insert("fragment".into(), Json::from(fragment));
    out.insert(
        "hostname".into(),
        if host.is_empty() {
            Json::Null
        } else {
            Json::from(host)
        },
    );
    out.insert("netloc".into(), Json::from(netloc));
    out.insert("password".into(), password);
    out.insert("path".into(), Json::from(path));
    out.insert("port".into(), port.map_or(Json::Null, Json::from));
    out.insert("query".into(), Json::from(query));
    out.insert("scheme".into(), Json::from(scheme));
    out.insert("username".into(), username);
    out
}

/// ansible-core's `uri` test: any text parses as a URI; `schemes` limits the scheme.
fn is_uri(s: &str, schemes: Option<&[String]>) -> bool {
    let parts = split_url(s);
    let scheme = parts.get("scheme").and_then(Json::as_str).unwrap_or("");
    schemes.is_none_or(|wanted| wanted.iter().any(|w| w == scheme))
}

// ---------------------------------------------------------------- tests

fn truthy(v: &Value, kwargs: &Kwargs) -> Result<bool, Error> {
    let convert = kwargs.get::<Option<bool>>("convert_bool")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    if convert && let Some(s) = v.as_str() {
        let lower = s.trim().to_ascii_lowercase();
        if ["yes", "on", "1", "true", "t", "y"].contains(&lower.as_str()) {
            return Ok(true);
        }
        if ["no", "off", "0", "false", "f", "n"].contains(&lower.as_str()) {
            return Ok(false);
        }
    }
    Ok(v.is_true())
}

fn regex_test(
    s: &str,
    pattern: &str,
    forced: Option<&str>,
    kwargs: &Kwargs,
) -> Result<bool, Error> {
    let ignorecase = kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false);
    let multiline = kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false);
    let match_type = match forced {
        Some(t) => t.to_string(),
        None => kwargs
            .get::<Option<String>>("match_type")?
            .unwrap_or_else(|| "search".into()),
    };
    kwargs.assert_all_used()?;
    let anchored = match match_type.as_str() {
        "search" => pattern.to_string(),
        "match" => format!(r"\A(?:{pattern})"),
        "fullmatch" => format!(r"\A(?:{pattern})\z"),
        other => return Err(err(format!("regex: unknown match_type {other:?}"))),
    };
    let re = regex::RegexBuilder::new(&anchored)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .build()
        .map_err(|e| err(format!("invalid regular expression {pattern:?}: {e}")))?;
    Ok(re.is_match(s))
}

/// `version(other, operator='eq', strict=None, version_type=None)`, positionally or by name.
fn version(
    value: Value,
    other: Value,
    op: Option<String>,
    strict: Option<bool>,
    kwargs: Kwargs,
) -> Result<bool, Error> {
    let op = match op {
        Some(op) => op,
        None => kwargs
            .get::<Option<String>>("operator")?
            .unwrap_or_else(|| "eq".into()),
    };
    let strict = match strict {
        Some(strict) => Some(strict),
        None => kwargs.get::<Option<bool>>("strict")?,
    };
    let version_type = kwargs.get::<Option<String>>("version_type")?;
    kwargs.assert_all_used()?;
    if strict.is_some() && version_type.is_some() {
        return Err(err("Cannot specify both 'strict' and 'version_type'"));
    }
    let kind = match (strict, version_type.as_deref()) {
        (Some(true), _) => "strict",
        (_, Some(t)) => t,
        _ => "loose",
    };
    super::versions::compare(&value.to_string(), &other.to_string(), &op, kind).map_err(err)
}

/// Ansible's `to_uuid`: a UUID version 5 in Ansible's namespace (or the one given).
fn to_uuid(name: String, namespace: Option<String>) -> Result<String, Error> {
    use sha1::Digest as _;
    let namespace = namespace.unwrap_or_else(|| "361E6D51-FAEC-444A-9079-341386DA8E2E".into());
    let ns = hex::decode(namespace.replace('-', ""))
        .ok()
        .filter(|b| b.len() == 16)
        .ok_or_else(|| err(format!("Invalid value '{namespace}' for 'namespace'")))?;
    let digest = sha1::Sha1::new()
        .chain_update(&ns)
        .chain_update(name.as_bytes())
        .finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// Python's `unquote_plus`: `%XX` escapes (as UTF-8) and `+` as a space.
fn urldecode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| char::from(c).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
