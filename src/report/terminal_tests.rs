use super::*;
use serde_json::{Map, Value};

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

#[test]
fn colour_follows_flag_then_clicolor_force_then_no_color_then_terminal() {
    use ColorChoice::*;
    assert!(colour_wanted(Auto, true, env_of(&[])));
    assert!(!colour_wanted(Auto, false, env_of(&[])));
    assert!(!colour_wanted(Auto, true, env_of(&[("NO_COLOR", "1")])));
    assert!(colour_wanted(Auto, true, env_of(&[("NO_COLOR", "")])));
    assert!(colour_wanted(
        Auto,
        false,
        env_of(&[("CLICOLOR_FORCE", "1")])
    ));
    assert!(!colour_wanted(
        Auto,
        false,
        env_of(&[("CLICOLOR_FORCE", "0")])
    ));
    assert!(colour_wanted(Always, false, env_of(&[("NO_COLOR", "1")])));
    assert!(!colour_wanted(
        Never,
        true,
        env_of(&[("CLICOLOR_FORCE", "1")])
    ));
}

#[test]
fn no_progress_off_a_terminal_or_in_ci() {
    assert!(progress_wanted(true, env_of(&[])));
    assert!(!progress_wanted(false, env_of(&[])));
    assert!(!progress_wanted(true, env_of(&[("CI", "true")])));
    assert!(progress_wanted(true, env_of(&[("CI", "false")])));
}

fn view(verbosity: u8, compact: Compact) -> TerminalView {
    TerminalView {
        verbosity,
        diff: false,
        colour: false,
        progress: false,
        terminal: true,
        compact,
        profile: false,
    }
}

fn task(name: &str) -> Task {
    let mut task =
        crate::playbook::adhoc_task("ping", Value::Null).unwrap_or_else(|e| panic!("{e}"));
    task.name = Some(name.to_string());
    task
}

fn play() -> Play {
    Play {
        name: "p".into(),
        hosts: "all".into(),
        vars: Default::default(),
        vars_files: Vec::new(),
        prompts: Vec::new(),
        gather_facts: None,
        tags: Vec::new(),
        tags_error: None,
        sections: Vec::new(),
        handlers: Vec::new(),
        flow: Default::default(),
        roles: Default::default(),
        origin: Default::default(),
    }
}

/// One task on `hosts` hosts named `web01`…: the last one fails, the rest are ok; then the recap.
fn run(view: TerminalView, hosts: usize) -> String {
    let mut out = Vec::new();
    {
        let mut r = TerminalReporter::new(&mut out, view);
        let names: Vec<String> = (1..=hosts).map(|i| format!("web{i:02}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let t = task("ping them");
        r.play_start(&play());
        r.task_start(&t, false);
        r.task_hosts(&refs, 5);
        let mut summary = RunSummary::default();
        for (i, name) in names.iter().enumerate() {
            let result = if i + 1 == hosts {
                let mut m = Map::new();
                m.insert("msg".into(), Value::from("boom"));
                TaskResult::new(Status::Failed, m, "ping")
            } else {
                TaskResult::new(Status::Ok, Map::new(), "ping")
            };
            r.host_result(name, Some(&t), &result);
            summary
                .stats
                .entry(name.clone())
                .or_default()
                .count(&result);
        }
        r.recap(&summary);
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn few_hosts_get_a_line_each() {
    let text = run(view(0, Compact::Auto), 3);
    assert!(text.contains("TASK [ping them] ****"), "{text}");
    assert!(
        text.contains("ok: [web01]") && text.contains("ok: [web02]"),
        "{text}"
    );
    assert!(text.contains("fatal: [web03]: FAILED!"), "{text}");
    assert!(text.contains("web01                     : ok=1"), "{text}");
}

#[test]
fn many_hosts_get_one_line_per_task_and_only_failures_on_their_own() {
    let text = run(view(0, Compact::Auto), 200);
    assert!(!text.contains("ok: [web01]"), "{text}");
    assert!(
        text.contains(
            "TASK [ping them] ok=199 changed=0 failed=1 unreachable=0 skipped=0 (200 hosts,"
        ),
        "{text}"
    );
    assert!(text.contains("fatal: [web200]: FAILED!"), "{text}");
    assert!(
        text.contains("web[01-199]               : ok=1    changed=0"),
        "{text}"
    );
    assert!(
        text.contains("web200                    : ok=0    changed=0    unreachable=0    failed=1"),
        "{text}"
    );
    assert!(text.lines().count() < 15, "does not fit a screen:\n{text}");
    let failed_line = text.lines().position(|l| l.contains("fatal: [web200]"));
    let task_line = text
        .lines()
        .position(|l| l.starts_with("TASK [ping them] ok="));
    assert!(task_line < failed_line, "{text}");
}

#[test]
fn verbose_or_no_compact_or_no_terminal_keeps_every_line() {
    let mut off_terminal = view(0, Compact::Auto);
    off_terminal.terminal = false;
    for v in [
        view(1, Compact::Auto),
        view(0, Compact::Never),
        off_terminal,
    ] {
        let text = run(v, 30);
        assert!(
            text.contains("ok: [web01]") && text.contains("ok: [web29]"),
            "{text}"
        );
    }
    let text = run(view(0, Compact::Always), 2);
    assert!(!text.contains("ok: [web01]"), "{text}");
    assert!(
        text.contains("TASK [ping them] ok=1 changed=0 failed=1"),
        "{text}"
    );
}

#[test]
fn profile_follows_the_recap() {
    let mut v = view(0, Compact::Auto);
    v.profile = true;
    let text = run(v, 2);
    let recap = text.find("PLAY RECAP").unwrap_or(usize::MAX);
    let profile = text.find("PROFILE: slowest tasks").unwrap_or(0);
    assert!(recap < profile, "{text}");
    assert!(text.contains("\nping them (<command line>) ---"), "{text}");
    assert!(text.contains("PROFILE: slowest hosts"), "{text}");
}

#[test]
fn a_slow_task_names_the_longest_running_hosts_with_their_time() {
    let t0 = Instant::now();
    let at = |secs: u64| t0 + Duration::from_secs(secs);
    // Two forks for five hosts: h1 and h2 start at once, h3 when h2 ends, h4 when h1 ends.
    let mut working = Working::new(&["h1", "h2", "h3", "h4", "h5"], 2, t0);
    assert_eq!(working.describe(at(1)), " · working: h1, h2, h3 +2 more");
    assert!(!working.finish("h2", at(2)));
    assert!(!working.finish("h1", at(70)));
    assert_eq!(
        working.describe(at(754)),
        " · still working: h3 12m32s, h4 11m24s, +1 more"
    );
    assert!(!working.finish("h3", at(800)));
    assert!(!working.finish("h4", at(801)));
    assert_eq!(working.describe(at(7300)), " · still working: h5 1h48m");
    assert!(working.finish("h5", at(7301)));
    assert_eq!(working.describe(at(7302)), "");
}

#[test]
fn a_delegated_result_finishes_its_own_host() {
    let t0 = Instant::now();
    let mut working = Working::new(&["web1"], 5, t0);
    assert!(working.finish(host_of("web1 -> db1"), t0));
}
