//! The proof against ansible-core itself: ansible-core's own integration targets, run with
//! ansible-playbook and with drover, must agree host by host — exit code, every task's status per
//! host (ok/changed/skipping/failed/ignored, loop items included) and the recap.
//!
//! Nothing of ansible-core is kept in this repository: `tests/support/ansible-targets.sh` (run by
//! scripts/test) takes the targets from ansible-core's source distribution on PyPI, pinned by
//! version and SHA-256, caches them under ~/.cache/drover-test/ and names the directory in
//! `DROVER_ANSIBLE_TARGETS`. Without it (or without ansible-playbook) the test says so loudly and
//! skips; in CI (`CI=true`) that is a failure.
//!
//! Each case is one command line of a target's `runme.sh` (`ansible-playbook X.yml -i inventory
//! "$@"`), run the same way with both tools in a fresh copy of the target, with the target's own
//! inventory where it has one and otherwise a `../../inventory` of ours (`testhost` and `localhost`
//! on the local connection, as ansible-core's test harness has it). Targets without a `runme.sh`
//! are roles: they run from a play of ours, `roles: [target]`, as ansible-test runs them.
//! `EXCLUDED` lists what is not compared, and why.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// One compared run: the playbook (`None`: the target is a role, run from a play of ours), the
/// rest of its runme.sh command line, and the environment runme.sh sets for it.
struct Case {
    target: &'static str,
    playbook: Option<&'static str>,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const fn role(target: &'static str) -> Case {
    Case {
        target,
        playbook: None,
        args: &[],
        env: &[],
    }
}

const fn play(target: &'static str, playbook: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        target,
        playbook: Some(playbook),
        args,
        env: &[],
    }
}

const INV: &str = "../../inventory";

