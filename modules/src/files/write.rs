//! Writing a file atomically, and bringing mode/owner/group in line.

use crate::cmd::quote;
use crate::de::Mode;
use crate::facts::file::FileStat;
use crate::{Cmd, Diff, Step};

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

/// One step that writes `content` to `dest` atomically: a temp file in the same directory gets the
/// content (from stdin), then the wanted — or the old file's — mode and owner, then replaces `dest`.
pub fn atomic_write(
    dest: &str,
    content: Vec<u8>,
    attrs: &Attrs,
    existing: Option<&FileStat>,
    backup: Option<&str>,
) -> Step {
    let dir = match dest.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => dest[..i].to_string(),
        None => ".".to_string(),
    };
    let base = dest.rsplit('/').next().unwrap_or(dest);
    let mut script = format!(
        "d={}; f={}; [ -d \"$d\" ] || {{ echo \"Destination directory $d does not exist\" >&2; exit 1; }}; ",
        quote(&dir),
        quote(dest)
    );
    if let Some(backup) = backup {
        script.push_str(&format!("cp -p -- \"$f\" {} || exit 1; ", quote(backup)));
    }
    script.push_str(&format!(
        "t=$(mktemp \"$d/.{}.drover.XXXXXX\") || exit 1; ",
        base.replace(['\'', '"', '\\', '$', '`'], "_")
    ));
    script.push_str("trap 'rm -f \"$t\"' EXIT; cat > \"$t\" || exit 1; ");
    let is_dir = false;
    match (
        attrs.wanted_mode(existing.map_or(0o644, |s| s.mode), is_dir),
        existing,
    ) {
        (Some(mode), _) => script.push_str(&format!("chmod {mode:04o} \"$t\" || exit 1; ")),
        (None, Some(old)) => script.push_str(&format!("chmod {:04o} \"$t\" || exit 1; ", old.mode)),
        // A new file gets the umask's default, as if created with `>`, not mktemp's 0600.
        (None, None) => {
            script.push_str("chmod $(printf '%o' $((0666 & ~0$(umask)))) \"$t\" || exit 1; ")
        }
    }
    let owner = attrs
        .owner
        .clone()
        .or_else(|| existing.map(|s| s.uid.to_string()));
    let group = attrs
        .group
        .clone()
        .or_else(|| existing.map(|s| s.gid.to_string()));
    let spec = Attrs {
        mode: None,
        owner,
        group,
    }
    .chown_spec();
    if let Some(spec) = spec {
        script.push_str(&format!("chown {spec} \"$t\" || exit 1; "));
    }
    script.push_str("mv -f -- \"$t\" \"$f\" && trap - EXIT");
    Step::with_stdin(Cmd::new(&script), content)
}

/// Ansible's backup name: `dest.YYYY-MM-DD@HH:MM:SS~` (UTC here).
pub fn backup_name(dest: &str, now_unix: u64) -> String {
    let (days, secs) = (now_unix / 86_400, now_unix % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{dest}.{y:04}-{m:02}-{d:02}@{:02}:{:02}:{:02}~",
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
mod tests {
    use super::*;

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
            "/etc/x.2023-11-14@22:13:20~"
        );
    }
}
