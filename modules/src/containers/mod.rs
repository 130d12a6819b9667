//! Container engines driven through their own CLI on the target (docker or podman): images,
//! networks, volumes, compose projects and podman quadlet units.

pub mod cli;
pub mod compose;
pub mod image;
pub mod network;
pub mod quadlet;
pub mod volume;