/// The runs compared, each as the target's runme.sh has it.
const CASES: &[Case] = &[
    play("blocks", "main.yml", &["-i", INV]),
    play("blocks", "block_fail.yml", &["-i", INV]),
    play("blocks", "block_rescue_vars.yml", &[]),
    play("blocks", "always_failure_with_rescue_rc.yml", &[]),
    play("blocks", "always_no_rescue_rc.yml", &[]),
    play("blocks", "always_failure_no_rescue_rc.yml", &[]),
    play("blocks", "issue29047.yml", &["-i", INV]),
    play("blocks", "block_in_rescue.yml", &["-i", INV]),
    play("blocks", "issue71306.yml", &["-i", "host1,host2"]),
    play(
        "blocks",
        "69848.yml",
        &["-i", "host1,host2", "--tags", "foo"],
    ),
    play("blocks", "inherit_notify.yml", &[]),
    play("blocks", "finalized_task.yml", &[]),
    play("blocks", "72725.yml", &["-i", "host1,host2"]),
    play("blocks", "72781.yml", &["-i", "host1,host2"]),
    play("blocks", "78612.yml", &["-i", "host1,host2"]),
    play("blocks", "43191.yml", &[]),
    play("blocks", "43191-2.yml", &[]),
    play(
        "handlers",
        "test_handlers.yml",
        &["-i", "inventory.handlers", "--tags", "scenario1"],
    ),
    play(
        "handlers",
        "from_handlers.yml",
        &["-i", "inventory.handlers", "--tags", "scenario1"],
    ),
    play(
        "handlers",
        "test_listening_handlers.yml",
        &["-i", "inventory.handlers"],
    ),
    play(
        "handlers",
        "test_handlers_listen.yml",
        &["-i", "inventory.handlers"],
    ),
    play(
        "handlers",
        "test_force_handlers.yml",
        &["-i", "inventory.handlers", "--tags", "normal"],
    ),
    play(
        "handlers",
        "test_force_handlers.yml",
        &[
            "-i",
            "inventory.handlers",
            "--tags",
            "normal",
            "--force-handlers",
        ],
    ),
    play(
        "handlers",
        "test_force_handlers.yml",
        &["-i", "inventory.handlers", "--tags", "force_true_in_play"],
    ),
    play(
        "handlers",
        "test_force_handlers.yml",
        &[
            "-i",
            "inventory.handlers",
            "--tags",
            "force_false_in_play",
            "--force-handlers",
        ],
    ),
    play(
        "handlers",
        "test_handlers_include.yml",
        &["-i", INV, "--tags", "playbook_include_handlers"],
    ),
    play(
        "handlers",
        "test_handlers_include.yml",
        &["-i", INV, "--tags", "role_include_handlers"],
    ),
    play("handlers", "test_handlers_include_role.yml", &["-i", INV]),
    play(
        "handlers",
        "test_multiple_handlers_with_recursive_notification.yml",
        &["-i", "inventory.handlers"],
    ),
    play("handlers", "test_handlers_including_task.yml", &["-i", INV]),
    play(
        "handlers",
        "test_role_handlers_including_tasks.yml",
        &["-i", INV],
    ),
    play("handlers", "test_role_as_handler.yml", &[]),
    play("handlers", "test_notify_included.yml", &[]),
    play(
        "handlers",
        "test_handlers_meta.yml",
        &["-i", "inventory.handlers"],
    ),
    play("handlers", "46447.yml", &["-i", "inventory.handlers"]),
    play("handlers", "52561.yml", &["-i", "inventory.handlers"]),
    play("handlers", "54991.yml", &["-i", "inventory.handlers"]),
    play("handlers", "order.yml", &["-i", "inventory.handlers"]),
    play(
        "handlers",
        "test_flush_handlers_as_handler.yml",
        &["-i", "inventory.handlers"],
    ),
    play(
        "handlers",
        "test_skip_flush.yml",
        &["-i", "inventory.handlers"],
    ),
    play(
        "handlers",
        "test_flush_in_rescue_always.yml",
        &["-i", "inventory.handlers"],
    ),
    play(
        "tags",
        "ansible_run_tags.yml",
        &["-i", INV, "-e", "expect=all"],
    ),
    play(
        "tags",
        "ansible_run_tags.yml",
        &["-i", INV, "-e", "expect=list", "--tags", "tag1,tag3"],
    ),
    play(
        "tags",
        "ansible_run_tags.yml",
        &["-i", INV, "-e", "expect=untagged", "--tags", "untagged"],
    ),
    play(
        "tags",
        "ansible_run_tags.yml",
        &["-i", INV, "-e", "expect=tagged", "--tags", "tagged"],
    ),
    play("tags", "test_template_parent_tags.yml", &[]),
    play("tags", "test_template_parent_tags.yml", &["--tags", "tag1"]),
    play(
        "tags",
        "test_template_parent_tags.yml",
        &["--skip-tags", "tag1"],
    ),
    play("tags", "test_template_play_tags.yml", &[]),
    play("tags", "test_template_play_tags.yml", &["--tags", "tag1"]),
    play("tags", "test_template_role_tags.yml", &[]),
    play("tags", "test_template_role_tags.yml", &["--tags", "tag1"]),
    play(
        "var_precedence",
        "test_var_precedence.yml",
        &[
            "-i",
            "inventory",
            "-e",
            "extra_var=extra_var",
            "-e",
            "extra_var_override=extra_var_override",
        ],
    ),
    play(
        "include_import",
        "playbook/test_import_playbook.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "tasks/test_import_tasks.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "role/test_import_role.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "tasks/test_include_tasks.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "role/test_include_role.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "test_role_recursion.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "test_nested_tasks.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "test_copious_include_tasks.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "test_grandparent_inheritance.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "undefined_var/playbook.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "apply/include_apply.yml",
        &["-i", "inventory", "--tags", "foo"],
    ),
    play(
        "include_import",
        "tasks/test_include_dupe_loop.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "public_exposure/playbook.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "public_exposure/no_bleeding.yml",
        &["-i", "inventory"],
    ),
    play(
        "include_import",
        "public_exposure/no_overwrite_roles.yml",
        &["-i", "inventory"],
    ),
    play("include_import", "handler_addressing/playbook.yml", &[]),
    play("include_import", "parent_templating/playbook.yml", &[]),
    play("include_vars", "test_as_role.yml", &["-i", INV]),
    play("loop_control", "extended.yml", &[]),
    play("loop_control", "break_when.yml", &[]),
    play("loop_control", "label.yml", &[]),
    play("any_errors_fatal", "play_level.yml", &["-i", "inventory"]),
    play("any_errors_fatal", "on_includes.yml", &["-i", "inventory"]),
    play("any_errors_fatal", "always_block.yml", &["-i", "inventory"]),
    play("any_errors_fatal", "31543.yml", &["-i", "inventory"]),
    play("any_errors_fatal", "36308.yml", &["-i", "inventory"]),
    play("any_errors_fatal", "73246.yml", &["-i", "inventory"]),
    play("any_errors_fatal", "80981.yml", &["-i", "inventory"]),
    play("set_fact", "set_fact.yml", &["-i", "inventory"]),
    play(
        "set_fact",
        "set_fact_empty_str_key.yml",
        &["-i", "inventory"],
    ),
    play("register", "can_register.yml", &["-i", INV]),
    play("roles", "no_dupes.yml", &["-i", INV]),
    play("roles", "no_dupes.yml", &["-i", INV, "--tags", "inroles"]),
    play(
        "roles",
        "allowed_dupes.yml",
        &["-i", INV, "--tags", "importrole"],
    ),
    play(
        "roles",
        "allowed_dupes.yml",
        &["-i", INV, "--tags", "includerole"],
    ),
    play("roles", "dupe_inheritance.yml", &["-i", INV]),
    play("roles", "data_integrity.yml", &["-i", INV]),
    play("roles", "test_subdirs.yml", &["-i", INV]),
    play("roles", "vars_scope.yml", &["-i", INV]),
    play("roles", "47023.yml", &["-i", INV]),
    play("roles", "role_dep_chain.yml", &["-i", INV]),
    play("roles", "75240.yml", &["-i", INV]),
    play(
        "var_blending",
        "test_var_blending.yml",
        &["-i", "inventory", "-e", "@test_vars.yml"],
    ),
    play("gathering", "explicit.yml", &["-i", INV]),
    play("lookup_env", "vars_not_set.yml", &["-i", INV]),
    Case {
        target: "lookup_env",
        playbook: Some("vars_set.yml"),
        args: &["-i", INV],
        env: &[("ENVVAR1", "var1value"), ("USR", "")],
    },
    play("template", "corner_cases.yml", &[]),
    play("template", "lazy_eval.yml", &["-i", INV]),
    play("template", "6653.yml", &[]),
    play("template", "72262.yml", &[]),
    play("template", "72615.yml", &[]),
    role("loops"),
    role("special_vars"),
    role("lookup_dict"),
    role("lookup_file"),
    role("lookup_first_found"),
    role("lookup_indexed_items"),
    role("lookup_items"),
    role("lookup_lines"),
    role("lookup_list"),
    role("lookup_nested"),
    role("lookup_pipe"),
    role("lookup_sequence"),
    role("lookup_subelements"),
    role("lookup_template"),
    role("lookup_together"),
    role("lookup_vars"),
];

