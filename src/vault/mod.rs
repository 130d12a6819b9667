//! Ansible Vault: files and inline `!vault` values encrypted by `ansible-vault` (format 1.1 and 1.2
//! with vault ids), read and written the way ansible-core does, so files pass between the tools.
//!
//! The format: a header line `$ANSIBLE_VAULT;1.1;AES256` (1.2 adds `;label`), then the hex of
//! `hex(salt)\nhex(hmac)\nhex(ciphertext)` in lines of 80. Keys come from PBKDF2-HMAC-SHA256 of the
//! password over the salt (10,000 rounds, 80 bytes: AES key, HMAC key, counter IV); the plaintext is
//! PKCS#7-padded and encrypted with AES-256-CTR; the HMAC-SHA256 covers the ciphertext.
//!
//! The passwords of a run are installed once ([`install`]) before anything is loaded: vaulted files
//! and inline values are decrypted where YAML is read (`crate::yaml`), the single place every vars
//! file, inventory file and playbook passes through.

use aes::cipher::{KeyIvInit, StreamCipher};
use hmac::{KeyInit, Mac};
use sha2::Sha256;
use std::path::Path;
use std::sync::OnceLock;

mod command;
mod password;

pub use command::{VaultCommand, run_vault_command};
pub use password::{PasswordSource, VaultArgs, parse_vault_id, prompt_on_terminal, read_password};

const HEADER: &str = "$ANSIBLE_VAULT";
const ROUNDS: u32 = 10_000;
const LINE_WIDTH: usize = 80;
/// The label Ansible gives a password that came without one.
pub const DEFAULT_ID: &str = "default";

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;
type HmacSha256 = hmac::Hmac<Sha256>;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(
        "Attempting to decrypt but no vault secrets found (give --vault-password-file, --vault-id or --ask-vault-pass)"
    )]
    NoSecrets,
    #[error("Decryption failed (no vault secrets were found that could decrypt)")]
    WrongPassword,
    #[error("not a vault: {0}")]
    Format(String),
    #[error("the decrypted content is not UTF-8 text")]
    NotText,
    #[error("vault password {source_name}: {message}")]
    Password {
        source_name: String,
        message: String,
    },
    #[error("no random numbers from the system: {0}")]
    Random(String),
}

/// One password, with the vault id it was given under.
#[derive(Clone)]
pub struct Secret {
    pub label: String,
    password: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({}, ********)", self.label)
    }
}

impl Secret {
    pub fn new(label: &str, password: impl Into<Vec<u8>>) -> Self {
        Secret {
            label: label.to_string(),
            password: password.into(),
        }
    }
}

/// The passwords of this run. Decryption tries the secret whose label the vault names first, then
/// every other one, as ansible-core does by default.
#[derive(Debug, Clone, Default)]
pub struct Secrets(pub Vec<Secret>);

static SECRETS: OnceLock<Secrets> = OnceLock::new();

/// Makes `secrets` the ones every later load decrypts with. Only the first call counts.
pub fn install(secrets: Secrets) {
    let _ = SECRETS.set(secrets);
}

pub(crate) fn installed() -> &'static Secrets {
    static NONE: Secrets = Secrets(Vec::new());
    SECRETS.get().unwrap_or(&NONE)
}

/// Whether `text` is a vault (a whole file, or an inline value).
pub fn is_vault(text: &[u8]) -> bool {
    text.trim_ascii_start().starts_with(HEADER.as_bytes())
}

/// A parsed vault envelope.
struct Envelope {
    label: Option<String>,
    salt: Vec<u8>,
    hmac: Vec<u8>,
    ciphertext: Vec<u8>,
}

