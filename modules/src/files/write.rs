//! Writing a file atomically, and bringing mode/owner/group in line.

use crate::cmd::quote;
use crate::de::Mode;
use crate::facts::file::FileStat;
use crate::{Cmd, Diff, Step};
use sha1::{Digest, Sha1};

/// `mode`, `owner`, `group` as every file module takes them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs {
    pub mode: Option<Mode>,
    pub owner: Option<String>,
    pub group: Option<String>,
}

impl Attrs {
    pub fn new(mode: Option<Mode>, owner: Option<String>, group: Option<String>) -> Self {
        Attrs { mode, owner, group }
    }

    /// The mode the file should end with, given its current mode (symbolic modes apply to it).
    pub fn wanted_mode(&self, current: u32, is_dir: bool) -> Option<u32> {
        match self.mode.as_ref()? {
            Mode::Octal(m) => Some(*m),
            Mode::Symbolic(s) => Some(apply_symbolic(current, s, is_dir)),
        }
    }

    /// The commands that bring an existing path's mode/owner/group in line (`None`: already right).
    pub fn fix(&self, path: &str, stat: &FileStat, recurse: bool) -> Option<Cmd> {
        let is_dir = stat.kind == crate::facts::file::FileKind::Directory;
        let flag = if recurse { "-R " } else { "" };
        let mut parts = Vec::new();
        if let Some(mode) = self.wanted_mode(stat.mode, is_dir)
            && (mode != stat.mode || recurse)
        {
            parts.push(format!(
                "chmod {flag}{} -- {}",
                mode_text(mode, self),
                quote(path)
            ));
        }
        let owner_differs = self
            .owner
            .as_ref()
            .is_some_and(|o| o != &stat.owner && o != &stat.uid.to_string());
        let group_differs = self
            .group
            .as_ref()
            .is_some_and(|g| g != &stat.group && g != &stat.gid.to_string());
        if owner_differs
            || group_differs
            || (recurse && (self.owner.is_some() || self.group.is_some()))
        {
            parts.push(format!(
                "chown {flag}{} -- {}",
                self.chown_spec()?,
                quote(path)
            ));
        }
        (!parts.is_empty()).then(|| Cmd::new(&parts.join(" && ")))
    }

    fn chown_spec(&self) -> Option<String> {
        match (&self.owner, &self.group) {
            (Some(o), Some(g)) => Some(quote(&format!("{o}:{g}"))),
            (Some(o), None) => Some(quote(o)),
            (None, Some(g)) => Some(quote(&format!(":{g}"))),
            (None, None) => None,
        }
    }
}

fn mode_text(mode: u32, attrs: &Attrs) -> String {
    match &attrs.mode {
        Some(Mode::Symbolic(s)) => quote(s),
        _ => format!("{mode:04o}"),
    }
}

/// A file's new content with the checksums the target verifies it against before installing it.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    bytes: Vec<u8>,
    sha1: String,
}

impl Content {
    pub fn new(bytes: Vec<u8>) -> Self {
        let sha1 = hex::encode(Sha1::digest(&bytes));
        Content { bytes, sha1 }
    }

    /// Hex SHA-1, Ansible's `checksum`.
    pub fn sha1(&self) -> &str {
        &self.sha1
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// What the write step reads on stdin: one header line `LEN SHA1 CKSUM`, then the bytes.
    /// The expected length and checksums travel on stdin, not in the command line: the SHA-1 of a
    /// `no_log` password in a target's process list would invite a dictionary attack.
    fn into_stream(self) -> Vec<u8> {
        let header = format!(
            "{} {} {}\n",
            self.bytes.len(),
            self.sha1,
            posix_cksum(&self.bytes)
        );
        let mut stream = Vec::with_capacity(header.len() + self.bytes.len());
        stream.extend_from_slice(header.as_bytes());
        stream.extend(self.bytes);
        stream
    }
}

/// Ansible's `validate: 'cmd %s'`: a command (split like a shell would, run without one, as
/// Ansible runs it) in which `%s` names the file to be installed.
#[derive(Debug, Clone, PartialEq)]
pub struct Validate {
    words: Vec<String>,
}

impl Validate {
    pub fn parse(text: &str) -> Result<Validate, crate::ModuleError> {
        let bad = |why: &str| crate::ModuleError::Params(format!("validate {why}: {text}"));
        if !text.contains("%s") {
            return Err(bad("must contain %s"));
        }
        let words = shlex::split(text).ok_or_else(|| bad("has unbalanced quotes"))?;
        if words.is_empty() {
            return Err(bad("is empty"));
        }
        Ok(Validate { words })
    }

