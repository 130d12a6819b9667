//! ansible-core's path tests that ask the controller's file system more than "is it a file"
//! (`plugins/test/files.py`, `vaulted_file` of `core.py`).

use minijinja::{Environment, Error, ErrorKind};
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

pub fn register(env: &mut Environment<'static>) {
    env.add_test("same_file", same_file);
    env.add_test("is_same_file", same_file);
    env.add_test("mount", |p: String| is_mount(&p));
    env.add_test("is_mount", |p: String| is_mount(&p));
    env.add_test("vaulted_file", |p: String| is_vaulted_file(&p));
}

fn io_error(path: &str, e: std::io::Error) -> Error {
    Error::new(ErrorKind::InvalidOperation, format!("{path}: {e}"))
}

/// Python's `os.path.samefile`: the same device and inode.
fn same_file(a: String, b: String) -> Result<bool, Error> {
    let meta = |p: &str| std::fs::metadata(p).map_err(|e| io_error(p, e));
    let (x, y) = (meta(&a)?, meta(&b)?);
    Ok(x.dev() == y.dev() && x.ino() == y.ino())
}

/// Python's `os.path.ismount`: not a symlink, and on another device than its parent (or its
/// own parent: `/`).
fn is_mount(path: &str) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if meta.file_type().is_symlink() {
        return false;
    }
    let Ok(parent) = std::fs::metadata(Path::new(path).join("..")) else {
        return false;
    };
    meta.dev() != parent.dev() || meta.ino() == parent.ino()
}

/// A file that starts with the vault header.
fn is_vaulted_file(path: &str) -> Result<bool, Error> {
    let mut file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut head = [0u8; 14];
    let n = file.read(&mut head).map_err(|e| io_error(path, e))?;
    Ok(&head[..n] == b"$ANSIBLE_VAULT")
}

#[cfg(test)]
mod tests {
    use crate::template::Templar;
    use serde_json::json;

    fn eval(expr: &str, dir: &std::path::Path) -> serde_json::Value {
        let vars = json!({"d": dir.display().to_string()});
        let vars = vars.as_object().cloned().unwrap_or_default();
        Templar::new()
            .eval(expr, &vars)
            .unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    /// ansible-core's test_files and test_core targets assert these.
    #[test]
    fn same_file_mount_and_vaulted_file_ask_the_file_system() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let write = |name: &str, text: &str| {
            std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"))
        };
        write("v", "$ANSIBLE_VAULT;1.1;AES256\n6162\n");
        write("p", "plain\n");
        assert_eq!(eval("'/' is same_file('/')", dir.path()), json!(true));
        assert_eq!(eval("'/' is is_same_file(d)", dir.path()), json!(false));
        assert_eq!(eval("'/' is mount", dir.path()), json!(true));
        assert_eq!(eval("d is is_mount", dir.path()), json!(false));
        assert_eq!(eval("'/does_not_exist' is mount", dir.path()), json!(false));
        assert_eq!(eval("(d + '/v') is vaulted_file", dir.path()), json!(true));
        assert_eq!(eval("(d + '/p') is vaulted_file", dir.path()), json!(false));
    }
}
