#!/usr/bin/env bash
# A fleet of isolated Debian hosts on this machine, each a real OpenSSH sshd on its own loopback
# address (127.0.NET.K), with its own root filesystem (overlayfs over a cached debootstrap base) and
# its own mount/PID/UTS/IPC namespaces, which it pivot_roots into (the machine's root is detached:
# nothing in a host, not even `docker exec` there, reaches the machine's files). For drover's
# end-to-end tests, demo and benchmarks.
#
#   fleet.sh up N [--net X] [--with-python]   start hostNN (01..N) on 127.0.X.(10+K); default X=77
#        [--with-repo]    bind the local test apt repository (tiny .debs built here) at /srv/repo,
#                         read-only, as the hosts' only apt source: `deb [trusted=yes] file:/srv/repo ./`
#        [--systemd]      hosts whose PID 1 is systemd (own PID and cgroup namespaces, own cgroup
#                         subtree under this script's cgroup; sshd runs as ssh.service)
#        [--with-engines] systemd hosts (implies --systemd) on Debian 13 (trixie; the others stay
#                         bookworm) with docker 26 + compose v2 (dockerd as docker.service, no
#                         iptables/bridge/masquerading, data on a real directory) and podman 5 with
#                         Quadlet (runc, cgroupfs, file events, host network by default); no registry
#        [--offset B]     addresses 127.0.X.(B+K) instead of (10+K), e.g. a second fleet on one net
#   fleet.sh image HOST docker|podman [TAG]    import the test image (sh, sleep, cat, env, … of the base)
#                                              into HOST's engine as TAG (default local/bookworm:test)
#   fleet.sh boot HOST                         switch a powered-off systemd host on again (a reboot
#                                              boots it again by itself, like a VM)
#   fleet.sh down                              stop what `up` started (by recorded PID)
#   fleet.sh status                            list hosts and whether they answer
#
# State: $DROVER_FLEET_DIR (default /tmp/drover-fleet): id_ed25519 (client key), known_hosts,
# inventory.ini, ssh_config, pids, hosts/<name>/{upper,work,root,sshd.log,boot_id} and, for systemd
# hosts, hosts/<name>/supervisor.log (one line per boot).
# Cache: ${XDG_CACHE_HOME:-~/.cache}/drover-fleet: base tarball, debootstrap .deb cache, extracted roots,
# the systemd layer (systemd-v3.tar), the engines layer (trixie-engines-v1.tar, on its own trixie base
# and systemd layer, with its own lock) and the test apt repository (repo-v2/).
# Exit 3: this machine cannot run the fleet (not root, not Linux, no unshare/overlayfs).
set -euo pipefail

