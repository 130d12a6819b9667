//! `unarchive`: a tar (plain, gz, xz, bz2, zst) or zip archive unpacked into an existing `dest`,
//! only when its contents differ from what is there. As in Ansible the comparison runs on the
//! target: GNU `tar --diff` (names, sizes, mtimes, modes, links; owners when root), and for a zip
//! each member's bytes (`unzip -p | cmp`) and directories. A controller archive is pushed through
//! the verified temp-file path (length and checksum checked before tar or unzip read it) in the
//! same step that compares and unpacks, so one run is one round trip.

use crate::cmd::quote;
use crate::doc::Written;
use crate::files::write::{Content, push_temp};
use crate::{Cmd, CmdOutput, Host, LocalFile, Module, ModuleError, Parsed, Parser, Plan, Step};
use serde::Deserialize;
use serde_json::{Map, Value};

pub struct Unarchive;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub src: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub dest: String,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub remote_src: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub creates: Option<String>,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub extra_opts: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub list_files: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub keep_newer: bool,
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub exclude: Vec<String>,
}

/// Every line the target script reports starts with this.
const MARK: &str = "drover-unarchive:";

#[async_trait::async_trait]
impl Module for Unarchive {
    type Params = Params;
    const NAME: &'static str = "unarchive";
    const DOC: Written = Written {
        description: "Unpacks a tar (gz, xz, bz2, zst) or zip archive from the controller, or already on the target, into an existing directory, only when its contents differ.",
        example: "- name: Unpack the release\n  unarchive:\n    src: app-1.2.tar.gz\n    dest: /opt/app\n    creates: /opt/app/bin/app\n",
        args: &[
            (
                "src",
                "",
                "The archive: a controller file (looked up in `files/`), or a target path with `remote_src`.",
            ),
            ("dest", "", "The directory to unpack into; it must exist."),
            ("remote_src", "false", "`src` is already on the target."),
            (
                "creates",
                "",
                "Skips the task when this target path exists.",
            ),
            (
                "extra_opts",
                "",
                "More options for `tar` or `unzip` (a list), e.g. `--strip-components=1`.",
            ),
            (
                "list_files",
                "false",
                "Returns the archive's member names as `files`.",
            ),
            (
                "keep_newer",
                "false",
                "Does not replace files newer than the archive's (`tar --keep-newer-files`).",
            ),
            (
                "exclude",
                "",
                "Members (names or patterns) left out of the comparison and the unpacking.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.remote_src && p.src.contains("://") {
            return Err(ModuleError::Params(format!(
                "src {} is a URL: download it with get_url first (unarchive does not fetch URLs here)",
                p.src
            )));
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        if p.remote_src {
            return plan_remote(&p, host).await;
        }
        if let Some(path) = &p.creates
            && host.query(&Cmd::new("test -e").arg(path)).await?.success()
        {
            return Ok(skipped_by_creates(path));
        }
        if host.check_mode() {
            // The comparison needs the archive on the target, and check mode sends nothing.
            return Ok(Plan::skip(
                "check mode is not supported for unarchive from the controller (the archive would have to be sent)",
            ));
        }
        let bytes = host.read_local(&p.src, LocalFile::File)?;
        if bytes.is_empty() {
            return Ok(Plan::fail(format!(
                "Invalid archive '{}', the file is 0 bytes",
                p.src
            )));
        }
        let script = target_script(&p, "\"$t\"", Stage::Unpack);
        let step = push_temp(Content::new(bytes), &p.src, &script).parsed(parser(&p));
        Ok(base_result(Plan::with_steps(vec![step]), &p))
    }
}

/// A target's own archive: one query compares (read-only: check mode is exact), one step unpacks.
async fn plan_remote(p: &Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
    let out = host
        .query(&Cmd::new(&target_script(p, &quote(&p.src), Stage::Compare)))
        .await?;
    let report = Report::read(&out);
    if let Some(msg) = report.failed {
        return Ok(Plan::fail(msg));
    }
    if report.creates_exists {
        return Ok(skipped_by_creates(p.creates.as_deref().unwrap_or_default()));
    }
    let plan = if report.differs {
        let step =
            Step::run(Cmd::new(&target_script(p, &quote(&p.src), Stage::Unpack))).parsed(parser(p));
        Plan::with_steps(vec![step])
    } else {
        Plan::ok()
    };
    let mut plan = base_result(plan, p);
    plan.result.extend(report.fields(p.list_files));
    Ok(plan)
}

fn skipped_by_creates(path: &str) -> Plan {
    Plan::skip(format!("skipped, since {path} exists"))
}

fn base_result(plan: Plan, p: &Params) -> Plan {
    plan.set("dest", p.dest.as_str()).set("src", p.src.as_str())
}

fn parser(p: &Params) -> Parser {
    let list_files = p.list_files;
    Parser::new(move |out: &CmdOutput| {
        let report = Report::read(out);
        let failed = report.failed.clone().or_else(|| {
            (!out.success()).then(|| format!("unarchive failed (rc={}): {}", out.rc, out.stderr))
        });
        Parsed {
            fields: report.fields(list_files),
            failed,
            changed: Some(report.unpacked),
        }
    })
}

/// Whether the script only compares (a query) or also unpacks when something differs (a step).
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Compare,
    Unpack,
}

/// The shell text run on the target; `archive` is shell text naming the archive (quoted path or
/// `"$t"`). It reports on stdout: `handler:`, `differs:yes|no`, `file:` lines with `list_files`,
/// `unpacked`, or `fail:` (last; the rest of the output is the message) and `creates`.
fn target_script(p: &Params, archive: &str, stage: Stage) -> String {
    let fail = |msg: String| format!("uf {}", quote(&msg));
    let mut s = format!(
        "uf() {{ printf '{MARK}fail:%s\\n' \"$1\"; exit 0; }}; ud={}; ua={archive}; ",
        quote(&p.dest)
    );
    if let Some(creates) = &p.creates
        && stage == Stage::Compare
    {
        s.push_str(&format!(
            "[ -e {} ] && {{ echo '{MARK}creates'; exit 0; }}; ",
            quote(creates)
        ));
    }
    s.push_str(&format!(
        "[ -e \"$ua\" ] || {}; [ -s \"$ua\" ] || {}; [ -d \"$ud\" ] || {}; ",
        fail(format!("Source '{}' does not exist", p.src)),
        fail(format!("Invalid archive '{}', the file is 0 bytes", p.src)),
        fail(format!("Destination '{}' is not a directory", p.dest)),
    ));
    s.push_str(&detect_handler(&p.src));
    let tar = tar_options(p);
    let zip_exclude = zip_exclude(p);
    s.push_str(&format!(
        "if [ \"$uk\" = ZipArchive ]; then {}; else {}; fi; echo \"{MARK}differs:$ux\"; ",
        zip_compare(&zip_exclude),
        tar_compare(&tar),
    ));
    if p.list_files {
        s.push_str(&format!(
            "if [ \"$uk\" = ZipArchive ]; then unzip -Z1 \"$ua\"{zip_exclude}; \
             else LC_ALL=C tar --list{tar} -f \"$ua\"; fi | sed 's/^/{MARK}file:/'; "
        ));
    }
    if stage == Stage::Unpack {
        let extra: String = p
            .extra_opts
            .iter()
            .map(|o| format!(" {}", quote(o)))
            .collect();
        s.push_str(&format!(
            "[ \"$ux\" = yes ] || exit 0; \
             if [ \"$uk\" = ZipArchive ]; then uo=$(unzip -o \"$ua\"{extra} -d \"$ud\"{zip_exclude} 2>&1); \
             else uo=$(LC_ALL=C tar --extract -C \"$ud\"{tar} -f \"$ua\" 2>&1); fi \
             || uf {}\"$uo\"; echo '{MARK}unpacked'",
            quote(&format!("failed to unpack {} to {}: ", p.src, p.dest)),
        ));
    }
    s
}

/// Ansible's handler names; a zip is anything `unzip` lists, a tar anything GNU tar lists (it
/// recognises the compression itself), named by its magic bytes.
fn detect_handler(src: &str) -> String {
    format!(
        "uk=; if command -v unzip >/dev/null 2>&1 && unzip -Z1 \"$ua\" >/dev/null 2>&1; then uk=ZipArchive; \
         elif tar --version 2>/dev/null | grep -q GNU && tar -tf \"$ua\" >/dev/null 2>&1; then \
         case $(od -An -tx1 -N6 \"$ua\" | tr -d ' \\n') in 1f8b*) uk=TgzArchive;; fd377a585a00) uk=TarXzArchive;; \
         425a68*) uk=TarBzipArchive;; 28b52ffd*) uk=TarZstdArchive;; *) uk=TarArchive;; esac; \
         else uf {}; fi; echo \"{MARK}handler:$uk\"; ",
        quote(&format!(
            "Failed to find handler for \"{src}\". Make sure the required command to extract the file is installed (unzip, GNU tar)."
        ))
    )
}

/// What tar's list, diff and extract share (Ansible's order): the user's options (names shown as
/// they will be written), `--keep-newer-files`, the excludes.
fn tar_options(p: &Params) -> String {
    let mut opts = String::new();
    if !p.extra_opts.is_empty() {
        opts.push_str(" --show-transformed-names");
    }
    for o in &p.extra_opts {
        opts.push_str(&format!(" {}", quote(o)));
    }
    if p.keep_newer {
        opts.push_str(" --keep-newer-files");
    }
    for e in &p.exclude {
        opts.push_str(&format!(
            " {}",
            quote(&format!("--exclude={}", e.trim_end_matches('/')))
        ));
    }
    opts
}

fn zip_exclude(p: &Params) -> String {
    if p.exclude.is_empty() {
        return String::new();
    }
    let names: String = p.exclude.iter().map(|e| format!(" {}", quote(e))).collect();
    format!(" -x{names}")
}

/// `tar --diff`'s findings that mean "unpack again", Ansible's list: a missing file, a different
/// mtime, size, mode, content, link or type, an owner that cannot be set; uid/gid only count for
/// root (a user's unpacking makes the files its own). An empty name's warning is noise.
fn tar_compare(tar: &str) -> String {
    format!(
        "uo=$(LC_ALL=C tar --diff -C \"$ud\"{tar} -f \"$ua\" 2>&1); \
         ur=': (Mod time|Mode|Size|Symlink|File type) differs$|: Contents differ$|: Warning: Cannot stat: No such file or directory$|: Invalid (owner|group)'; \
         [ \"$(id -u)\" = 0 ] && ur=\"$ur|: (Uid|Gid) differs\\$\"; \
         if printf '%s\\n' \"$uo\" | grep -v ': : Warning: Cannot stat: No such file or directory$' | grep -Eq \"$ur\"; \
         then ux=yes; else ux=no; fi"
    )
}

/// Each member against `dest`: a directory must be one, a file must hold the same bytes. unzip
/// reads member names as patterns, so `[`, `*`, `?` are bracketed.
fn zip_compare(zip_exclude: &str) -> String {
    format!(
        "ux=$(unzip -Z1 \"$ua\"{zip_exclude} | while IFS= read -r un; do case $un in \
         */) [ -d \"$ud/$un\" ] || {{ echo yes; break; }};; \
         *) up=$un; case $un in *[][*?]*) up=$(printf '%s' \"$un\" | sed 's/[][*?]/[&]/g');; esac; \
         [ -f \"$ud/$un\" ] && unzip -p \"$ua\" \"$up\" 2>/dev/null | cmp -s - \"$ud/$un\" || {{ echo yes; break; }};; \
         esac; done); [ -n \"$ux\" ] || ux=no"
    )
}

/// What the target script reported.
#[derive(Debug, Default)]
struct Report {
    handler: Option<String>,
    differs: bool,
    files: Vec<String>,
    unpacked: bool,
    creates_exists: bool,
    failed: Option<String>,
}

impl Report {
    fn read(out: &CmdOutput) -> Report {
        let mut report = Report::default();
        let mut lines = out.stdout.lines();
        while let Some(line) = lines.next() {
            let Some(said) = line.strip_prefix(MARK) else {
                continue;
            };
            if let Some(msg) = said.strip_prefix("fail:") {
                let rest: Vec<&str> = lines.by_ref().collect();
                let msg = std::iter::once(msg)
                    .chain(rest)
                    .collect::<Vec<_>>()
                    .join("\n");
                report.failed = Some(msg.trim_end().to_string());
                break;
            }
            match said.split_once(':') {
                Some(("handler", h)) => report.handler = Some(h.to_string()),
                Some(("differs", d)) => report.differs = d == "yes",
                Some(("file", f)) => report.files.push(f.trim_start_matches('/').to_string()),
                _ if said == "unpacked" => report.unpacked = true,
                _ if said == "creates" => report.creates_exists = true,
                _ => {}
            }
        }
        report
    }

    fn fields(&self, list_files: bool) -> Map<String, Value> {
        let mut fields = Map::new();
        if let Some(h) = &self.handler {
            fields.insert("handler".into(), Value::from(h.as_str()));
        }
        if list_files {
            fields.insert("files".into(), Value::from(self.files.clone()));
        }
        fields
    }
}
