//! The CI jobs in docs/ci.md are proven, not just shown: each is taken out of the document, checked
//! to be valid YAML of the service's shape, and its steps are run as the service would run them —
//! the same shell lines and `drover` command lines, the secrets given as the service gives them,
//! `CI=true`, no standard input — against the real-sshd fleet. The inventory is the document's
//! (each host line gets its fleet address and the fleet's `root` user, the only change), and
//! `ci/known_hosts` holds the fleet's host keys, checked strictly. Only the `cargo install` step
//! is not run: it is checked to name this package and binary, and the test's binary stands in.
//! Fails, never skips, without the fleet or xmllint.

mod common;
#[path = "support/junit_xsd.rs"]
mod junit_xsd;

use common::{fleet_dir, repo, tempdir, write};
use junit_xsd::validate_junit_xsd;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn doc() -> String {
    std::fs::read_to_string(repo().join("docs/ci.md")).unwrap_or_else(|e| panic!("docs/ci.md: {e}"))
}

/// The fenced `lang` block whose first line is `first` (e.g. `# .gitlab-ci.yml`).
fn block(doc: &str, lang: &str, first: &str) -> String {
    let fence = format!("```{lang}\n{first}\n");
    let start = doc
        .find(&fence)
        .unwrap_or_else(|| panic!("docs/ci.md has no {lang} block starting {first:?}"));
    let body = &doc[start + format!("```{lang}\n").len()..];
    let end = body
        .find("\n```")
        .unwrap_or_else(|| panic!("unclosed block {first:?}"));
    body[..end + 1].to_string()
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("not valid YAML: {e}\n{text}"))
}

fn text_of<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value}"))
}

/// The secrets as a CI service would hold them, and the job's working copy of the repository.
struct Workspace {
    _tmp: tempfile::TempDir,
    repo: PathBuf,
    home: PathBuf,
    runner_temp: PathBuf,
    bin: PathBuf,
    deploy_key: String,
    vault_password: String,
    run_id: String,
}

const VAULT_PASSWORD: &str = "ci-vault-password";

const SITE: &str = r#"- hosts: web
  gather_facts: false
  vars_files: [secrets.yml]
  tasks:
    - name: Write the config
      copy:
        content: "token={{ api_token }}\n"
        dest: "/tmp/ci-example-{{ lookup('env', 'RUN_ID') }}.conf"
    - name: Break a host when asked
      fail:
        msg: broken on purpose
      when: lookup('env', 'BREAK_HOST') == inventory_hostname
"#;