fn parse(text: &[u8]) -> Result<Envelope, VaultError> {
    let text = std::str::from_utf8(text).map_err(|_| VaultError::Format("not text".into()))?;
    let mut lines = text.trim().lines();
    let header = lines.next().unwrap_or_default().trim();
    let fields: Vec<&str> = header.split(';').collect();
    let label = match fields.as_slice() {
        [HEADER, "1.1", cipher] | [HEADER, "1.0", cipher] => {
            check_cipher(cipher)?;
            None
        }
        [HEADER, "1.2", cipher, label] => {
            check_cipher(cipher)?;
            Some(label.to_string())
        }
        _ => return Err(VaultError::Format(format!("unknown header {header:?}"))),
    };
    let body: String = lines.map(str::trim).collect();
    let inner = hex::decode(&body).map_err(|e| VaultError::Format(format!("body: {e}")))?;
    let inner =
        std::str::from_utf8(&inner).map_err(|_| VaultError::Format("inner envelope".into()))?;
    let mut parts = inner.split('\n');
    let mut field = |name: &str| -> Result<Vec<u8>, VaultError> {
        let part = parts
            .next()
            .ok_or_else(|| VaultError::Format(format!("no {name}")))?;
        hex::decode(part.trim()).map_err(|e| VaultError::Format(format!("{name}: {e}")))
    };
    Ok(Envelope {
        label,
        salt: field("salt")?,
        hmac: field("hmac")?,
        ciphertext: field("ciphertext")?,
    })
}

fn check_cipher(cipher: &str) -> Result<(), VaultError> {
    if cipher.trim() == "AES256" {
        Ok(())
    } else {
        Err(VaultError::Format(format!(
            "unsupported cipher {cipher:?} (only AES256 exists)"
        )))
    }
}

struct Keys {
    cipher: [u8; 32],
    hmac: [u8; 32],
    iv: [u8; 16],
}

fn derive(password: &[u8], salt: &[u8]) -> Keys {
    let mut out = [0u8; 80];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, ROUNDS, &mut out);
    let mut keys = Keys {
        cipher: [0; 32],
        hmac: [0; 32],
        iv: [0; 16],
    };
    keys.cipher.copy_from_slice(&out[..32]);
    keys.hmac.copy_from_slice(&out[32..64]);
    keys.iv.copy_from_slice(&out[64..]);
    keys
}

fn hmac_of(key: &[u8], data: &[u8]) -> HmacSha256 {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(data);
    mac
}

fn apply_ctr(keys: &Keys, data: &mut [u8]) {
    let mut cipher = Aes256Ctr::new(&keys.cipher.into(), &keys.iv.into());
    cipher.apply_keystream(data);
}

fn decrypt_with(envelope: &Envelope, password: &[u8]) -> Option<Vec<u8>> {
    let keys = derive(password, &envelope.salt);
    hmac_of(&keys.hmac, &envelope.ciphertext)
        .verify_slice(&envelope.hmac)
        .ok()?;
    let mut plain = envelope.ciphertext.clone();
    apply_ctr(&keys, &mut plain);
    unpad(plain)
}

fn unpad(mut data: Vec<u8>) -> Option<Vec<u8>> {
    let pad = usize::from(*data.last()?);
    if pad == 0 || pad > 16 || pad > data.len() {
        return None;
    }
    if !data[data.len() - pad..]
        .iter()
        .all(|&b| usize::from(b) == pad)
    {
        return None;
    }
    data.truncate(data.len() - pad);
    Some(data)
}

impl Secrets {
    /// Decrypts a vault with the first secret that opens it, the vault's own label tried first.
    pub fn decrypt(&self, text: &[u8]) -> Result<Vec<u8>, VaultError> {
        if self.0.is_empty() {
            return Err(VaultError::NoSecrets);
        }
        let envelope = parse(text)?;
        let labelled = self
            .0
            .iter()
            .filter(|s| Some(&s.label) == envelope.label.as_ref());
        let others = self
            .0
            .iter()
            .filter(|s| Some(&s.label) != envelope.label.as_ref());
        labelled
            .chain(others)
            .find_map(|s| decrypt_with(&envelope, &s.password))
            .ok_or(VaultError::WrongPassword)
    }

    /// The secret new vaults are encrypted with: the one labelled `id`, else the first.
    pub fn for_encryption(&self, id: Option<&str>) -> Result<&Secret, VaultError> {
        let found = match id {
            Some(id) => self.0.iter().find(|s| s.label == id),
            None => self.0.first(),
        };
        found.ok_or(VaultError::NoSecrets)
    }
}

