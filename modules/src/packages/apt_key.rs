//! `apt_key` without apt-key or gpg: OpenPGP keys as keyring files apt reads directly. The key
//! (`data`, or `file` on the target) is read on the controller: its fingerprint comes from its
//! primary key packet (v4: SHA-1 of the packet), so `id` is checked and presence is known without
//! gpg. One query reads the keyrings apt trusts (`/etc/apt/trusted.gpg`, `trusted.gpg.d/*`) or
//! `keyring`. A missing key is written to `keyring` (a `.gpg` keyring gets binary packets, appended
//! to the keys it has) or to `/etc/apt/trusted.gpg.d/KEYID.asc|gpg`. `url`/`keyserver` are refused:
//! nothing is fetched from the network here.

use crate::de::{Mode, base64_decode};
use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use sha1::{Digest, Sha1};
use std::collections::BTreeMap;

pub struct AptKey;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub data: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub file: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub keyring: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub keyserver: Option<String>,
    #[serde(default)]
    pub state: super::apt_repository::RepoState,
    #[serde(default, deserialize_with = "crate::de::opt_boolean")]
    pub validate_certs: Option<bool>,
}

const TRUSTED: &str = "/etc/apt/trusted.gpg";
const TRUSTED_DIR: &str = "/etc/apt/trusted.gpg.d";

/// Binary OpenPGP packets from armored or binary key data.
fn packets_of(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(bytes);
    let Some(start) = text.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") else {
        return Some(bytes.to_vec());
    };
    let body = &text[start..];
    let end = body.find("-----END PGP PUBLIC KEY BLOCK-----")?;
    let lines: Vec<&str> = body[..end].lines().skip(1).collect();
    // Armor headers end at the first empty line; the checksum line starts with '='.
    let data: String = lines
        .iter()
        .skip_while(|l| l.contains(':'))
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('='))
        .collect();
    base64_decode(&data)
}

/// The fingerprints (upper-case hex) of the primary keys (packet tag 6) in a keyring.
fn fingerprints(packets: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < packets.len() {
        let Some((tag, body, next)) = packet(packets, at) else {
            break;
        };
        if tag == 6 && body.first() == Some(&4) {
            let mut hasher = Sha1::new();
            hasher.update([0x99, (body.len() >> 8) as u8, body.len() as u8]);
            hasher.update(body);
            out.push(hex::encode_upper(hasher.finalize()));
        }
        at = next;
    }
    out
}

/// One packet at `at`: its tag, body and where the next begins (old and new formats).
fn packet(data: &[u8], at: usize) -> Option<(u8, &[u8], usize)> {
    let head = *data.get(at)?;
    if head & 0x80 == 0 {
        return None;
    }
    let (tag, len, start) = if head & 0x40 != 0 {
        let first = *data.get(at + 1)? as usize;
        match first {
            0..=191 => (head & 0x3f, first, at + 2),
            192..=223 => {
                let second = *data.get(at + 2)? as usize;
                (head & 0x3f, ((first - 192) << 8) + second + 192, at + 3)
            }
            255 => {
                let b = data.get(at + 2..at + 6)?;
                let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                (head & 0x3f, len, at + 6)
            }
            _ => return None,
        }
    } else {
        let tag = (head >> 2) & 0x0f;
        match head & 3 {
            0 => (tag, *data.get(at + 1)? as usize, at + 2),
            1 => {
                let b = data.get(at + 1..at + 3)?;
                (tag, u16::from_be_bytes([b[0], b[1]]) as usize, at + 3)
            }
            2 => {
                let b = data.get(at + 1..at + 5)?;
                (
                    tag,
                    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
                    at + 5,
                )
            }
            _ => return None,
        }
    };
    let body = data.get(start..start + len)?;
    Some((tag, body, start + len))
}

fn matches(fingerprint: &str, id: &str) -> bool {
    let id = id
        .trim()
        .trim_start_matches("0x")
        .replace(' ', "")
        .to_uppercase();
    !id.is_empty() && fingerprint.ends_with(&id)
}

fn is_armored(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes).contains("-----BEGIN PGP PUBLIC KEY BLOCK-----")
}

