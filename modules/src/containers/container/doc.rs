//! What `drover doc` shows of `container`, `docker_container` and `podman_container`.

use crate::doc::Written;

pub(super) const CONTAINER_DOC: Written = Written {
    description: "Manages one docker or podman container through the engine's own CLI on the target (no SDK, no Python): one `inspect` of the container and its image, settings compared normalised; a drifted setting or image recreates the container, and the result (`differences`) and `--diff` name what drifted.",
    example: "- container:\n    name: web\n    image: local/app:1.4\n    command: [app, --port, '8080']\n    env:\n      GREETING: hello world\n    network_mode: host\n    restart_policy: unless-stopped\n",
    args: CONTAINER_ARGS,
};

pub(super) const DOCKER_CONTAINER_DOC: Written = Written {
    description: "The same as `container`, with docker as the engine unless `engine` says otherwise (also `community.docker.docker_container`).",
    example: "- community.docker.docker_container:\n    name: web\n    image: local/app:1.4\n",
    args: CONTAINER_ARGS,
};

pub(super) const PODMAN_CONTAINER_DOC: Written = Written {
    description: "The same as `container`, with podman as the engine unless `engine` says otherwise (also `containers.podman.podman_container`).",
    example: "- containers.podman.podman_container:\n    name: web\n    image: local/app:1.4\n",
    args: CONTAINER_ARGS,
};

/// The arguments of `container` and its docker/podman names.
pub(super) const CONTAINER_ARGS: &[(&str, &str, &str)] = &[
    ("name", "", "The container's name."),
    (
        "image",
        "",
        "The image to run (`repo/name:tag` or an id); needed to create the container. Its id is compared with the container's.",
    ),
    (
        "state",
        "started",
        "`started` (created and running), `stopped` (created, not running), `present` (created, left as it is), `absent` (removed).",
    ),
    (
        "command",
        "the image's",
        "The command: a list of words or a string split like a shell does.",
    ),
    (
        "entrypoint",
        "the image's",
        "The entrypoint: a list of words or a string split like a shell does.",
    ),
    (
        "env",
        "",
        "Environment variables (a mapping); values are text (quote `yes`/`no`). Compared with the image's environment merged in.",
    ),
    (
        "env_file",
        "",
        "A file on the target with `KEY=VALUE` lines, merged under `env`.",
    ),
    (
        "published_ports",
        "",
        "`[IP:][HOST_PORT:]PORT[/PROTO]` entries (`ports`, `publish`); not used with `network_mode: host`.",
    ),
    (
        "volumes",
        "",
        "`SOURCE:TARGET[:ro]` binds and named volumes (`volume`).",
    ),
    (
        "mounts",
        "",
        "`--mount`s: `type` (volume, bind, tmpfs), `source`, `target`, `read_only`.",
    ),
    (
        "networks",
        "",
        "Networks to connect the container to (names or `{name: …}`).",
    ),
    (
        "network_mode",
        "the engine's",
        "`host`, `none`, `bridge`, `container:NAME`, … (`network`).",
    ),
    (
        "labels",
        "",
        "Labels (a mapping). Compared with the image's labels merged in.",
    ),
    (
        "restart_policy",
        "no",
        "`no`, `always`, `on-failure`, `unless-stopped`.",
    ),
    (
        "user",
        "the image's",
        "The user (and group) the command runs as.",
    ),
    (
        "workdir",
        "the image's",
        "The working directory (`working_dir`).",
    ),
    ("hostname", "the engine's", "The container's hostname."),
    (
        "healthcheck",
        "the image's",
        "`test` (a shell line, or a list starting with `CMD`/`CMD-SHELL`/`NONE`), `interval`, `timeout`, `retries`, `start_period`; only the parts given are compared.",
    ),
    ("memory", "", "Memory limit (`512m`, `1g`)."),
    ("cpus", "", "CPUs the container may use (`0.5`)."),
    (
        "pull",
        "missing",
        "`missing` (pull only an image that is not on the target), `always` (pull every run, then, in the same step, recreate the container when the pulled image id is not the container's, as community.docker does: a change only then; `--check` runs nothing and says it would pull), `never` (a missing image fails). `true`/`false` mean `always`/`missing`.",
    ),
    (
        "recreate",
        "false",
        "Recreate the container even when it matches.",
    ),
    (
        "restart",
        "false",
        "Restart a matching, running container (`force_restart`).",
    ),
    (
        "comparisons",
        "strict for each given setting",
        "How settings are compared: setting → `strict`, `ignore` or `allow_more_present`; `*` sets the rest.",
    ),
    (
        "engine",
        "auto (container), docker, podman",
        "`docker`, `podman`, or `auto`: the CLI the target has, docker first.",
    ),
    (
        "stop_timeout",
        "the engine's (10)",
        "Seconds to wait for a graceful stop (`stop`, `restart`; podman's removal, which otherwise kills at once).",
    ),
];