/// Runs of `CASES` not compared (a run as [`describe`] names it, or its prefix), and why. Those
/// marked `lang5` (handlers, include loops) and `free` (strategies, src/exec flow) are other
/// developers' areas at the time of writing.
const EXCLUDED: &[(&str, &str)] = &[
    (
        "lookup_env",
        "both playbooks test ansible-core's private test collection `ansible._protomatter` (its `debug` action evaluating expressions with undefined values turned into warnings, its `origin` filter reading 2.19's data tags), which drover does not have",
    ),
    (
        "template 72262.yml",
        "an `{% include %}` inside a macro does not see the template's own variables (minijinja \
         hides a macro's closure from includes)",
    ),
    (
        "special_vars (as a role)",
        "ansible-playbook fails without ansible-test's setup",
    ),
    (
        "lookup_first_found (as a role)",
        "the role runs its own Python action plugins (action_plugins/debug_*_alias.py), which drover cannot load; before them it checks 2.19's wording of task errors (`Error while resolving value for 'msg'`, `Error rendering template`) and lazily undefined `first_found` terms",
    ),
    (
        "handlers test_flush_handlers_as_handler.yml",
        "ansible-playbook stops on purpose: runme.sh greps its error",
    ),
    (
        "handlers test_notify_included.yml",
        "ansible-playbook stops on purpose: runme.sh greps its error",
    ),
    (
        "handlers test_role_as_handler.yml",
        "ansible-playbook stops on purpose: runme.sh greps its error",
    ),
    (
        "include_import handler_addressing/playbook.yml",
        "ansible-playbook stops on purpose: runme.sh greps its error",
    ),
    (
        "include_import role/test_import_role.yml",
        "ansible-playbook fails without ansible-test's setup",
    ),
    (
        "include_import playbook/test_import_playbook.yml",
        "its sub_playbook runs `helloworld`, a Python module of its own library/ dir (drover runs no Python modules); the rest agrees",
    ),
    (
        "include_import undefined_var/playbook.yml",
        "its `no_log` role is not in the source distribution",
    ),
    (
        "include_vars test_as_role.yml",
        "asserts with ansible-core's internal test `ansible._protomatter.tagged_with` (its data tagging, which drover has no equivalent of)",
    ),
];

