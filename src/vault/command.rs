//! `drover vault …`: ansible-vault's commands, producing files that ansible-vault reads. A file is
//! replaced only once its new content is complete (temp file + rename); a wrong password writes
//! nothing.

use super::{Secrets, VaultArgs, VaultError, encrypt, is_vault};
use clap::{Args, Subcommand};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct VaultCommand {
    #[command(subcommand)]
    pub action: VaultAction,
    #[command(flatten)]
    pub vault: VaultArgs,
    /// The vault id to encrypt with, when several passwords are given.
    #[arg(long = "encrypt-vault-id", value_name = "ID", global = true)]
    pub encrypt_vault_id: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum VaultAction {
    /// Create a new encrypted file in $EDITOR.
    Create { file: PathBuf },
    /// Edit an encrypted file in $EDITOR.
    Edit { file: PathBuf },
    /// Print decrypted files.
    View {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Encrypt files in place (or standard input, `-`).
    Encrypt {
        files: Vec<PathBuf>,
        /// Write here instead (`-` for standard output).
        #[arg(long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Decrypt files in place (or standard input, `-`).
    Decrypt {
        files: Vec<PathBuf>,
        /// Write here instead (`-` for standard output).
        #[arg(long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Re-encrypt files with a new password.
    Rekey {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The new password file.
        #[arg(long = "new-vault-password-file", value_name = "PATH")]
        new_password_file: Option<PathBuf>,
        /// The new vault id (`label@source`).
        #[arg(long = "new-vault-id", value_name = "ID")]
        new_vault_id: Option<String>,
    },
    /// Encrypt a string for use as an inline `!vault` value in YAML.
    #[command(name = "encrypt_string", visible_alias = "encrypt-string")]
    EncryptString {
        /// The strings (default: read standard input).
        strings: Vec<String>,
        /// The variable name of each string, in order.
        #[arg(short = 'n', long = "name")]
        names: Vec<String>,
        /// The variable name for the string read from standard input.
        #[arg(long = "stdin-name")]
        stdin_name: Option<String>,
        /// Ask for the string on the terminal.
        #[arg(short = 'p', long = "prompt")]
        prompt: bool,
    },
}

/// A `drover vault` failure, with what it was working on.
#[derive(Debug, thiserror::Error)]
pub enum VaultCommandError {
    #[error("{0}")]
    Vault(#[from] VaultError),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0}")]
    Usage(String),
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> VaultCommandError {
    VaultCommandError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Runs one `drover vault` command.
pub fn run_vault_command(cmd: &VaultCommand) -> Result<(), VaultCommandError> {
    let secrets = cmd.vault.secrets(None)?;
    let id = cmd.encrypt_vault_id.as_deref();
    match &cmd.action {
        VaultAction::Create { file } => create(file, &secrets, id),
        VaultAction::Edit { file } => edit(file, &secrets, id),
        VaultAction::View { files } => view(files, &secrets),
        VaultAction::Encrypt { files, output } => transform(
            files,
            output.as_deref(),
            "Encryption successful",
            |plain, path| {
                if is_vault(plain) {
                    return Err(file_error(path, "input is already encrypted"));
                }
                let secret = secrets.for_encryption(id)?;
                Ok(encrypt(plain, secret)?.into_bytes())
            },
        ),
        VaultAction::Decrypt { files, output } => transform(
            files,
            output.as_deref(),
            "Decryption successful",
            |text, path| {
                if !is_vault(text) {
                    return Err(file_error(path, "input is not vault encrypted data"));
                }
                Ok(secrets.decrypt(text)?)
            },
        ),
        VaultAction::Rekey {
            files,
            new_password_file,
            new_vault_id,
        } => rekey(files, &secrets, new_password_file, new_vault_id),
        VaultAction::EncryptString {
            strings,
            names,
            stdin_name,
            prompt,
        } => encrypt_strings(strings, names, stdin_name.as_deref(), *prompt, &secrets, id),
    }
}

fn read_input(path: &Path) -> Result<Vec<u8>, VaultCommandError> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| file_error(path, e))?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| file_error(path, e))
}

/// Writes `data` to `path` whole or not at all: a temp file beside it, renamed over it.
fn write_atomically(path: &Path, data: &[u8]) -> Result<(), VaultCommandError> {
    if path == Path::new("-") {
        return std::io::stdout()
            .write_all(data)
            .map_err(|e| file_error(path, e));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| file_error(path, e))?;
    tmp.write_all(data).map_err(|e| file_error(path, e))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = tmp.as_file().set_permissions(meta.permissions());
    }
    tmp.as_file().sync_all().map_err(|e| file_error(path, e))?;
    tmp.persist(path).map_err(|e| file_error(path, e.error))?;
    Ok(())
}

/// Encrypt/decrypt: every input is converted first; files are written only when all succeeded.
fn transform(
    files: &[PathBuf],
    output: Option<&Path>,
    done: &str,
    convert: impl Fn(&[u8], &Path) -> Result<Vec<u8>, VaultCommandError>,
) -> Result<(), VaultCommandError> {
    let stdin = [PathBuf::from("-")];
    let files = if files.is_empty() { &stdin[..] } else { files };
    if output.is_some() && files.len() > 1 {
        return Err(VaultCommandError::Usage(
            "--output takes a single input file".into(),
        ));
    }
    let mut converted = Vec::with_capacity(files.len());
    for file in files {
        converted.push(convert(&read_input(file)?, file)?);
    }
    for (file, data) in files.iter().zip(converted) {
        let target = output.unwrap_or(file);
        write_atomically(target, &data)?;
        if target != Path::new("-") {
            eprintln!("{done}");
        }
    }
    Ok(())
}

fn view(files: &[PathBuf], secrets: &Secrets) -> Result<(), VaultCommandError> {
    let mut out = std::io::stdout();
    for file in files {
        let plain = secrets.decrypt(&read_input(file)?)?;
        out.write_all(&plain).map_err(|e| file_error(file, e))?;
    }
    Ok(())
}

fn create(file: &Path, secrets: &Secrets, id: Option<&str>) -> Result<(), VaultCommandError> {
    if file.exists() {
        return Err(file_error(file, "the file already exists (use edit)"));
    }
    let secret = secrets.for_encryption(id)?;
    let plain = edit_in_editor(b"")?;
    write_atomically(file, encrypt(&plain, secret)?.as_bytes())
}

fn edit(file: &Path, secrets: &Secrets, id: Option<&str>) -> Result<(), VaultCommandError> {
    let text = read_input(file)?;
    let plain = secrets.decrypt(&text)?;
    let edited = edit_in_editor(&plain)?;
    if edited == plain {
        return Ok(());
    }
    let label = vault_label(&text);
    let secret = secrets.for_encryption(id.or(label.as_deref()))?;
    write_atomically(file, encrypt(&edited, secret)?.as_bytes())
}

/// The vault id a 1.2 vault names in its header.
fn vault_label(text: &[u8]) -> Option<String> {
    let header = String::from_utf8_lossy(text.split(|&b| b == b'\n').next()?).to_string();
    header.trim().split(';').nth(3).map(str::to_string)
}

/// The plaintext lives only in a private temp directory while the editor runs.
fn edit_in_editor(initial: &[u8]) -> Result<Vec<u8>, VaultCommandError> {
    let dir = tempfile::tempdir().map_err(|e| file_error(Path::new("<temp>"), e))?;
    let path = dir.path().join("vault.yml");
    std::fs::write(&path, initial).map_err(|e| file_error(&path, e))?;
    let editor = std::env::var("EDITOR").unwrap_or_else(|_| "vi".into());
    let words = shlex::split(&editor).unwrap_or_else(|| vec![editor.clone()]);
    let Some((program, args)) = words.split_first() else {
        return Err(VaultCommandError::Usage("$EDITOR is empty".into()));
    };
    let status = std::process::Command::new(program)
        .args(args)
        .arg(&path)
        .status()
        .map_err(|e| VaultCommandError::Usage(format!("cannot run the editor {editor:?}: {e}")))?;
    if !status.success() {
        return Err(VaultCommandError::Usage(format!(
            "the editor {editor:?} exited with {status}; nothing was written"
        )));
    }
    std::fs::read(&path).map_err(|e| file_error(&path, e))
}

fn rekey(
    files: &[PathBuf],
    secrets: &Secrets,
    new_file: &Option<PathBuf>,
    new_id: &Option<String>,
) -> Result<(), VaultCommandError> {
    let new = VaultArgs {
        password_files: new_file.iter().cloned().collect(),
        ids: new_id.iter().cloned().collect(),
        ask: new_file.is_none() && new_id.is_none(),
    };
    let new_secrets = new.secrets(None)?;
    let new_secret = new_secrets.for_encryption(None)?;
    let mut rekeyed = Vec::with_capacity(files.len());
    for file in files {
        let plain = secrets.decrypt(&read_input(file)?)?;
        rekeyed.push(encrypt(&plain, new_secret)?);
    }
    for (file, text) in files.iter().zip(rekeyed) {
        write_atomically(file, text.as_bytes())?;
    }
    eprintln!("Rekey successful");
    Ok(())
}

fn encrypt_strings(
    strings: &[String],
    names: &[String],
    stdin_name: Option<&str>,
    prompt: bool,
    secrets: &Secrets,
    id: Option<&str>,
) -> Result<(), VaultCommandError> {
    let secret = secrets.for_encryption(id)?;
    let mut inputs: Vec<(Option<String>, String)> = Vec::new();
    if prompt {
        let value = super::password::prompt_on_terminal("String to encrypt: ")
            .map_err(|e| VaultCommandError::Usage(e.to_string()))?;
        inputs.push((names.first().cloned(), value));
    } else if strings.is_empty() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| file_error(Path::new("-"), e))?;
        inputs.push((stdin_name.map(str::to_string), text));
    } else {
        for (i, s) in strings.iter().enumerate() {
            inputs.push((names.get(i).cloned(), s.clone()));
        }
    }
    let mut out = String::new();
    for (name, value) in inputs {
        let vault = encrypt(value.as_bytes(), secret)?;
        out.push_str(&inline_yaml(name.as_deref(), &vault));
    }
    print!("{out}");
    Ok(())
}

/// `name: !vault |` and the vault indented by ten spaces, as ansible-vault prints it.
fn inline_yaml(name: Option<&str>, vault: &str) -> String {
    let mut out = match name {
        Some(name) => format!("{name}: !vault |\n"),
        None => "!vault |\n".to_string(),
    };
    for line in vault.lines() {
        out.push_str("          ");
        out.push_str(line);
        out.push('\n');
    }
    out
}
