//! System modules: accounts (`user`, `group`).

pub mod group;
pub mod user;
