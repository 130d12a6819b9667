//! Container modules: `container` (docker_container, podman_container) over the engine's own CLI
//! on the target, no SDK and no Python. [`engine`] holds what they share: finding the engine,
//! the one `inspect` probe, and the normalisation of docker's and podman's inspect output.

pub mod container;
pub mod engine;