/// Encrypts `plain` as ansible-vault does: format 1.1 for the default id, 1.2 with a label.
pub fn encrypt(plain: &[u8], secret: &Secret) -> Result<String, VaultError> {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).map_err(|e| VaultError::Random(e.to_string()))?;
    Ok(encrypt_with_salt(plain, secret, &salt))
}

fn encrypt_with_salt(plain: &[u8], secret: &Secret, salt: &[u8]) -> String {
    let keys = derive(&secret.password, salt);
    let pad = 16 - plain.len() % 16;
    let mut data = plain.to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    apply_ctr(&keys, &mut data);
    let mac = hmac_of(&keys.hmac, &data).finalize().into_bytes();
    let inner = format!(
        "{}\n{}\n{}",
        hex::encode(salt),
        hex::encode(mac),
        hex::encode(&data)
    );
    let body = hex::encode(inner);
    let mut out = if secret.label == DEFAULT_ID {
        format!("{HEADER};1.1;AES256\n")
    } else {
        format!("{HEADER};1.2;AES256;{}\n", secret.label)
    };
    for chunk in body.as_bytes().chunks(LINE_WIDTH) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

/// A file's bytes, decrypted when the file is a vault (with the installed secrets).
pub fn read_file(path: &Path) -> std::io::Result<Result<Vec<u8>, VaultError>> {
    let bytes = std::fs::read(path)?;
    if is_vault(&bytes) {
        let plain = installed().decrypt(&bytes);
        if let Ok(plain) = &plain {
            crate::report::trace::secret_text(&String::from_utf8_lossy(plain));
        }
        Ok(plain)
    } else {
        Ok(Ok(bytes))
    }
}

/// Decrypts a vaulted text with the installed secrets.
pub fn decrypt_installed(text: &[u8]) -> Result<Vec<u8>, VaultError> {
    installed().decrypt(text)
}

/// YAML text with every inline `key: !vault |` block replaced by its decrypted value as a quoted
/// scalar on the tag's line and blank lines for the rest, so line numbers stay true.
pub fn expand_inline(text: &str, secrets: &Secrets) -> Result<String, (usize, VaultError)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let Some(prefix) = vault_tag_prefix(line) else {
            out.push(line.to_string());
            i += 1;
            continue;
        };
        let indent = indent_of(line);
        let mut body = Vec::new();
        let mut j = i + 1;
        while j < lines.len() && (lines[j].trim().is_empty() || indent_of(lines[j]) > indent) {
            body.push(lines[j].trim());
            j += 1;
        }
        let plain = secrets
            .decrypt(body.join("\n").as_bytes())
            .map_err(|e| (i + 1, e))?;
        let plain = String::from_utf8(plain).map_err(|_| (i + 1, VaultError::NotText))?;
        crate::report::trace::secret(&plain);
        let quoted = serde_json::to_string(&plain).unwrap_or_default();
        out.push(format!("{prefix}{quoted}"));
        out.extend(std::iter::repeat_n(String::new(), j - i - 1));
        i = j;
    }
    Ok(out.join("\n"))
}

