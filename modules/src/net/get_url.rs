//! `get_url`: download a URL to a file on the target with the target's curl. An existing `dest` is
//! left alone unless `force` (or a `checksum` it does not match); a download is checked against
//! `checksum` before it is renamed into place, and replaces `dest` only when its bytes differ.

use super::http::{self, Request};
use crate::cmd::quote;
use crate::doc::Written;
use crate::facts::file::{self, FileKind, FileStat, Want};
use crate::files::write::{Attrs, Fill, fill_and_install};
use crate::{CmdOutput, Host, Module, ModuleError, Parsed, Parser, Plan, Step};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub struct GetUrl;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub url: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub dest: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub checksum: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force: bool,
    #[serde(default)]
    pub headers: BTreeMap<String, Value>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub timeout: Option<u64>,
    #[serde(
        default,
        alias = "username",
        deserialize_with = "crate::de::opt_string"
    )]
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
    pub mode: Option<crate::de::Mode>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub group: Option<String>,
}

#[async_trait::async_trait]
impl Module for GetUrl {
    type Params = Params;
    const NAME: &'static str = "get_url";
    const DOC: Written = Written {
        description: "Downloads a URL to a file on the target with the target's curl (the URL is the target's view). The request travels on stdin; a download is checked against `checksum` before it is renamed into place and replaces `dest` only when its bytes differ.",
        example: "- name: Fetch the release\n  get_url:\n    url: https://example.com/app-1.2.tar.gz\n    dest: /opt/app-1.2.tar.gz\n    checksum: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n    mode: \"0644\"\n",
        args: &[
            (
                "url",
                "",
                "http, https or ftp URL, as curl on the target sees it.",
            ),
            (
                "dest",
                "",
                "The file to write; a directory gets the URL's last path segment.",
            ),
            (
                "checksum",
                "",
                "`algorithm:digest` (md5, sha1, sha224, sha256, sha384, sha512): an existing `dest` that matches is not downloaded again, a download that does not match is refused.",
            ),
            (
                "force",
                "false",
                "Download even when `dest` exists (it is replaced only if the bytes differ).",
            ),
            ("headers", "", "Request headers, a mapping."),
            ("timeout", "10", "Seconds the whole request may take."),
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
            ("mode", "", "The file's permissions."),
            ("owner", "", "The file's owner."),
            ("group", "", "The file's group."),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if let Some(spec) = &p.checksum {
            http::checksum(spec)?;
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let sum = p.checksum.as_deref().map(http::checksum).transpose()?;
        let tool = sum.as_ref().map_or("sha1sum", |(tool, _)| *tool);
        let want = Want {
            checksum: Some(tool),
            content: false,
            follow: true,
        };
        let mut dest = p.dest.clone();
        let mut stat = file::parse(&host.query(&file::query(&dest, want)).await?)?;
        if stat.as_ref().is_some_and(|s| s.kind == FileKind::Directory) {
            dest = format!("{}/{}", dest.trim_end_matches('/'), url_file_name(&p.url));
            stat = file::parse(&host.query(&file::query(&dest, want)).await?)?;
        }
        let attrs = Attrs::new(p.mode.clone(), p.owner.clone(), p.group.clone());
        let base = Plan::ok()
            .set("dest", dest.as_str())
            .set("url", p.url.as_str());
        if let Some(existing) = &stat {
            let matches = sum
                .as_ref()
                .is_none_or(|(_, digest)| existing.checksum.as_deref() == Some(digest.as_str()));
            if matches && !p.force {
                let msg = "file already exists";
                let plan = base.set("msg", msg);
                return Ok(match attrs.fix(&dest, existing, false) {
                    Some(cmd) => Plan {
                        steps: vec![Step::run(cmd)],
                        ..plan
                    },
                    None => plan,
                });
            }
        }
        let request = Request {
            url: p.url.clone(),
            method: "GET".into(),
            headers: p
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), text_of(v)))
                .collect(),
            timeout: p.timeout.unwrap_or(10),
            user: p.url_username.clone(),
            password: p.url_password.clone(),
            validate_certs: p.validate_certs,
            follow_redirects: true,
            ..Request::default()
        };
        let step = download_step(
            &dest,
            sum.as_ref(),
            &attrs,
            stat.as_ref(),
            http::config(&request)?,
        )
        .parsed(Parser::new(read_download));
        Ok(Plan {
            steps: vec![step],
            ..base
        })
    }
}

/// The name a download into a directory gets: the URL path's last segment (Ansible would prefer a
/// `Content-Disposition` name; drover decides before the request is made).
fn url_file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let after_host = path.split_once("://").map_or(path, |(_, rest)| rest);
    match after_host.split_once('/') {
        Some((_, p)) => p
            .rsplit('/')
            .find(|s| !s.is_empty())
            .unwrap_or("index.html")
            .to_string(),
        None => "index.html".to_string(),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// On the target: curl into a temp file beside `dest`, the HTTP status checked, the checksum
/// verified, and only then — if the bytes differ from `dest`'s — installed (files::write).
/// Prints `status:CODE SIZE changed|unchanged`.
fn download_step(
    dest: &str,
    sum: Option<&(&'static str, String)>,
    attrs: &Attrs,
    existing: Option<&FileStat>,
    config: Vec<u8>,
) -> Step {
    let verify = sum.map_or_else(String::new, |(tool, digest)| {
        format!(
            "h=$({tool} < \"$t\"); h=${{h%% *}}; [ \"$h\" = {d} ] || {{ echo \"The checksum for $f did not match {d}; it was $h.\" >&2; exit 1; }}; ",
            d = quote(digest)
        )
    });
    let fill = [
        http::curl_to_temp(),
        "[ $crc -eq 0 ] || { echo \"Request failed: curl exit code $crc\" >&2; exit 1; }; "
            .to_string(),
        "case $code in 2??) ;; *) echo \"Request failed: HTTP Error $code\" >&2; exit 1;; esac; "
            .to_string(),
        verify,
        "n=$(wc -c < \"$t\"); ".to_string(),
    ]
    .concat();
    let parts = Fill {
        require: &http::require_curl("get_url"),
        fill: &fill,
        install_if: "true",
        report: "[ $w = yes ] && v=changed || v=unchanged; echo \"status:$code $n $v\"",
    };
    fill_and_install(dest, attrs, existing, parts, config)
}

/// Reads the download step's report: `status:CODE SIZE changed|unchanged`.
fn read_download(out: &CmdOutput) -> Parsed {
    let mut parsed = Parsed::default();
    let report = out.stdout.lines().find_map(|l| l.strip_prefix("status:"));
    let fields: Vec<&str> = report.map(|r| r.split(' ').collect()).unwrap_or_default();
    match (out.rc, fields.as_slice()) {
        (0, [code, size, verdict]) => {
            let code: u64 = code.parse().unwrap_or(0);
            parsed
                .fields
                .insert("status_code".into(), Value::from(code));
            parsed
                .fields
                .insert("msg".into(), Value::from(format!("OK ({size} bytes)")));
            parsed.changed = Some(*verdict == "changed");
        }
        _ => {
            let why = out.stderr.trim();
            parsed.failed = Some(if why.is_empty() {
                format!("download failed (rc={})", out.rc)
            } else {
                why.to_string()
            });
        }
    }
    parsed
}
