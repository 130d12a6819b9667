#!/usr/bin/env bash
# A fleet of isolated Debian hosts on this machine, each a real OpenSSH sshd on its own loopback
# address (127.0.NET.K), with its own root filesystem (overlayfs over a cached debootstrap base) and
# its own mount/PID/UTS/IPC namespaces. For drover's end-to-end tests, demo and benchmarks.
#
#   fleet.sh up N [--net X] [--with-python]   start hostNN (01..N) on 127.0.X.(10+K); default X=77
#   fleet.sh down                              stop what `up` started (by recorded PID)
#   fleet.sh status                            list hosts and whether they answer
#
# State: $DROVER_FLEET_DIR (default /tmp/drover-fleet): id_ed25519 (client key), known_hosts,
# inventory.ini, ssh_config, pids, hosts/<name>/{upper,work,root,sshd.log}.
# Cache: ${XDG_CACHE_HOME:-~/.cache}/drover-fleet: base tarball, debootstrap .deb cache, extracted roots.
# Exit 3: this machine cannot run the fleet (not root, not Linux, no unshare/overlayfs).
set -euo pipefail

state=${DROVER_FLEET_DIR:-/tmp/drover-fleet}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/drover-fleet
suite=bookworm
mirror=${DROVER_FLEET_MIRROR:-http://deb.debian.org/debian}

die() { echo "fleet: $*" >&2; exit 1; }
cannot() { echo "fleet: cannot run here: $*" >&2; exit 3; }

preflight() {
    [ "$(uname -s)" = Linux ] || cannot "not Linux"
    [ "$(id -u)" = 0 ] || cannot "needs root (namespaces, overlayfs, chroot)"
    command -v unshare >/dev/null || cannot "no unshare (util-linux)"
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
# $1 = flavour: base | python (base + python3, for side-by-side runs with ansible).
ensure_root() {
    # The version in the names rebuilds the cache when the package list changes.
    local flavour=$1 tarball="$cache/$1-v2.tar" root="$cache/root-$1-v2"
    mkdir -p "$cache/debs"
    exec 9>"$cache/lock"
    flock 9
    if [ ! -s "$tarball" ]; then
        local build="$cache/build-$flavour"
        rm -rf "$build"
        # sudo: for `become` tests (drover itself needs only sshd and /bin/sh on a host).
        local include=openssh-server,openssh-sftp-server,procps,iproute2,sudo
        [ "$flavour" = python ] && include+=",python3"
        echo "fleet: building the $flavour root filesystem with debootstrap (once, ~3 min)" >&2
        debootstrap --variant=minbase --include="$include" --cache-dir="$cache/debs" \
            "$suite" "$build" "$mirror" >"$cache/debootstrap-$flavour.log" 2>&1 \
            || { tail -20 "$cache/debootstrap-$flavour.log" >&2; die "debootstrap failed (log: $cache/debootstrap-$flavour.log)"; }
        rm -f "$build"/etc/ssh/ssh_host_*
        printf '#!/bin/sh\nexit 101\n' > "$build/usr/sbin/policy-rc.d"
        chmod 755 "$build/usr/sbin/policy-rc.d"
        mkdir -p "$build/run/sshd" "$build/root/.ssh"
        chmod 700 "$build/root/.ssh"
        rm -rf "$build"/var/cache/apt/archives/*.deb
        tar -C "$build" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
        rm -rf "$build"
    fi
    if [ ! -d "$root" ] || [ "$tarball" -nt "$root/.extracted" ]; then
        rm -rf "$root" && mkdir -p "$root"
        tar -C "$root" -xf "$tarball"
        touch "$root/.extracted"
    fi
    flock -u 9
    echo "$root"
}

client_key() {
    mkdir -p "$state"
    [ -s "$state/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C drover-fleet -f "$state/id_ed25519"
}

# Starts one host: $1 name, $2 address, $3 lower root.
start_host() {
    local name=$1 addr=$2 lower=$3 dir="$state/hosts/$1"
    rm -rf "$dir"
    mkdir -p "$dir/upper/root/.ssh" "$dir/upper/etc/ssh" "$dir/work" "$dir/root"
    install -m 600 "$state/id_ed25519.pub" "$dir/upper/root/.ssh/authorized_keys"
    chmod 700 "$dir/upper/root/.ssh"
    ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/upper/etc/ssh/ssh_host_ed25519_key"
    echo "$name" > "$dir/upper/etc/hostname"
    printf '127.0.0.1 localhost\n%s %s\n' "$addr" "$name" > "$dir/upper/etc/hosts"
    echo "$addr $(cut -d' ' -f1-2 "$dir/upper/etc/ssh/ssh_host_ed25519_key.pub")" >> "$state/known_hosts"
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
        cp /etc/resolv.conf "$3/etc/resolv.conf" 2>/dev/null || true
        hostname "$4"
        exec chroot "$3" /usr/sbin/sshd -D -e \
            -o ListenAddress="$5":22 -o HostKey=/etc/ssh/ssh_host_ed25519_key \
            -o PermitRootLogin=prohibit-password -o UsePAM=no -o PasswordAuthentication=no \
            -o KbdInteractiveAuthentication=no -o MaxStartups=200:30:400 -o MaxSessions=100 \
            -o UseDNS=no -o PrintMotd=no
    ' fleet-host "$lower" "$dir" "$root" "$name" "$addr" >"$dir/sshd.log" 2>&1 &
    echo "$! $name $addr" >> "$state/pids"
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
    local n=${1:-} net=77 flavour=base
    [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 240 ] || die "usage: fleet.sh up N (1..240) [--net X] [--with-python]"
    shift
    while [ $# -gt 0 ]; do
        case $1 in
            --net) net=$2; shift 2 ;;
            --with-python) flavour=python; shift ;;
            *) die "unknown option $1" ;;
        esac
    done
    [[ $net =~ ^[0-9]+$ ]] && [ "$net" -ge 1 ] && [ "$net" -le 254 ] || die "--net takes 1..254"
    preflight
    [ -s "$state/pids" ] && down
    local lower
    lower=$(ensure_root "$flavour")
    client_key
    : > "$state/known_hosts"
    : > "$state/pids"
    local start=$SECONDS k name addr
    for k in $(seq 1 "$n"); do
        name=$(printf 'host%02d' "$k")
        addr="127.0.$net.$((10 + k))"
        start_host "$name" "$addr" "$lower"
    done
    write_client_files "$n" "$net"
    for k in $(seq 1 "$n"); do
        wait_for "$(printf 'host%02d' "$k")" "127.0.$net.$((10 + k))"
    done
    echo "fleet: $n hosts up on 127.0.$net.11-$((10 + n)) in $((SECONDS - start)) s (state: $state)"
}

write_client_files() {   # $1 n, $2 net
    local k name addr
    {
        echo "# Written by tests/fleet/fleet.sh: the running fleet."
        echo "[fleet]"
        for k in $(seq 1 "$1"); do
            name=$(printf 'host%02d' "$k")
            echo "$name ansible_host=127.0.$2.$((10 + k)) ansible_user=root ansible_ssh_private_key_file=$state/id_ed25519"
        done
        echo
        echo "[fleet:vars]"
        echo "ansible_ssh_common_args='-o UserKnownHostsFile=$state/known_hosts -o StrictHostKeyChecking=yes'"
    } > "$state/inventory.ini"
    {
        for k in $(seq 1 "$1"); do
            printf 'Host %s\n  HostName 127.0.%s.%s\n  User root\n  IdentityFile %s\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n' \
                "$(printf 'host%02d' "$k")" "$2" "$((10 + k))" "$state/id_ed25519" "$state/known_hosts"
        done
    } > "$state/ssh_config"
}

down() {
    [ -f "$state/pids" ] || return 0
    local pid name addr child
    while read -r pid name addr; do
        [ -n "$pid" ] || continue
        # unshare --fork waits for its child and ignores SIGTERM: end the namespace's PID 1 (sshd);
        # the kernel then ends everything in that PID namespace and its mounts go with it.
        if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = unshare ]; then
            for child in $(pgrep -P "$pid" 2>/dev/null); do kill -TERM "$child" 2>/dev/null || true; done
        fi
    done < "$state/pids"
    while read -r pid name addr; do
        [ -n "$pid" ] || continue
        local i
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = unshare ] || break
            sleep 0.05
        done
        if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = unshare ]; then
            for child in $(pgrep -P "$pid" 2>/dev/null); do kill -KILL "$child" 2>/dev/null || true; done
        fi
    done < "$state/pids"
    rm -f "$state/pids"
    rm -rf "$state/hosts"
    echo "fleet: down"
}

status() {
    [ -f "$state/pids" ] || { echo "fleet: no hosts"; return 0; }
    local pid name addr
    while read -r pid name addr; do
        if (exec 3<>"/dev/tcp/$addr/22") 2>/dev/null; then echo "$name $addr up"; else echo "$name $addr DOWN"; fi
    done < "$state/pids"
}

case ${1:-} in
    up) shift; up "$@" ;;
    down) down ;;
    status) status ;;
    *) die "usage: fleet.sh up N [--net X] [--with-python] | down | status" ;;
esac