/// Targets of the list (tests/support/ansible-targets.sh) not run at all, and why.
pub const TARGETS_NOT_RUN: &[(&str, &str)] = &[
    (
        "serial",
        "no such target in ansible-core 2.19 (serial is covered by tests/strategy.rs)",
    ),
    (
        "include_role, import_role",
        "no such targets: covered by include_import and roles",
    ),
    (
        "gathering smart.yml, implicit.yml",
        "need ANSIBLE_GATHERING and the fact cache, which drover does not read",
    ),
    ("lookup_url", "needs the network"),
    (
        "lookup_csvfile, lookup_ini, lookup_random_choice, lookup_password, lookup_unvault, lookup_config, lookup_inventory_hostnames, lookup_varnames",
        "lookups drover does not have, or that need plugins shipped as Python code",
    ),
    (
        "lookup_fileglob",
        "runme.sh runs its plays with a random seed from Python",
    ),
    (
        "var_blending error_handling.yml",
        "runme.sh greps vault errors",
    ),
    (
        "template (template.yml, custom_template.yml, filter_plugins.yml, ...)",
        "need Python filter plugins or ansible.cfg files of the target",
    ),
    (
        "special_vars, until",
        "read facts about Python (ansible_python) that drover does not gather",
    ),
];

/// Why the run `name` (as [`describe`] gives it) is not compared, if it is not.
fn excluded(name: &str) -> Option<&'static str> {
    EXCLUDED
        .iter()
        .find(|(run, _)| name == *run || name.starts_with(&format!("{run} ")))
        .map(|(_, why)| *why)
}

/// `ok: [host01] …` → (`ok`, `host01`).
fn host_line(line: &str) -> Option<(&str, &str)> {
    let (status, rest) = line.split_once(": [")?;
    let host = rest.split(']').next()?;
    ["ok", "changed", "skipping", "fatal", "failed", "rescued"]
        .contains(&status)
        .then_some((status, host))
}

fn recap_line(line: &str) -> Option<(&str, String)> {
    let (host, counts) = line.split_once(" : ")?;
    (counts.contains("ok=") && counts.contains("ignored=")).then(|| {
        (
            host.trim(),
            counts.split_whitespace().collect::<Vec<_>>().join(" "),
        )
    })
}

/// What a run showed, in an order both tools share: per task banner, its sorted host status lines
/// (one per loop item), then the recap per host.
fn normalized(output: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut task: Vec<String> = Vec::new();
    let mut recap = Vec::new();
    let flush = |task: &mut Vec<String>, out: &mut Vec<String>| {
        task.sort();
        out.append(task);
    };
    for line in output.lines() {
        if let Some(name) = line
            .strip_prefix("TASK [")
            .or(line.strip_prefix("RUNNING HANDLER ["))
        {
            flush(&mut task, &mut out);
            out.push(format!(
                "TASK {}",
                name.rsplit_once(']').map_or(name, |(n, _)| n)
            ));
            continue;
        }
        if let Some((status, host)) = host_line(line) {
            task.push(format!("  {host} {status}"));
            continue;
        }
        if line.starts_with("...ignoring") {
            task.push("  ignoring".into());
            continue;
        }
        if let Some((host, counts)) = recap_line(line) {
            flush(&mut task, &mut out);
            recap.push(format!("RECAP {host} {counts}"));
        }
    }
    flush(&mut task, &mut out);
    // ansible-playbook sorts the recap by host name.
    recap.sort();
    out.append(&mut recap);
    out
}

/// Where scripts/test put the targets, or why the comparison cannot run (a failure in CI).
fn targets_dir() -> Option<PathBuf> {
    let missing = match std::env::var_os("DROVER_ANSIBLE_TARGETS").map(PathBuf::from) {
        Some(dir) if dir.join("blocks").is_dir() => {
            if Command::new("ansible-playbook").arg("--version").output().is_ok() {
                return Some(dir);
            }
            "ansible-playbook is not installed".to_string()
        }
        Some(dir) => format!("{} holds no targets", dir.display()),
        None => "DROVER_ANSIBLE_TARGETS is not set (scripts/test runs tests/support/ansible-targets.sh, which downloads them)".into(),
    };
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !in_ci,
        "ansible-core's integration targets cannot be compared in CI: {missing}"
    );
    eprintln!(
        "\n!!! SKIPPED: ansible-core's integration targets are NOT compared with drover: {missing}\n"
    );
    None
}

