//! System modules: accounts (`user`, `group`), the host's name (`hostname`), kernel parameters
//! (`sysctl`), scheduled jobs (`cron`).

pub mod cron;
pub mod group;
pub mod hostname;
pub mod sysctl;
pub mod user;
