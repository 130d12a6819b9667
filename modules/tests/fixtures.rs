//! Module fixtures, the pyinfra way: given these arguments and what the host answers to each query,
//! the module must plan exactly these steps (or fail, or skip). No host is involved.
//!
//! Each `tests/modules/<module>/<case>.yaml` holds:
//! `params`, optional `check_mode`/`diff_mode`, `local_files`/`templates`/`expressions` (controller
//! side), `queries` (in order: `command` exact or `command_contains`, and the answer `rc`/`stdout`/
//! `stderr`), and the expectation: `steps` (each step's displayed command must contain the text),
//! `last_step_contains` / `last_step_lacks` (texts the last step's command line — what a target's
//! process list shows — must or must not contain), `stdin` (of the last step), `changed`, `failed`,
//! `skipped`, `error`, `result` (a subset: mappings may hold more keys than named, recursively),
//! `diff_after`, `step_output` + `parsed` (what the last step's parser makes of that output:
//! `result` subset, `failed`, `changed`), `saves_local` (the controller path the last step's output
//! is saved at). `controller_files` are files the task may write on the controller (`fetch`).

use drover_modules::{Cmd, CmdOutput, Host, LocalEntry, LocalFile, ModuleError, Then, lookup};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    #[serde(default)]
    params: Map<String, Value>,
    #[serde(default)]
    check_mode: bool,
    #[serde(default)]
    diff_mode: bool,
    #[serde(default)]
    local_files: BTreeMap<String, String>,
    #[serde(default)]
    templates: BTreeMap<String, String>,
    #[serde(default)]
    expressions: BTreeMap<String, Value>,
    #[serde(default)]
    queries: Vec<Query>,
    #[serde(default)]
    steps: Option<Vec<String>>,
    #[serde(default)]
    last_step_contains: Vec<String>,
    #[serde(default)]
    last_step_lacks: Vec<String>,
    #[serde(default)]
    stdin: Option<String>,
    #[serde(default)]
    changed: Option<bool>,
    #[serde(default)]
    failed: Option<String>,
    #[serde(default)]
    skipped: Option<bool>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    result: Map<String, Value>,
    #[serde(default)]
    diff_after: Option<String>,
    #[serde(default)]
    controller_files: BTreeMap<String, String>,
    #[serde(default)]
    step_output: Option<Query>,
    #[serde(default)]
    parsed: Option<ParsedWant>,
    #[serde(default)]
    saves_local: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParsedWant {
    #[serde(default)]
    result: Map<String, Value>,
    #[serde(default)]
    failed: Option<String>,
    #[serde(default)]
    changed: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    command_contains: Option<String>,
    #[serde(default)]
    rc: i32,
    #[serde(default)]
    stdout: String,
    #[serde(default)]
    stderr: String,
}

struct FakeHost<'a> {
    fixture: &'a Fixture,
    next_query: usize,
    problems: Vec<String>,
}

#[async_trait::async_trait]
impl Host for FakeHost<'_> {
    async fn query(&mut self, cmd: &Cmd) -> Result<CmdOutput, ModuleError> {
        let sent = cmd.to_shell();
        let Some(q) = self.fixture.queries.get(self.next_query) else {
            self.problems
                .push(format!("unexpected query #{}: {sent}", self.next_query + 1));
            return Err(ModuleError::Host("unexpected query".into()));
        };
        self.next_query += 1;
        let matches = match (&q.command, &q.command_contains) {
            (Some(exact), _) => &sent == exact,
            (None, Some(part)) => sent.contains(part.as_str()),
            (None, None) => true,
        };
        if !matches {
            self.problems.push(format!(
                "query #{} was {sent:?}, expected {:?}",
                self.next_query,
                q.command.as_ref().or(q.command_contains.as_ref())
            ));
        }
        Ok(CmdOutput {
            rc: q.rc,
            stdout: q.stdout.clone(),
            stderr: q.stderr.clone(),
        })
    }

    fn read_local(&self, path: &str, _kind: LocalFile) -> Result<Vec<u8>, ModuleError> {
        self.fixture
            .local_files
            .get(path)
            .map(|c| c.clone().into_bytes())
            .ok_or_else(|| ModuleError::Failed(format!("could not find or access '{path}'")))
    }

    fn list_local(
        &self,
        path: &str,
        _kind: LocalFile,
    ) -> Result<Option<Vec<LocalEntry>>, ModuleError> {
        if self.fixture.local_files.contains_key(path) {
            return Ok(None);
        }
        let prefix = format!("{}/", path.trim_end_matches('/'));
        let mut entries = std::collections::BTreeSet::new();
        for name in self.fixture.local_files.keys() {
            let Some(below) = name.strip_prefix(&prefix) else {
                continue;
            };
            let parts: Vec<&str> = below.split('/').collect();
            for depth in 1..parts.len() {
                entries.insert((parts[..depth].join("/"), true));
            }
            entries.insert((below.to_string(), false));
        }
        if entries.is_empty() {
            return Err(ModuleError::Failed(format!(
                "could not find or access '{path}'"
            )));
        }
        Ok(Some(
            entries
                .into_iter()
                .map(|(path, is_dir)| LocalEntry { path, is_dir })
                .collect(),
        ))
    }

    fn local_checksum(&self, path: &str) -> Result<Option<String>, ModuleError> {
        use sha1::Digest;
        Ok(self
            .fixture
            .controller_files
            .get(path)
            .map(|c| hex::encode(sha1::Sha1::digest(c.as_bytes()))))
    }

    fn render_template(&self, path: &str) -> Result<String, ModuleError> {
        self.fixture
            .templates
            .get(path)
            .cloned()
            .ok_or_else(|| ModuleError::Failed(format!("could not find or access '{path}'")))
    }

    fn evaluate(&self, expr: &str) -> Result<Value, ModuleError> {
        self.fixture
            .expressions
            .get(expr)
            .cloned()
            .ok_or_else(|| ModuleError::Failed(format!("'{expr}' is undefined")))
    }

    fn check_mode(&self) -> bool {
        self.fixture.check_mode
    }

    fn diff_mode(&self) -> bool {
        self.fixture.diff_mode
    }
}