/// What a target's runme.sh exports for all its runs — but `ANSIBLE_GATHERING=explicit`
/// (include_import, var_precedence): drover does not read that setting (see `EXCLUDED`), so both
/// tools gather facts as a play asks by default.
fn runme_exports(target: &str) -> Vec<(&'static str, &'static str)> {
    match target {
        "include_import" => vec![("ANSIBLE_ROLES_PATH", "./roles")],
        "include_vars" => vec![("ANSIBLE_ROLES_PATH", "../")],
        _ => Vec::new(),
    }
}

/// Our own stand-in for ansible-core's test/integration/inventory (not in its source distribution).
/// ansible-playbook runs modules with the Python it runs on, as ansible-test has it.
const INVENTORY: &str = "testhost ansible_connection=local\nlocalhost ansible_connection=local\n\n[all:vars]\nansible_python_interpreter=\"{{ ansible_playbook_python }}\"\n";

/// A fresh copy of the target (runs write files next to their playbooks) under `run/targets/`,
/// with our `run/inventory` beside it, as ansible-core's checkout lays them out.
fn fresh_copy(targets: &Path, target: &str, run: &Path) -> PathBuf {
    let dest = run.join("targets").join(target);
    std::fs::create_dir_all(run.join("targets"))
        .unwrap_or_else(|e| panic!("{}: {e}", run.display()));
    let status = Command::new("cp")
        .arg("-a")
        .arg(targets.join(target))
        .arg(&dest)
        .status()
        .unwrap_or_else(|e| panic!("cp: {e}"));
    assert!(status.success(), "cp -a {target}");
    std::fs::write(run.join("inventory"), INVENTORY).unwrap_or_else(|e| panic!("inventory: {e}"));
    dest
}

