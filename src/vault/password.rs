//! Where vault passwords come from: `--vault-password-file` (a file, or an executable that prints
//! the password), `--vault-id label@source`, `--ask-vault-pass`, and Ansible's environment variables.

use super::{DEFAULT_ID, Secret, Secrets, VaultError};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The vault options every command that loads content takes (as ansible-playbook has them).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct VaultArgs {
    /// A vault password file, or an executable that prints the password (repeatable).
    #[arg(
        long = "vault-password-file",
        visible_alias = "vault-pass-file",
        value_name = "PATH",
        global = true
    )]
    pub password_files: Vec<PathBuf>,
    /// A vault identity: `label@file`, `label@prompt`, or a password file (repeatable).
    #[arg(long = "vault-id", value_name = "ID", global = true)]
    pub ids: Vec<String>,
    /// Ask for the vault password (needs a terminal).
    #[arg(
        short = 'J',
        long = "ask-vault-pass",
        visible_alias = "ask-vault-password",
        global = true
    )]
    pub ask: bool,
}

impl VaultArgs {
    /// Every password the options name, read now: `$ANSIBLE_VAULT_IDENTITY_LIST`, `--vault-id`,
    /// `--vault-password-file` (else `$ANSIBLE_VAULT_PASSWORD_FILE`, else `default_file` from
    /// ansible.cfg), then `--ask-vault-pass`.
    pub fn secrets(&self, default_file: Option<&Path>) -> Result<Secrets, VaultError> {
        let mut sources: Vec<(String, PasswordSource)> = Vec::new();
        if let Ok(list) = std::env::var("ANSIBLE_VAULT_IDENTITY_LIST") {
            sources.extend(
                list.split(',')
                    .filter(|s| !s.is_empty())
                    .map(parse_vault_id),
            );
        }
        sources.extend(self.ids.iter().map(|id| parse_vault_id(id)));
        let mut files = self.password_files.clone();
        if files.is_empty() {
            match std::env::var_os("ANSIBLE_VAULT_PASSWORD_FILE") {
                Some(f) if !f.is_empty() => files.push(PathBuf::from(f)),
                _ => files.extend(default_file.map(Path::to_path_buf)),
            }
        }
        sources.extend(
            files
                .into_iter()
                .map(|f| (DEFAULT_ID.to_string(), PasswordSource::File(f))),
        );
        if self.ask {
            sources.push((DEFAULT_ID.to_string(), PasswordSource::Prompt));
        }
        let secrets = sources
            .iter()
            .map(|(label, source)| read_password(label, source, &prompt_on_terminal))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Secrets(secrets))
    }
}

/// Asks on the terminal without echo; without a terminal there is nobody to answer.
pub fn prompt_on_terminal(question: &str) -> std::io::Result<String> {
    if !std::io::stdin().is_terminal() {
        return Err(std::io::Error::other(
            "no terminal to ask on (give --vault-password-file or --vault-id LABEL@FILE)",
        ));
    }
    rpassword::prompt_password(question)
}

/// Where a password comes from: a file, an executable script printing it, or a prompt.
#[derive(Debug, Clone, PartialEq)]
pub enum PasswordSource {
    File(PathBuf),
    Prompt,
}

/// `--vault-id label@source` (or bare `source`) → (label, source).
pub fn parse_vault_id(spec: &str) -> (String, PasswordSource) {
    let (label, source) = match spec.split_once('@') {
        Some((label, source)) => (label.to_string(), source),
        None => (DEFAULT_ID.to_string(), spec),
    };
    let source = match source {
        "prompt" => PasswordSource::Prompt,
        path => PasswordSource::File(PathBuf::from(path)),
    };
    (label, source)
}

/// Reads one password: a file's first line, or an executable's standard output (Ansible runs
/// executable password files as scripts, with `--vault-id LABEL` for client scripts).
pub fn read_password(
    label: &str,
    source: &PasswordSource,
    prompt: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<Secret, VaultError> {
    let password = match source {
        PasswordSource::Prompt => {
            let question = if label == DEFAULT_ID {
                "Vault password: ".to_string()
            } else {
                format!("Vault password ({label}): ")
            };
            prompt(&question).map_err(|e| VaultError::Password {
                source_name: "prompt".into(),
                message: e.to_string(),
            })?
        }
        PasswordSource::File(path) => password_from_file(label, path)?,
    };
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return Err(VaultError::Password {
            source_name: describe(source),
            message: "the password is empty".into(),
        });
    }
    Ok(Secret::new(label, password))
}

fn describe(source: &PasswordSource) -> String {
    match source {
        PasswordSource::Prompt => "prompt".into(),
        PasswordSource::File(p) => p.display().to_string(),
    }
}

fn password_from_file(label: &str, path: &Path) -> Result<String, VaultError> {
    let fail = |message: String| VaultError::Password {
        source_name: path.display().to_string(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if is_executable(&meta) {
        let client = path
            .file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|s| s.ends_with("-client"));
        let mut cmd = std::process::Command::new(path);
        if client {
            cmd.args(["--vault-id", label]);
        }
        let out = cmd.output().map_err(|e| fail(e.to_string()))?;
        if !out.status.success() {
            return Err(fail(format!(
                "the password script exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        return String::from_utf8(out.stdout).map_err(|_| fail("not UTF-8".into()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    Ok(text.lines().next().unwrap_or_default().trim().to_string())
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_ids() {
        assert_eq!(
            parse_vault_id("dev@prompt"),
            ("dev".to_string(), PasswordSource::Prompt)
        );
        assert_eq!(
            parse_vault_id("/p/file"),
            (
                DEFAULT_ID.to_string(),
                PasswordSource::File("/p/file".into())
            )
        );
    }

    #[test]
    fn password_files_and_scripts() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("pw");
        std::fs::write(&file, "hunter2\n").unwrap_or_else(|e| panic!("{e}"));
        let no_prompt = |_: &str| -> std::io::Result<String> { Err(std::io::Error::other("no")) };
        let s = read_password(DEFAULT_ID, &PasswordSource::File(file), &no_prompt);
        assert_eq!(s.map(|s| s.password).ok(), Some(b"hunter2".to_vec()));
        let script = dir.path().join("pw.sh");
        std::fs::write(&script, "#!/bin/sh\necho from-script\n").unwrap_or_else(|e| panic!("{e}"));
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        let s = read_password(DEFAULT_ID, &PasswordSource::File(script), &no_prompt);
        assert_eq!(s.map(|s| s.password).ok(), Some(b"from-script".to_vec()));
        let missing = read_password(
            DEFAULT_ID,
            &PasswordSource::File("/nope".into()),
            &no_prompt,
        );
        assert!(missing.is_err());
        let prompt = read_password("dev", &PasswordSource::Prompt, &no_prompt);
        assert!(prompt.is_err());
    }
}