#[async_trait::async_trait]
impl Module for AptKey {
    type Params = Params;
    const NAME: &'static str = "apt_key";
    const DOC: Written = Written {
        description: "Puts an OpenPGP key apt trusts in a keyring file (no apt-key, no gpg on the target): the key's fingerprint is read from its packets, so an installed key is left alone. Prefer a key file + `deb822_repository` `signed_by`.",
        example: "- apt_key:\n    data: \"{{ lookup('file', 'example.asc') }}\"\n    keyring: /etc/apt/keyrings/example.gpg\n",
        args: &[
            (
                "id",
                "",
                "The key's id or fingerprint (its end): checked against the key; required for `absent`.",
            ),
            ("data", "", "The key, armored or binary."),
            ("file", "", "A key file on the target."),
            (
                "keyring",
                "",
                "The keyring file (`.gpg`: binary, appended to; `.asc`: one armored key); default `/etc/apt/trusted.gpg.d/KEYID.asc|gpg`.",
            ),
            (
                "url",
                "",
                "Refused: nothing is fetched from the network (use `get_url`, then `file`).",
            ),
            ("keyserver", "", "Refused, as `url`."),
            (
                "state",
                "present",
                "`absent` removes the files that hold only this key.",
            ),
            ("validate_certs", "", "Accepted (only `url` uses it)."),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        let err = |m: String| Err(ModuleError::Params(m));
        if let Some(source) = p.url.as_ref().or(p.keyserver.as_ref()) {
            return err(format!(
                "{source}: drover fetches no keys from the network here; download the key with get_url (to /etc/apt/keyrings/NAME.asc) and give it to deb822_repository's signed_by, or to apt_key as file"
            ));
        }
        if p.data.is_some() && p.file.is_some() {
            return err("parameters are mutually exclusive: data|file".into());
        }
        let absent = p.state == super::apt_repository::RepoState::Absent;
        if absent && p.id.is_none() {
            return err("state is absent but all of the following are missing: id".into());
        }
        if !absent && p.data.is_none() && p.file.is_none() {
            return err(
                "one of data or file is required (url and keyserver are not supported)".into(),
            );
        }
        Ok(())
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let mut paths = match &p.keyring {
            Some(k) => vec![crate::cmd::quote(k)],
            None => vec![
                TRUSTED.to_string(),
                format!("{TRUSTED_DIR}/*.gpg"),
                format!("{TRUSTED_DIR}/*.asc"),
            ],
        };
        if let Some(f) = &p.file {
            paths.push(crate::cmd::quote(f));
        }
        let script = format!(
            "for f in {}; do [ -f \"$f\" ] || continue; echo \"@@file $f\"; base64 < \"$f\" || exit 1; done; echo @@end",
            paths.join(" ")
        );
        let out = host.query(&Cmd::new(&script)).await?;
        let files = read_files(&out.stdout);
        let absent = p.state == super::apt_repository::RepoState::Absent;
        if absent {
            return plan_absent(&p, &files);
        }
        let key = match (&p.data, &p.file) {
            (Some(data), _) => data.as_bytes().to_vec(),
            (None, Some(f)) => match files.get(f) {
                Some(bytes) => bytes.clone(),
                None => return Ok(Plan::fail(format!("Unable to read the key file {f}"))),
            },
            (None, None) => return Ok(Plan::fail("no key data given")),
        };
        let Some(packets) = packets_of(&key) else {
            return Ok(Plan::fail("the key data is not an OpenPGP public key"));
        };
        let Some(fingerprint) = fingerprints(&packets).into_iter().next() else {
            return Ok(Plan::fail("the key data holds no (v4) OpenPGP public key"));
        };
        if let Some(id) = p.id.as_deref().filter(|id| !matches(&fingerprint, id)) {
            return Ok(Plan::fail(format!(
                "key id {id} does not match the key given ({fingerprint})"
            )));
        }
        let plan = Plan::ok()
            .set("fp", fingerprint.clone())
            .set("id", fingerprint[24..].to_string());
        // The keyring asked for, else the ones apt trusts (`file` itself may be one of them).
        let trusted = files.iter().filter(|(path, _)| match &p.keyring {
            Some(k) => *path == k,
            None => *path == TRUSTED || path.starts_with(&format!("{TRUSTED_DIR}/")),
        });
        let known = trusted.clone().any(|(_, bytes)| {
            packets_of(bytes).is_some_and(|pk| fingerprints(&pk).contains(&fingerprint))
        });
        if known {
            return Ok(plan);
        }
        let (dest, content) = match &p.keyring {
            Some(k) if k.ends_with(".asc") => {
                if !is_armored(&key) {
                    return Ok(Plan::fail(format!(
                        "{k}: a binary key goes to a .gpg keyring"
                    )));
                }
                if files.contains_key(k) {
                    return Ok(Plan::fail(format!(
                        "{k} holds another key: an .asc file holds one; use a .gpg keyring"
                    )));
                }
                (k.clone(), key.clone())
            }
            Some(k) => {
                let mut bytes = files.get(k).cloned().unwrap_or_default();
                bytes.extend(&packets);
                (k.clone(), bytes)
            }
            None => {
                let ext = if is_armored(&key) { "asc" } else { "gpg" };
                (
                    format!("{TRUSTED_DIR}/{}.{ext}", &fingerprint[24..]),
                    key.clone(),
                )
            }
        };
        let mut plan = plan;
        let attrs = crate::files::write::Attrs::new(Some(Mode::Octal(0o644)), None, None);
        plan.steps.push(crate::files::write::atomic_write(
            &dest,
            crate::files::write::Content::new(content),
            &attrs,
            None,
            None,
        ));
        Ok(plan.set("keyring", dest))
    }
}

fn read_files(stdout: &str) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for block in stdout.split("@@file ").skip(1) {
        let block = block.split("@@end").next().unwrap_or(block);
        let Some((path, body)) = block.split_once('\n') else {
            continue;
        };
        let text: String = body.split_whitespace().collect();
        files.insert(path.to_string(), base64_decode(&text).unwrap_or_default());
    }
    files
}

fn plan_absent(p: &Params, files: &BTreeMap<String, Vec<u8>>) -> Result<Plan, ModuleError> {
    let id = p.id.as_deref().unwrap_or_default();
    let mut plan = Plan::ok();
    for (path, bytes) in files {
        let prints = packets_of(bytes)
            .map(|pk| fingerprints(&pk))
            .unwrap_or_default();
        if !prints.iter().any(|f| matches(f, id)) {
            continue;
        }
        if prints.iter().any(|f| !matches(f, id)) {
            return Ok(Plan::fail(format!(
                "key {id} shares {path} with other keys: removing one key from a keyring is not supported yet"
            )));
        }
        plan.steps
            .push(crate::Step::run(Cmd::new("rm -f --").arg(path)));
    }
    Ok(plan)
}