impl Workspace {
    /// The repository a job checks out: the playbook with a vaulted value, the document's
    /// inventory pointed at the fleet, and the fleet's host keys as `ci/known_hosts`.
    fn new(test: &str) -> Workspace {
        let fleet = fleet_dir("DROVER_FLEET_DIR", "the real fleet");
        let tmp = tempdir();
        let repo = tmp.path().join("repo");
        let home = tmp.path().join("home");
        let runner_temp = tmp.path().join("runner-temp");
        let bin = tmp.path().join("bin");
        for dir in [&repo, &home, &runner_temp, &bin] {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
        }
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_drover"), bin.join("drover"))
            .unwrap_or_else(|e| panic!("{e}"));
        write(&repo.join("site.yml"), SITE);
        write(
            &repo.join("ci/known_hosts"),
            &read(&fleet.join("known_hosts")),
        );
        write(
            &repo.join("inventory/ci.ini"),
            &fleet_inventory(&block(&doc(), "ini", "# inventory/ci.ini"), &fleet),
        );
        let pw = tmp.path().join("pw");
        write(&pw, VAULT_PASSWORD);
        let vaulted = Command::new(env!("CARGO_BIN_EXE_drover"))
            .args(["vault", "encrypt_string", "--vault-password-file"])
            .arg(&pw)
            .args(["--name", "api_token", "ci-token-value"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(vaulted.status.success());
        write(
            &repo.join("secrets.yml"),
            &String::from_utf8_lossy(&vaulted.stdout),
        );
        Workspace {
            repo,
            home,
            runner_temp,
            bin,
            deploy_key: read(&fleet.join("id_ed25519")),
            vault_password: VAULT_PASSWORD.to_string(),
            run_id: format!("{test}-{}", std::process::id()),
            _tmp: tmp,
        }
    }

    /// `bash -e -c line` in the checkout as a CI runner runs a step: `CI=true`, no stdin, a home
    /// of its own, drover on PATH, no ssh-agent. Its exit code and output.
    fn shell(&self, line: &str, env: &BTreeMap<String, String>) -> (i32, String) {
        self.run_in_shell(&["bash", "-e", "-c"], line, env)
    }

    fn run_in_shell(
        &self,
        shell: &[&str],
        line: &str,
        env: &BTreeMap<String, String>,
    ) -> (i32, String) {
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new(shell[0])
            .args(&shell[1..])
            .arg(line)
            .current_dir(&self.repo)
            .env_clear()
            .env("PATH", path)
            .env("HOME", &self.home)
            .env("CI", "true")
            .env("RUN_ID", &self.run_id)
            .envs(env)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("bash: {e}"));
        let shown = format!(
            "$ {line}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), shown)
    }

    fn file(&self, name: &str) -> String {
        read(&self.repo.join(name))
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The document's inventory with each host line given a fleet address and the fleet's user.
fn fleet_inventory(inventory: &str, fleet: &Path) -> String {
    let addresses: Vec<String> = read(&fleet.join("known_hosts"))
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    let mut next = addresses.iter();
    let mut group = String::new();
    inventory
        .lines()
        .map(|line| {
            if line.starts_with('[') {
                group = line.to_string();
                return line.to_string();
            }
            let is_host = !group.ends_with(":vars]")
                && !line.is_empty()
                && !line.starts_with('#')
                && !line.contains('=');
            match (is_host, is_host.then(|| next.next()).flatten()) {
                (true, Some(address)) => {
                    format!("{line} ansible_host={address} ansible_user=root")
                }
                _ => line.to_string(),
            }
        })
        .map(|l| l + "\n")
        .collect()
}

/// `${{ secrets.NAME }}` as GitHub Actions expands it.
fn expand_github(value: &str, secrets: &BTreeMap<&str, String>) -> String {
    let mut out = value.to_string();
    for (name, secret) in secrets {
        out = out.replace(&format!("${{{{ secrets.{name} }}}}"), secret);
    }
    assert!(
        !out.contains("${{"),
        "an expression the test does not know: {value}"
    );
    out
}

/// The jobs' drover command line runs `drover play site.yml` with these flags.
fn assert_drover_line(line: &str) {
    for flag in [
        "drover play site.yml",
        "-i inventory/ci.ini",
        "--vault-password-file",
        "--junit results.xml",
        "--report run.html",
    ] {
        assert!(line.contains(flag), "{flag:?} not in {line:?}");
    }
}

/// `cargo install … drover` names this package, whose binary is `drover`.
fn assert_installs_drover(line: &str) {
    assert!(
        line.starts_with("cargo install --locked --git ") && line.trim_end().ends_with(" drover"),
        "{line}"
    );
    let manifest = read(&repo().join("Cargo.toml"));
    assert!(
        manifest.contains("[package]\nname = \"drover\""),
        "the package is drover"
    );
    assert!(
        manifest.contains("[[bin]]\nname = \"drover\""),
        "its binary is drover"
    );
}

/// The run's results: the JUnit file is valid and says how many failed; the HTML page is there.
fn assert_kept_files(ws: &Workspace, failures: usize) {
    let junit = ws.file("results.xml");
    assert_eq!(validate_junit_xsd(&junit), Ok(()), "{junit}");
    assert!(
        junit.contains(&format!("failures=\"{failures}\"")),
        "{failures} failures expected:\n{junit}"
    );
    let html = ws.file("run.html");
    assert!(
        html.starts_with("<!DOCTYPE html>") || html.contains("<html"),
        "{html}"
    );
}

/// Runs the GitHub job's steps in order as a runner would (a failed step skips the later steps but
/// those with `if: always()`); the play step's exit code and the transcript.
fn run_github_job(ws: &Workspace, job: &Value) -> (i32, String) {
    let secrets = BTreeMap::from([
        ("DEPLOY_KEY", ws.deploy_key.clone()),
        ("VAULT_PASSWORD", ws.vault_password.clone()),
    ]);
    let mut transcript = String::new();
    let mut play_code = None;
    let mut failed = false;
    let steps = job["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no steps"));
    for step in steps {
        let always = step["if"] == "always()";
        if failed && !always {
            continue;
        }
        if let Some(uses) = step["uses"].as_str() {
            check_github_action(ws, uses, &step["with"]);
            continue;
        }
        let line = text_of(&step["run"], "run").trim().to_string();
        if line.starts_with("cargo install") {
            assert_installs_drover(&line);
            continue;
        }
        let mut env: BTreeMap<String, String> = step["env"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), expand_github(text_of(v, k), &secrets)))
            .collect();
        env.insert("GITHUB_ACTIONS".into(), "true".into());
        env.insert("RUNNER_TEMP".into(), ws.runner_temp.display().to_string());
        env.insert(
            "BREAK_HOST".into(),
            std::env::var("CI_EXAMPLE_BREAK").unwrap_or_default(),
        );
        let (code, shown) = ws.shell(&line, &env);
        transcript.push_str(&shown);
        if line.contains("drover play") {
            assert_drover_line(&line);
            play_code = Some(code);
        }
        failed |= code != 0;
    }
    (
        play_code.unwrap_or_else(|| panic!("no drover step ran:\n{transcript}")),
        transcript,
    )
}

/// The actions the job uses read the files drover writes.
fn check_github_action(ws: &Workspace, uses: &str, with: &Value) {
    match uses.split('@').next().unwrap_or_default() {
        "actions/checkout" => {}
        "mikepenz/action-junit-report" => {
            assert_eq!(with["report_paths"], "results.xml");
            assert!(ws.repo.join("results.xml").exists());
        }
        "actions/upload-artifact" => {
            assert_eq!(with["path"], "run.html");
            assert!(ws.repo.join("run.html").exists());
        }
        other => panic!("an action the test does not know: {other}"),
    }
}

#[test]
fn the_github_actions_job_is_valid_and_runs_against_the_fleet() {
    let workflow = yaml(&block(&doc(), "yaml", "# .github/workflows/deploy.yml"));
    assert_eq!(workflow["on"]["push"]["branches"][0], "main", "{workflow}");
    let job = &workflow["jobs"]["deploy"];
    assert_eq!(job["runs-on"], "ubuntu-latest", "{workflow}");
    let steps = job["steps"].as_array().cloned().unwrap_or_default();
    assert!(
        steps
            .iter()
            .all(|s| s["uses"].is_string() != s["run"].is_string()),
        "each step either runs or uses: {workflow}"
    );
    for report in ["mikepenz/action-junit-report", "actions/upload-artifact"] {
        let step = steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(report)));
        assert_eq!(
            step.map(|s| &s["if"]),
            Some(&Value::from("always()")),
            "{report} must run when the play failed too"
        );
    }

    let ws = Workspace::new("github");
    let (code, transcript) = run_github_job(&ws, job);
    assert_eq!(code, 0, "{transcript}");
    assert!(transcript.contains("PLAY RECAP"), "{transcript}");
    assert!(
        !transcript.contains("\u{1b}["),
        "no colour in CI: {transcript}"
    );
    assert_kept_files(&ws, 0);
    let key = ws.home.join(".ssh/deploy_key");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key)
            .unwrap_or_else(|e| panic!("{e}"))
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "the key step leaves a private key");
}

