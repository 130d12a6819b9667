//! Ansible Vault: `drover vault` commands, and vaulted content (whole files, inline `!vault`
//! values, `copy src=`) in plays over the local connection. Vaults made by ansible-vault are in
//! tests/data/vault; where ansible-core is installed the tools also read each other's output live.

mod common;

use common::{drover, repo, run_in, tempdir, write};
use std::path::Path;

fn password_file(dir: &Path, password: &str) -> String {
    let file = dir.join(format!("pw-{password}"));
    write(&file, &format!("{password}\n"));
    file.display().to_string()
}

fn run_with_stdin(dir: &Path, args: &[&str], stdin: &str) -> common::Outcome {
    let out = drover()
        .current_dir(dir)
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap_or_else(|e| panic!("run drover: {e}"));
    common::Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn data(name: &str) -> String {
    repo()
        .join("tests/data/vault")
        .join(name)
        .display()
        .to_string()
}

fn have_ansible_vault() -> bool {
    std::process::Command::new("ansible-vault")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn views_what_ansible_vault_made() {
    let dir = tempdir();
    let pw = password_file(dir.path(), "hunter2");
    let out = run_in(
        dir.path(),
        &[
            "vault",
            "view",
            &data("ansible-1.1.vault"),
            "--vault-password-file",
            &pw,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.stdout, "secret data\n");

    let dev = password_file(dir.path(), "devpass");
    let id = format!("dev@{dev}");
    let out = run_in(
        dir.path(),
        &[
            "vault",
            "view",
            &data("ansible-1.2.vault"),
            "--vault-id",
            &id,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(out.stdout, "dev: true\n");
}

#[test]
fn wrong_password_writes_nothing() {
    let dir = tempdir();
    let file = dir.path().join("secret.yml");
    let original = std::fs::read_to_string(data("ansible-1.1.vault")).unwrap_or_default();
    write(&file, &original);
    let pw = password_file(dir.path(), "wrong");
    let path = file.display().to_string();
    let out = run_in(
        dir.path(),
        &["vault", "decrypt", &path, "--vault-password-file", &pw],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(out.stderr.contains("Decryption failed"), "{}", out.show());
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_default(), original);
}

#[test]
fn encrypt_decrypt_round_trip_in_place() {
    let dir = tempdir();
    let file = dir.path().join("vars.yml");
    write(&file, "db_password: s3cret\n");
    let pw = password_file(dir.path(), "pw1");
    let path = file.display().to_string();
    let out = run_in(
        dir.path(),
        &["vault", "encrypt", &path, "--vault-password-file", &pw],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let encrypted = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        encrypted.starts_with("$ANSIBLE_VAULT;1.1;AES256\n"),
        "{encrypted}"
    );
    assert!(!encrypted.contains("s3cret"));

    let again = run_in(
        dir.path(),
        &["vault", "encrypt", &path, "--vault-password-file", &pw],
    );
    assert_ne!(again.code, 0, "encrypting twice must be refused");

    let new_pw = password_file(dir.path(), "pw2");
    let out = run_in(
        dir.path(),
        &[
            "vault",
            "rekey",
            &path,
            "--vault-password-file",
            &pw,
            "--new-vault-password-file",
            &new_pw,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let out = run_in(
        dir.path(),
        &["vault", "decrypt", &path, "--vault-password-file", &new_pw],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap_or_default(),
        "db_password: s3cret\n"
    );
}

#[test]
fn ansible_vault_reads_what_drover_made_and_back() {
    if !have_ansible_vault() {
        eprintln!("ansible-vault not installed: the checked-in vaults cover reading");
        return;
    }
    let dir = tempdir();
    let pw = password_file(dir.path(), "both");
    let file = dir.path().join("x.yml");
    write(&file, "answer: 42\n");
    let path = file.display().to_string();
    let out = run_in(
        dir.path(),
        &[
            "vault",
            "encrypt",
            &path,
            "--vault-id",
            &format!("prod@{pw}"),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let view = std::process::Command::new("ansible-vault")
        .args(["view", &path, "--vault-id", &format!("prod@{pw}")])
        .output()
        .unwrap_or_else(|e| panic!("ansible-vault: {e}"));
    assert_eq!(String::from_utf8_lossy(&view.stdout), "answer: 42\n");

    let made = std::process::Command::new("ansible-vault")
        .args([
            "encrypt_string",
            "--vault-password-file",
            &pw,
            "--name",
            "token",
            "abc def",
        ])
        .output()
        .unwrap_or_else(|e| panic!("ansible-vault: {e}"));
    let vars = dir.path().join("inline.yml");
    write(&vars, &String::from_utf8_lossy(&made.stdout));
    let out = play_printing(dir.path(), &vars, "token", &pw);
    assert!(
        out.stdout.contains("\"msg\": \"abc def\""),
        "{}",
        out.show()
    );
}

/// Runs a one-task play that loads `vars_file` and prints `var`.
fn play_printing(dir: &Path, vars_file: &Path, var: &str, pw: &str) -> common::Outcome {
    let inv = dir.join("hosts.ini");
    write(&inv, "localhost ansible_connection=local\n");
    let play = dir.join("play.yml");
    write(
        &play,
        &format!(
            "- hosts: all\n  vars_files:\n    - {}\n  tasks:\n    - debug:\n        msg: \"{{{{ {var} }}}}\"\n",
            vars_file.display()
        ),
    );
    let (inv, play) = (inv.display().to_string(), play.display().to_string());
    run_in(
        dir,
        &["play", &play, "-i", &inv, "--vault-password-file", pw],
    )
}

#[test]
fn plays_use_vaulted_files_inline_values_and_copy_sources() {
    let dir = tempdir();
    let root = dir.path();
    let pw = password_file(root, "hunter2");
    write(
        &root.join("hosts.ini"),
        "localhost ansible_connection=local\n",
    );
    // group_vars as a whole vaulted file; inline `!vault` in play vars; a vaulted copy source.
    let vault_file = std::fs::read_to_string(data("ansible-1.1.vault")).unwrap_or_default();
    write(&root.join("files/secret.txt"), &vault_file);
    let encrypted_group_vars = run_with_stdin(
        root,
        &[
            "vault",
            "encrypt",
            "--vault-password-file",
            &pw,
            "--output",
            "-",
        ],
        "group_secret: from-group-vars\n",
    );
    assert_eq!(
        encrypted_group_vars.code,
        0,
        "{}",
        encrypted_group_vars.show()
    );
    write(
        &root.join("group_vars/all.yml"),
        &encrypted_group_vars.stdout,
    );
    let inline = std::fs::read_to_string(data("inline.yml")).unwrap_or_default();
    let inline_vars: String = inline
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("    {l}\n"))
        .collect();
    let dest = root.join("out/secret.txt");
    write(
        &root.join("site.yml"),
        &format!(
            "- hosts: all\n  vars:\n{inline_vars}  tasks:\n    - debug:\n        msg: \"{{{{ db_password }}}} / {{{{ group_secret }}}}\"\n    - copy:\n        src: secret.txt\n        dest: {}\n",
            dest.display()
        ),
    );
    std::fs::create_dir_all(root.join("out")).unwrap_or_else(|e| panic!("{e}"));
    let out = run_in(
        root,
        &[
            "play",
            "site.yml",
            "-i",
            "hosts.ini",
            "--vault-password-file",
            &pw,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout
            .contains("\"msg\": \"s3cret value / from-group-vars\""),
        "{}",
        out.show()
    );
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap_or_default(),
        "secret data\n"
    );

    let without = run_in(root, &["play", "site.yml", "-i", "hosts.ini"]);
    assert_eq!(without.code, 4, "{}", without.show());
    assert!(
        without.stderr.contains("no vault secrets found"),
        "{}",
        without.show()
    );
    let wrong = password_file(root, "nope");
    let out = run_in(
        root,
        &[
            "play",
            "site.yml",
            "-i",
            "hosts.ini",
            "--vault-password-file",
            &wrong,
        ],
    );
    assert_eq!(out.code, 4, "{}", out.show());
    assert!(out.stderr.contains("Decryption failed"), "{}", out.show());
}

#[test]
fn encrypt_string_output_loads_back() {
    let dir = tempdir();
    let pw = password_file(dir.path(), "pw");
    let out = run_in(
        dir.path(),
        &[
            "vault",
            "encrypt_string",
            "--vault-password-file",
            &pw,
            "--name",
            "api_key",
            "k-123",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout
            .starts_with("api_key: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n")
    );
    let vars = dir.path().join("v.yml");
    write(&vars, &out.stdout);
    let play = play_printing(dir.path(), &vars, "api_key", &pw);
    assert_eq!(play.code, 0, "{}", play.show());
    assert!(
        play.stdout.contains("\"msg\": \"k-123\""),
        "{}",
        play.show()
    );
}

#[test]
fn asking_without_a_terminal_names_the_option() {
    let dir = tempdir();
    let out = run_with_stdin(
        dir.path(),
        &[
            "vault",
            "view",
            &data("ansible-1.1.vault"),
            "--ask-vault-pass",
        ],
        "",
    );
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("--vault-password-file"),
        "{}",
        out.show()
    );
}
