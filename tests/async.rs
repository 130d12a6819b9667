//! `async` with `poll: 0` and `async_status` over the local connection, modelled on ansible-core's
//! `async` integration target: the launch result, a job file under `~/.ansible_async/JID`, the
//! finished job's result equal to the module's own, failures, `mode: cleanup`, and an unknown job.
//! Each run gets its own HOME, so the job files land in the test's directory.

mod common;

use common::{Outcome, drover, tempdir, write};
use serde_json::Value;
use std::path::Path;

fn play(dir: &Path, text: &str) -> Outcome {
    write(&dir.join("p.yml"), text);
    let out = drover()
        .current_dir(dir)
        .env("HOME", dir)
        .args([
            "play",
            "p.yml",
            "-i",
            "localhost,",
            "-c",
            "local",
            "--output",
            "json",
        ])
        .output()
        .unwrap_or_else(|e| panic!("run drover: {e}"));
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The results of `localhost`, by task name.
fn results(out: &Outcome) -> serde_json::Map<String, Value> {
    let doc: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", out.show()));
    doc["plays"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["tasks"].as_array().into_iter().flatten())
        .filter_map(|t| {
            let name = t["task"]["name"].as_str()?.to_string();
            Some((name, t["hosts"]["localhost"].clone()))
        })
        .collect()
}

#[test]
fn a_background_job_runs_on_and_async_status_gives_its_result() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: localhost
  gather_facts: false
  tasks:
    - name: start
      shell: "sleep 1; echo out; echo err >&2"
      async: 30
      poll: 0
      register: job
    - name: file while running
      command: cat "{{ job.results_file }}"
      register: running
    - name: wait
      async_status:
        jid: "{{ job.ansible_job_id }}"
      register: status
      until: status.finished
      retries: 30
      delay: 1
"#,
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let results = results(&out);
    let start = &results["start"];
    let jid = start["ansible_job_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(jid.starts_with('j'), "{}", out.show());
    assert_eq!(start["started"], true);
    assert_eq!(start["finished"], false);
    assert_eq!(start["changed"], true);
    let results_file = root.path().join(".ansible_async").join(&jid);
    assert_eq!(start["results_file"], results_file.display().to_string());
    // Ansible's status file while the job runs.
    let running: Value = serde_json::from_str(
        results["file while running"]["stdout"]
            .as_str()
            .unwrap_or(""),
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", out.show()));
    assert_eq!(running["started"], 1);
    assert_eq!(running["finished"], 0);
    assert_eq!(running["ansible_job_id"], jid.as_str());
    let status = &results["wait"];
    assert_eq!(status["finished"], true, "{}", out.show());
    assert_eq!(status["stdout"], "out");
    assert_eq!(status["stderr"], "err");
    assert_eq!(status["rc"], 0);
    assert_eq!(status["changed"], true);
    assert_eq!(status["ansible_job_id"], jid.as_str());
    assert!(
        status["attempts"].as_u64().unwrap_or(0) >= 2,
        "{}",
        out.show()
    );
    let done: Value = serde_json::from_slice(&std::fs::read(&results_file).expect("job file"))
        .expect("json job file");
    assert_eq!(done["finished"], 1);
    assert_eq!(done["rc"], 0);
}

#[test]
fn a_failed_job_fails_async_status_and_cleanup_erases_it() {
    let root = tempdir();
    let out = play(
        root.path(),
        r#"- hosts: localhost
  gather_facts: false
  tasks:
    - name: start
      shell: "echo partial; exit 3"
      async: 30
      poll: 0
      register: job
    - name: wait
      async_status: jid={{ job.ansible_job_id }}
      register: status
      until: status.finished
      retries: 20
      delay: 1
      ignore_errors: true
    - name: cleanup
      async_status: jid={{ job.ansible_job_id }} mode=cleanup
    - name: gone
      async_status: jid={{ job.ansible_job_id }}
      ignore_errors: true
"#,
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let results = results(&out);
    let status = &results["wait"];
    assert_eq!(status["failed"], true, "{}", out.show());
    assert_eq!(status["rc"], 3);
    assert_eq!(status["stdout"], "partial");
    assert_eq!(status["finished"], true);
    let jid = results["start"]["ansible_job_id"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        results["cleanup"]["erased"],
        root.path()
            .join(".ansible_async")
            .join(jid)
            .display()
            .to_string()
    );
    assert!(!root.path().join(".ansible_async").join(jid).exists());
    assert_eq!(
        results["gone"]["msg"],
        "could not find job",
        "{}",
        out.show()
    );
    let doc: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(doc["stats"]["localhost"]["ignored"], 2, "{}", out.show());
}

#[test]
fn async_status_mode_is_checked_at_load_time() {
    let root = tempdir();
    let out = play(
        root.path(),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - async_status: jid=1 mode=wait\n",
    );
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(
        out.stderr.contains("p.yml:4") && out.stderr.contains("cleanup"),
        "{}",
        out.show()
    );
}