state=${DROVER_FLEET_DIR:-/tmp/drover-fleet}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/drover-fleet
suite=bookworm
# Engine hosts run a newer Debian than the others: bookworm has no compose v2 and no quadlet.
engines_suite=trixie
mirror=${DROVER_FLEET_MIRROR:-http://deb.debian.org/debian}
offset=10

die() { echo "fleet: $*" >&2; exit 1; }
cannot() { echo "fleet: cannot run here: $*" >&2; exit 3; }

preflight() {
    [ "$(uname -s)" = Linux ] || cannot "not Linux"
    [ "$(id -u)" = 0 ] || cannot "needs root (namespaces, overlayfs, chroot)"
    command -v unshare >/dev/null || cannot "no unshare (util-linux)"
    command -v pivot_root >/dev/null || cannot "no pivot_root (util-linux)"
    grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || grep -qw overlay /proc/filesystems \
        || cannot "no overlayfs in this kernel"
    local missing=()
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v ssh-keygen >/dev/null || missing+=(openssh-client)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "fleet: installing ${missing[*]}" >&2
        # Never openssh-server on the machine itself: its postinst would start a listener here.
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") >&2 \
            || die "could not install ${missing[*]}"
    fi
}

# The base root filesystem: built once with debootstrap, kept as a tarball, extracted once.
# $1 = flavour: base | python (base + python3, for side-by-side runs with ansible) | systemd (base +
# systemd as init, for the systemd branch of service modules) | engines (systemd + docker + podman, on
# Debian $engines_suite: see build_engines_tarball).
ensure_root() {
    # The version in the names rebuilds the cache when the package list changes.
    local flavour=$1 tarball="$cache/$1-v3.tar" root="$cache/root-$1-v3" lock="$cache/lock"
    if [ "$flavour" = engines ]; then
        # Its own names and lock: a cold engines build (minutes) never holds up the bookworm hosts.
        tarball="$cache/$engines_suite-engines-v1.tar" root="$cache/root-$engines_suite-engines-v1"
        lock="$cache/lock-$engines_suite"
    fi
    mkdir -p "$cache/debs"
    exec 9>"$lock"
    flock 9
    if [ ! -s "$tarball" ]; then
        if [ "$flavour" = engines ]; then
            local base="$cache/$engines_suite-base-v1.tar" systemd="$cache/$engines_suite-systemd-v1.tar"
            [ -s "$base" ] || build_tarball base "$base" "$engines_suite"
            [ -s "$systemd" ] || build_systemd_tarball "$base" "$systemd"
            build_engines_tarball "$systemd" "$tarball"
        elif [ "$flavour" = systemd ]; then
            [ -s "$cache/base-v3.tar" ] || build_tarball base "$cache/base-v3.tar"
            build_systemd_tarball "$cache/base-v3.tar" "$tarball"
        else
            build_tarball "$flavour" "$tarball"
        fi
    fi
    if [ ! -d "$root" ] || [ "$tarball" -nt "$root/.extracted" ]; then
        rm -rf "$root" && mkdir -p "$root"
        tar -C "$root" -xf "$tarball"
        touch "$root/.extracted"
    fi
    flock -u 9
    echo "$root"
}

build_tarball() {   # $1 flavour (base | python), $2 tarball, $3 suite (default $suite)
    local flavour=$1 tarball=$2 release=${3:-$suite} build="${2%.tar}.build" debs="$cache/debs" log="$cache/debootstrap-$1.log"
    # Another release's .debs in its own cache directory, and its own log.
    [ "$release" = "$suite" ] || { debs="$cache/debs-$release" log="$cache/debootstrap-$release-$1.log"; }
    rm -rf "$build"
    # sudo: for `become` tests; git, curl, xz-utils, unzip: for the git, get_url/uri and unarchive
    # tests (drover itself needs only sshd and /bin/sh on a host, the modules name a missing tool).
    local include=openssh-server,openssh-sftp-server,procps,iproute2,sudo,git,curl,xz-utils,unzip
    [ "$flavour" = python ] && include+=",python3"
    echo "fleet: building the $release $flavour root filesystem with debootstrap (once, ~3 min)" >&2
    mkdir -p "$debs"
    debootstrap --variant=minbase --include="$include" --cache-dir="$debs" \
        "$release" "$build" "$mirror" >"$log" 2>&1 \
        || { tail -20 "$log" >&2; die "debootstrap failed (log: $log)"; }
    rm -f "$build"/etc/ssh/ssh_host_*
    printf '#!/bin/sh\nexit 101\n' > "$build/usr/sbin/policy-rc.d"
    chmod 755 "$build/usr/sbin/policy-rc.d"
    mkdir -p "$build/run/sshd" "$build/root/.ssh"
    chmod 700 "$build/root/.ssh"
    rm -rf "$build"/var/cache/apt/archives/*.deb
    tar -C "$build" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$build"
}

# The base plus systemd as init: sshd starts as ssh.service. Units that would reach outside the host
# are masked: ssh.socket (it would listen on *:22 of the shared network namespace) and the gettys
# (the console is the machine's).
build_systemd_tarball() {   # $1 base tarball, $2 tarball
    local build="${2%.tar}.build" log="${2%.tar}.log"
    rm -rf "$build" && mkdir -p "$build"
    tar -C "$build" -xf "$1"
    echo "fleet: adding systemd to the base root filesystem (once, ~15 s)" >&2
    unshare --mount --pid --fork --kill-child --propagation private sh -c '
        set -e
        mount -t proc proc "$1/proc"
        mount --rbind /dev "$1/dev"
        cp /etc/resolv.conf "$1/etc/resolv.conf"
        chroot "$1" apt-get update -qq
        chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            systemd systemd-sysv dbus
    ' fleet-build "$build" >"$log" 2>&1 \
        || { tail -20 "$log" >&2; die "could not add systemd (log: $log)"; }
    local unit
    for unit in ssh.socket console-getty.service getty@.service serial-getty@.service \
        getty.target systemd-udevd.service systemd-firstboot.service systemd-networkd.service; do
        ln -sfn /dev/null "$build/etc/systemd/system/$unit"
    done
    mkdir -p "$build/etc/systemd/system/multi-user.target.wants"
    ln -sfn /lib/systemd/system/ssh.service "$build/etc/systemd/system/multi-user.target.wants/ssh.service"
    rm -rf "$build"/var/cache/apt/archives/*.deb "$build"/var/lib/apt/lists/*_Packages "$build"/etc/machine-id
    : > "$build/etc/machine-id"
    tar -C "$build" -cf "$2.tmp" . && mv "$2.tmp" "$2"
    rm -rf "$build"
}

# The systemd layer plus the container engines from Debian $engines_suite (trixie): docker.io (26)
# with docker-compose (v2, the `docker compose` CLI plugin) and podman (5, with the Quadlet generator)
# with runc. Bookworm's docker.io 20.10 has no compose v2 and its podman 4.3 no Quadlet.
# Their configuration keeps them off the machine's network: dockerd never touches iptables, makes no
# bridge and masquerades nothing; podman's containers default to the host network (no netavark bridge).
# podman's default runtime crun refuses this cgroup-v1 hybrid; runc with cgroupfs works. podman
# build (buildah 1.39) asks for 1048576 open files and processes in RUN steps, more than this
# machine's hard limits, which it cannot raise (no CAP_SYS_RESOURCE): default_ulimits keeps them low.
build_engines_tarball() {   # $1 systemd tarball, $2 tarball
    local build="${2%.tar}.build" log="${2%.tar}.log"
    rm -rf "$build" && mkdir -p "$build"
    tar -C "$build" -xf "$1"
    echo "fleet: adding docker and podman to the systemd root filesystem (once, ~1 min)" >&2
    unshare --mount --pid --fork --kill-child --propagation private sh -c '
        set -e
        mount -t proc proc "$1/proc"
        mount --rbind /dev "$1/dev"
        cp /etc/resolv.conf "$1/etc/resolv.conf"
        chroot "$1" apt-get update -qq
        chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            docker.io docker-cli docker-compose podman runc
        chroot "$1" dpkg-query -W docker.io docker-cli docker-compose podman runc systemd
    ' fleet-build "$build" >"$log" 2>&1 \
        || { tail -20 "$log" >&2; die "could not add the engines (log: $log)"; }
    # Loading kernel modules is the machine's business (it fails in a host and degrades the system).
    ln -sfn /dev/null "$build/etc/systemd/system/systemd-modules-load.service"
    mkdir -p "$build/etc/docker" "$build/etc/containers"
    cat > "$build/etc/docker/daemon.json" <<'JSON'
{
  "iptables": false,
  "ip6tables": false,
  "ip-masq": false,
  "bridge": "none",
  "storage-driver": "overlay2",
  "log-driver": "json-file"
}
JSON
    cat > "$build/etc/containers/containers.conf" <<'CONF'
[containers]
netns = "host"
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
    cat > "$build/etc/containers/storage.conf" <<'CONF'
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF
    rm -rf "$build"/var/cache/apt/archives/*.deb "$build"/var/lib/apt/lists/*_Packages
    tar -C "$build" -cf "$2.tmp" . && mv "$2.tmp" "$2"
    rm -rf "$build"
}

# The tests' container image, as a tarball to import (no registry): a few programs of the base root
# filesystem (sh, sleep, cat, env, …) with the libraries they load, ~3 MB. The whole base (300 MB)
# would do too, but takes 7 s (docker) to 23 s (podman) to import and 10 s to delete at `down`.
ensure_test_image() {   # $1 base root; prints the tarball
    local image="$cache/image-v1.tar" root=$1
    exec 7>"$cache/image.lock"
    flock 7
    if [ ! -s "$image" ]; then
        local build="$cache/build-image" prog lib
        rm -rf "$build" && mkdir -p "$build/bin" "$build/tmp" "$build/etc"
        chmod 1777 "$build/tmp"
        for prog in dash sleep cat env echo ls id hostname printenv true false test pwd; do
            cp -a "$root/bin/$prog" "$build/bin/" 2>/dev/null || cp -a "$root/usr/bin/$prog" "$build/bin/"
            for lib in $(ldd "$build/bin/$prog" | grep -o '/[^ ]*' | sort -u); do
                mkdir -p "$build$(dirname "$lib")"
                cp -L "$root$lib" "$build$lib"
            done
        done
        ln -s dash "$build/bin/sh"
        mkdir -p "$build/usr" && ln -s ../bin "$build/usr/bin"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' > "$build/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' > "$build/etc/group"
        tar -C "$build" -cf "$image.tmp" . && mv "$image.tmp" "$image"
        rm -rf "$build"
    fi
    flock -u 7
    echo "$image"
}

# The local test apt repository: tiny `Architecture: all` packages built with dpkg-deb and a flat
# index, versions under the tests' control, no network. Rebuilt when this script's recipe changes.
#   drover-hello 1.0-1 and 2.0-1 (pins, upgrades, downgrades; Recommends drover-extra)
#   drover-extra 1.0-1           (install_recommends, autoremove, deb: files)
#   drover-daemon 1.0-1          (a small daemon with an /etc/init.d script and a systemd unit)
# and Debian's own nginx and cron (the web-server example), python3-apt (what ansible-core's apt
# module needs, for side-by-side runs) and locales (locale_gen), with what they need beyond the base,
# downloaded once when the repository is built.
ensure_repo() {
    local repo="$cache/repo-v3"
    exec 8>"$cache/repo.lock"
    flock 8
    if [ ! -s "$repo/Packages" ]; then
        local build="$cache/build-repo"
        rm -rf "$build" && mkdir -p "$build/out"
        make_deb "$build" drover-hello 1.0-1 "Recommends: drover-extra"
        make_deb "$build" drover-hello 2.0-1 "Recommends: drover-extra"
        make_deb "$build" drover-extra 1.0-1 ""
        make_daemon_deb "$build"
        download_debian_debs "$build/out" nginx cron python3-apt locales
        write_repo_index "$build/out"
        rm -rf "$repo" && mv "$build/out" "$repo" && rm -rf "$build"
    fi
    flock -u 8
    echo "$repo"
}

# Debian packages and the dependencies the base root lacks, fetched by apt inside a throwaway copy
# of the base root (so versions match what the hosts run). $1 output directory, $2... packages.
download_debian_debs() {
    local out=$1 base build="$cache/build-debs"
    shift
    base=$(ensure_root base)
    rm -rf "$build" && mkdir -p "$build/root"
    cp -a "$base/." "$build/root/"
    echo "fleet: downloading $* for the test repository (once)" >&2
    unshare --mount --pid --fork --kill-child --propagation private sh -c '
        set -e
        root=$1; shift
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        cp /etc/resolv.conf "$root/etc/resolv.conf"
        chroot "$root" apt-get update -qq
        chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --download-only \
            --no-install-recommends "$@"
    ' fleet-debs "$build/root" "$@" >"$cache/repo-debs.log" 2>&1 \
        || { tail -20 "$cache/repo-debs.log" >&2; die "could not download $* (log: $cache/repo-debs.log)"; }
    cp "$build/root/var/cache/apt/archives/"*.deb "$out/"
    rm -rf "$build"
}

make_deb() {   # $1 build dir, $2 name, $3 version, $4 extra control line
    deb_tree "$@"
    dpkg-deb --root-owner-group -Zgzip --build "$1/$2_$3" "$1/out/$2_$3_all.deb" >/dev/null
}

deb_tree() {   # $1 build dir, $2 name, $3 version, $4 extra control line: the tree $1/$2_$3
    local tree="$1/$2_$3"
    mkdir -p "$tree/DEBIAN" "$tree/usr/share/$2"
    echo "$2 $3" > "$tree/usr/share/$2/version"
    {
        echo "Package: $2"
        echo "Version: $3"
        echo "Architecture: all"
        echo "Maintainer: drover tests <tests@drover.invalid>"
        echo "Section: misc"
        echo "Priority: optional"
        [ -z "$4" ] || echo "$4"
        echo "Description: drover test package $2"
        echo " A tiny package for drover's end-to-end tests."
    } > "$tree/DEBIAN/control"
}

make_daemon_deb() {   # $1 build dir
    local tree="$1/drover-daemon_1.0-1"
    deb_tree "$1" drover-daemon 1.0-1 ""
    mkdir -p "$tree/usr/sbin" "$tree/etc/init.d" "$tree/lib/systemd/system"
    cat > "$tree/usr/sbin/drover-daemon" <<'DAEMON'
#!/bin/sh
# drover's test daemon: logs its starts, reloads (SIGHUP) and stops, so tests can count them.
log=/var/log/drover-daemon.log
echo "start $$" >> "$log"
trap 'echo "reload $$" >> "$log"' HUP
trap 'echo "stop $$" >> "$log"; exit 0' TERM INT
while :; do sleep 1 & wait $!; done
DAEMON
    cat > "$tree/etc/init.d/drover-daemon" <<'INIT'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          drover-daemon
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: drover's test daemon
### END INIT INFO
PIDFILE=/run/drover-daemon.pid
DAEMON=/usr/sbin/drover-daemon
case "$1" in
    start) start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile "$PIDFILE" --startas "$DAEMON" ;;
    stop) start-stop-daemon --stop --quiet --oknodo --retry 5 --remove-pidfile --pidfile "$PIDFILE" ;;
    restart|force-reload) "$0" stop && "$0" start ;;
    reload) start-stop-daemon --stop --quiet --signal HUP --pidfile "$PIDFILE" ;;
    status) start-stop-daemon --status --pidfile "$PIDFILE"; rc=$?
        [ $rc = 0 ] && echo "drover-daemon is running" || echo "drover-daemon is not running"; exit $rc ;;
    *) echo "Usage: $0 {start|stop|restart|reload|force-reload|status}" >&2; exit 3 ;;
esac
INIT
    cat > "$tree/lib/systemd/system/drover-daemon.service" <<'UNIT'
[Unit]
Description=drover's test daemon

[Service]
ExecStart=/usr/sbin/drover-daemon
ExecReload=/bin/kill -HUP $MAINPID

[Install]
WantedBy=multi-user.target
UNIT
    echo "# drover-daemon settings (a conffile: purge removes it, remove keeps it)" > "$tree/etc/drover-daemon.conf"
    chmod 755 "$tree/usr/sbin/drover-daemon" "$tree/etc/init.d/drover-daemon"
    printf '/etc/init.d/drover-daemon\n/etc/drover-daemon.conf\n' > "$tree/DEBIAN/conffiles"
    dpkg-deb --root-owner-group -Zgzip --build "$tree" "$1/out/drover-daemon_1.0-1_all.deb" >/dev/null
}

write_repo_index() {   # $1 repository directory
    local deb
    (
        cd "$1"
        for deb in *.deb; do
            dpkg-deb -f "$deb"
            echo "Filename: ./$deb"
            echo "Size: $(stat -c %s "$deb")"
            echo "SHA256: $(sha256sum "$deb" | cut -d' ' -f1)"
            echo
        done > Packages
        {
            echo "Origin: drover-tests"
            echo "Label: drover-tests"
            echo "Date: $(date -Ru)"
            echo "SHA256:"
            echo " $(sha256sum Packages | cut -d' ' -f1) $(stat -c %s Packages) Packages"
        } > Release
    )
}

client_key() {
    mkdir -p "$state"
    [ -s "$state/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C drover-fleet -f "$state/id_ed25519"
}

# What every kind of host gets in its upper directory: the client's key, a fresh host key (added to
# known_hosts), hostname and hosts; with a repository, apt's only source is that repository.
# $1 name, $2 address, $3 repository directory or empty.
prepare_host() {
    local name=$1 addr=$2 dir="$state/hosts/$1"
    rm -rf "$dir"
    mkdir -p "$dir/upper/root/.ssh" "$dir/upper/etc/ssh" "$dir/work" "$dir/root"
    install -m 600 "$state/id_ed25519.pub" "$dir/upper/root/.ssh/authorized_keys"
    chmod 700 "$dir/upper/root/.ssh"
    ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/upper/etc/ssh/ssh_host_ed25519_key"
    echo "$name" > "$dir/upper/etc/hostname"
    printf '127.0.0.1 localhost\n%s %s\n' "$addr" "$name" > "$dir/upper/etc/hosts"
    echo "$addr $(cut -d' ' -f1-2 "$dir/upper/etc/ssh/ssh_host_ed25519_key.pub")" >> "$state/known_hosts"
    if [ -n "$3" ]; then
        mkdir -p "$dir/upper/etc/apt/sources.list.d" "$dir/upper/srv/repo"
        echo "deb [trusted=yes] file:/srv/repo ./" > "$dir/upper/etc/apt/sources.list"
    fi
}

# Starts one host: $1 name, $2 address, $3 lower root, $4 repository directory or empty.
# Its init gets a boot id of its own (the kernel's is not namespaced) and pivot_roots into the host's
# root, detaching the machine's: a chroot would leave the machine's / as the mount namespace's root,
# which is where anything joining the namespace (nsenter, docker/podman exec) would land.
start_host() {
    local name=$1 addr=$2 lower=$3 dir="$state/hosts/$1"
    prepare_host "$name" "$addr" "${4:-}"
    local root="$dir/root"
    unshare --mount --pid --uts --ipc --fork --kill-child --propagation private sh -c '
        set -e
        mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$3"
        mount -t proc proc "$3/proc"
        mount -t sysfs -o ro sysfs "$3/sys"
        mount --rbind /dev "$3/dev"
        mount -t tmpfs -o mode=755 tmpfs "$3/run"
        mkdir -p "$3/run/sshd"
        mount -t tmpfs -o mode=1777 tmpfs "$3/tmp"
        if [ -n "$6" ]; then mount --bind "$6" "$3/srv/repo"; mount -o remount,bind,ro "$3/srv/repo"; fi
        cp /etc/resolv.conf "$3/etc/resolv.conf" 2>/dev/null || true
        hostname "$4"
        cat /proc/sys/kernel/random/uuid > "$2/boot_id"
        mount --bind "$2/boot_id" "$3/proc/sys/kernel/random/boot_id"
        # Each its own command, so that set -e stops the host if one fails.
        cd "$3"
        pivot_root . .
        umount -l .
        exec /usr/sbin/sshd -D -e \
            -o ListenAddress="$5":22 -o HostKey=/etc/ssh/ssh_host_ed25519_key \
            -o PermitRootLogin=prohibit-password -o UsePAM=no -o PasswordAuthentication=no \
            -o KbdInteractiveAuthentication=no -o MaxStartups=200:30:400 -o MaxSessions=100 \
            -o UseDNS=no -o PrintMotd=no
    ' fleet-host "$lower" "$dir" "$root" "$name" "$addr" "${4:-}" >"$dir/sshd.log" 2>&1 &
    echo "$! $name $addr" >> "$state/pids"
}

# The cgroup directories a systemd host gets: in every hierarchy, a subtree of this script's own
# cgroup, which becomes the root of the host's cgroup namespace. systemd inside mounts and fills only
# that subtree, and the host stays inside whatever limits this script runs under. Never the
# machine's hierarchy roots: systemd would take them over. $1 host id.
host_cgroups() {
    local id=$1 ctrl path mnt dir
    while IFS=: read -r _ ctrl path; do
        mnt=$(awk -v want="$ctrl" '
            $3 == "cgroup2" && want == "" { print $2; exit }
            $3 == "cgroup" && want != "" {
                n = split($4, have, ","); m = split(want, need, ","); found = 0
                for (i = 1; i <= m; i++) for (j = 1; j <= n; j++) if (need[i] == have[j]) found++
                if (found == m) { print $2; exit }
            }' /proc/self/mounts)
        [ -n "$mnt" ] || continue
        dir="$mnt${path%/}"
        for dir in "$dir/drover-fleet" "$dir/drover-fleet/$id"; do
            mkdir -p "$dir"
            # A new cpuset has no CPUs or memory nodes until given its parent's.
            if [ -f "$dir/cpuset.cpus" ] && [ -z "$(cat "$dir/cpuset.cpus")" ]; then
                cat "$(dirname "$dir")/cpuset.cpus" > "$dir/cpuset.cpus"
                cat "$(dirname "$dir")/cpuset.mems" > "$dir/cpuset.mems"
            fi
        done
        echo "$dir"
    done < /proc/self/cgroup
}

# Starts one host whose PID 1 is systemd: $1 name, $2 address, $3 lower root, $4 repository or empty,
# $5 "engines" for a container-engine host.
# Its own PID, mount, UTS, IPC and cgroup namespaces; a private /sys/fs/cgroup with fresh mounts
# rooted at its own subtree; a minimal /dev (no console of the machine's); sshd as ssh.service.
# An engine host also gets every cgroup hierarchy mounted (systemd alone leaves out cpu and cpuacct,
# which `--cpus` needs), the engines' storage on real directories (overlay2 cannot stack on the
# host's overlay root; vfs copies whole images) and the test image's tarball at /srv/images/test.tar.
start_systemd_host() {
    local name=$1 addr=$2 lower=$3 dir="$state/hosts/$1" engines=${5:-}
    prepare_host "$name" "$addr" "${4:-}"
    mkdir -p "$dir/upper/etc/ssh/sshd_config.d"
    printf '%s\n' "ListenAddress $addr:22" "HostKey /etc/ssh/ssh_host_ed25519_key" \
        "PermitRootLogin prohibit-password" "UsePAM no" "PasswordAuthentication no" \
        "KbdInteractiveAuthentication no" "MaxStartups 200:30:400" "MaxSessions 100" \
        "UseDNS no" "PrintMotd no" > "$dir/upper/etc/ssh/sshd_config.d/drover-fleet.conf"
    tr -d '-' < /proc/sys/kernel/random/uuid > "$dir/upper/etc/machine-id"
    # The kernel's own filesystems are the machine's business, not a test host's.
    mkdir -p "$dir/upper/etc/systemd/system"
    local unit
    for unit in sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
        sys-fs-fuse-connections.mount dev-hugepages.mount dev-mqueue.mount; do
        ln -s /dev/null "$dir/upper/etc/systemd/system/$unit"
    done
    host_cgroups "$(basename "$state")-$name" > "$dir/cgroups"
    : > "$dir/console.log"
    local image=""
    if [ -n "$engines" ]; then
        mkdir -p "$dir/engines/docker" "$dir/engines/containers" "$dir/upper/srv/images"
        image=$(ensure_test_image "$lower")
    fi
    supervise_systemd_host "$lower" "$dir" "$name" "$addr" "${4:-}" "$image" </dev/null >"$dir/supervisor.log" 2>&1 &
    echo "$! $name $addr systemd" >> "$state/pids"
}

# A systemd host's power supply, like a VM's: it boots the host again, on the same upper layer and
# address, each time its systemd ends with a reboot. In a PID namespace the kernel ends the init that
# calls reboot(2) with SIGHUP (restart) or SIGINT (halt, power off), and unshare dies of the same
# signal: status 129 is a reboot. After a power off the host stays off until `fleet.sh boot HOST`
# (the file `power-on`); `down` (the file `stopping`, then SIGKILL to systemd) ends the loop.
# $1 lower root, $2 host directory, $3 name, $4 address, $5 repository or empty, $6 image or empty.
supervise_systemd_host() {
    set +e
    local status boot=0
    while [ ! -e "$2/stopping" ]; do
        boot=$((boot + 1))
        rm -f "$2/power-on"
        echo "boot $boot at $(date -u +%FT%T.%N)"
        boot_systemd_host "$@" >>"$2/sshd.log" 2>&1
        status=$?
        echo "boot $boot ended with status $status at $(date -u +%FT%T.%N)"
        [ "$status" = 129 ] && continue
        [ "$status" = 130 ] || break
        while [ ! -e "$2/power-on" ] && [ ! -e "$2/stopping" ]; do sleep 0.2; done
    done
}

# One boot of a systemd host, in the foreground: its init moves into the host's cgroups, then gets
# fresh namespaces, its root filesystem and a boot id of its own (the kernel's is not namespaced).
# Arguments as supervise_systemd_host's.
boot_systemd_host() {
    sh -c '
        for cg in $(cat "$2/cgroups"); do echo $$ > "$cg/cgroup.procs"; done
        exec unshare --mount --pid --uts --ipc --cgroup --fork --kill-child --propagation private sh -c "$0" fleet-host "$@"
    ' '
        set -e
        mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$3"
        mount -t proc proc "$3/proc"
        mount -t sysfs -o ro sysfs "$3/sys"
        mount -t tmpfs -o mode=755 tmpfs "$3/sys/fs/cgroup"
        mkdir "$3/sys/fs/cgroup/systemd" "$3/sys/fs/cgroup/unified"
        mount -t cgroup -o none,name=systemd cgroup "$3/sys/fs/cgroup/systemd"
        mount -t cgroup2 cgroup2 "$3/sys/fs/cgroup/unified"
        if [ -n "$7" ]; then
            for ctrl in $(cut -d: -f2 /proc/self/cgroup | grep -v "^name=" | grep .); do
                mkdir "$3/sys/fs/cgroup/$ctrl"
                mount -t cgroup -o "$ctrl" cgroup "$3/sys/fs/cgroup/$ctrl"
            done
            mkdir -p "$3/var/lib/docker" "$3/var/lib/containers"
            mount --bind "$2/engines/docker" "$3/var/lib/docker"
            mount --bind "$2/engines/containers" "$3/var/lib/containers"
            touch "$3/srv/images/test.tar"
            mount --bind "$7" "$3/srv/images/test.tar"
            mount -o remount,bind,ro "$3/srv/images/test.tar"
        fi
        mount -t tmpfs -o mode=755 tmpfs "$3/dev"
        for d in null zero full random urandom tty; do touch "$3/dev/$d"; mount --bind "/dev/$d" "$3/dev/$d"; done
        touch "$3/dev/console"; mount --bind "$2/console.log" "$3/dev/console"
        mkdir "$3/dev/pts" "$3/dev/shm"
        mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$3/dev/pts"
        ln -s pts/ptmx "$3/dev/ptmx"
        mount -t tmpfs -o mode=1777 tmpfs "$3/dev/shm"
        mount -t tmpfs -o mode=755 tmpfs "$3/run"
        mount -t tmpfs -o mode=1777 tmpfs "$3/tmp"
        if [ -n "$6" ]; then mount --bind "$6" "$3/srv/repo"; mount -o remount,bind,ro "$3/srv/repo"; fi
        cp /etc/resolv.conf "$3/etc/resolv.conf" 2>/dev/null || true
        hostname "$4"
        cat /proc/sys/kernel/random/uuid > "$2/boot_id"
        mount --bind "$2/boot_id" "$3/proc/sys/kernel/random/boot_id"
        # Each its own command, so that set -e stops the host if one fails.
        cd "$3"
        pivot_root . .
        umount -l .
        exec /usr/bin/env -i container=other /lib/systemd/systemd --log-level=warning
    ' "$1" "$2" "$2/root" "$3" "$4" "$5" "$6"
}

wait_for() {   # $1 name, $2 address
    local i
    for i in $(seq 1 300); do
        if (exec 3<>"/dev/tcp/$2/22") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    tail -5 "$state/hosts/$1/sshd.log" >&2 || true
    die "$1 ($2) did not start sshd within 30 s"
}

up() {
    local n=${1:-} net=77 flavour=base kind=plain repo="" engines=""
    [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 240 ] || die "usage: fleet.sh up N (1..240) [--net X] [--with-python] [--with-repo] [--systemd] [--with-engines] [--offset B]"
    shift
    while [ $# -gt 0 ]; do
        case $1 in
            --net) net=$2; shift 2 ;;
            --with-python) flavour=python; shift ;;
            --with-repo) repo=yes; shift ;;
            --systemd) kind=systemd; shift ;;
            --with-engines) kind=systemd; engines=engines; shift ;;
            --offset) offset=$2; shift 2 ;;
            *) die "unknown option $1" ;;
        esac
    done
    [[ $net =~ ^[0-9]+$ ]] && [ "$net" -ge 1 ] && [ "$net" -le 254 ] || die "--net takes 1..254"
    [[ $offset =~ ^[0-9]+$ ]] && [ $((offset + n)) -le 254 ] || die "--offset B: B+N must stay within 1..254"
    [ "$kind" = systemd ] && [ "$flavour" = python ] && die "--systemd and --with-python do not combine yet"
    preflight
    [ -s "$state/pids" ] && down
    [ "$kind" = systemd ] && flavour=systemd
    [ -z "$engines" ] || flavour=engines
    local lower
    lower=$(ensure_root "$flavour")
    [ -z "$repo" ] || repo=$(ensure_repo)
    client_key
    : > "$state/known_hosts"
    : > "$state/pids"
    local start=$SECONDS k name addr
    for k in $(seq 1 "$n"); do
        name=$(printf 'host%02d' "$k")
        addr="127.0.$net.$((offset + k))"
        if [ "$kind" = systemd ]; then
            start_systemd_host "$name" "$addr" "$lower" "$repo" "$engines"
        else
            start_host "$name" "$addr" "$lower" "$repo"
        fi
    done
    write_client_files "$n" "$net"
    for k in $(seq 1 "$n"); do
        wait_for "$(printf 'host%02d' "$k")" "127.0.$net.$((offset + k))"
    done
    echo "fleet: $n hosts up on 127.0.$net.$((offset + 1))-$((offset + n)) in $((SECONDS - start)) s (state: $state)"
}

write_client_files() {   # $1 n, $2 net
    local k name addr
    {
        echo "# Written by tests/fleet/fleet.sh: the running fleet."
        echo "[fleet]"
        for k in $(seq 1 "$1"); do
            name=$(printf 'host%02d' "$k")
            echo "$name ansible_host=127.0.$2.$((offset + k)) ansible_user=root ansible_ssh_private_key_file=$state/id_ed25519"
        done
        echo
        echo "[fleet:vars]"
        echo "ansible_ssh_common_args='-o UserKnownHostsFile=$state/known_hosts -o StrictHostKeyChecking=yes'"
    } > "$state/inventory.ini"
    {
        for k in $(seq 1 "$1"); do
            printf 'Host %s\n  HostName 127.0.%s.%s\n  User root\n  IdentityFile %s\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n' \
                "$(printf 'host%02d' "$k")" "$2" "$((offset + k))" "$state/id_ed25519" "$state/known_hosts"
        done
    } > "$state/ssh_config"
}

down() {
    [ -f "$state/pids" ] || return 0
    local pid name addr kind i
    # A systemd host's supervisor would boot it again: it is told to stop first.
    while read -r pid name addr kind; do
        [ -n "$pid" ] || continue
        [ "$kind" != systemd ] || touch "$state/hosts/$name/stopping" 2>/dev/null || true
        stop_host_init "$pid" "$kind"
    done < "$state/pids"
    while read -r pid name addr kind; do
        [ -n "$pid" ] || continue
        for i in $(seq 1 100); do
            started_here "$pid" "$kind" || break
            # A host between two boots has no init yet when the first signal went out.
            [ $((i % 20)) != 0 ] || stop_host_init "$pid" "$kind" KILL
            sleep 0.05
        done
        ! started_here "$pid" "$kind" || stop_host_init "$pid" "$kind" KILL
    done < "$state/pids"
    remove_host_cgroups
    rm -f "$state/pids"
    rm -rf "$state/hosts"
    echo "fleet: down"
}

# Whether PID (from the pids file) is still the process `up` started: a host's unshare, or a systemd
# host's supervisor (a subshell of this script; before supervisors, its unshare). $1 pid, $2 kind.
started_here() {
    kill -0 "$1" 2>/dev/null || return 1
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" != unshare ] || return 0
    [ "$2" = systemd ] && { tr '\0' ' ' < "/proc/$1/cmdline"; } 2>/dev/null | grep -q 'fleet\.sh'
}

# Ends a host's init, the PID 1 of its namespace; the kernel then ends everything else in that PID
# namespace and its mounts go with it. unshare --fork waits for its child and ignores SIGTERM, so the
# signal goes to the child. sshd ends on SIGTERM; systemd as PID 1 takes SIGTERM as "re-execute", it
# gets SIGKILL (nothing of the host outlives it). $1 pid, $2 kind, $3 signal (default by kind).
stop_host_init() {
    local signal=${3:-TERM} unshare child
    started_here "$1" "$2" || return 0
    [ "$2" != systemd ] || signal=KILL
    unshare=$1
    if [ "$(cat "/proc/$1/comm" 2>/dev/null)" != unshare ]; then
        unshare=$(for child in $(pgrep -P "$1" 2>/dev/null); do
            [ "$(cat "/proc/$child/comm" 2>/dev/null)" != unshare ] || echo "$child"
        done)
    fi
    for child in $(for pid in $unshare; do pgrep -P "$pid" 2>/dev/null; done); do
        kill -"$signal" "$child" 2>/dev/null || true
    done
}

# The cgroup subtrees of systemd hosts, depth-first (systemd made its slices inside them); a
# directory still holding a process (its host not yet reaped) is retried for a few seconds.
remove_host_cgroups() {
    local list cg i
    for list in "$state"/hosts/*/cgroups; do
        [ -f "$list" ] || continue
        while read -r cg; do
            case $cg in */drover-fleet/*) ;; *) continue ;; esac
            for i in $(seq 1 50); do
                [ -d "$cg" ] || break
                find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
                [ -d "$cg" ] || break
                sleep 0.1
            done
            [ -d "$cg" ] && echo "fleet: could not remove cgroup $cg" >&2
            rmdir "$(dirname "$cg")" 2>/dev/null || true
        done < "$list"
    done
}

# Imports the test image's tarball (bind-mounted read-only at /srv/images/test.tar in engine hosts):
# the tests' stand-in for a registry. $1 host, $2 docker|podman, $3 tag.
image() {
    local host=${1:-} engine=${2:-} tag=${3:-local/bookworm:test}
    [ -n "$host" ] && { [ "$engine" = docker ] || [ "$engine" = podman ]; } \
        || die "usage: fleet.sh image HOST docker|podman [TAG]"
    [ -f "$state/ssh_config" ] || die "no fleet in $state"
    ssh -F "$state/ssh_config" -o BatchMode=yes "$host" \
        "$engine image inspect $tag >/dev/null 2>&1 || $engine import /srv/images/test.tar $tag >/dev/null 2>&1" \
        || die "could not import the image into $engine on $host"
}

status() {
    [ -f "$state/pids" ] || { echo "fleet: no hosts"; return 0; }
    local pid name addr kind
    while read -r pid name addr kind; do
        if (exec 3<>"/dev/tcp/$addr/22") 2>/dev/null; then echo "$name $addr up"; else echo "$name $addr DOWN"; fi
    done < "$state/pids"
}

# Switches a powered-off systemd host on again (its supervisor waits for this) and waits for its sshd.
boot() {
    local host=${1:-} pid name addr kind
    [ -n "$host" ] || die "usage: fleet.sh boot HOST"
    [ -f "$state/pids" ] || die "no fleet in $state"
    while read -r pid name addr kind; do
        [ "$name" = "$host" ] || continue
        [ "$kind" = systemd ] || die "$host is not a systemd host (only those power off)"
        started_here "$pid" "$kind" || die "$host has no supervisor any more (pid $pid)"
        touch "$state/hosts/$host/power-on"
        wait_for "$host" "$addr"
        return 0
    done < "$state/pids"
    die "no host $host in $state"
}

case ${1:-} in
    up) shift; up "$@" ;;
    boot) shift; boot "$@" ;;
    down) down ;;
    status) status ;;
    image) shift; image "$@" ;;
    *) die "usage: fleet.sh up N [--net X] [--with-python] [--with-repo] [--systemd] [--with-engines] [--offset B] | image HOST ENGINE [TAG] | boot HOST | down | status" ;;
esac