/// `  password: !vault |` → `  password: ` (what comes before the tag), for a block scalar tag.
fn vault_tag_prefix(line: &str) -> Option<&str> {
    let at = line.find("!vault")?;
    let (before, after) = line.split_at(at);
    let rest = after["!vault".len()..].trim();
    let is_block = matches!(rest, "|" | "|-" | "|+" | ">" | ">-" | ">+");
    let tag_is_a_value = before.trim_end().ends_with(':') || before.trim_end().ends_with('-');
    (is_block && tag_is_a_value).then_some(before)
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by ansible-vault (ansible-core 2.19): `echo -n 'secret data' | ansible-vault encrypt
    /// --vault-password-file <(echo hunter2)`.
    const MADE_BY_ANSIBLE_1_1: &str = include_str!("../../tests/data/vault/ansible-1.1.vault");
    const MADE_BY_ANSIBLE_1_2: &str = include_str!("../../tests/data/vault/ansible-1.2.vault");

    fn secrets(list: &[(&str, &str)]) -> Secrets {
        Secrets(list.iter().map(|(l, p)| Secret::new(l, *p)).collect())
    }

    #[test]
    fn decrypts_what_ansible_vault_made() {
        let s = secrets(&[(DEFAULT_ID, "hunter2")]);
        let plain = s.decrypt(MADE_BY_ANSIBLE_1_1.as_bytes());
        assert_eq!(plain.ok().as_deref(), Some(&b"secret data\n"[..]));
        let s = secrets(&[("other", "nope"), ("dev", "devpass")]);
        let plain = s.decrypt(MADE_BY_ANSIBLE_1_2.as_bytes());
        assert_eq!(plain.ok().as_deref(), Some(&b"dev: true\n"[..]));
    }

    #[test]
    fn wrong_password_is_an_error() {
        let s = secrets(&[(DEFAULT_ID, "wrong")]);
        assert!(matches!(
            s.decrypt(MADE_BY_ANSIBLE_1_1.as_bytes()),
            Err(VaultError::WrongPassword)
        ));
        assert!(matches!(
            Secrets::default().decrypt(MADE_BY_ANSIBLE_1_1.as_bytes()),
            Err(VaultError::NoSecrets)
        ));
    }

    #[test]
    fn round_trips_and_labels() {
        let secret = Secret::new("prod", "pw");
        let text = encrypt(b"x: 1\n", &secret).unwrap_or_default();
        assert!(
            text.starts_with("$ANSIBLE_VAULT;1.2;AES256;prod\n"),
            "{text}"
        );
        assert!(text.lines().skip(1).all(|l| l.len() <= 80));
        let plain = secrets(&[("prod", "pw")]).decrypt(text.as_bytes());
        assert_eq!(plain.ok().as_deref(), Some(&b"x: 1\n"[..]));
        let default = encrypt(b"", &Secret::new(DEFAULT_ID, "pw")).unwrap_or_default();
        assert!(default.starts_with("$ANSIBLE_VAULT;1.1;AES256\n"));
        let plain = secrets(&[("x", "pw")]).decrypt(default.as_bytes());
        assert_eq!(plain.ok().as_deref(), Some(&b""[..]));
    }

    #[test]
    fn tampered_ciphertext_is_refused() {
        let text = encrypt_with_salt(b"hello", &Secret::new(DEFAULT_ID, "pw"), &[7; 32]);
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let last = lines.len() - 1;
        let flipped = if lines[last].ends_with('0') { '1' } else { '0' };
        lines[last].pop();
        lines[last].push(flipped);
        let s = secrets(&[(DEFAULT_ID, "pw")]);
        assert!(s.decrypt(lines.join("\n").as_bytes()).is_err());
    }

    #[test]
    fn garbage_is_a_format_error_not_a_panic() {
        let s = secrets(&[(DEFAULT_ID, "pw")]);
        for text in [
            "$ANSIBLE_VAULT;1.1;AES256\nzz",
            "$ANSIBLE_VAULT;9;AES256\n00",
            "$ANSIBLE_VAULT;1.1;DES\n00",
            "$ANSIBLE_VAULT;1.1;AES256\n",
            "$ANSIBLE_VAULT;1.1;AES256\n6161",
        ] {
            assert!(
                matches!(s.decrypt(text.as_bytes()), Err(VaultError::Format(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn inline_values_keep_line_numbers() {
        let text = "a: 1\ndb_password: !vault |\n          ".to_string()
            + &include_str!("../../tests/data/vault/inline.yml")
                .lines()
                .skip(2)
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("\n          ")
            + "\nlist:\n  - x\n";
        let s = secrets(&[(DEFAULT_ID, "hunter2")]);
        let out = expand_inline(&text, &s).unwrap_or_else(|(l, e)| panic!("{l}: {e}"));
        assert_eq!(out.lines().count(), text.lines().count());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[1], "db_password: \"s3cret value\"");
        assert_eq!(lines[lines.len() - 1], "  - x");
        let wrong = secrets(&[(DEFAULT_ID, "nope")]);
        assert!(matches!(
            expand_inline(&text, &wrong),
            Err((2, VaultError::WrongPassword))
        ));
    }
}
