//! Loops and retries over the local connection: `with_<lookup>` loops, `loop_control`, registered
//! loop results, `until`/`retries`/`delay`, and what the output shows of them. Modelled on
//! ansible-core's `loops`, `loop_control`, `lookup_*` and `until` integration targets.
//!
//! `tests/data/loops/registered.yml` writes every registered result to a file;
//! `tests/data/loops/ansible-2.19.json` holds what ansible-core 2.19 wrote for it (run with
//! `ansible-playbook -i localhost, -c local registered.yml -e out=DIR`, timing fields and the
//! playbook's directory normalized as in [`normalized`]).

mod common;

use common::{Outcome, play_with, repo, run_in, tempdir, write};
use serde_json::{Map, Value};
use std::path::Path;
use std::time::{Duration, Instant};

fn play(dir: &Path, text: &str, extra: &[&str]) -> Outcome {
    play_with(dir, "localhost ansible_connection=local\n", text, extra)
}

/// Fields that differ from run to run or between command implementations, not between loop
/// implementations: timings, command details, the command module's empty `msg`.
const VOLATILE: &[&str] = &[
    "delta",
    "start",
    "end",
    "invocation",
    "exception",
    "cmd",
    "stdout_lines",
    "stderr_lines",
    "stdout",
    "stderr",
    "rc",
];

fn is_volatile(key: &str, value: &Value) -> bool {
    VOLATILE.contains(&key) || (key == "msg" && value.as_str() == Some(""))
}

fn normalized(value: Value, playbook_dir: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, v)| !is_volatile(k, v))
                .map(|(k, v)| (k, normalized(v, playbook_dir)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| normalized(v, playbook_dir))
                .collect(),
        ),
        Value::String(s) => Value::String(s.replace(playbook_dir, "<playbook_dir>")),
        other => other,
    }
}