/// The playbook a role target runs from, as ansible-test writes it: facts gathered unless the
/// target's `aliases` say `gather_facts/no`.
fn role_play(run: &Path, target: &str) -> PathBuf {
    let path = run.join("play.yml");
    let aliases = std::fs::read_to_string(run.join("targets").join(target).join("aliases"));
    let gather = !aliases.is_ok_and(|a| a.lines().any(|l| l.trim() == "gather_facts/no"));
    let text = format!("- hosts: testhost\n  gather_facts: {gather}\n  roles:\n    - {target}\n");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// Files a target's runme.sh writes before a run: include_import's `gen_task_files` (39 task
/// files `tasks/hello/tasks-file-NNN.yml` for test_copious_include_tasks.yml).
fn generate_runme_files(case: &Case, dir: &Path) {
    if case.target != "include_import" || case.playbook != Some("test_copious_include_tasks.yml") {
        return;
    }
    for i in 1..=39 {
        let path = dir.join(format!("tasks/hello/tasks-file-{i:03}.yml"));
        let text = format!("- name: Hello Message\n  debug:\n    msg: Task file {i:03}\n");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

fn drover_binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("drover")
}

struct Run {
    code: i32,
    stdout: String,
}

fn run_case(case: &Case, targets: &Path, tool: &str) -> Run {
    let run = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let dir = fresh_copy(targets, case.target, run.path());
    generate_runme_files(case, &dir);
    let (playbook, args): (PathBuf, Vec<&str>) = match case.playbook {
        Some(p) => (dir.join(p), case.args.to_vec()),
        None => (role_play(run.path(), case.target), vec!["-i", INV]),
    };
    let roles_path = run.path().join("targets");
    let mut cmd = if tool == "ansible-playbook" {
        let mut c = Command::new("ansible-playbook");
        c.env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_FORCE_COLOR", "0")
            .env("ANSIBLE_STDOUT_CALLBACK", "default")
            .env("ANSIBLE_LOCALHOST_WARNING", "0");
        c
    } else {
        let mut c = Command::new(drover_binary());
        c.env("NO_COLOR", "1").arg("play");
        c
    };
    // ansible-test's "$@": its config file's `output_dir`, a scratch directory of the run.
    let output_dir = run.path().join("output");
    std::fs::create_dir_all(&output_dir).unwrap_or_else(|e| panic!("output_dir: {e}"));
    cmd.current_dir(&dir)
        .arg(&playbook)
        .args(&args)
        .arg("-e")
        .arg(format!("output_dir={}", output_dir.display()))
        .envs(runme_exports(case.target))
        // As ansible-test sets it: a playbook run without `-i` has only the implicit localhost.
        .env("ANSIBLE_INVENTORY", "/dev/null")
        .envs(case.env.iter().copied());
    if case.playbook.is_none() {
        cmd.env("ANSIBLE_ROLES_PATH", &roles_path);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{tool}: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

fn describe(case: &Case) -> String {
    let run = format!("{} {}", case.target, case.playbook.unwrap_or("(as a role)"));
    match case.args {
        [] => run,
        args => format!("{run} {}", args.join(" ")),
    }
}

/// Both runs' output in `$DROVER_TARGETS_KEEP/<case>.{ansible,drover}` when set, to study a
/// difference.
fn keep_outputs(name: &str, theirs: &Run, ours: &Run) {
    let Some(dir) = std::env::var_os("DROVER_TARGETS_KEEP").map(PathBuf::from) else {
        return;
    };
    let file: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    for (tool, run) in [("ansible", theirs), ("drover", ours)] {
        let path = dir.join(format!("{file}.{tool}"));
        let text = format!("exit {}\n{}", run.code, run.stdout);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// Where two normalized runs first part, with a little context on either side.
fn first_difference(theirs: &[String], ours: &[String]) -> String {
    let first = theirs
        .iter()
        .zip(ours)
        .position(|(a, b)| a != b)
        .unwrap_or(theirs.len().min(ours.len()));
    let from = first.saturating_sub(3);
    format!(
        "first difference at line {first}\n  ansible-playbook:\n    {}\n  drover:\n    {}",
        theirs[from..theirs.len().min(first + 6)].join("\n    "),
        ours[from..ours.len().min(first + 6)].join("\n    ")
    )
}

#[test]
fn ansible_core_integration_targets_give_the_same_results_under_both_tools() {
    let Some(targets) = targets_dir() else {
        return;
    };
    let only = std::env::var("DROVER_TARGETS_ONLY").ok();
    // To see whether an excluded run now agrees.
    let with_excluded = std::env::var_os("DROVER_TARGETS_EXCLUDED_TOO").is_some();
    let mut differences = Vec::new();
    for case in CASES {
        let name = describe(case);
        if only.as_deref().is_some_and(|o| !name.contains(o))
            || (excluded(&name).is_some() && !with_excluded)
        {
            continue;
        }
        let theirs = run_case(case, &targets, "ansible-playbook");
        let ours = run_case(case, &targets, "drover");
        keep_outputs(&name, &theirs, &ours);
        let (t, o) = (normalized(&theirs.stdout), normalized(&ours.stdout));
        if theirs.code != 0 && !t.iter().any(|l| l.starts_with("RECAP")) {
            differences.push(format!(
                "{name}: ansible-playbook did not run:\n{}",
                theirs.stdout
            ));
            continue;
        }
        if theirs.code != ours.code {
            differences.push(format!(
                "{name}: exit code {} under ansible-playbook, {} under drover\n{}",
                theirs.code,
                ours.code,
                first_difference(&t, &o)
            ));
        } else if t != o {
            differences.push(format!("{name}: {}", first_difference(&t, &o)));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}

#[test]
fn every_exclusion_names_a_run_of_the_list() {
    let names: Vec<String> = CASES.iter().map(describe).collect();
    for (run, why) in EXCLUDED {
        assert!(
            names
                .iter()
                .any(|n| n == run || n.starts_with(&format!("{run} "))),
            "EXCLUDED names no run of CASES: {run} ({why})"
        );
    }
}

#[test]
fn the_normalized_view_keeps_statuses_items_handlers_and_recaps() {
    let run = "TASK [r : show] ***\nok: [host02] => {\n    \"b\": 1\n}\nok: [host01] => (item=a)\nchanged: [host01] => (item=b)\n\nRUNNING HANDLER [h] ***\nfatal: [host02]: FAILED! => {}\n...ignoring\n\nPLAY RECAP ***\nhost01                     : ok=2    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0\n";
    assert_eq!(
        normalized(run),
        [
            "TASK r : show",
            "  host01 changed",
            "  host01 ok",
            "  host02 ok",
            "TASK h",
            "  host02 fatal",
            "  ignoring",
            "RECAP host01 ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
        ]
    );
}
