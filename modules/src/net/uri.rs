//! `uri`: one HTTP request from the target (its curl), the response in the result as Ansible
//! shapes it (`status`, headers in lower case, `content`, `json`), failed when the status is not in
//! `status_code`. Changes nothing (`changed: false`) unless the body is written to `dest`.
//! No check mode (as Ansible: the request itself may be the change).

use super::http::{self, Request};
use crate::doc::Written;
use crate::files::write::{Attrs, Fill, fill_and_install};
use crate::{Cmd, CmdOutput, Host, Module, ModuleError, Parsed, Parser, Plan, Step};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub struct Uri;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub url: String,
    #[serde(default = "get", deserialize_with = "crate::de::string")]
    pub method: String,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub body_format: BodyFormat,
    #[serde(default)]
    pub headers: BTreeMap<String, Value>,
    #[serde(default)]
    pub status_code: Option<Value>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub return_content: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub dest: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub creates: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub removes: Option<String>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub timeout: Option<u64>,
    #[serde(default, alias = "user", deserialize_with = "crate::de::opt_string")]
    pub url_username: Option<String>,
    #[serde(
        default,
        alias = "password",
        deserialize_with = "crate::de::opt_string"
    )]
    pub url_password: Option<String>,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub validate_certs: bool,
    #[serde(default)]
    pub follow_redirects: Option<FollowRedirects>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyFormat {
    #[default]
    Raw,
    Json,
    FormUrlencoded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FollowRedirects {
    All,
    Safe,
    Yes,
    No,
    None,
    Urllib2,
}

fn get() -> String {
    "GET".into()
}

#[async_trait::async_trait]
impl Module for Uri {
    type Params = Params;
    const NAME: &'static str = "uri";
    const DOC: Written = Written {
        description: "Makes one HTTP request from the target with its curl; the result holds `status`, the response headers (lower case, `_` for `-`), `content` and `json`. Fails when the status is not in `status_code`. Changes nothing unless the body is written to `dest`; skipped in check mode, as in Ansible.",
        example: "- name: Register the host\n  uri:\n    url: http://registry.local/api/hosts\n    method: POST\n    body_format: json\n    body: { name: \"{{ inventory_hostname }}\" }\n    status_code: [200, 201]\n  register: reply\n",
        args: &[
            ("url", "", "The URL, as curl on the target sees it."),
            ("method", "GET", "The HTTP method, one upper-case word."),
            (
                "body",
                "",
                "The request body: text, or a mapping/list encoded as `body_format` says.",
            ),
            (
                "body_format",
                "raw",
                "`json` or `form-urlencoded` encode a mapping body and set its Content-Type.",
            ),
            ("headers", "", "Request headers, a mapping."),
            (
                "status_code",
                "[200]",
                "The statuses that mean success (a number, a list, or `200,201`).",
            ),
            (
                "return_content",
                "false",
                "Put the body in `content` (always there on failure; JSON bodies always give `json`).",
            ),
            (
                "dest",
                "",
                "Write the body to this file on the target (replaced only when the bytes differ).",
            ),
            (
                "creates",
                "",
                "Do nothing when this path exists on the target.",
            ),
            (
                "removes",
                "",
                "Do nothing when this path does not exist on the target.",
            ),
            ("timeout", "30", "Seconds the whole request may take."),
            ("url_username", "", "User for HTTP basic authentication."),
            (
                "url_password",
                "",
                "Password for HTTP basic authentication.",
            ),
            (
                "validate_certs",
                "true",
                "`false` accepts any TLS certificate.",
            ),
            (
                "follow_redirects",
                "safe",
                "`no`/`none` stop at a redirect; any other value follows them.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.method.is_empty() || !p.method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ModuleError::Params(
                "Parameter 'method' needs to be a single word in uppercase, like GET or POST."
                    .into(),
            ));
        }
        status_codes(p)?;
        body(p)?;
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        if let Some(path) = &p.creates
            && host.query(&Cmd::new("test -e").arg(path)).await?.success()
        {
            return Ok(Plan::ok().set("stdout", format!("skipped, since '{path}' exists")));
        }
        if let Some(path) = &p.removes
            && !host.query(&Cmd::new("test -e").arg(path)).await?.success()
        {
            return Ok(Plan::ok().set("stdout", format!("skipped, since '{path}' does not exist")));
        }
        if host.check_mode() {
            return Ok(Plan::skip(
                "remote module (ansible.builtin.uri) does not support check mode",
            ));
        }
        let codes = status_codes(&p)?;
        let mut headers: BTreeMap<String, String> = p
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), text_of(v)))
            .collect();
        let has_type = headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case("content-type"));
        let content_type = match p.body_format {
            BodyFormat::Json => Some("application/json"),
            BodyFormat::FormUrlencoded => Some("application/x-www-form-urlencoded"),
            BodyFormat::Raw => None,
        };
        if let (Some(t), false) = (content_type, has_type) {
            headers.insert("Content-Type".into(), t.into());
        }
        let request = Request {
            url: p.url.clone(),
            method: p.method.clone(),
            headers,
            body: body(&p)?,
            timeout: p.timeout.unwrap_or(30),
            user: p.url_username.clone(),
            password: p.url_password.clone(),
            validate_certs: p.validate_certs,
            follow_redirects: !matches!(
                p.follow_redirects,
                Some(FollowRedirects::No | FollowRedirects::None)
            ),
        };
        let step = request_step(
            p.dest.as_deref(),
            &codes,
            p.return_content,
            http::config(&request)?,
        );
        let reading = Reading {
            url: p.url.clone(),
            codes,
            return_content: p.return_content,
            dest: p.dest.clone(),
        };
        let step = step.parsed(Parser::new(move |out| reading.read(out)));
        Ok(Plan::with_steps(vec![step]))
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `status_code`: a number, a list of them, or a comma-separated string; 200 by default.
fn status_codes(p: &Params) -> Result<Vec<u16>, ModuleError> {
    let items: Vec<Value> = match &p.status_code {
        None | Some(Value::Null) => return Ok(vec![200]),
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(s)) => s.split(',').map(|x| Value::from(x.trim())).collect(),
        Some(other) => vec![other.clone()],
    };
    items
        .iter()
        .map(|v| {
            let text = text_of(v);
            text.trim().parse::<u16>().map_err(|_| {
                ModuleError::Params(format!("status_code: {text:?} is not an HTTP status"))
            })
        })
        .collect()
}

