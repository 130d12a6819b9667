//! One file's state in one round trip: type, mode, owner, size, mtime, link target, checksum and (when
//! asked) its content, base64-encoded so any byte survives.

use crate::cmd::quote;
use crate::{Cmd, CmdOutput, ModuleError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Directory,
    Link,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStat {
    pub kind: FileKind,
    pub mode: u32,
    pub owner: String,
    pub group: String,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub mtime: i64,
    pub inode: u64,
    pub link_target: Option<String>,
    /// Hex digest with the algorithm asked for (sha1 by default), regular files only.
    pub checksum: Option<String>,
    /// The file's bytes, when asked for and a regular file.
    pub content: Option<Vec<u8>>,
}

impl FileStat {
    /// A path about to be created: nothing about it is known, so every attribute asked for differs.
    pub fn unknown(kind: FileKind) -> Self {
        FileStat {
            kind,
            mode: u32::MAX,
            owner: String::new(),
            group: String::new(),
            uid: u32::MAX,
            gid: u32::MAX,
            size: 0,
            mtime: 0,
            inode: 0,
            link_target: None,
            checksum: None,
            content: None,
        }
    }
}

/// What to read besides the inode's metadata.
#[derive(Debug, Clone, Copy, Default)]
pub struct Want {
    pub checksum: Option<&'static str>,
    pub content: bool,
    /// Stat the link's target instead of the link (`follow`).
    pub follow: bool,
}

/// The query. Absent paths print `absent`; otherwise tagged lines (`stat:`, `link:`, `sum:`, `content:`).
pub fn query(path: &str, want: Want) -> Cmd {
    let stat = if want.follow { "stat -L" } else { "stat" };
    let mut script = format!(
        "p={p}; if [ -e \"$p\" ] || [ -h \"$p\" ]; then {stat} -c 'stat:%F|%a|%U|%G|%u|%g|%s|%Y|%i' -- \"$p\" || exit 1; \
         if [ -h \"$p\" ]; then printf 'link:%s\\n' \"$(readlink -- \"$p\")\"; fi; ",
        p = quote(path)
    );
    let regular = if want.follow {
        "[ -f \"$p\" ]"
    } else {
        "[ -f \"$p\" ] && [ ! -h \"$p\" ]"
    };
    if let Some(tool) = want.checksum {
        script.push_str(&format!(
            "if {regular}; then printf 'sum:'; {tool} < \"$p\" | cut -d' ' -f1; fi; "
        ));
    }
    if want.content {
        script.push_str(&format!(
            "if {regular}; then echo content:; base64 < \"$p\"; fi; "
        ));
    }
    script.push_str("else echo absent; fi");
    Cmd::new(&script)
}

/// The state of the file whose [`query`] a module's query appended after its own sections, under an
/// `@@file` line: `None` when the path does not exist.
pub fn parse_section(out: &CmdOutput) -> Result<Option<FileStat>, ModuleError> {
    let text = out.stdout.split_once("@@file\n").map_or("", |(_, f)| f);
    parse(&CmdOutput {
        stdout: text.to_string(),
        ..out.clone()
    })
}

/// A file's content as text (empty when the file is absent or its content was not read): the
/// small files modules edit line by line.
pub fn text_of(stat: Option<&FileStat>) -> String {
    stat.and_then(|s| s.content.as_deref())
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .unwrap_or_default()
}

/// Parses the query's output: `None` when the path does not exist.
pub fn parse(out: &CmdOutput) -> Result<Option<FileStat>, ModuleError> {
    if out.rc != 0 {
        return Err(ModuleError::Failed(format!(
            "could not read the file's state: {}",
            out.stderr.trim()
        )));
    }
    let mut lines = out.stdout.lines();
    let first = lines.next().unwrap_or("");
    if first == "absent" {
        return Ok(None);
    }
    let fields: Vec<&str> = first
        .strip_prefix("stat:")
        .map(|s| s.split('|').collect())
        .unwrap_or_default();
    let [kind, mode, owner, group, uid, gid, size, mtime, inode] = fields.as_slice() else {
        return Err(ModuleError::Failed(format!(
            "unexpected stat output: {first:?}"
        )));
    };
    let num = |s: &str| s.parse::<u64>().unwrap_or(0);
    let mut stat = FileStat {
        kind: match *kind {
            "regular file" | "regular empty file" => FileKind::File,
            "directory" => FileKind::Directory,
            "symbolic link" => FileKind::Link,
            _ => FileKind::Other,
        },
        mode: u32::from_str_radix(mode, 8).unwrap_or(0),
        owner: owner.to_string(),
        group: group.to_string(),
        uid: num(uid) as u32,
        gid: num(gid) as u32,
        size: num(size),
        mtime: mtime.parse().unwrap_or(0),
        inode: num(inode),
        link_target: None,
        checksum: None,
        content: None,
    };
    let mut content_b64: Option<String> = None;
    for line in lines {
        if let Some(target) = line.strip_prefix("link:") {
            stat.link_target = Some(target.to_string());
        } else if let Some(sum) = line.strip_prefix("sum:") {
            stat.checksum = Some(sum.trim().to_string());
        } else if line == "content:" {
            content_b64 = Some(String::new());
        } else if let Some(b64) = content_b64.as_mut() {
            b64.push_str(line.trim());
        }
    }
    if let Some(b64) = content_b64 {
        stat.content =
            Some(crate::de::base64_decode(&b64).ok_or_else(|| {
                ModuleError::Failed("could not decode the file's content".into())
            })?);
    }
    Ok(Some(stat))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(stdout: &str) -> CmdOutput {
        CmdOutput {
            rc: 0,
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    #[test]
    fn parses_a_regular_file_with_checksum_and_content() {
        let s = parse(&out("stat:regular file|644|root|adm|0|4|6|1700000000|42\nsum:f572d396fae9206628714fb2ce00f72e94f2258f\ncontent:\naGVsbG8K\n"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                s.kind,
                s.mode,
                s.owner.as_str(),
                s.group.as_str(),
                s.gid,
                s.size
            ),
            (FileKind::File, 0o644, "root", "adm", 4, 6)
        );
        assert_eq!(
            s.checksum.as_deref(),
            Some("f572d396fae9206628714fb2ce00f72e94f2258f")
        );
        assert_eq!(s.content.as_deref(), Some(&b"hello\n"[..]));
    }

    #[test]
    fn parses_links_dirs_and_absence() {
        let s = parse(&out(
            "stat:symbolic link|777|root|root|0|0|4|1|7\nlink:/etc/x\n",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            (s.kind, s.link_target.as_deref()),
            (FileKind::Link, Some("/etc/x"))
        );
        let d = parse(&out("stat:directory|1777|root|root|0|0|4096|1|2\n"))
            .unwrap()
            .unwrap();
        assert_eq!((d.kind, d.mode), (FileKind::Directory, 0o1777));
        assert_eq!(parse(&out("absent\n")).unwrap(), None);
        assert!(parse(&out("garbage\n")).is_err());
    }

    #[test]
    fn query_quotes_the_path() {
        let q = query("/tmp/a b'c", Want::default()).to_shell();
        assert!(q.starts_with(r"p='/tmp/a b'\''c';"), "{q}");
    }
}