    /// `Some` when the task asks for validation; a bad command is a parameter error.
    pub fn from_param(text: Option<&str>) -> Result<Option<Validate>, crate::ModuleError> {
        text.map(Validate::parse).transpose()
    }

    /// Runs the command on `"$t"`; its output goes to stderr, where the failed step reports it.
    fn script(&self) -> String {
        let words: Vec<String> = self
            .words
            .iter()
            .map(|w| {
                w.split("%s")
                    .map(|part| {
                        if part.is_empty() {
                            String::new()
                        } else {
                            quote(part)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\"$t\"")
            })
            .collect();
        format!(
            "v=$({} 2>&1) || {{ printf 'failed to validate: %s\\n' \"$v\" >&2; exit 1; }}; ",
            words.join(" ")
        )
    }
}

/// A temp file of ours this many minutes old is abandoned (its writer died with its host): a live
/// writer's temp file is younger, as every chunk received touches it.
const STALE_TEMP_MINUTES: u32 = 5;

/// The longest destination name kept whole in the temp file's name (NAME_MAX 255 minus our affixes).
const TEMP_BASE_MAX: usize = 240;

/// One step that writes `content` to `dest` atomically.
///
/// On the target: stale temp files of this destination are removed, a temp file beside `dest`
/// receives the content from stdin, and only when it has exactly the length and checksum sent does
/// it get the wanted (or the old file's) mode and owner, the backup is taken, and it replaces `dest`.
/// Any failure — input cut short, disk full, a signal — removes the temp file and leaves `dest` as
/// it was. Every module that writes a file goes through here.
pub fn atomic_write(
    dest: &str,
    content: Content,
    attrs: &Attrs,
    existing: Option<&FileStat>,
    backup: Option<&str>,
) -> Step {
    atomic_write_validated(dest, content, attrs, existing, backup, None)
}

/// [`atomic_write`], and before anything is installed (or backed up) `validate` checks the temp
/// file, which carries the final mode and owner: a command that fails leaves `dest` as it was.
pub fn atomic_write_validated(
    dest: &str,
    content: Content,
    attrs: &Attrs,
    existing: Option<&FileStat>,
    backup: Option<&str>,
    validate: Option<&Validate>,
) -> Step {
    let (dir, base) = split_dest(dest);
    let prefix = temp_prefix(base);
    let script = [
        format!("d={}; f={}; ", quote(&dir), quote(dest)),
        "[ -d \"$d\" ] || { echo \"Destination directory $d does not exist\" >&2; exit 1; }; "
            .to_string(),
        remove_temp_on_exit(),
        remove_stale_temps(&prefix),
        receive(&prefix),
        verify_length(),
        verify_checksum(),
        set_attrs(attrs, existing),
        validate.map_or_else(String::new, Validate::script),
        backup.map_or_else(String::new, |b| {
            // A backup cut short by a full disk is no backup: it goes too.
            format!(
                "cp -p -- \"$f\" {b} || {{ rm -f -- {b}; exit 1; }}; ",
                b = quote(b)
            )
        }),
        "mv -f -- \"$t\" \"$f\" || exit 1; t=".to_string(),
    ]
    .concat();
    Step::with_stdin(Cmd::new(&script), content.into_stream())
}

/// A controller file pushed to a temp file on the target (`$t`, in `$TMPDIR` or /tmp), verified
/// like [`atomic_write`] verifies, then `use_it` (shell text of drover's reading `"$t"`) runs; the
/// temp file goes when the shell ends, however it ends. `label` names the file in errors. A script
/// cut short by a dropped connection is never run: the length and checksum checks come first.
pub(crate) fn push_temp(content: Content, label: &str, use_it: &str) -> Step {
    let script = [
        format!("f={}; ", quote(label)),
        remove_temp_on_exit(),
        "IFS=' ' read -r n s c || { echo 'drover: no content received' >&2; exit 1; }; \
         t=$(mktemp \"${TMPDIR:-/tmp}/.drover.XXXXXX\") || { t=; exit 1; }; \
         cat > \"$t\" || exit 1; "
            .to_string(),
        verify_length(),
        verify_checksum(),
        use_it.to_string(),
    ]
    .concat();
    Step::with_stdin(Cmd::new(&script), content.into_stream())
}

/// A file the target itself fills (a download), installed the way [`atomic_write`] installs: a
/// temp file `"$t"` beside `dest`, `fill` (shell text) writes it and fails the step (`exit 1`) on
/// any doubt — a failed request, a checksum that does not match — before anything is installed;
/// when `install_if` (a shell condition) holds and the bytes differ from `dest`'s, the attributes
/// are set and it is renamed over `dest` (`w=yes`, else `w=no`). `report` runs last (the content
/// is then in `"$b"`). `stdin` feeds `fill` (a request's config, never file content).
pub(crate) fn fill_and_install(
    dest: &str,
    attrs: &Attrs,
    existing: Option<&FileStat>,
    parts: Fill<'_>,
    stdin: Vec<u8>,
) -> Step {
    let (dir, base) = split_dest(dest);
    let prefix = temp_prefix(base);
    let script = [
        format!("d={}; f={}; ", quote(&dir), quote(dest)),
        "[ -d \"$d\" ] || { echo \"Destination $d does not exist\" >&2; exit 1; }; ".to_string(),
        parts.require.to_string(),
        remove_temp_on_exit(),
        remove_stale_temps(&prefix),
        format!(
            "t=$(mktemp \"$d\"/{}) || {{ t=; exit 1; }}; ",
            quote(&format!("{prefix}XXXXXX"))
        ),
        parts.fill.to_string(),
        format!(
            "w=no; b=$t; if {}; then if [ -f \"$f\" ] && cmp -s \"$t\" \"$f\"; then :; else ",
            parts.install_if
        ),
        set_attrs(attrs, existing),
        "mv -f -- \"$t\" \"$f\" || exit 1; t=; b=$f; w=yes; fi; fi; ".to_string(),
        parts.report.to_string(),
    ]
    .concat();
    Step::with_stdin(Cmd::new(&script), stdin)
}

/// The shell text of a [`fill_and_install`].
pub(crate) struct Fill<'a> {
    /// Checks before anything is made (the tool the fill needs).
    pub require: &'a str,
    pub fill: &'a str,
    pub install_if: &'a str,
    pub report: &'a str,
}

/// The destination's directory (made safe to pass as a `find` operand) and its file name.
pub(crate) fn split_dest(dest: &str) -> (String, &str) {
    let (dir, base) = match dest.rfind('/') {
        Some(0) => ("/".to_string(), &dest[1..]),
        Some(i) => (dest[..i].to_string(), &dest[i + 1..]),
        None => (".".to_string(), dest),
    };
    let dir = if dir.starts_with('/') || dir.starts_with('.') {
        dir
    } else {
        format!("./{dir}")
    };
    (dir, base)
}

/// `.NAME.drover.`: the temp file's name before mktemp's six random characters.
pub(crate) fn temp_prefix(base: &str) -> String {
    let mut end = base.len().min(TEMP_BASE_MAX);
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    format!(".{}.drover.", &base[..end])
}

/// The temp file goes whenever the shell ends without installing it, also on a signal (a signal
/// without a trap would end the shell without running the EXIT trap) and on SIGPIPE, which is what
/// the shell gets when it reports an error to a connection that is gone.
pub(crate) fn remove_temp_on_exit() -> String {
    "t=; trap '[ -z \"$t\" ] || rm -f -- \"$t\"' EXIT; \
     trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM; "
        .to_string()
}

/// Removes temp files of this destination left by a writer whose host died: only names of exactly
/// our pattern, only regular files, only in that directory, only when abandoned. Best effort.
fn remove_stale_temps(prefix: &str) -> String {
    format!(
        "find \"$d\" -maxdepth 1 -type f -name {} -mmin +{STALE_TEMP_MINUTES} -exec rm -f -- {{}} + 2>/dev/null; ",
        quote(&format!("{}??????", glob_escape(prefix)))
    )
}

fn glob_escape(s: &str) -> String {
    s.chars().fold(String::new(), |mut out, c| {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

/// Reads the header (`n`: length, `s`: SHA-1, `c`: POSIX cksum) and then the content to its end.
/// Input that stops early (a cut connection, a killed controller) is only end of input to `cat`:
/// the checks below catch it.
fn receive(prefix: &str) -> String {
    format!(
        "IFS=' ' read -r n s c || {{ echo 'drover: no content received' >&2; exit 1; }}; \
         t=$(mktemp \"$d\"/{}) || {{ t=; exit 1; }}; \
         cat > \"$t\" || exit 1; ",
        quote(&format!("{prefix}XXXXXX"))
    )
}

fn verify_length() -> String {
    "g=$(wc -c < \"$t\") && [ $g -eq \"$n\" ] || \
     { echo \"drover: $f: received ${g:-?} of $n bytes, left unchanged\" >&2; exit 1; }; "
        .to_string()
}

/// SHA-1 with the first tool the target has; POSIX `cksum` (always there) as the last resort.
fn verify_checksum() -> String {
    "if command -v sha1sum >/dev/null 2>&1; then h=$(sha1sum < \"$t\"); h=${h%% *}; \
     elif command -v shasum >/dev/null 2>&1; then h=$(shasum -a 1 < \"$t\"); h=${h%% *}; \
     elif command -v openssl >/dev/null 2>&1; then h=$(openssl dgst -sha1 < \"$t\"); h=${h##* }; \
     elif command -v cksum >/dev/null 2>&1; then h=$(cksum < \"$t\"); s=\"$c $n\"; \
     else echo \"drover: no sha1sum, shasum, openssl or cksum on the target to verify $f, left unchanged\" >&2; exit 1; fi; \
     [ \"$h\" = \"$s\" ] || { echo \"drover: $f: content received does not match its checksum, left unchanged\" >&2; exit 1; }; "
        .to_string()
}

/// The wanted mode, else the old file's, else the umask's default for a new file (as if created
/// with `>`, not mktemp's 0600); the wanted owner/group, else the old file's.
pub(crate) fn set_attrs(attrs: &Attrs, existing: Option<&FileStat>) -> String {
    let mut script = match (
        attrs.wanted_mode(existing.map_or(0o644, |s| s.mode), false),
        existing,
    ) {
        (Some(mode), _) => format!("chmod {mode:04o} \"$t\" || exit 1; "),
        (None, Some(old)) => format!("chmod {:04o} \"$t\" || exit 1; ", old.mode),
        (None, None) => {
            "chmod $(printf '%o' $((0666 & ~0$(umask)))) \"$t\" || exit 1; ".to_string()
        }
    };
    let spec = Attrs {
        mode: None,
        owner: attrs
            .owner
            .clone()
            .or_else(|| existing.map(|s| s.uid.to_string())),
        group: attrs
            .group
            .clone()
            .or_else(|| existing.map(|s| s.gid.to_string())),
    }
    .chown_spec();
    if let Some(spec) = spec {
        script.push_str(&format!("chown {spec} \"$t\" || exit 1; "));
    }
    script
}

/// The CRC POSIX `cksum` prints (polynomial 0x04C11DB7, MSB first, the length appended).
/// Eight bytes a step (slice-by-8): a 50 MB file costs a fraction of its SHA-1, not twice it.
pub fn posix_cksum(data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(8);
    let mut crc = 0u32;
    for c in &mut chunks {
        let t = &CKSUM_TABLES;
        let x = crc ^ u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        crc = t[7][(x >> 24) as usize]
            ^ t[6][(x >> 16 & 0xff) as usize]
            ^ t[5][(x >> 8 & 0xff) as usize]
            ^ t[4][(x & 0xff) as usize]
            ^ t[3][usize::from(c[4])]
            ^ t[2][usize::from(c[5])]
            ^ t[1][usize::from(c[6])]
            ^ t[0][usize::from(c[7])];
    }
    crc = chunks
        .remainder()
        .iter()
        .fold(crc, |crc, &b| cksum_byte(crc, b));
    let mut len = data.len() as u64;
    while len != 0 {
        crc = cksum_byte(crc, len as u8);
        len >>= 8;
    }
    !crc
}

fn cksum_byte(crc: u32, byte: u8) -> u32 {
    (crc << 8) ^ CKSUM_TABLES[0][usize::from((crc >> 24) as u8 ^ byte)]
}

/// `[k][i]`: the CRC register after byte `i` followed by `k` zero bytes.
const CKSUM_TABLES: [[u32; 256]; 8] = {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 0x8000_0000 != 0 {
                (c << 1) ^ 0x04C1_1DB7
            } else {
                c << 1
            };
            bit += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev << 8) ^ t[0][(prev >> 24) as usize];
            i += 1;
        }
        k += 1;
    }
    t
};

/// Ansible's backup name: `dest.PID.YYYY-MM-DD@HH:MM:SS~` (the PID is drover's, the time UTC).
pub fn backup_name(dest: &str, now_unix: u64) -> String {
    let (days, secs) = (now_unix / 86_400, now_unix % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{dest}.{}.{y:04}-{m:02}-{d:02}@{:02}:{:02}:{:02}~",
        std::process::id(),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A text diff of a file's content, when both sides are text.
pub fn content_diff(dest: &str, before: Option<&[u8]>, after: &[u8]) -> Option<Diff> {
    let before = std::str::from_utf8(before.unwrap_or_default()).ok()?;
    let after = std::str::from_utf8(after).ok()?;
    Some(Diff {
        before_header: dest.to_string(),
        after_header: dest.to_string(),
        before: before.to_string(),
        after: after.to_string(),
    })
}

/// Applies a symbolic mode (`u+x,go-w`, `a=rX`) to `mode`, as chmod does.
pub fn apply_symbolic(mode: u32, spec: &str, is_dir: bool) -> u32 {
    let mut mode = mode;
    for clause in spec.split(',') {
        let Some(op_at) = clause.find(['+', '-', '=']) else {
            continue;
        };
        let who = &clause[..op_at];
        let who_mask = if who.is_empty() || who.contains('a') {
            0o7777
        } else {
            who.chars().fold(0, |m, c| {
                m | match c {
                    'u' => 0o4700,
                    'g' => 0o2070,
                    'o' => 0o1007,
                    _ => 0,
                }
            })
        };
        let op = clause.as_bytes()[op_at];
        let perms = &clause[op_at + 1..];
        let executable = is_dir || mode & 0o111 != 0;
        let bits = perms.chars().fold(0u32, |b, c| {
            b | match c {
                'r' => 0o444,
                'w' => 0o222,
                'x' => 0o111,
                'X' if executable => 0o111,
                's' => 0o6000,
                't' => 0o1000,
                _ => 0,
            }
        }) & who_mask;
        mode = match op {
            b'+' => mode | bits,
            b'-' => mode & !bits,
            _ => (mode & !(who_mask & 0o7777 & !0o7000 | (who_mask & 0o7000))) | bits,
        };
    }
    mode
}

#[cfg(test)]
mod tests;