/// The request body as `body_format` says to send it.
fn body(p: &Params) -> Result<Option<String>, ModuleError> {
    let Some(body) = &p.body else {
        return Ok(None);
    };
    Ok(Some(match (p.body_format, body) {
        (_, Value::String(s)) => s.clone(),
        (BodyFormat::FormUrlencoded, Value::Object(fields)) => fields
            .iter()
            .map(|(k, v)| format!("{}={}", form_escape(k), form_escape(&text_of(v))))
            .collect::<Vec<_>>()
            .join("&"),
        (BodyFormat::FormUrlencoded, other) => {
            return Err(ModuleError::Params(format!(
                "failed to parse body as form_urlencoded: {other} is not a mapping"
            )));
        }
        (_, other) => other.to_string(),
    }))
}

/// Python's `quote_plus`: letters, digits and `_.-~` stay, a space is `+`, the rest `%XX`.
fn form_escape(s: &str) -> String {
    s.bytes().fold(String::new(), |mut out, b| {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
        out
    })
}

/// The request's step. Without `dest`, the response is the step's output: headers, body,
/// `drover-status:CODE`. With `dest`, the body fills a temp file installed over `dest` when the
/// status is one of `codes` (not 304) and the bytes differ (files::write); the output is then the
/// headers, `drover-status:CODE`, `written:yes|no` and, with `return_content`, the body.
fn request_step(dest: Option<&str>, codes: &[u16], return_content: bool, config: Vec<u8>) -> Step {
    let curl_failed = "[ $crc -eq 0 ] || { echo \"Status code was -1 and not [200]: Request failed: curl exit code $crc\" >&2; exit 1; }; ";
    let Some(dest) = dest else {
        let script = format!(
            "{}curl -K - -D - -w '\\ndrover-status:%{{http_code}}\\n'; crc=$?; {curl_failed}",
            http::require_curl("uri")
        );
        return http::request_step(&script, config);
    };
    let list = codes
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let fill = format!("{}{curl_failed}", http::curl_to_temp());
    let install_if =
        format!("case \" {list} \" in *\" $code \"*) [ \"$code\" != 304 ];; *) false;; esac");
    let body = if return_content {
        "cat -- \"$b\"; "
    } else {
        ""
    };
    let report = format!(
        "printf '%s\\n' \"${{r%status:*}}\"; printf 'drover-status:%s\\nwritten:%s\\n' \"$code\" \"$w\"; {body}"
    );
    let parts = Fill {
        require: &http::require_curl("uri"),
        fill: &fill,
        install_if: &install_if,
        report: &report,
    };
    fill_and_install(dest, &Attrs::default(), None, parts, config)
}

/// What the parser needs to know of the task.
struct Reading {
    url: String,
    codes: Vec<u16>,
    return_content: bool,
    dest: Option<String>,
}

impl Reading {
    fn read(&self, out: &CmdOutput) -> Parsed {
        let mut parsed = Parsed {
            changed: Some(false),
            ..Parsed::default()
        };
        let Some((response, trailer)) = out.stdout.rsplit_once("drover-status:") else {
            let why = out.stderr.trim();
            parsed.failed = Some(if why.is_empty() {
                format!("the request failed (rc={})", out.rc)
            } else {
                why.to_string()
            });
            return parsed;
        };
        let (headers, mut body) = http::split_response(response);
        let mut trailer = trailer.splitn(3, '\n');
        let status: u16 = trailer
            .next()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let written = trailer.next() == Some("written:yes");
        if self.dest.is_some() {
            body = trailer.next().unwrap_or_default();
        } else {
            // curl's `-w` puts a newline between the body and the status line.
            body = body.strip_suffix('\n').unwrap_or(body);
        }
        let fields: &mut Map<String, Value> = &mut parsed.fields;
        fields.extend(http::header_fields(headers));
        fields.insert("status".into(), Value::from(status));
        fields.insert("url".into(), Value::from(self.url.as_str()));
        let ok = self.codes.contains(&status);
        let json_type = fields
            .get("content_type")
            .and_then(Value::as_str)
            .is_some_and(is_json_type);
        if json_type && let Ok(js) = serde_json::from_str::<Value>(body) {
            fields.insert("json".into(), js);
        }
        if self.return_content || !ok {
            fields.insert("content".into(), Value::from(body));
        }
        if let Some(dest) = &self.dest {
            fields.insert("path".into(), Value::from(dest.as_str()));
        }
        if ok {
            fields.insert(
                "msg".into(),
                Value::from(format!("OK ({} bytes)", body.len())),
            );
            parsed.changed = Some(written);
        } else {
            parsed.failed = Some(format!(
                "Status code was {status} and not {:?}: HTTP Error {status}",
                self.codes
            ));
        }
        parsed
    }
}

/// `application/json`, `text/json`, `application/problem+json` (Ansible's JSON candidates).
fn is_json_type(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    let sub = mime.rsplit('/').next().unwrap_or_default().to_lowercase();
    let sub = sub.rsplit('+').next().unwrap_or_default();
    matches!(sub, "json" | "javascript")
}
