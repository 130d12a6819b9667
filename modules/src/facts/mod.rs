//! Facts: what a module reads from a host, each a command and a parser of its output.

pub mod deb;
pub mod file;
pub mod package_facts;
pub mod service;
pub mod service_facts;
pub mod system;
pub mod users;
