//! `container_image` (`docker_image`, `podman_image`): an image present or absent on the target's
//! engine, built from a context directory (on the target, or on the controller and copied over),
//! loaded from a tarball, pulled, or required locally; optionally saved to a tarball and tagged into
//! another repository. Idempotent by `image inspect`: an image that is there is not built, loaded or
//! pulled again unless `force_source`, and then the task is changed only when the image id changed.

use super::cli::{self, Engine, EngineChoice};
use crate::doc::Written;
use crate::files::write::{Attrs, Content, atomic_write};
use crate::{Cmd, CmdOutput, Host, LocalFile, Module, ModuleError, Parsed, Parser, Plan, Step};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub struct ContainerImage;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub tag: Option<String>,
    #[serde(default)]
    pub state: Presence,
    #[serde(default)]
    pub source: Option<Source>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force_source: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force_tag: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub force_absent: bool,
    #[serde(default)]
    pub build: Option<Build>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub load_path: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub archive_path: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub repository: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub push: bool,
    #[serde(default)]
    pub engine: EngineChoice,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    #[default]
    Present,
    Absent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Build,
    Load,
    Pull,
    Local,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    #[serde(deserialize_with = "crate::de::string")]
    pub path: String,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub dockerfile: Option<String>,
    #[serde(default, deserialize_with = "cli::string_map")]
    pub args: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "cli::string_map")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub pull: bool,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub nocache: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub network: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub target: Option<String>,
    /// drover's own: where `path` is — on the `target` (Ansible's meaning) or on the `controller`,
    /// copied to the target for the build.
    #[serde(default)]
    pub context: ContextSide,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContextSide {
    #[default]
    Target,
    Controller,
}

impl Params {
    /// `name:tag`; a tag (or digest) written in `name` wins over `tag`.
    fn reference(&self) -> String {
        let last = self.name.rsplit('/').next().unwrap_or(&self.name);
        if last.contains(':') || last.contains('@') {
            self.name.clone()
        } else {
            format!("{}:{}", self.name, self.tag.as_deref().unwrap_or("latest"))
        }
    }

    /// `repository` with this image's tag when it names none.
    fn repository_reference(&self) -> Option<String> {
        let repo = self.repository.as_ref()?;
        let last = repo.rsplit('/').next().unwrap_or(repo);
        if last.contains(':') {
            return Some(repo.clone());
        }
        let reference = self.reference();
        let tag = reference.rsplit_once(':').map_or("latest", |(_, t)| t);
        Some(format!("{repo}:{tag}"))
    }
}

