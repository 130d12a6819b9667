//! System modules: accounts (`user`, `group`), the host's name (`hostname`), kernel parameters
//! (`sysctl`), scheduled jobs (`cron`), SSH keys (`authorized_key`,
//! `known_hosts`).

pub mod alternatives;
pub mod authorized_key;
pub mod cron;
pub mod getent;
pub mod group;
pub mod hostname;
pub mod known_hosts;
pub mod locale_gen;
pub mod modprobe;
pub mod mount;
pub mod pam_limits;
pub mod reboot;
pub mod selinux;
pub mod sysctl;
pub mod timezone;
pub mod ufw;
pub mod user;
pub mod wait_for;

use crate::facts::file::{self, Want};

/// The one-file query (`facts::file`) of a path known only on the target, in the shell variable
/// `var` (a home directory read in the same round trip): the query is made for a placeholder path,
/// then pointed at the variable.
pub(crate) fn file_query_of_var(var: &str, want: Want) -> String {
    const PLACEHOLDER: &str = "/drover-path-placeholder";
    file::query(PLACEHOLDER, want).to_shell().replacen(
        &format!("p={PLACEHOLDER};"),
        &format!("p=\"${var}\";"),
        1,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_query_can_read_a_path_from_a_variable() {
        let q = super::file_query_of_var("k", super::Want::default());
        assert!(q.starts_with("p=\"$k\"; if [ -e \"$p\" ]"), "{q}");
    }
}
