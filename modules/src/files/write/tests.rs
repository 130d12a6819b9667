//! The write step's script run for real by the shells a target may have (dash, bash, busybox when
//! installed): what reaches the destination when the input is whole, cut short, corrupted, when the
//! disk refuses it, when a signal arrives, and with each checksum tool the target may lack.

use super::*;
use crate::facts::file::FileKind;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, SystemTime};

#[test]
fn symbolic_modes() {
    assert_eq!(apply_symbolic(0o644, "u+x", false), 0o744);
    assert_eq!(apply_symbolic(0o777, "go-w", false), 0o755);
    assert_eq!(apply_symbolic(0o600, "u=rw,g=r,o=r", false), 0o644);
    assert_eq!(apply_symbolic(0o600, "a+X", true), 0o711);
    assert_eq!(apply_symbolic(0o600, "a+X", false), 0o600);
}

#[test]
fn backup_names_like_ansible() {
    assert_eq!(
        backup_name("/etc/x", 1_700_000_000),
        format!("/etc/x.{}.2023-11-14@22:13:20~", std::process::id())
    );
}

#[test]
fn cksum_matches_posix() {
    // Values printed by GNU coreutils' `cksum`.
    assert_eq!(posix_cksum(b""), 4_294_967_295);
    assert_eq!(posix_cksum(b"hello\n"), 3_015_617_425);
    for len in [70_000, 70_001, 70_003, 70_007] {
        assert_cksum_like_the_tool(&sample(len));
    }
}

fn assert_cksum_like_the_tool(big: &[u8]) {
    let mut cksum = Command::new("cksum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("cksum");
    cksum
        .stdin
        .take()
        .expect("stdin")
        .write_all(big)
        .expect("write");
    let out = cksum.wait_with_output().expect("cksum output");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.split_whitespace().next(),
        Some(posix_cksum(big).to_string().as_str()),
        "{} bytes",
        big.len()
    );
}

#[test]
fn temp_names_escape_globs_and_fit_name_max() {
    assert_eq!(split_dest("/etc/motd"), ("/etc".to_string(), "motd"));
    assert_eq!(split_dest("/motd"), ("/".to_string(), "motd"));
    assert_eq!(split_dest("-x/y"), ("./-x".to_string(), "y"));
    assert_eq!(split_dest("y"), (".".to_string(), "y"));
    assert_eq!(
        glob_escape(".a*b?[c]\\.drover."),
        ".a\\*b\\?\\[c\\]\\\\.drover."
    );
    let long = "é".repeat(200);
    let prefix = temp_prefix(&long);
    assert!(prefix.len() + 6 <= 255, "{}", prefix.len());
}

/// The shells to run the script with: every one installed of those a target may log in with.
fn shells() -> Vec<Vec<String>> {
    let mut found: Vec<Vec<String>> = ["/bin/dash", "/bin/bash"]
        .iter()
        .filter(|s| Path::new(s).exists())
        .map(|s| vec![s.to_string()])
        .collect();
    if let Some(busybox) = which("busybox") {
        found.push(vec![busybox.display().to_string(), "sh".into()]);
    }
    assert!(!found.is_empty(), "no POSIX shell found to run the script");
    found
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(tool))
        .find(|p| p.is_file())
}

/// A directory holding `dest`, where the write step runs.
struct Scene {
    dir: tempfile::TempDir,
    /// When set, the only directory on PATH (the tools a bare target has).
    path: Option<PathBuf>,
}

impl Scene {
    fn new() -> Self {
        Scene {
            dir: tempfile::tempdir().expect("tempdir"),
            path: None,
        }
    }

    fn dest(&self) -> String {
        self.dir.path().join("app.conf").display().to_string()
    }

    fn step(&self, content: &[u8], existing: bool) -> Step {
        let stat = existing.then(|| FileStat {
            mode: 0o640,
            uid: current_uid(),
            gid: current_gid(),
            ..FileStat::unknown(FileKind::File)
        });
        atomic_write(
            &self.dest(),
            Content::new(content.to_vec()),
            &Attrs::default(),
            stat.as_ref(),
            None,
        )
    }

    fn command(&self, shell: &[String], step: &Step) -> Command {
        let mut cmd = Command::new(&shell[0]);
        cmd.args(&shell[1..])
            .arg("-c")
            .arg(step.cmd.to_shell())
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(path) = &self.path {
            cmd.env("PATH", path);
        }
        cmd
    }

    /// Runs the step fed `input` (all of its stdin or a part of it).
    fn run(&self, shell: &[String], step: &Step, input: &[u8]) -> Output {
        let mut child = self.command(shell, step).spawn().expect("shell");
        if let Some(mut stdin) = child.stdin.take() {
            // The script may exit before reading everything (that is a test's point).
            let _ = stdin.write_all(input);
        }
        child.wait_with_output().expect("shell output")
    }

