//! The process's open-file limit: every connection holds a socket, so a run over many hosts needs
//! many descriptors. Raised at start to the hard limit, as OpenSSH-based tools and servers do,
//! and read by the connection pool to size itself.

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// What is assumed when the limit cannot be read (the usual default soft limit).
const FALLBACK_LIMIT: u64 = 1024;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit. Returns the soft limit in force afterwards;
/// a failure leaves the limit as it was (the pool then sizes itself to it).
pub fn raise_open_files_limit() -> u64 {
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return FALLBACK_LIMIT;
    };
    if soft >= hard || setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_err() {
        return soft;
    }
    hard
}

/// The soft `RLIMIT_NOFILE` now.
pub fn open_files_limit() -> u64 {
    getrlimit(Resource::RLIMIT_NOFILE).map_or(FALLBACK_LIMIT, |(soft, _)| soft)
}