fn fixture_files() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/modules");
    let mut out = Vec::new();
    for module in std::fs::read_dir(&root).expect("tests/modules").flatten() {
        let name = module.file_name().to_string_lossy().into_owned();
        for case in std::fs::read_dir(module.path())
            .expect("module dir")
            .flatten()
        {
            out.push((name.clone(), case.path()));
        }
    }
    out.sort();
    out
}

fn check(module_name: &str, path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("fixture");
    let fixture: Fixture = match serde_saphyr::from_str(&text) {
        Ok(f) => f,
        Err(e) => return vec![format!("unreadable fixture: {e}")],
    };
    let module = lookup(module_name).unwrap_or_else(|| panic!("no module {module_name}"));
    let mut host = FakeHost {
        fixture: &fixture,
        next_query: 0,
        problems: Vec::new(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let outcome =
        runtime.block_on(module.plan_json(Value::Object(fixture.params.clone()), &mut host));
    let mut problems = std::mem::take(&mut host.problems);
    if host.next_query < fixture.queries.len() {
        problems.push(format!(
            "only {} of {} expected queries were made",
            host.next_query,
            fixture.queries.len()
        ));
    }
    let plan = match (outcome, &fixture.error) {
        (Err(e), Some(want)) => {
            if !e.to_string().contains(want.as_str()) {
                problems.push(format!("error {e:?} does not contain {want:?}"));
            }
            return problems;
        }
        (Err(e), None) => {
            problems.push(format!("unexpected error: {e}"));
            return problems;
        }
        (Ok(plan), Some(want)) => {
            problems.push(format!(
                "expected an error containing {want:?}, got {plan:?}"
            ));
            return problems;
        }
        (Ok(plan), None) => plan,
    };
    if let Some(want) = &fixture.steps {
        let got: Vec<String> = plan.steps.iter().map(|s| s.cmd.display()).collect();
        if got.len() != want.len() || got.iter().zip(want).any(|(g, w)| !g.contains(w.as_str())) {
            problems.push(format!(
                "steps {got:#?}\n  expected (each containing) {want:#?}"
            ));
        }
    }
    problems.extend(check_last_command_line(&fixture, &plan));
    if let Some(want) = &fixture.stdin {
        let got = plan
            .steps
            .last()
            .and_then(|s| s.stdin.clone())
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        if got.as_deref() != Some(want.as_str()) {
            problems.push(format!("stdin {got:?}, expected {want:?}"));
        }
    }
    if let Some(want) = fixture.changed
        && plan.changes() != want
    {
        problems.push(format!("changed {}, expected {want}", plan.changes()));
    }
    match (&fixture.failed, &plan.failed) {
        (Some(want), Some(got)) if !got.contains(want.as_str()) => {
            problems.push(format!("failed {got:?}, expected {want:?}"))
        }
        (Some(want), None) => problems.push(format!("did not fail, expected {want:?}")),
        (None, Some(got)) => problems.push(format!("unexpected failure {got:?}")),
        _ => {}
    }
    if fixture.skipped.unwrap_or(false) != plan.skipped.is_some() {
        problems.push(format!(
            "skipped {:?}, expected {:?}",
            plan.skipped, fixture.skipped
        ));
    }
    for (key, want) in &fixture.result {
        if !plan.result.get(key).is_some_and(|got| contains(got, want)) {
            problems.push(format!(
                "result.{key} = {:?}, expected {want}",
                plan.result.get(key)
            ));
        }
    }
    problems.extend(check_then(&fixture, &plan));
    if let Some(want) = &fixture.diff_after {
        let got = plan.diffs.first().map(|d| d.after.clone());
        if got.as_deref() != Some(want.as_str()) {
            problems.push(format!("diff after {got:?}, expected {want:?}"));
        }
    }
    problems
}

/// What the last step asks the engine to do with its output.
fn check_then(fixture: &Fixture, plan: &drover_modules::Plan) -> Vec<String> {
    let then = plan.steps.last().and_then(|s| s.then.clone());
    let mut problems = Vec::new();
    if let Some(want) = &fixture.saves_local {
        match &then {
            Some(Then::SaveLocal { path, .. }) if path == want => {}
            other => problems.push(format!("saves {other:?}, expected a save to {want}")),
        }
    }
    let (Some(out), Some(want)) = (&fixture.step_output, &fixture.parsed) else {
        return problems;
    };
    let Some(Then::Parse(parser)) = then else {
        problems.push(format!("the last step has no parser ({then:?})"));
        return problems;
    };
    let got = parser.parse(&CmdOutput {
        rc: out.rc,
        stdout: out.stdout.clone(),
        stderr: out.stderr.clone(),
    });
    for (key, w) in &want.result {
        if !got.fields.get(key).is_some_and(|g| contains(g, w)) {
            problems.push(format!(
                "parsed.{key} = {:?}, expected {w}",
                got.fields.get(key)
            ));
        }
    }
    match (&want.failed, &got.failed) {
        (Some(w), Some(g)) if !g.contains(w.as_str()) => {
            problems.push(format!("parsed failure {g:?}, expected {w:?}"))
        }
        (Some(w), None) => problems.push(format!("parse did not fail, expected {w:?}")),
        (None, Some(g)) => problems.push(format!("unexpected parse failure {g:?}")),
        _ => {}
    }
    if want.changed.is_some() && want.changed != got.changed {
        problems.push(format!(
            "parsed changed {:?}, expected {:?}",
            got.changed, want.changed
        ));
    }
    problems
}

fn check_last_command_line(fixture: &Fixture, plan: &drover_modules::Plan) -> Vec<String> {
    if fixture.last_step_contains.is_empty() && fixture.last_step_lacks.is_empty() {
        return Vec::new();
    }
    let Some(sent) = plan.steps.last().map(|s| s.cmd.to_shell()) else {
        return vec!["no step to check the command line of".into()];
    };
    let missing = fixture
        .last_step_contains
        .iter()
        .filter(|want| !sent.contains(want.as_str()))
        .map(|want| format!("the last step lacks {want:?}: {sent}"));
    let present = fixture
        .last_step_lacks
        .iter()
        .filter(|unwanted| sent.contains(unwanted.as_str()))
        .map(|unwanted| format!("the last step contains {unwanted:?}: {sent}"));
    missing.chain(present).collect()
}

#[test]
fn every_module_fixture() {
    let files = fixture_files();
    assert!(files.len() >= 30, "only {} fixtures", files.len());
    let mut failures = Vec::new();
    for (module, path) in &files {
        let problems = check(module, path);
        if !problems.is_empty() {
            failures.push(format!("{}:\n  {}", path.display(), problems.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn every_module_has_a_no_op_fixture() {
    let files = fixture_files();
    for module in drover_modules::registry::MODULES {
        let has = files.iter().any(|(m, p)| {
            m == module.name()
                && p.file_stem()
                    .is_some_and(|s| s.to_string_lossy().starts_with("noop"))
        });
        let controller_only = [
            "debug", "set_fact", "assert", "fail", "ping", "command", "shell", "raw", "stat",
        ];
        assert!(
            has || controller_only.contains(&module.name()),
            "{} has no noop fixture",
            module.name()
        );
    }
}

/// `want` is in `got`: mappings may hold more keys than the fixture names (recursively); every
/// other value, lists included, must be equal.
fn contains(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(got), Value::Object(want)) => want
            .iter()
            .all(|(k, w)| got.get(k).is_some_and(|g| contains(g, w))),
        (Value::Array(got), Value::Array(want)) => {
            got.len() == want.len() && got.iter().zip(want).all(|(g, w)| contains(g, w))
        }
        _ => got == want,
    }
}