    fn read_dest(&self) -> Option<Vec<u8>> {
        std::fs::read(self.dest()).ok()
    }

    fn put_dest(&self, content: &[u8]) {
        std::fs::write(self.dest(), content).expect("write dest");
    }

    /// Names in the directory besides the destination (temp files left behind).
    fn leftovers(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("read_dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "app.conf" && n != "bin")
            .collect();
        names.sort();
        names
    }

    /// A PATH directory with only the basic tools and the given checksum tools, each the
    /// installed program, or `busybox`'s applet (an Alpine target) when given.
    fn restrict_tools(&mut self, checksum_tools: &[&str], busybox: Option<&Path>) {
        let bin = self.dir.path().join("bin");
        std::fs::create_dir(&bin).expect("bin dir");
        let basics = [
            "cat", "mktemp", "wc", "chmod", "chown", "mv", "cp", "rm", "find",
        ];
        for tool in basics.iter().chain(checksum_tools) {
            let target = busybox
                .map(Path::to_path_buf)
                .or_else(|| which(tool))
                .unwrap_or_else(|| panic!("{tool} is not installed here"));
            std::os::unix::fs::symlink(target, bin.join(tool)).expect("symlink");
        }
        self.path = Some(bin);
    }
}

fn current_uid() -> u32 {
    id("-u")
}

fn current_gid() -> u32 {
    id("-g")
}

fn id(flag: &str) -> u32 {
    let out = Command::new("id").arg(flag).output().expect("id");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("numeric id")
}

fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 256) as u8).collect()
}

fn show(out: &Output) -> String {
    format!(
        "rc {:?}\nstdout {}\nstderr {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn whole_input_replaces_the_destination() {
    for shell in shells() {
        let scene = Scene::new();
        scene.put_dest(b"old\n");
        let new = sample(100_000);
        let step = scene.step(&new, true);
        let out = scene.run(&shell, &step, step.stdin.as_deref().unwrap_or_default());
        assert!(out.status.success(), "{shell:?}: {}", show(&out));
        assert_eq!(
            scene.read_dest().as_deref(),
            Some(new.as_slice()),
            "{shell:?}"
        );
        assert!(
            scene.leftovers().is_empty(),
            "{shell:?}: {:?}",
            scene.leftovers()
        );
    }
}

#[test]
fn input_cut_short_leaves_the_destination_and_no_temp() {
    for shell in shells() {
        for existing in [true, false] {
            let scene = Scene::new();
            if existing {
                scene.put_dest(b"old\n");
            }
            let step = scene.step(&sample(100_000), existing);
            let stream = step.stdin.as_deref().unwrap_or_default();
            for cut in [0, 10, stream.len() / 2, stream.len() - 1] {
                let out = scene.run(&shell, &step, &stream[..cut]);
                assert!(
                    !out.status.success(),
                    "{shell:?} cut at {cut}: {}",
                    show(&out)
                );
                let want = existing.then(|| b"old\n".to_vec());
                assert_eq!(scene.read_dest(), want, "{shell:?} cut at {cut}");
                assert!(
                    scene.leftovers().is_empty(),
                    "{shell:?} cut at {cut}: {:?}",
                    scene.leftovers()
                );
            }
        }
    }
}

#[test]
fn input_longer_or_corrupted_is_refused() {
    for shell in shells() {
        let scene = Scene::new();
        scene.put_dest(b"old\n");
        let step = scene.step(&sample(5_000), true);
        let stream = step.stdin.clone().unwrap_or_default();
        let mut longer = stream.clone();
        longer.extend_from_slice(b"more");
        let mut corrupted = stream.clone();
        let last = corrupted.len() - 1;
        corrupted[last] ^= 1;
        for (what, input) in [("longer", longer), ("corrupted", corrupted)] {
            let out = scene.run(&shell, &step, &input);
            assert!(!out.status.success(), "{shell:?} {what}: {}", show(&out));
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("left unchanged"),
                "{shell:?} {what}: {}",
                show(&out)
            );
            assert_eq!(scene.read_dest().as_deref(), Some(&b"old\n"[..]));
            assert!(scene.leftovers().is_empty(), "{:?}", scene.leftovers());
        }
    }
}