#[test]
fn the_gitlab_job_is_valid_and_runs_against_the_fleet_failing_when_a_host_fails() {
    let pipeline = yaml(&block(&doc(), "yaml", "# .gitlab-ci.yml"));
    let job = &pipeline["deploy"];
    assert!(
        job["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("rust:")),
        "{pipeline}"
    );
    assert_eq!(job["artifacts"]["when"], "always", "{pipeline}");
    assert_eq!(
        job["artifacts"]["reports"]["junit"], "results.xml",
        "{pipeline}"
    );
    assert_eq!(job["artifacts"]["paths"][0], "run.html", "{pipeline}");

    let ws = Workspace::new("gitlab");
    // CI/CD variables of type "File": the variable holds the path of a file with the secret.
    let key_file = ws.runner_temp.join("DEPLOY_KEY");
    let vault_file = ws.runner_temp.join("VAULT_PASSWORD");
    write(&key_file, &ws.deploy_key);
    write(&vault_file, &ws.vault_password);
    let env = |break_host: &str| {
        BTreeMap::from([
            ("GITLAB_CI".to_string(), "true".to_string()),
            ("DEPLOY_KEY".to_string(), key_file.display().to_string()),
            (
                "VAULT_PASSWORD".to_string(),
                vault_file.display().to_string(),
            ),
            ("BREAK_HOST".to_string(), break_host.to_string()),
        ])
    };
    let lines = |key: &str| -> Vec<String> {
        job[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| text_of(l, key).to_string())
            .collect()
    };
    for line in lines("before_script") {
        if line.starts_with("cargo install") {
            assert_installs_drover(&line);
            continue;
        }
        let (code, shown) = ws.shell(&line, &env(""));
        assert_eq!(code, 0, "{shown}");
    }
    let script = lines("script");
    assert_eq!(script.len(), 1, "{script:?}");
    assert_drover_line(&script[0]);

    let (code, shown) = ws.shell(&script[0], &env(""));
    assert_eq!(code, 0, "{shown}");
    assert_kept_files(&ws, 0);

    // A host that fails fails the job (exit 2), and the reports are still written for it.
    let (code, shown) = ws.shell(&script[0], &env("web2.example.com"));
    assert_eq!(code, 2, "{shown}");
    assert!(shown.contains("broken on purpose"), "{shown}");
    assert_kept_files(&ws, 1);
}

#[test]
fn the_script_reading_json_runs_and_names_the_failed_hosts() {
    let script = block(
        &doc(),
        "sh",
        "drover play site.yml -i inventory/ci.ini --output json > run.json",
    );
    assert!(script.contains("--output json"), "{script}");
    let ws = Workspace::new("json");
    // As the job's key step leaves it.
    write(&ws.home.join(".ssh/deploy_key"), &ws.deploy_key);
    std::fs::set_permissions(
        ws.home.join(".ssh/deploy_key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let vault = ws.runner_temp.join("vault-pass");
    write(&vault, &ws.vault_password);
    let env = |break_host: &str| {
        BTreeMap::from([
            (
                "ANSIBLE_VAULT_PASSWORD_FILE".to_string(),
                vault.display().to_string(),
            ),
            ("BREAK_HOST".to_string(), break_host.to_string()),
        ])
    };
    let (code, shown) = ws.run_in_shell(&["sh", "-c"], &script, &env(""));
    assert_eq!(code, 0, "{shown}");
    let run: Value = serde_json::from_str(&ws.file("run.json"))
        .unwrap_or_else(|e| panic!("run.json: {e}\n{shown}"));
    let stats = run["stats"].as_object().cloned().unwrap_or_default();
    assert_eq!(stats.len(), 2, "{run}");

    let (code, shown) = ws.run_in_shell(&["sh", "-c"], &script, &env("web1.example.com"));
    assert_eq!(code, 2, "{shown}");
    let printed: Vec<&str> = shown
        .strip_prefix(&format!("$ {script}"))
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(printed, ["web1.example.com"], "{shown}");
}
