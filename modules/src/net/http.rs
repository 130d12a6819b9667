//! One HTTP request run by the target's curl: the request as a curl config read from stdin, the
//! response's status and headers printed in a form the modules' parsers read back.

use crate::ModuleError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The request as the modules describe it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    pub url: String,
    pub method: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub timeout: u64,
    pub user: Option<String>,
    pub password: Option<String>,
    pub validate_certs: bool,
    pub follow_redirects: bool,
}

/// Shell text: fails the step, naming the tool, when the target has no curl.
pub(crate) fn require_curl(module: &str) -> String {
    format!(
        "command -v curl >/dev/null 2>&1 || {{ echo \"{module}: curl is not installed on the target; drover's {module} runs the target's curl (install curl)\" >&2; exit 1; }}; "
    )
}

/// Shell text running curl with the config on stdin and the body to `"$t"`: sets `r` (the
/// response headers and a last line `status:CODE`), `code` and `crc` (curl's exit code).
pub(crate) fn curl_to_temp() -> String {
    "r=$(curl -K - -D - -o \"$t\" -w 'status:%{http_code}'); crc=$?; code=${r##*status:}; "
        .to_string()
}

/// A request whose response goes to the step's output: headers, body, then a line
/// `drover-status:CODE`. Its stdin is the request's curl config (no file is written).
pub(crate) fn request_step(script: &str, config: Vec<u8>) -> crate::Step {
    crate::Step {
        stdin: Some(config),
        ..crate::Step::run(crate::Cmd::new(script))
    }
}

/// Splits curl's output of `-D -` followed by a body into the last response's headers and the
/// body (a redirect's headers come first, each block its own `HTTP/` status line).
pub(crate) fn split_response(out: &str) -> (&str, &str) {
    let mut rest = out;
    let mut headers = "";
    while rest.starts_with("HTTP/") {
        match rest.split_once("\r\n\r\n") {
            Some((h, after)) => {
                headers = h;
                rest = after;
            }
            None => return (rest, ""),
        }
    }
    (headers, rest)
}

/// The curl config (stdin): every value quoted for curl's config syntax.
pub(crate) fn config(req: &Request) -> Result<Vec<u8>, ModuleError> {
    let mut lines = vec![
        "silent".to_string(),
        "show-error".to_string(),
        format!("url = {}", quoted(&req.url)?),
        format!("request = {}", quoted(&req.method)?),
        format!("max-time = {}", req.timeout),
    ];
    if req.method == "HEAD" {
        lines.push("head".into());
    }
    if req.follow_redirects {
        lines.push("location".into());
    }
    if !req.validate_certs {
        lines.push("insecure".into());
    }
    for (name, value) in &req.headers {
        lines.push(format!("header = {}", quoted(&format!("{name}: {value}"))?));
    }
    if let Some(user) = &req.user {
        let pass = req.password.as_deref().unwrap_or_default();
        lines.push(format!("user = {}", quoted(&format!("{user}:{pass}"))?));
    }
    if let Some(body) = &req.body {
        lines.push(format!("data-binary = {}", quoted(body)?));
    }
    let mut text = lines.join("\n");
    text.push('\n');
    Ok(text.into_bytes())
}

/// A curl config string: double-quoted, with its escapes; a NUL cannot be expressed.
fn quoted(value: &str) -> Result<String, ModuleError> {
    if value.contains('\0') {
        return Err(ModuleError::Params(
            "a NUL byte cannot be sent in a URL, header or body".into(),
        ));
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

/// One response's headers as Ansible's result names them: lower case, `-` as `_`.
pub(crate) fn header_fields(block: &str) -> Map<String, Value> {
    block
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| {
            (
                k.trim().to_lowercase().replace('-', "_"),
                Value::String(v.trim().to_string()),
            )
        })
        .collect()
}

/// `sha256:HEX` (Ansible's `checksum`): the target's tool and the lower-case digest.
pub(crate) fn checksum(spec: &str) -> Result<(&'static str, String), ModuleError> {
    let Some((algo, digest)) = spec.split_once(':') else {
        return Err(ModuleError::Params(format!(
            "The checksum parameter has to be in format <algorithm>:<checksum>, got {spec:?}"
        )));
    };
    let tool = match algo.to_lowercase().as_str() {
        "md5" => "md5sum",
        "sha1" => "sha1sum",
        "sha224" => "sha224sum",
        "sha256" => "sha256sum",
        "sha384" => "sha384sum",
        "sha512" => "sha512sum",
        other => {
            return Err(ModuleError::Params(format!(
                "unsupported checksum algorithm {other:?} (md5, sha1, sha224, sha256, sha384, sha512)"
            )));
        }
    };
    let digest = digest.trim().to_lowercase();
    if digest.contains("://") {
        return Err(ModuleError::Params(
            "a checksum read from a URL is not supported yet: give the digest".into(),
        ));
    }
    if digest.is_empty() || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ModuleError::Params(format!(
            "the checksum {digest:?} is not a hex digest"
        )));
    }
    Ok((tool, digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_values_are_quoted_for_curl() {
        let req = Request {
            url: "http://h/a?b=\"c\"".into(),
            method: "POST".into(),
            headers: [("X-T".to_string(), "a\\b".to_string())].into(),
            body: Some("{\"k\":\n1}".into()),
            timeout: 5,
            ..Request::default()
        };
        let text = String::from_utf8(config(&req).unwrap_or_default()).unwrap_or_default();
        assert!(
            text.contains("url = \"http://h/a?b=\\\"c\\\"\"\n"),
            "{text}"
        );
        assert!(text.contains("header = \"X-T: a\\\\b\"\n"), "{text}");
        assert!(
            text.contains("data-binary = \"{\\\"k\\\":\\n1}\"\n"),
            "{text}"
        );
        assert!(text.contains("insecure"), "{text}");
    }

    #[test]
    fn headers_of_the_last_response() {
        let out = "HTTP/1.1 301 Moved\r\nLocation: /b\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\": 1}";
        let (headers, body) = split_response(out);
        let h = header_fields(headers);
        assert_eq!(h["content_type"], "application/json");
        assert!(!h.contains_key("location"));
        assert_eq!(body, "{\"a\": 1}");
    }
}