#[test]
fn every_checksum_tool_of_the_chain_verifies() {
    // Each tool as the only one the target has; none at all leaves POSIX cksum.
    let chains: [&[&str]; 4] = [&["sha1sum"], &["shasum"], &["openssl"], &["cksum"]];
    for tools in chains {
        let mut scene = Scene::new();
        scene.restrict_tools(tools, None);
        scene.put_dest(b"old\n");
        let new = sample(3_000);
        let step = scene.step(&new, true);
        let stream = step.stdin.clone().unwrap_or_default();
        let mut corrupted = stream.clone();
        let last = corrupted.len() - 1;
        corrupted[last] ^= 0x40;
        let shell = vec!["/bin/dash".to_string()];
        let out = scene.run(&shell, &step, &corrupted);
        assert!(!out.status.success(), "{tools:?} corrupted: {}", show(&out));
        assert_eq!(
            scene.read_dest().as_deref(),
            Some(&b"old\n"[..]),
            "{tools:?}"
        );
        let out = scene.run(&shell, &step, &stream);
        assert!(out.status.success(), "{tools:?}: {}", show(&out));
        assert_eq!(
            scene.read_dest().as_deref(),
            Some(new.as_slice()),
            "{tools:?}"
        );
        assert!(
            scene.leftovers().is_empty(),
            "{tools:?}: {:?}",
            scene.leftovers()
        );
    }
}

#[test]
fn no_checksum_tool_at_all_refuses_and_says_why() {
    let mut scene = Scene::new();
    scene.restrict_tools(&[], None);
    scene.put_dest(b"old\n");
    let step = scene.step(b"new\n", true);
    let shell = vec!["/bin/dash".to_string()];
    let out = scene.run(&shell, &step, step.stdin.as_deref().unwrap_or_default());
    assert!(!out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no sha1sum, shasum, openssl or cksum"),
        "{}",
        show(&out)
    );
    assert_eq!(scene.read_dest().as_deref(), Some(&b"old\n"[..]));
    assert!(scene.leftovers().is_empty(), "{:?}", scene.leftovers());
}

#[test]
fn a_failing_disk_write_renames_nothing() {
    // A file size limit makes the temp file's write fail part way, as a full disk does.
    for shell in shells() {
        let scene = Scene::new();
        scene.put_dest(b"old\n");
        let step = scene.step(&sample(200_000), true);
        let limited = Step::with_stdin(
            Cmd::new(&format!("ulimit -f 8; {}", step.cmd.to_shell())),
            step.stdin.clone().unwrap_or_default(),
        );
        let out = scene.run(
            &shell,
            &limited,
            limited.stdin.as_deref().unwrap_or_default(),
        );
        assert!(!out.status.success(), "{shell:?}: {}", show(&out));
        assert_eq!(
            scene.read_dest().as_deref(),
            Some(&b"old\n"[..]),
            "{shell:?}"
        );
        assert!(
            scene.leftovers().is_empty(),
            "{shell:?}: {:?}",
            scene.leftovers()
        );
    }
}

/// Starts the step, feeds it part of its input and waits until its temp file exists.
fn start_partial(
    scene: &Scene,
    shell: &[String],
    step: &Step,
) -> (Child, std::process::ChildStdin) {
    let mut child = scene.command(shell, step).spawn().expect("shell");
    let mut stdin = child.stdin.take().expect("stdin");
    let stream = step.stdin.as_deref().unwrap_or_default();
    stdin.write_all(&stream[..stream.len() / 2]).expect("feed");
    stdin.flush().expect("flush");
    let appeared = (0..500).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        !scene.leftovers().is_empty()
    });
    if !appeared {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{shell:?}: no temp file appeared");
    }
    (child, stdin)
}

#[test]
fn a_signal_mid_write_removes_the_temp_file() {
    for shell in shells() {
        for signal in ["HUP", "INT", "TERM"] {
            let scene = Scene::new();
            scene.put_dest(b"old\n");
            let step = scene.step(&sample(200_000), true);
            let (child, stdin) = start_partial(&scene, &shell, &step);
            let killed = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(child.id().to_string())
                .status()
                .expect("kill");
            assert!(killed.success());
            // The shell acts on the signal once `cat` returns, which the closed input makes it do.
            drop(stdin);
            let out = child.wait_with_output().expect("wait");
            assert!(!out.status.success(), "{shell:?} {signal}: {}", show(&out));
            assert_eq!(scene.read_dest().as_deref(), Some(&b"old\n"[..]));
            assert!(
                scene.leftovers().is_empty(),
                "{shell:?} {signal}: {:?}",
                scene.leftovers()
            );
        }
    }
}

fn age(path: &Path, minutes: u64) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open");
    file.set_modified(SystemTime::now() - Duration::from_secs(minutes * 60))
        .expect("set mtime");
}