#[async_trait::async_trait]
impl Module for ContainerImage {
    type Params = Params;
    const NAME: &'static str = "container_image";
    const DOC: Written = Written {
        description: "An image present or absent on the target's docker or podman (`docker_image`, `podman_image`): built from a context directory on the target or copied from the controller, loaded from a tarball, pulled, or required locally; optionally saved to a tarball and tagged into another repository. Idempotent by `image inspect`; a forced rebuild that yields the same image id is `ok`.",
        example: "- container_image:\n    name: shop/web\n    tag: v2\n    source: build\n    build:\n      path: web/\n      context: controller\n      args: {RELEASE: '2'}\n",
        args: &[
            (
                "name",
                "",
                "The image (`repo/name`, optionally `:tag` or `@digest`).",
            ),
            ("tag", "latest", "The tag, when `name` has none."),
            ("state", "present", "`present` or `absent`."),
            (
                "source",
                "",
                "How a missing image comes: `build`, `load`, `pull` or `local` (must exist). Required with `state: present`.",
            ),
            (
                "force_source",
                "false",
                "Build, load or pull even when the image exists; changed only when its id moved.",
            ),
            (
                "force_tag",
                "false",
                "Tag into `repository` even when the tag already points to the image.",
            ),
            (
                "force_absent",
                "false",
                "Remove with `-f` (also when containers use it).",
            ),
            (
                "build",
                "",
                "`path` (the context), `dockerfile` (relative to the context), `args`, `labels`, `pull`, `nocache`, `network`, `target`, and drover's `context: target|controller` (where `path` is; a controller context is copied through verified writes, built, removed).",
            ),
            (
                "load_path",
                "",
                "A tarball on the target for `source: load`; the task fails when it does not hold the image.",
            ),
            (
                "archive_path",
                "",
                "Save the image to this tarball on the target when it does not already hold this image id.",
            ),
            (
                "repository",
                "",
                "Also tag the image as this repository (its tag defaults to the image's).",
            ),
            (
                "push",
                "false",
                "Not supported: no registry is reachable from drover's targets.",
            ),
            (
                "engine",
                "auto",
                "`docker`, `podman`, or `auto` (docker when present, else podman).",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let err = |m: &str| Err(ModuleError::Params(m.into()));
        if p.push {
            return err(
                "push: no registry is reachable from drover's targets; push is not supported",
            );
        }
        if p.state == Presence::Absent {
            return Ok(());
        }
        match p.source {
            None => err("state is present but all of the following are missing: source"),
            Some(Source::Build) if p.build.is_none() => {
                err("source is build but all of the following are missing: build")
            }
            Some(Source::Load) if p.load_path.is_none() => {
                err("source is load but all of the following are missing: load_path")
            }
            _ => Ok(()),
        }
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let reference = p.reference();
        let out = host.query(&query(&p, &reference)).await?;
        let engine = cli::engine_of(&out, p.engine)?;
        let image = cli::inspected(&out, "image")?;
        let current_id = image.as_ref().and_then(image_id);
        let mut plan = Plan::ok().set("image", image.clone().unwrap_or(json!({})));
        if p.state == Presence::Absent {
            if image.is_some() {
                let mut rm = engine.cmd("image rm");
                if p.force_absent {
                    rm = rm.syntax("-f");
                }
                plan.steps.push(Step::run(rm.arg(&reference)));
                plan = plan.set("actions", vec![format!("Removed image {reference}")]);
            }
            return Ok(plan);
        }
        let mut actions = Vec::new();
        let fetched = current_id.is_none() || p.force_source;
        if fetched {
            let source = p.source.unwrap_or(Source::Local);
            if source == Source::Local {
                return Ok(Plan::fail(format!(
                    "Cannot find the image {reference} locally."
                )));
            }
            plan.steps
                .extend(fetch_steps(&p, engine, &reference, host)?);
            actions.push(action_of(&p, source, &reference));
        }
        if let Some(archive) = &p.archive_path {
            let archived = archived_id(&out);
            if fetched || archived.as_deref() != current_id.as_deref().map(cli::short_id) {
                plan.steps
                    .push(Step::run(save(engine, &reference, archive)));
                actions.push(format!("Archived image {reference} to {archive}"));
            }
        }
        if let Some(repo) = p.repository_reference() {
            let repo_id = cli::inspected(&out, "repository")?
                .as_ref()
                .and_then(image_id);
            if fetched || p.force_tag || repo_id.is_none() || repo_id != current_id {
                plan.steps
                    .push(Step::run(engine.cmd("tag").arg(&reference).arg(&repo)));
                actions.push(format!("Tagged image {reference} to {repo}"));
            }
        }
        if !actions.is_empty() {
            plan = plan.set("actions", actions);
        }
        // A forced rebuild or pull that yields the same image changes nothing, when nothing follows.
        if fetched
            && let Some(old) = current_id
            && plan.steps.len() == fetch_len(&p, host)
            && let Some(last) = plan.steps.pop()
        {
            plan.steps.push(last.parsed(same_image_is_ok(old)));
        }
        Ok(plan)
    }
}

/// One query: the engine, the image, the repository tag and the archive's manifest when named.
fn query(p: &Params, reference: &str) -> Cmd {
    let mut q = cli::select_engine(p.engine).then(cli::inspect_section(
        "image",
        "image inspect",
        reference,
    ));
    if let Some(repo) = p.repository_reference() {
        q = q.then(cli::inspect_section("repository", "image inspect", &repo));
    }
    if let Some(archive) = &p.archive_path {
        q = q.then(
            Cmd::new("echo @@archive; tar -xOf")
                .arg(archive)
                .syntax("manifest.json 2>/dev/null; echo"),
        );
    }
    q
}

/// Into a temp file beside the archive, then renamed: podman refuses to overwrite an archive, and a
/// save cut short must not leave a truncated one.
fn save(engine: Engine, reference: &str, archive: &str) -> Cmd {
    let temp = format!("{archive}.drover-tmp");
    Cmd::new("rm -f --")
        .arg(&temp)
        .syntax("&&")
        .syntax(engine.cli())
        .syntax("save -o")
        .arg(&temp)
        .arg(reference)
        .syntax("&& mv --")
        .arg(&temp)
        .arg(archive)
        .syntax("|| { rm -f --")
        .arg(&temp)
        .syntax("; exit 1; }")
}

fn image_id(v: &Value) -> Option<String> {
    cli::field(v, &["Id", "ID", "id"])
        .and_then(Value::as_str)
        .map(String::from)
}

/// The image id a `save` tarball holds: its manifest's `Config` is `<id>.json`.
fn archived_id(out: &CmdOutput) -> Option<String> {
    let text = crate::packages::section(&out.stdout, "archive")?.join("\n");
    let manifest: Value = serde_json::from_str(text.trim()).ok()?;
    let config = manifest.get(0)?.get("Config")?.as_str()?;
    let file = config.rsplit('/').next().unwrap_or(config);
    Some(file.strip_suffix(".json").unwrap_or(file).to_string())
}

fn action_of(p: &Params, source: Source, reference: &str) -> String {
    match source {
        Source::Build => format!(
            "Built image {reference} from {}",
            p.build.as_ref().map_or("", |b| b.path.as_str())
        ),
        Source::Load => format!(
            "Loaded image {reference} from {}",
            p.load_path.as_deref().unwrap_or("")
        ),
        Source::Pull => format!("Pulled image {reference}"),
        Source::Local => String::new(),
    }
}

/// How many steps the fetch makes (a controller context adds its file copies).
fn fetch_len(p: &Params, host: &mut dyn Host) -> usize {
    match (p.source, &p.build) {
        (Some(Source::Build), Some(b)) if b.context == ContextSide::Controller => {
            controller_files(b, host).map_or(0, |f| f.len() + 2)
        }
        _ => 1,
    }
}

/// The steps that bring the image: a build, a load or a pull, each printing the new id last.
fn fetch_steps(
    p: &Params,
    engine: Engine,
    reference: &str,
    host: &mut dyn Host,
) -> Result<Vec<Step>, ModuleError> {
    let print_id = Cmd::new("echo @@id &&")
        .syntax(engine.cli())
        .syntax("image inspect --format")
        .arg("{{.Id}}")
        .arg(reference);
    match p.source {
        Some(Source::Build) => {
            let Some(b) = &p.build else {
                return Err(ModuleError::Params(
                    "source is build but build is missing".into(),
                ));
            };
            build_steps(b, engine, reference, print_id, host)
        }
        Some(Source::Load) => {
            let path = p.load_path.as_deref().unwrap_or_default();
            let load = engine.cmd("load -i").arg(path).and(print_id.clone());
            let (reference, path) = (reference.to_string(), path.to_string());
            Ok(vec![Step::run(load).parsed(Parser::new(move |out| {
                loaded(out, &reference, &path)
            }))])
        }
        _ => Ok(vec![Step::run(
            engine.cmd("pull").arg(reference).and(print_id),
        )]),
    }
}

/// A load that did not bring the named image fails, as Ansible's does.
fn loaded(out: &CmdOutput, reference: &str, path: &str) -> Parsed {
    let mut parsed = Parsed::default();
    if out.rc != 0 || crate::packages::section(&out.stdout, "id").is_none() {
        parsed.failed = Some(format!(
            "The image {reference} was not found in {path} after loading it (rc={}): {}",
            out.rc,
            out.stderr.trim()
        ));
    }
    parsed
}

fn build_steps(
    b: &Build,
    engine: Engine,
    reference: &str,
    print_id: Cmd,
    host: &mut dyn Host,
) -> Result<Vec<Step>, ModuleError> {
    if b.context == ContextSide::Target {
        return Ok(vec![Step::run(
            build_cmd(b, engine, reference, &b.path).and(print_id),
        )]);
    }
    let staged = staging_dir(reference);
    let mut steps = vec![Step::run(
        Cmd::new("rm -rf --")
            .arg(&staged)
            .syntax("&& mkdir -m 700")
            .arg(&staged),
    )];
    for (path, is_dir) in controller_files(b, host)? {
        let dest = format!("{staged}/{path}");
        if is_dir {
            steps.push(Step::run(Cmd::new("mkdir -p --").arg(&dest)));
            continue;
        }
        let bytes = host.read_local(
            &format!("{}/{path}", b.path.trim_end_matches('/')),
            LocalFile::File,
        )?;
        steps.push(atomic_write(
            &dest,
            Content::new(bytes),
            &Attrs::default(),
            None,
            None,
        ));
    }
    // The staged context goes whether the build succeeds or not.
    let build = build_cmd(b, engine, reference, &staged)
        .and(print_id)
        .syntax("; rc=$?; rm -rf --")
        .arg(&staged)
        .syntax("; exit $rc");
    steps.push(Step::run(build));
    Ok(steps)
}

/// The files of a controller context, directories first so their files have a place.
fn controller_files(b: &Build, host: &mut dyn Host) -> Result<Vec<(String, bool)>, ModuleError> {
    match host.list_local(&b.path, LocalFile::File)? {
        Some(entries) => Ok(entries.into_iter().map(|e| (e.path, e.is_dir)).collect()),
        None => Err(ModuleError::Failed(format!(
            "build.path {} on the controller is a file, not a context directory",
            b.path
        ))),
    }
}

/// A fixed place per image on the target, so a plan stays a pure function of its inputs.
fn staging_dir(reference: &str) -> String {
    use sha1::Digest;
    let digest = hex::encode(sha1::Sha1::digest(reference.as_bytes()));
    format!("/tmp/.drover-build.{}", &digest[..12])
}

fn build_cmd(b: &Build, engine: Engine, reference: &str, context: &str) -> Cmd {
    let mut c = engine.cmd("build -t").arg(reference);
    if let Some(file) = &b.dockerfile {
        // Ansible reads a relative Dockerfile from the context, the CLIs from the working directory.
        let file = if file.starts_with('/') {
            file.clone()
        } else {
            format!("{}/{file}", context.trim_end_matches('/'))
        };
        c = c.syntax("-f").arg(file);
    }
    for (k, v) in &b.args {
        c = c.syntax("--build-arg").arg(format!("{k}={v}"));
    }
    for (k, v) in &b.labels {
        c = c.syntax("--label").arg(format!("{k}={v}"));
    }
    if b.pull {
        c = c.syntax("--pull");
    }
    if b.nocache {
        c = c.syntax("--no-cache");
    }
    if let Some(n) = &b.network {
        c = c.syntax("--network").arg(n);
    }
    if let Some(t) = &b.target {
        c = c.syntax("--target").arg(t);
    }
    c.arg(context)
}

/// A forced build or pull: changed only when the image id moved.
fn same_image_is_ok(old: String) -> Parser {
    Parser::new(move |out| {
        let mut parsed = Parsed::default();
        if out.rc != 0 {
            parsed.failed = Some(format!("rc={}: {}", out.rc, out.stderr.trim()));
            return parsed;
        }
        let new = crate::packages::section(&out.stdout, "id")
            .and_then(|l| l.first().map(|s| s.trim().to_string()));
        if let Some(new) = new {
            parsed.changed = Some(cli::short_id(&new) != cli::short_id(&old));
            parsed.fields.insert("image_id".into(), Value::String(new));
        }
        parsed
    })
}
