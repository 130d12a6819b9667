//! Facts: what a module reads from a host, each a command and a parser of its output.

pub mod deb;
pub mod file;
pub mod service;
pub mod system;
pub mod users;
