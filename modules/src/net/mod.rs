//! Network modules. Targets have only sshd and /bin/sh; HTTP goes through the target's `curl` (the
//! URL is the target's view, as in Ansible) with its whole request — URL, headers, credentials,
//! body — in a curl config on stdin, never in a command line a target's `ps` shows. `git` runs the
//! target's `git`. A missing tool is named in the error.

pub mod get_url;
pub mod git;
pub(crate) mod http;
pub mod uri;
