//! ansible.cfg and `ANSIBLE_*` as a user meets them: a project directory with ansible.cfg and an
//! inventory, `drover play site.yml` with no `-i`, run locally (no remote host).

mod common;

use common::{Outcome, drover, tempdir, write};
use std::path::{Path, PathBuf};

const PLAY: &str = "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n";

/// A project directory holding ansible.cfg (`cfg`), `hosts.ini` with one local host `cfghost`, and
/// `site.yml`; plus an empty home directory so that no ~/.ansible.cfg of the machine leaks in.
struct Project {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    home: PathBuf,
}

fn project(cfg: &str) -> Project {
    let tmp = tempdir();
    let dir = tmp.path().join("project");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap_or_else(|e| panic!("{e}"));
    write(&dir.join("ansible.cfg"), cfg);
    write(&dir.join("hosts.ini"), "cfghost ansible_connection=local\n");
    write(&dir.join("site.yml"), PLAY);
    Project {
        _tmp: tmp,
        dir,
        home,
    }
}

impl Project {
    /// Runs drover in `cwd` with only the given `ANSIBLE_*` variables set.
    fn run_in(&self, cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> Outcome {
        let mut cmd = drover();
        for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("ANSIBLE_")) {
            cmd.env_remove(name);
        }
        cmd.current_dir(cwd)
            .env("HOME", &self.home)
            .envs(env.iter().copied());
        let out = cmd
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run drover: {e}"));
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn run(&self, env: &[(&str, &str)], args: &[&str]) -> Outcome {
        self.run_in(&self.dir, env, args)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        write(&path, text);
        path.display().to_string()
    }
}

#[test]
fn the_inventory_comes_from_ansible_cfg() {
    let p = project("[defaults]\ninventory = hosts.ini\n");
    let out = p.run(&[], &["play", "site.yml"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("cfghost", "ok"), 1, "{}", out.show());
}

#[test]
fn cfg_paths_are_relative_to_the_cfg_file_not_the_cwd() {
    let p = project("[defaults]\ninventory = hosts.ini\n");
    let elsewhere = p.home.clone();
    let config = p.dir.display().to_string();
    let site = p.dir.join("site.yml").display().to_string();
    let out = p.run_in(&elsewhere, &[("ANSIBLE_CONFIG", &config)], &["play", &site]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.count("cfghost", "ok"), 1, "{}", out.show());
}

#[test]
fn env_beats_cfg_and_the_command_line_beats_both() {
    let p = project("[defaults]\ninventory = hosts.ini\n");
    let env_inv = p.write("env.ini", "envhost ansible_connection=local\n");
    let cli_inv = p.write("cli.ini", "clihost ansible_connection=local\n");
    let env = [("ANSIBLE_INVENTORY", env_inv.as_str())];
    let out = p.run(&env, &["play", "site.yml"]);
    assert_eq!(out.count("envhost", "ok"), 1, "{}", out.show());
    assert_eq!(out.count("cfghost", "ok"), 0, "{}", out.show());
    let out = p.run(&env, &["play", "site.yml", "-i", &cli_inv]);
    assert_eq!(out.count("clihost", "ok"), 1, "{}", out.show());
    assert_eq!(out.recap().len(), 1, "{}", out.show());
    let listed = p.run(&env, &["inventory", "--list"]);
    assert!(listed.stdout.contains("envhost"), "{}", listed.show());
}

#[test]
fn stdout_callback_json_means_json_output_unless_the_command_line_says_otherwise() {
    let p = project("[defaults]\ninventory = hosts.ini\nstdout_callback = json\n");
    let out = p.run(&[], &["play", "site.yml"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let json: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.show()));
    assert!(json.get("stats").is_some(), "{}", out.show());
    let out = p.run(&[], &["play", "site.yml", "--output", "default"]);
    assert!(out.stdout.contains("PLAY RECAP"), "{}", out.show());
    let out = p.run(
        &[("ANSIBLE_STDOUT_CALLBACK", "default")],
        &["play", "site.yml"],
    );
    assert!(out.stdout.contains("PLAY RECAP"), "{}", out.show());
}

#[test]
fn a_world_writable_cwd_is_not_a_config_source_and_says_so() {
    use std::os::unix::fs::PermissionsExt;
    let p = project("[defaults]\ninventory = hosts.ini\n");
    std::fs::set_permissions(&p.dir, std::fs::Permissions::from_mode(0o777))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = p.run(
        &[],
        &["play", "site.yml", "-i", "hosts.ini", "--list-hosts"],
    );
    let warning = format!(
        "[WARNING]: Ansible is being run in a world writable directory ({}), ignoring it as an ansible.cfg source.",
        p.dir.display()
    );
    assert!(out.stderr.contains(&warning), "{}", out.show());
    // Without -i, the ignored cfg's inventory is not used.
    let out = p.run(&[], &["inventory", "--list"]);
    assert!(!out.stdout.contains("cfghost"), "{}", out.show());
    // Named by ANSIBLE_CONFIG it is read, silently.
    let out = p.run(&[("ANSIBLE_CONFIG", "ansible.cfg")], &["play", "site.yml"]);
    assert_eq!(out.count("cfghost", "ok"), 1, "{}", out.show());
    assert!(!out.stderr.contains("world writable"), "{}", out.show());
}

#[test]
fn ssh_connection_settings_drover_replaces_get_a_one_line_notice() {
    let p = project(
        "[defaults]\ninventory = hosts.ini\nsome_future_setting = 1\n\n[ssh_connection]\n\
         ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s\npipelining = True\n",
    );
    let out = p.run(&[], &["play", "site.yml"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let notices: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("NOTICE"))
        .collect();
    assert_eq!(
        notices,
        vec![format!(
            "[NOTICE]: {}: [ssh_connection] ssh_args, pipelining ignored: drover has its own SSH client (one connection per host)",
            p.dir.join("ansible.cfg").display()
        )],
        "{}",
        out.show()
    );
    assert!(
        !out.stderr.contains("some_future_setting"),
        "{}",
        out.show()
    );
}

#[test]
fn a_missing_vault_password_file_stops_the_run_as_in_ansible() {
    let p = project("[defaults]\ninventory = hosts.ini\nvault_password_file = vault-pass.txt\n");
    let out = p.run(&[], &["play", "site.yml"]);
    assert_eq!(out.code, 1, "{}", out.show());
    let missing = p.dir.join("vault-pass.txt");
    assert!(
        out.stderr.contains(&format!(
            "the vault password file {} was not found",
            missing.display()
        )),
        "{}",
        out.show()
    );
    p.write("vault-pass.txt", "secret\n");
    let out = p.run(&[], &["play", "site.yml"]);
    assert_eq!(out.code, 0, "{}", out.show());
}

#[test]
fn a_broken_cfg_is_an_options_error_naming_file_and_line() {
    let p = project("[defaults]\ninventory = hosts.ini\nforks = lots\n");
    let out = p.run(&[], &["play", "site.yml"]);
    assert_eq!(out.code, 5, "{}", out.show());
    let place = format!("{}:3: forks", p.dir.join("ansible.cfg").display());
    assert!(out.stderr.contains(&place), "{}", out.show());
    let out = p.run(&[("ANSIBLE_FORKS", "2")], &["play", "site.yml"]);
    assert_eq!(out.code, 0, "the environment wins: {}", out.show());
    let env = [("ANSIBLE_FORKS", "2"), ("ANSIBLE_TIMEOUT", "soon")];
    let out = p.run(&env, &["play", "site.yml"]);
    assert_eq!(out.code, 5, "{}", out.show());
    assert!(out.stderr.contains("$ANSIBLE_TIMEOUT"), "{}", out.show());
}

#[test]
fn home_config_is_used_when_the_project_has_none() {
    let p = project("");
    std::fs::remove_file(p.dir.join("ansible.cfg")).unwrap_or_else(|e| panic!("{e}"));
    let inventory = p.dir.join("hosts.ini").display().to_string();
    write(
        &p.home.join(".ansible.cfg"),
        &format!("[defaults]\ninventory = {inventory}\n"),
    );
    let out = p.run(&[], &["play", "site.yml"]);
    assert_eq!(out.count("cfghost", "ok"), 1, "{}", out.show());
}
