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

/// A run of a runme.sh line that sets variables for it (`ANSIBLE_ROLES_PATH=../ ansible-playbook …`).
const fn play_env(
    target: &'static str,
    playbook: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
) -> Case {
    Case {
        target,
        playbook: Some(playbook),
        args,
        env,
    }
}

const ROLES_UP: &[(&str, &str)] = &[("ANSIBLE_ROLES_PATH", "../")];

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
    // session 15: tgtfilters
    play_env("filter_core", "runme.yml", &[], ROLES_UP),
    play_env(
        "filter_core",
        "handle_undefined_type_errors.yml",
        &[],
        ROLES_UP,
    ),
    play_env(
        "test_core",
        "runme.yml",
        &["--vault-password-file", "vault-password", "-i", "inventory"],
        ROLES_UP,
    ),
    play_env("filter_mathstuff", "runme.yml", &[], ROLES_UP),
    role("test_mathstuff"),
    role("test_files"),
    role("filter_urls"),
    role("filter_urlsplit"),
    role("filter_encryption"),
    role("split"),
    play_env(
        "hash",
        "test_hash.yml",
        &[
            "-i",
            INV,
            "-v",
            "-e",
            r#"{"test_hash":{"extra_args":"this is an extra arg"}}"#,
        ],
        &[("ANSIBLE_HASH_BEHAVIOUR", "replace")],
    ),
    play_env(
        "hash",
        "test_hash.yml",
        &[
            "-i",
            INV,
            "-v",
            "-e",
            r#"{"test_hash":{"extra_args":"this is an extra arg"}}"#,
        ],
        &[("ANSIBLE_HASH_BEHAVIOUR", "merge")],
    ),
    play_env(
        "hash",
        "test_inventory_hash.yml",
        &["-i", "test_inv1.yml", "-i", "test_inv2.yml", "-v"],
        &[("ANSIBLE_HASH_BEHAVIOUR", "replace")],
    ),
    play_env(
        "hash",
        "test_inventory_hash.yml",
        &["-i", "test_inv1.yml", "-i", "test_inv2.yml", "-v"],
        &[("ANSIBLE_HASH_BEHAVIOUR", "merge")],
    ),
    role("templating"),
    play_env(
        "templating_lookups",
        "runme.yml",
        &[],
        &[
            ("ANSIBLE_LOOKUP_PLUGINS", "."),
            ("ANSIBLE_ROLES_PATH", "./"),
            ("UNICODE_VAR", "café"),
        ],
    ),
    play(
        "templating_lookups",
        "template_lookup_vaulted/playbook.yml",
        &[
            "--vault-password-file",
            "template_lookup_vaulted/test_vault_pass",
        ],
    ),
    play(
        "templating_lookups",
        "template_deepcopy/playbook.yml",
        &["-i", "template_deepcopy/hosts"],
    ),
    play_env(
        "templating_lookup_args",
        "test.yml",
        &["-i", INV],
        &[("ANSIBLE_ALLOW_EMBEDDED_TEMPLATES", "1")],
    ),
    play("template_jinja2_non_native", "46169.yml", &["-v"]),
    play("template_jinja2_non_native", "macro_override.yml", &["-v"]),
    play("jinja2_native_types", "runtests.yml", &["-v"]),
    play(
        "jinja2_native_types",
        "test_vault.yml",
        &["--vault-password-file", "test_vault_pass", "-v"],
    ),
    play("jinja2_native_types", "test_hostvars.yml", &["-v"]),
    play("jinja2_native_types", "nested_undefined.yml", &["-v"]),
    play("jinja2_native_types", "test_preserving_quotes.yml", &["-v"]),
    play(
        "lookup_inventory_hostnames",
        "main.yml",
        &["-i", "inventory"],
    ),
    role("lookup_varnames"),
    role("lookup_random_choice"),
    role("lookup_csvfile"),
    play("lookup_ini", "test_ini.yml", &["-i", "inventory", "-v"]),
    role("yaml_parsing"),
    play(
        "unicode",
        "unicode.yml",
        &["-i", "inventory", "-v", "-e", "extra_var=café"],
    ),
    play_env(
        "unicode",
        "unicode.yml",
        &[
            "-i",
            "inventory",
            "-v",
            "--start-at-task",
            "*¶",
            "-e",
            "start_at_task=True",
        ],
        &[("ANSIBLE_HOST_PATTERN_MISMATCH", "warning")],
    ),
    // session 15: tgtflow
    role("changed_when"),
    role("failed_when"),
    play("ignore_errors", "test_ignore_errors.yml", &["-i", INV]),
    play(
        "ignore_errors",
        "test_ignore_errors_false.yml",
        &["-i", INV],
    ),
    play("conditionals", "play.yml", &["-i", INV]),
    play("conditionals", "output_validation_tests.yml", &["-i", INV]),
    play("conditionals", "broken_conditionals.yml", &["-i", INV]),
    play(
        "check_mode",
        "check_mode.yml",
        &["-i", INV, "-v", "--check"],
    ),
    play(
        "check_mode",
        "check_mode-on-cli.yml",
        &["-i", INV, "-v", "--check"],
    ),
    play(
        "check_mode",
        "check_mode-not-on-cli.yml",
        &["-i", INV, "-v"],
    ),
    role("assert"),
    play("debug", "main.yml", &["-i", INV]),
    play("debug", "main_fqcn.yml", &["-i", INV]),
    play("debug", "nosetfacts.yml", &[]),
    role("loop-until"),
    play(
        "meta_tasks",
        "test_end_host.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=linear", "-vv"],
    ),
    play(
        "meta_tasks",
        "test_end_host.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=free", "-vv"],
    ),
    play(
        "meta_tasks",
        "test_end_host_fqcn.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=linear", "-vv"],
    ),
    play(
        "meta_tasks",
        "test_end_host_all.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=linear", "-vv"],
    ),
    play(
        "meta_tasks",
        "test_end_host_all.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=free", "-vv"],
    ),
    play(
        "meta_tasks",
        "test_end_play.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=linear", "-vv"],
    ),
    play(
        "meta_tasks",
        "test_end_play.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=free", "-vv"],
    ),
    play(
        "meta_tasks",
        "test_end_play_serial_one.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=linear", "-vv"],
    ),
    play(
        "meta_tasks",
        "test_end_play_multiple_plays.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=linear", "-vv"],
    ),
    play(
        "meta_tasks",
        "test_end_batch.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=linear", "-vv"],
    ),
    play(
        "meta_tasks",
        "test_end_batch.yml",
        &["-i", "inventory.yml", "-e", "test_strategy=free", "-vv"],
    ),
    play(
        "meta_tasks",
        "refresh.yml",
        &["-i", "inventory_refresh.yml"],
    ),
    play(
        "meta_tasks",
        "refresh_preserve_dynamic.yml",
        &["-i", "inventory_refresh.yml"],
    ),
    Case {
        target: "meta_tasks",
        playbook: Some("test_end_host_rescue_rc.yml"),
        args: &[],
        env: &[("ANSIBLE_FORCE_HANDLERS", "0")],
    },
    Case {
        target: "throttle",
        playbook: Some("test_throttle.yml"),
        args: &["-i", "inventory", "--forks", "12"],
        env: &[("SELECTED_STRATEGY", "linear")],
    },
    Case {
        target: "throttle",
        playbook: Some("test_throttle.yml"),
        args: &["-i", "inventory", "--forks", "12"],
        env: &[("SELECTED_STRATEGY", "free")],
    },
    play(
        "strategy_linear",
        "test_include_file_noop.yml",
        &["-i", "inventory"],
    ),
    play(
        "strategy_linear",
        "task_action_templating.yml",
        &["-i", "inventory"],
    ),
    play(
        "strategy_linear",
        "task_templated_run_once.yml",
        &["-i", "inventory"],
    ),
    Case {
        target: "strategy_free",
        playbook: Some("test_last_include_in_always.yml"),
        args: &["-i", "inventory"],
        env: &[("ANSIBLE_STRATEGY", "free")],
    },
    play(
        "strategy_host_pinned",
        "playbook.yml",
        &["--inventory", "hosts", "--forks", "2"],
    ),
    play(
        "order",
        "order.yml",
        &[
            "--forks",
            "1",
            "-i",
            "inventory",
            "-e",
            r#"{"inputlist": ["hostB", "hostA", "hostD", "hostC"]}"#,
        ],
    ),
    play(
        "order",
        "order.yml",
        &[
            "--forks",
            "1",
            "-i",
            "inventory",
            "-e",
            r#"{"myorder": "inventory", "inputlist": ["hostB", "hostA", "hostD", "hostC"]}"#,
        ],
    ),
    play(
        "order",
        "order.yml",
        &[
            "--forks",
            "1",
            "-i",
            "inventory",
            "-e",
            r#"{"myorder": "sorted", "inputlist": ["hostA", "hostB", "hostC", "hostD"]}"#,
        ],
    ),
    play(
        "order",
        "order.yml",
        &[
            "--forks",
            "1",
            "-i",
            "inventory",
            "-e",
            r#"{"myorder": "reverse_sorted", "inputlist": ["hostD", "hostC", "hostB", "hostA"]}"#,
        ],
    ),
    play(
        "order",
        "order.yml",
        &[
            "--forks",
            "1",
            "-i",
            "inventory",
            "-e",
            r#"{"myorder": "reverse_inventory", "inputlist": ["hostC", "hostD", "hostA", "hostB"]}"#,
        ],
    ),
    role("task_ordering"),
    play(
        "play_iterator",
        "playbook.yml",
        &["--start-at-task", "task 2"],
    ),
    role("add_host"),
    play(
        "group_by",
        "test_group_by.yml",
        &["-i", "inventory.group_by", "-v"],
    ),
    Case {
        target: "group_by",
        playbook: Some("test_group_by_skipped.yml"),
        args: &["-i", "inventory.group_by", "-v"],
        env: &[("ANSIBLE_HOST_PATTERN_MISMATCH", "warning")],
    },
    play(
        "handler_race",
        "test_handler_race.yml",
        &["-i", "inventory", "-v"],
    ),
    play("environment", "test_environment.yml", &["-i", INV]),
    role("undefined"),
    role("task-timeout"),
    Case {
        target: "set_stats",
        playbook: Some("test_simple.yml"),
        args: &["-i", INV],
        env: &[("ANSIBLE_SHOW_CUSTOM_STATS", "yes")],
    },
    Case {
        target: "set_stats",
        playbook: Some("test_aggregate.yml"),
        args: &["-i", INV],
        env: &[("ANSIBLE_SHOW_CUSTOM_STATS", "yes")],
    },
    // session 15: tgtroles
    play("roles_arg_spec", "test.yml", &["-i", INV]),
    play(
        "roles_arg_spec",
        "test_complex_role_fails.yml",
        &["-i", INV],
    ),
    play(
        "roles_arg_spec",
        "test_play_level_role_fails.yml",
        &["-i", INV],
    ),
    play(
        "roles_arg_spec",
        "test_tags.yml",
        &["-i", INV, "--tags", "bar"],
    ),
    play("roles_var_inheritance", "play.yml", &["-i", INV]),
    play("include_when_parent_is_dynamic", "playbook.yml", &[]),
    play("include_when_parent_is_static", "playbook.yml", &[]),
    role("include_with_templating"),
    play("import-role-tasks", "import.yml", &["-i", INV]),
    play("import_tasks", "inherit_notify.yml", &[]),
    role("include_import_tasks_nested"),
    role("var_inheritance"),
    role("var_reserved"),
    play("vars_files", "runme.yml", &["-i", "inventory", "-v"]),
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
        "special_vars (as a role)",
        "ansible-playbook fails without ansible-test's setup",
    ),
    (
        "lookup_first_found (as a role)",
        "the role runs its own Python action plugins (action_plugins/debug_*_alias.py), which drover cannot load (a load error, so nothing runs); with those three tasks taken out, both tools agree task by task (2.19's error wording, lazily undefined `first_found` terms, legacy `paths` splitting, a relative file beside an included task file)",
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
    // session 15: tgtfilters
    (
        "filter_core runme.yml",
        "its first task asserts with ansible-core's private filter `ansible._protomatter.finalize`; after it drover still lacks the `fileglob` filter (templates/foo.j2), `default(boolean=true)` by keyword and 2.19's undefined results of `map`/`select` on an undefined value",
    ),
    (
        "filter_core handle_undefined_type_errors.yml",
        "a filter given an undefined value (`myundef | dict2items`) fails with the filter's own message, not the undefined error, so `when: myundef is defined` does not skip the loop as in ansible-core",
    ),
    (
        "test_core runme.yml",
        "asserts `vaulted_value is vault_encrypted` on a `!vault` value: drover decrypts vaulted values when it loads them and keeps no mark of it",
    ),
    (
        "filter_mathstuff runme.yml",
        "a task runs `{{ ansible_python_interpreter }} -c 'from jinja2 import filters'` (the implicit localhost's Python, which drover does not define), and `'a' | log` does not fail with Python's `can only be used on numbers`",
    ),
    (
        "test_files (as a role)",
        "ansible-playbook fails its own `link` assert outside ansible-test (its file module makes the relative `link_to_nonexistent_file` in another working directory than the playbook's); drover passes every assert",
    ),
    (
        "filter_encryption (as a role)",
        "the `vault`/`unvault` filters, vaulted role vars without a password (failing lazily, per task, in ansible-core) and `ansible._protomatter.tagged_with`",
    ),
    (
        "split (as a role)",
        "prints `ansible_facts.ansible_python` and `ansible_python_version`, facts about Python that drover does not gather",
    ),
    (
        r#"hash test_hash.yml -i ../../inventory -v -e {"test_hash":{"extra_args":"this is an extra arg"}} (ANSIBLE_HASH_BEHAVIOUR=merge)"#,
        "ANSIBLE_HASH_BEHAVIOUR=merge (dicts merged across precedence levels) is a setting drover does not read",
    ),
    (
        "hash test_inventory_hash.yml -i test_inv1.yml -i test_inv2.yml -v (ANSIBLE_HASH_BEHAVIOUR=merge)",
        "ANSIBLE_HASH_BEHAVIOUR=merge (inventory group and host dicts merged) is a setting drover does not read",
    ),
    (
        "templating (as a role)",
        "runs the target's own Python plugins (filter_plugins/broken_filter.py, test_plugins/, lookup_plugins/, library/noisy.py) and a `!vault` value with no password given",
    ),
    (
        "templating_lookups runme.yml",
        "its errors.yml checks Python's words (`division by zero`) and 2.19's task error wording, and it reads ANSIBLE_LOOKUP_PLUGINS=. plugins",
    ),
    (
        "templating_lookups template_lookup_vaulted/playbook.yml",
        "the `template` lookup does not decrypt a vaulted template file",
    ),
    (
        "templating_lookup_args",
        "the target's own Python lookup plugins (lookup_plugins/accept_*_markers.py) and 2.19's template markers",
    ),
    (
        "template_jinja2_non_native macro_override.yml",
        "a `#jinja2: variable_start_string:'<<'` header in a template file is not read",
    ),
    (
        "jinja2_native_types runtests.yml",
        "Jinja2 native types: `dict + dict` fails with another message and a list rendered from one item is not cast like ansible-core's native concatenation (`list_for_int == 1`)",
    ),
    (
        "jinja2_native_types nested_undefined.yml",
        "an undefined value nested in a module argument is not reported with 2.19's `Task failed:` wording",
    ),
    (
        "lookup_varnames",
        "the `varnames` lookup is not supported yet (and its assert uses a look-ahead regex, `(?=.*qa_1)`, which drover's regex engine refuses)",
    ),
    (
        "lookup_csvfile",
        "its error cases check Python's own messages (`expected str, bytes or os.PathLike object`, `Config 'col' for 'csvfile'`)",
    ),
    (
        "lookup_ini",
        "the `ini` lookup does not read files in another `encoding` (lookup-8859-15.ini)",
    ),
    (
        "yaml_parsing",
        "`!unsafe` on a YAML sequence or mapping (`!unsafe [ 'b{{x}}' ]`) is not kept literal, only `!unsafe` scalars are",
    ),
    (
        "unicode unicode.yml -i inventory -v -e",
        "the target's inventory sets `ansible_python_interpreter` from the magic variable `ansible_playbook_python`, which drover does not define",
    ),
    (
        "unicode unicode.yml -i inventory -v --start-at-task",
        "with --start-at-task, ansible-core also skips the play's fact gathering; drover gathers facts",
    ),
    // session 15: tgtflow
    (
        "conditionals play.yml",
        "drover evaluates the string a whole-template conditional renders (`that: \"{{ '1 == 1' }}\"`) as an expression; ansible-core 2.19 refuses it as an untrusted template (drover keeps no trust mark on strings a template computes); the rest agrees",
    ),
    (
        "conditionals output_validation_tests.yml",
        "refused at load time: a task's whole argument mapping as one template (`assert: '{{ my_args }}'`) and `args:` inside an `action:` mapping",
    ),
    (
        "conditionals broken_conditionals.yml",
        "needs `lookup('config', 'ALLOW_BROKEN_CONDITIONALS')` (drover has no config lookup) and 2.19's broken-conditional error (a conditional whose result is not a boolean fails; drover takes its truthiness)",
    ),
    (
        "assert (as a role)",
        "refused at load time: a task's whole argument mapping as one template (`assert: '{{ item }}'`)",
    ),
    (
        "add_host (as a role)",
        "refused at load time: a task's whole argument mapping as one template (`add_host: \"{{ inventory_data }}\"`)",
    ),
    (
        "debug main.yml",
        "drover checks module arguments at load time (docs/architecture.md): `debug: var:` given a mapping is an error before any host, where ansible-core fails only that task; its included errors.yml and args_templating.yml template whole argument mappings",
    ),
    (
        "meta_tasks refresh.yml",
        "`meta: refresh_inventory` does not re-read the inventory sources (drover reads them once; a warning says so)",
    ),
    (
        "meta_tasks refresh_preserve_dynamic.yml",
        "`meta: refresh_inventory` does not re-read the inventory sources (drover reads them once; a warning says so)",
    ),
    (
        "throttle test_throttle.yml -i inventory --forks 12 (SELECTED_STRATEGY=free)",
        "a task named with a variable undefined at banner time shows ansible-core 2.19's marker (`<< error 1 - 'test_id' is undefined >>`) under the free strategy; drover shows the name as written (task-name markers: langmisc's area)",
    ),
    (
        "meta_tasks test_end_host_all.yml -i inventory.yml -e test_strategy=free",
        "under the free strategy ansible-core prints one banner for a task the hosts ran one after the other; drover's free runner prints it again after a meta task (it forgets the banner shown, even when the meta task printed nothing)",
    ),
    (
        "meta_tasks test_end_play.yml -i inventory.yml -e test_strategy=free",
        "under the free strategy ansible-core prints one banner for a task the hosts ran one after the other; drover's free runner prints it again after a meta task (it forgets the banner shown, even when the meta task printed nothing)",
    ),
    (
        "meta_tasks test_end_batch.yml -i inventory.yml -e test_strategy=free",
        "under the free strategy ansible-core prints one banner for a task the hosts ran one after the other; drover's free runner prints it again after a meta task (it forgets the banner shown, even when the meta task printed nothing)",
    ),
    (
        "handler_race",
        "under the free strategy an `include_role` shows its banner once per host in drover, once in ansible-core (the free runner takes includes per host through the linear code)",
    ),
    (
        "strategy_host_pinned",
        "runme.sh judges it with its own Python stdout callback (callback_host_count); under the default callback the order of lines depends on timing",
    ),
    (
        "undefined (as a role)",
        "`set_fact` of an undefined value succeeds in drover, ansible-core fails the task (undefined-value semantics: undef's area)",
    ),
    (
        "task-timeout (as a role)",
        "asserts with the `timedout` test, which drover does not have yet (tests: tgtfilters' area)",
    ),
    (
        "environment test_environment.yml",
        "a play-level `environment:` naming `ansible_env` is rendered for the fact gathering too, before the facts exist; ansible-core leaves that gathering without it",
    ),
    (
        "strategy_linear task_action_templating.yml",
        "a templated module name (`action: {module: '{{ … }}'}`) is refused at load time",
    ),
    // session 15: tgtroles
    (
        "roles_arg_spec test.yml",
        "a task name whose template fails shows as written (`{{ a_int }}`), where ansible-core 2.19 shows `<< error 1 - 'a_int' is undefined >>` (task-name markers: not done yet); the statuses agree",
    ),
    (
        "include_when_parent_is_static",
        "ansible-playbook stops on purpose (runme.sh greps its error); drover stops at load time too, exit 4",
    ),
    (
        "import-role-tasks",
        "`command` does not expand `$VAR`/`~` in its arguments (ansible-core's `expand_argument_vars`, on by default): `echo $AN_ENV_VAR` prints the literal",
    ),
    (
        "var_reserved",
        "the role runs ansible-playbook itself on its task files (their recaps are in the output) and greps ansible-core's warning `Found variable using reserved name`, which drover does not give",
    ),
    (
        "vars_files",
        "a `vars_files` entry that is a list (the first of its files that exists) is refused at load time",
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
        "lookup_password, lookup_unvault, lookup_config",
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
    // session 15: tgtflow
    (
        "delegate_to, special_vars_hosts, ignore_unreachable",
        "their inventories reach hosts over ssh at 127.0.0.3/127.0.0.4, 127.0.0.1:1011 and 169.254.199.200 (and fake connection plugins in Python): addresses outside the test machine's own fleet, which these tests must not contact (delegation and unreachable hosts are covered by tests/flow.rs and tests/fleet_flow.rs)",
    ),
    (
        "limit_inventory",
        "its runme.sh runs ad-hoc `ansible --list-hosts`, not a playbook",
    ),
    (
        "no_log",
        "runme.sh counts lines of -vvvvv output and runs the target's own Python action plugins and modules",
    ),
    (
        "dict_transformations",
        "tests module_utils functions through the target's own Python modules (library/convert_*.py)",
    ),
    (
        "test_utils",
        "no playbook: helper scripts other targets use",
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
    std::fs::create_dir_all(run.join("targets"))
        .unwrap_or_else(|e| panic!("{}: {e}", run.display()));
    for helper in helper_targets(targets, target) {
        copy_target(targets, &helper, run);
    }
    std::fs::write(run.join("inventory"), INVENTORY).unwrap_or_else(|e| panic!("inventory: {e}"));
    copy_target(targets, target, run)
}

fn copy_target(targets: &Path, target: &str, run: &Path) -> PathBuf {
    let dest = run.join("targets").join(target);
    let status = Command::new("cp")
        .arg("-a")
        .arg(targets.join(target))
        .arg(&dest)
        .status()
        .unwrap_or_else(|e| panic!("cp: {e}"));
    assert!(status.success(), "cp -a {target}");
    dest
}

/// The other targets ansible-test puts beside a target: its `meta/main.yml` dependencies (e.g.
/// `prepare_tests`) that are in the list, and its `needs/target/X` aliases.
fn helper_targets(targets: &Path, target: &str) -> Vec<String> {
    let dir = targets.join(target);
    let meta = std::fs::read_to_string(dir.join("meta/main.yml")).unwrap_or_default();
    let aliases = std::fs::read_to_string(dir.join("aliases")).unwrap_or_default();
    let from_meta = meta
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .map(|name| name.trim().trim_start_matches("role:").trim().to_string());
    let from_aliases = aliases
        .lines()
        .filter_map(|l| l.trim().strip_prefix("needs/target/"))
        .map(str::to_string);
    from_meta
        .chain(from_aliases)
        .filter(|name| name != target && !name.is_empty() && targets.join(name).is_dir())
        .collect()
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
        // ansible-test exports it too; runme.sh files and group_vars read it from the environment.
        .env("OUTPUT_DIR", &output_dir)
        .envs(runme_exports(case.target))
        // As ansible-test sets it: a playbook run without `-i` has only the implicit localhost.
        .env("ANSIBLE_INVENTORY", "/dev/null")
        .envs(case.env.iter().copied());
    if case.playbook.is_none() {
        cmd.env("ANSIBLE_ROLES_PATH", &roles_path);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{tool}: {e}"));
    // Each tool runs in a directory of its own: a banner naming a path under it (throttle's
    // `Clean base throttledir '{{ base_throttledir }}'`) must not tell them apart.
    let stdout =
        String::from_utf8_lossy(&out.stdout).replace(&*run.path().to_string_lossy(), "<run>");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout,
    }
}

/// `target playbook args…`, then the variables runme.sh sets for the run in parentheses (two
/// runs of a line may differ only there: `ANSIBLE_HASH_BEHAVIOUR=merge`).
fn describe(case: &Case) -> String {
    let mut run = format!("{} {}", case.target, case.playbook.unwrap_or("(as a role)"));
    if !case.args.is_empty() {
        run = format!("{run} {}", case.args.join(" "));
    }
    if !case.env.is_empty() {
        let env: Vec<String> = case.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        run = format!("{run} ({})", env.join(" "));
    }
    run
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
        // `a|b`: the runs whose name contains `a` or `b`.
        if only
            .as_deref()
            .is_some_and(|o| !o.split('|').any(|part| name.contains(part)))
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
    let compared = names.iter().filter(|n| excluded(n).is_none()).count();
    eprintln!(
        "ansible-core targets: {compared} of {} runs compared, {} excluded",
        names.len(),
        names.len() - compared
    );
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