#[test]
fn registered_loop_results_are_ansibles() {
    let data = repo().join("tests/data/loops");
    let out = tempdir();
    write(
        &out.path().join("hosts.ini"),
        "localhost ansible_connection=local\n",
    );
    let run = run_in(
        out.path(),
        &[
            "play",
            &data.join("registered.yml").display().to_string(),
            "-i",
            "hosts.ini",
            "-e",
            &format!("out={}", out.path().join("out").display()),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.show());
    let recorded = std::fs::read_to_string(data.join("ansible-2.19.json")).expect("recorded");
    let recorded: Map<String, Value> = serde_json::from_str(&recorded).expect("recorded json");
    assert!(recorded.len() >= 28, "every case is recorded");
    let dir = data.display().to_string();
    for (name, theirs) in recorded {
        let path = out.path().join("out").join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", run.show()));
        let ours: Value = serde_json::from_str(&text).expect("drover wrote json");
        assert_eq!(
            normalized(ours, &dir),
            theirs,
            "registered `{name}` differs from ansible-core's"
        );
    }
}

const OUTPUT_PLAY: &str = r#"- hosts: all
  gather_facts: false
  tasks:
    - name: Pairs
      debug: msg=x
      with_together: [[1], [a]]
    - name: Labelled
      debug: msg=x
      loop: [{name: web, port: 80}]
      loop_control: {label: "{{ item.name }}"}
    - name: Some fail
      command: "test {{ item }} = 2"
      loop: [1, 2]
      ignore_errors: true
    - name: None apply
      debug: msg=x
      loop: [1, 2]
      when: item > 5
    - name: Nothing
      debug: msg=x
      loop: []
    - name: Never
      command: /bin/false
      until: false
      retries: 2
      delay: 0
      ignore_errors: true
"#;

#[test]
fn loop_output_reads_like_ansibles() {
    let root = tempdir();
    let out = play(root.path(), OUTPUT_PLAY, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    let section = |task: &str| -> String {
        let start = out
            .stdout
            .find(&format!("TASK [{task}]"))
            .unwrap_or_else(|| panic!("no task {task}\n{}", out.show()));
        let rest = &out.stdout[start..];
        let end = rest[1..].find("\nTASK [").map_or(rest.len(), |e| e + 1);
        rest[..end].to_string()
    };
    let lines = |task: &str| -> Vec<String> {
        section(task)
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    assert!(
        section("Pairs").contains("ok: [localhost] => (item=[1, 'a'])"),
        "{}",
        out.show()
    );
    assert!(
        section("Labelled").contains("ok: [localhost] => (item=web)"),
        "{}",
        out.show()
    );
    let failing = lines("Some fail");
    assert!(
        failing[0].starts_with("failed: [localhost] (item=1) => {"),
        "{failing:?}"
    );
    assert_eq!(failing[1], "changed: [localhost] => (item=2)");
    assert_eq!(failing[2..], ["...ignoring".to_string()], "{failing:?}");
    assert_eq!(
        lines("None apply"),
        [
            "skipping: [localhost] => (item=1) ",
            "skipping: [localhost] => (item=2) ",
            "skipping: [localhost]"
        ]
    );
    assert_eq!(lines("Nothing"), ["skipping: [localhost]"]);
    let never = lines("Never");
    assert_eq!(
        never[..2],
        [
            "FAILED - RETRYING: [localhost]: Never (2 retries left).".to_string(),
            "FAILED - RETRYING: [localhost]: Never (1 retries left).".to_string()
        ]
    );
    assert!(
        never[2].starts_with("fatal: [localhost]: FAILED! =>")
            && never[2].contains("\"attempts\":2"),
        "{never:?}"
    );
    assert_eq!(out.count("localhost", "ignored"), 2, "{}", out.show());
    assert_eq!(out.count("localhost", "skipped"), 2, "{}", out.show());
}

#[test]
fn until_retries_until_the_file_appears() {
    let root = tempdir();
    let marker = root.path().join("ready");
    let counter = root.path().join("tries");
    let text = format!(
        r#"- hosts: all
  gather_facts: false
  tasks:
    - name: Wait for the file
      shell: "echo x >> {counter}; [ $(wc -l < {counter}) -ge 3 ] && touch {marker}; test -f {marker}"
      register: waited
      until: waited.rc == 0
      retries: 5
      delay: 0.3
    - assert:
        that:
          - waited.attempts == 3
          - waited is success
"#,
        counter = counter.display(),
        marker = marker.display()
    );
    let started = Instant::now();
    let out = play(root.path(), &text, &[]);
    let took = started.elapsed();
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout
            .contains("FAILED - RETRYING: [localhost]: Wait for the file (5 retries left)."),
        "{}",
        out.show()
    );
    assert!(
        out.stdout.contains("(4 retries left)") && !out.stdout.contains("(3 retries left)"),
        "{}",
        out.show()
    );
    assert!(
        took >= Duration::from_millis(600),
        "two delays of 0.3 s: {took:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&counter)
            .expect("counter")
            .lines()
            .count(),
        3
    );
}

#[test]
fn until_without_retries_tries_four_times_and_each_item_retries() {
    let root = tempdir();
    let counter = root.path().join("tries");
    let text = format!(
        r#"- hosts: all
  gather_facts: false
  tasks:
    - name: Never true
      shell: "echo {{{{ item }}}} >> {counter}"
      loop: [a, b]
      until: false
      delay: 0
      register: r
      ignore_errors: true
    - assert:
        that:
          - r is failed
          - r.results | map(attribute='attempts') | list == [3, 3]
          - r.results | map(attribute='failed') | list == [true, true]
"#,
        counter = counter.display()
    );
    let out = play(root.path(), &text, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    // ansible-core 2.16+: `until` alone means 3 retries, 4 attempts in all.
    assert_eq!(
        std::fs::read_to_string(&counter).expect("counter"),
        "a\na\na\na\nb\nb\nb\nb\n"
    );
    assert_eq!(
        out.stdout.matches("FAILED - RETRYING").count(),
        6,
        "{}",
        out.show()
    );
}

#[test]
fn loop_control_pause_waits_between_items_and_break_when_stops() {
    let root = tempdir();
    let text = r#"- hosts: all
  gather_facts: false
  tasks:
    - debug: msg="{{ idx }}/{{ ansible_loop.length }} {{ ansible_loop.previtem | default('-') }}"
      loop: [a, b, c, d]
      loop_control: {pause: 0.3, index_var: idx, extended: true, break_when: "item == 'c'"}
      register: r
    - assert:
        that:
          - r.results | length == 3
          - r.results[2].msg == "2/4 b"
"#;
    let started = Instant::now();
    let out = play(root.path(), text, &[]);
    let took = started.elapsed();
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(took >= Duration::from_millis(600), "two pauses: {took:?}");
    assert!(!out.stdout.contains("(item=d)"), "{}", out.show());
}

#[test]
fn loop_problems_are_load_errors_at_their_line() {
    let root = tempdir();
    let text = "\
- hosts: all
  gather_facts: false
  tasks:
    - debug: msg=x
      with_unvault: secret.yml
    - debug: msg=x
      loop: [1]
      with_items: [2]
    - debug: msg=x
      loop: [1]
      loop_control: {loop_variable: x}
    - block:
        - debug: msg=x
      until: done
    - debug: msg=x
      until: done
      retries: often
";
    let out = play(root.path(), text, &["--syntax-check"]);
    assert_eq!(out.code, 4, "{}", out.show());
    let want = [
        (
            "p.yml:5",
            "not supported yet: lookup `unvault` (task keyword `with_unvault`)",
        ),
        ("p.yml:8", "duplicate loop in task: items"),
        (
            "p.yml:11",
            "`loop_variable` is not a valid attribute for a LoopControl",
        ),
        ("p.yml:14", "`until` is not a valid attribute for a block"),
        ("p.yml:16", "`retries` must be a number, not \"often\""),
    ];
    for (place, what) in want {
        assert!(
            out.stderr
                .lines()
                .any(|l| l.contains(place) && l.contains(what)),
            "{place} {what}\n{}",
            out.show()
        );
    }
}

#[test]
fn no_log_hides_retried_attempts_too() {
    let root = tempdir();
    let text = r#"- hosts: all
  gather_facts: false
  tasks:
    - name: Secret
      shell: echo s3cr3t-value; exit 1
      until: false
      retries: 1
      delay: 0
      no_log: true
      ignore_errors: true
      loop: [one]
"#;
    let out = play(root.path(), text, &["-vv"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.contains("FAILED - RETRYING"), "{}", out.show());
    assert!(!out.stdout.contains("s3cr3t-value"), "{}", out.show());
}

#[test]
fn playbook_dir_is_absolute_when_the_playbook_is_named_relatively() {
    let root = tempdir();
    let text = r#"- hosts: all
  gather_facts: false
  tasks:
    - debug: msg="dir={{ playbook_dir }}/x"
"#;
    let out = play(root.path(), text, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    let dir = std::fs::canonicalize(root.path()).expect("canonical");
    let wanted = format!("dir={}/x", dir.display());
    let plain = format!("dir={}/x", root.path().display());
    assert!(
        out.stdout.contains(&wanted) || out.stdout.contains(&plain),
        "{}",
        out.show()
    );
}