#[test]
fn stale_temps_of_this_destination_and_only_those_are_removed() {
    let scene = Scene::new();
    let dir = scene.dir.path();
    let names = [
        (".app.conf.drover.Ab12Cd", 10, false), // ours, abandoned: removed
        (".app.conf.drover.Ef34Gh", 1, true),   // ours, a live writer's: kept
        (".app.conf.drover.Ab12Cde", 10, true), // not mktemp's six characters
        (".app.conf.drover.Ab12C", 10, true),
        (".app.confX.drover.Ab12Cd", 10, true), // another destination
        (".other.drover.Ab12Cd", 10, true),
        ("app.conf.drover.Ab12Cd", 10, true),
    ];
    for (name, minutes, _) in names {
        std::fs::write(dir.join(name), b"partial").expect("write");
        age(&dir.join(name), minutes);
    }
    std::fs::create_dir(dir.join(".app.conf.drover.DirDir")).expect("mkdir");
    let step = scene.step(b"new\n", false);
    let out = scene.run(
        &shells()[0],
        &step,
        step.stdin.as_deref().unwrap_or_default(),
    );
    assert!(out.status.success(), "{}", show(&out));
    for (name, _, kept) in names {
        assert_eq!(dir.join(name).exists(), kept, "{name}");
    }
    assert!(dir.join(".app.conf.drover.DirDir").is_dir());
}

#[test]
fn glob_characters_in_the_name_match_only_themselves() {
    let scene = Scene::new();
    let dir = scene.dir.path();
    let dest = dir.join("a*[1].conf").display().to_string();
    for name in [
        ".a*[1].conf.drover.Ab12Cd",
        ".aXX1.conf.drover.Ab12Cd",
        ".a1.conf.drover.Ab12Cd",
    ] {
        std::fs::write(dir.join(name), b"partial").expect("write");
        age(&dir.join(name), 10);
    }
    let step = atomic_write(
        &dest,
        Content::new(b"new\n".to_vec()),
        &Attrs::default(),
        None,
        None,
    );
    let out = scene.run(
        &shells()[0],
        &step,
        step.stdin.as_deref().unwrap_or_default(),
    );
    assert!(out.status.success(), "{}", show(&out));
    assert!(!dir.join(".a*[1].conf.drover.Ab12Cd").exists());
    assert!(dir.join(".aXX1.conf.drover.Ab12Cd").exists());
    assert!(dir.join(".a1.conf.drover.Ab12Cd").exists());
    assert_eq!(std::fs::read(&dest).expect("dest"), b"new\n");
}

#[test]
fn busybox_userland_alone_writes_and_refuses_like_the_others() {
    // Alpine's userland: busybox sh and applets only. Checked where busybox is installed.
    let Some(busybox) = which("busybox") else {
        eprintln!("busybox is not installed: the busybox userland case was not run");
        return;
    };
    let shell = vec![busybox.display().to_string(), "sh".to_string()];
    let applets = Command::new(&busybox)
        .arg("--list")
        .output()
        .expect("busybox --list");
    let applets = String::from_utf8_lossy(&applets.stdout).into_owned();
    let has = |tool: &str| applets.lines().any(|a| a == tool);
    for tools in [&["sha1sum"][..], &["cksum"][..]] {
        if !has(tools[0]) {
            continue;
        }
        let mut scene = Scene::new();
        scene.restrict_tools(tools, Some(&busybox));
        scene.put_dest(b"old\n");
        let new = sample(50_000);
        let step = scene.step(&new, true);
        let stream = step.stdin.clone().unwrap_or_default();
        let out = scene.run(&shell, &step, &stream[..stream.len() - 7]);
        assert!(!out.status.success(), "{tools:?} cut: {}", show(&out));
        assert_eq!(
            scene.read_dest().as_deref(),
            Some(&b"old\n"[..]),
            "{tools:?}"
        );
        let out = scene.run(&shell, &step, &stream);
        assert!(out.status.success(), "{tools:?}: {}", show(&out));
        assert_eq!(
            scene.read_dest().as_deref(),
            Some(new.as_slice()),
            "{tools:?}"
        );
        assert!(
            scene.leftovers().is_empty(),
            "{tools:?}: {:?}",
            scene.leftovers()
        );
    }
}

#[test]
fn no_module_writes_a_file_but_through_atomic_write() {
    // A module building its own `mktemp`/`cat >`/`mv` would bypass the checks above.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(&src)
                .unwrap_or(&path)
                .display()
                .to_string();
            if rel.starts_with("files/write") || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            for pattern in ["mktemp", "cat >", "mv -f", "Step::with_stdin"] {
                if text.contains(pattern) {
                    offenders.push(format!("{rel}: {pattern}"));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "writes outside files::write: {offenders:?}"
    );
}
