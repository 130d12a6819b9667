//! Container modules over the engine's own CLI on the target, no SDK and no Python: `container`
//! (docker_container, podman_container), images, networks, volumes, compose projects and podman
//! Quadlet units. [`engine`] holds what they share: finding the engine, the `inspect` probe, the
//! normalisation of docker's and podman's inspect output; [`cli`] the image/network/volume probes;
//! [`named`] the inspect-then-plan that networks and volumes share.

pub mod cli;
pub mod compose;
pub mod container;
pub mod engine;
pub mod image;
pub mod named;
pub mod network;
pub mod quadlet;
pub mod volume;

#[cfg(test)]
mod tests {
    use crate::lookup;

    #[test]
    fn the_collections_full_names_reach_the_container_modules() {
        let name = |n: &str| lookup(n).map(|m| m.name());
        assert_eq!(
            name("community.docker.docker_container"),
            Some("docker_container")
        );
        assert_eq!(
            name("containers.podman.podman_container"),
            Some("podman_container")
        );
        assert_eq!(name("container"), Some("container"));
        // drover's own name belongs to no collection.
        assert_eq!(name("ansible.builtin.container"), None);
    }
}
