//! ansible-core's `template` lookup: each term is a file found in `templates/` along the search
//! path, rendered with the current variables, the `template_*` variables and `ansible_managed`
//! (ansible-core's `generate_ansible_template_vars`), then `template_vars`; the options
//! `variable_start_string`/`variable_end_string`, `comment_start_string`/`comment_end_string` and
//! `trim_blocks` change the syntax; `convert_data` and `jinja2_native` are deprecated no-ops in
//! 2.19. As in 2.19, a template that renders nothing is `None`; other options are ignored.

use super::lookups::{LookupContext, find_file};
use minijinja::syntax::SyntaxConfig;
use serde_json::{Map, Value as Json};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One template for [`LookupContext::render`] to render.
pub struct TemplateJob<'a> {
    /// The file as the term names it (errors name it so).
    pub name: &'a str,
    pub text: &'a str,
    /// Variables over the current ones: the `template_*` ones, then `template_vars`.
    pub extra: &'a Map<String, Json>,
    /// Where `{% include %}` looks: the template's own directory, then each search directory's
    /// `templates/` and the directory itself.
    pub include_dirs: &'a [PathBuf],
    /// The syntax to render with; `None`: the environment's.
    pub syntax: Option<&'a SyntaxConfig>,
}

/// ansible-core's `DEFAULT_MANAGED_STR`.
const ANSIBLE_MANAGED: &str = "Ansible managed";

pub fn template(
    terms: &[Json],
    options: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    let template_vars = template_vars(options)?;
    let syntax = syntax(options)?;
    terms
        .iter()
        .map(|t| {
            let name = super::lookups::text_of(t);
            let path = find_file(ctx, Some("templates"), &name).ok_or_else(|| {
                format!("the template file {name} could not be found for the lookup")
            })?;
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut extra =
                generated_vars(&name, &path, &text, (ctx.var)("ansible_managed").is_some())?;
            extra.extend(template_vars.clone());
            let include_dirs = include_dirs(&path, &ctx.search_dirs);
            let job = TemplateJob {
                name: &name,
                text: &text,
                extra: &extra,
                include_dirs: &include_dirs,
                syntax: Some(&syntax),
            };
            (ctx.render)(&job).map(|out| finished(&text, out))
        })
        .collect()
}

/// ansible-core's engine renders without Jinja's `keep_trailing_newline` (an included file loses
/// its last newline), then gives the output back the template's own trailing newlines; a template
/// without content is `None`.
fn finished(template: &str, mut out: String) -> Json {
    if out.is_empty() {
        return Json::Null;
    }
    let newlines = |s: &str| s.len() - s.trim_end_matches('\n').len();
    let missing = newlines(template).saturating_sub(newlines(&out));
    out.push_str(&"\n".repeat(missing));
    Json::String(out)
}

fn template_vars(options: &Map<String, Json>) -> Result<Map<String, Json>, String> {
    match options.get("template_vars") {
        None | Some(Json::Null) => Ok(Map::new()),
        Some(Json::Object(vars)) => Ok(vars.clone()),
        Some(other) => Err(format!(
            "Config 'template_vars' for 'template' lookup plugin from 'Direct' has an invalid value: Invalid value provided for 'dict': {}",
            super::lookup_lists::python_str(other)
        )),
    }
}

/// The syntax the delimiter and `trim_blocks` options ask for.
fn syntax(options: &Map<String, Json>) -> Result<SyntaxConfig, String> {
    let text = |name: &str, default: &str| {
        options
            .get(name)
            .map_or_else(|| default.to_string(), super::lookups::text_of)
    };
    SyntaxConfig::builder()
        .variable_delimiters(
            text("variable_start_string", "{{"),
            text("variable_end_string", "}}"),
        )
        .comment_delimiters(
            text("comment_start_string", "{#"),
            text("comment_end_string", "#}"),
        )
        .trim_blocks(
            options
                .get("trim_blocks")
                .is_none_or(drover_modules::de::truthy),
        )
        .keep_trailing_newline(false)
        .build()
        .map_err(|e| format!("the template lookup's delimiters: {e}"))
}

/// Ansible's include path of a lookup's template: its own directory first.
fn include_dirs(template: &Path, search_dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = template
        .parent()
        .map(Path::to_path_buf)
        .into_iter()
        .collect();
    for dir in search_dirs {
        dirs.push(dir.join("templates"));
        dirs.push(dir.clone());
    }
    dirs
}

/// ansible-core's `generate_ansible_template_vars` for the file `name` found at `path`.
/// `template_mtime` and `template_run_date` cost a process each (the local time zone is asked
/// of `date`), so they are made only for a template that names them.
/// Also what the `template` module renders a file with.
pub(crate) fn generated_vars(
    name: &str,
    path: &Path,
    text: &str,
    has_ansible_managed: bool,
) -> Result<Map<String, Json>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut vars = Map::new();
    vars.insert("template_host".into(), Json::from(controller_hostname()));
    vars.insert("template_path".into(), Json::from(name));
    vars.insert(
        "template_fullpath".into(),
        Json::from(path.display().to_string()),
    );
    vars.insert("template_uid".into(), user_name(meta.uid()));
    vars.insert("template_destpath".into(), Json::Null);
    if text.contains("template_mtime") {
        let time = local_time(meta.mtime(), meta.mtime_nsec() as u32 / 1000)?;
        vars.insert("template_mtime".into(), Json::from(time));
    }
    if text.contains("template_run_date") {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let time = local_time(now.as_secs() as i64, now.subsec_micros())?;
        vars.insert("template_run_date".into(), Json::from(time));
    }
    if !has_ansible_managed {
        vars.insert("ansible_managed".into(), Json::from(ANSIBLE_MANAGED));
    }
    Ok(vars)
}

/// Python's `str()` of a local `datetime`.
fn local_time(seconds: i64, micros: u32) -> Result<String, String> {
    let format = if micros == 0 {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M:%S.%f"
    };
    super::dates::format_time(format, seconds, micros, false).map_err(|e| e.to_string())
}

fn controller_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// The owner's name, as `pwd.getpwuid` gives it, else the number.
fn user_name(uid: u32) -> Json {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.get(2).and_then(|u| u.parse::<u32>().ok()) == Some(uid))
        .and_then(|f| f.first().map(|n| Json::from(*n)))
        .unwrap_or_else(|| Json::from(uid))
}
