//! Privilege escalation (`become`): a remote command wrapped so that it runs as another user.
//! The password never appears on a command line: sudo reads it from the command's standard input,
//! ahead of whatever the command itself reads there.

use drover_modules::cmd::quote;

/// How to become the other user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Sudo,
    Su,
}

impl Method {
    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "sudo" => Some(Method::Sudo),
            "su" => Some(Method::Su),
            _ => None,
        }
    }
}

/// The become settings of one task on one host, resolved.
#[derive(Clone, PartialEq, Eq)]
pub struct Become {
    pub user: String,
    pub method: Method,
    /// `become_flags`: replaces the method's default flags.
    pub flags: Option<String>,
    pub password: Option<String>,
    /// `become_exe`: the program to run instead of `sudo`/`su`.
    pub exe: Option<String>,
}

impl std::fmt::Debug for Become {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Become")
            .field("user", &self.user)
            .field("method", &self.method)
            .field("flags", &self.flags)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .finish()
    }
}

/// Why a task cannot become the user it asks for.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BecomeError {
    #[error(
        "become_method su with a password needs a terminal, which drover does not allocate; use sudo, or connect as a user su does not ask a password of"
    )]
    SuPassword,
}

/// What to send: the command line and its standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapped {
    pub command: String,
    pub stdin: Option<Vec<u8>>,
}

impl Become {
    /// `cmd` (a shell command line) run as the become user; `stdin` is what the command reads.
    pub fn wrap(&self, cmd: &str, stdin: Option<&[u8]>) -> Result<Wrapped, BecomeError> {
        match self.method {
            Method::Sudo => Ok(self.sudo(cmd, stdin)),
            Method::Su => self.su(cmd, stdin),
        }
    }

    fn sudo(&self, cmd: &str, stdin: Option<&[u8]>) -> Wrapped {
        let exe = self.exe.as_deref().unwrap_or("sudo");
        let flags = self.flags.as_deref().unwrap_or("-H -S -n");
        let Some(password) = &self.password else {
            return Wrapped {
                command: format!(
                    "{exe} {flags} -u {} /bin/sh -c {}",
                    quote(&self.user),
                    quote(cmd)
                ),
                stdin: stdin.map(<[u8]>::to_vec),
            };
        };
        // With a password, sudo must be allowed to ask (-n would refuse); it asks on stdin (-S)
        // with an empty prompt (-p '') so nothing reaches the command's output.
        let flags: String = flags
            .split_whitespace()
            .filter(|f| *f != "-n")
            .collect::<Vec<_>>()
            .join(" ");
        let mut input = Vec::with_capacity(password.len() + 1);
        input.extend_from_slice(password.as_bytes());
        input.push(b'\n');
        input.extend_from_slice(stdin.unwrap_or_default());
        Wrapped {
            command: format!(
                "{exe} {flags} -p '' -u {} /bin/sh -c {}",
                quote(&self.user),
                quote(cmd)
            ),
            stdin: Some(input),
        }
    }

    fn su(&self, cmd: &str, stdin: Option<&[u8]>) -> Result<Wrapped, BecomeError> {
        if self.password.is_some() {
            return Err(BecomeError::SuPassword);
        }
        let exe = self.exe.as_deref().unwrap_or("su");
        let flags = self.flags.as_deref().unwrap_or("");
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!("{flags} ")
        };
        Ok(Wrapped {
            command: format!(
                "{exe} {flags}-s /bin/sh {} -c {}",
                quote(&self.user),
                quote(cmd)
            ),
            stdin: stdin.map(<[u8]>::to_vec),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sudo(user: &str, password: Option<&str>) -> Become {
        Become {
            user: user.into(),
            method: Method::Sudo,
            flags: None,
            password: password.map(String::from),
            exe: None,
        }
    }

    #[test]
    fn sudo_without_password_never_asks() {
        let w = sudo("root", None)
            .wrap("echo 'a b' | cat", None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            w.command,
            r"sudo -H -S -n -u root /bin/sh -c 'echo '\''a b'\'' | cat'"
        );
        assert_eq!(w.stdin, None);
    }

    #[test]
    fn sudo_password_travels_on_stdin_before_the_commands_input() {
        let w = sudo("app", Some("s3cr3t"))
            .wrap("cat > /tmp/f", Some(b"content"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!w.command.contains("s3cr3t"), "{}", w.command);
        assert!(!w.command.contains(" -n "), "{}", w.command);
        assert!(w.command.starts_with("sudo -H -S -p '' -u app /bin/sh -c "));
        assert_eq!(w.stdin.as_deref(), Some(&b"s3cr3t\ncontent"[..]));
    }

    #[test]
    fn flags_and_exe_replace_the_defaults() {
        let mut b = sudo("root", None);
        b.flags = Some("-E -n".into());
        b.exe = Some("/usr/local/bin/sudo".into());
        let w = b.wrap("id", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(w.command, "/usr/local/bin/sudo -E -n -u root /bin/sh -c id");
    }

    #[test]
    fn su_runs_a_shell_as_the_user_and_refuses_passwords() {
        let mut b = sudo("nobody", None);
        b.method = Method::Su;
        let w = b.wrap("id -un", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(w.command, "su -s /bin/sh nobody -c 'id -un'");
        b.password = Some("hunter2".into());
        assert_eq!(b.wrap("id", None), Err(BecomeError::SuPassword));
        let shown = format!("{b:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("********"),
            "{shown}"
        );
    }
}
