#!/usr/bin/env bash
# Compares the end state two hosts were left in (e.g. one configured by ansible-playbook, the other by
# drover with the same play): installed packages, users and groups, the files under the given paths
# (type, mode, owner, group, size, SHA-256 of content, link target), enabled and running services.
# Each host's own name and address read as HOST and ADDR (in listings and in file contents alike), so
# per-host templating does not count.
# Usage: tests/end-state.sh SSH_CONFIG HOST_A ADDR_A HOST_B ADDR_B PATH... ; exit 0 same, 1 different.
set -euo pipefail
[ $# -ge 6 ] || { echo "usage: $0 SSH_CONFIG HOST_A ADDR_A HOST_B ADDR_B PATH..." >&2; exit 2; }
config=$1 host_a=$2 addr_a=$3 host_b=$4 addr_b=$5
shift 5

# One round trip per host; the script reads only, it never changes the host.
state_of() {   # $1 host, $2 its address, $3... paths: its state, on stdout
    local host=$1 addr=$2 paths
    shift 2
    paths=$(printf "'%s' " "$@")
    ssh -F "$config" "$host" "sh -s" <<REMOTE
echo "## packages"
dpkg-query -W -f '\${Package} \${Version} \${db:Status-Status}\n' | sort
echo "## users"
cat /etc/passwd
echo "## groups"
cat /etc/group
echo "## files"
find $paths -xdev \\( -type f -printf '%p f %m %u %g %s ' -exec sh -c 'sed -e "s/\$2/HOST/g" -e "s/\$3/ADDR/g" "\$1" | sha256sum | cut -d" " -f1' _ {} "$host" "${addr//./\\.}" \\; \\) \\
    -o \\( -type l -printf '%p l %l\n' \\) -o \\( -type d -printf '%p d %m %u %g\n' \\) 2>&1 | sort
echo "## enabled services"
if [ -d /run/systemd/system ]; then
    systemctl list-unit-files --type=service --state=enabled --no-legend | awk '{print \$1}' | sort
else
    ls /etc/rc2.d | sort
fi
echo "## running services"
if [ -d /run/systemd/system ]; then
    systemctl list-units --type=service --state=running --no-legend | awk '{print \$1}' | sort
else
    for s in /etc/init.d/*; do
        [ -x "\$s" ] || continue
        "\$s" status >/dev/null 2>&1 && echo "\${s##*/}"
    done
fi
REMOTE
}

normalised() {   # $1 host, $2 address, $3... paths
    local host=$1 addr=$2
    shift 2
    state_of "$host" "$addr" "$@" | sed -e "s/$host/HOST/g" -e "s/${addr//./\\.}/ADDR/g"
}

a=$(mktemp) b=$(mktemp)
trap 'rm -f "$a" "$b"' EXIT
normalised "$host_a" "$addr_a" "$@" > "$a"
normalised "$host_b" "$addr_b" "$@" > "$b"
if diff -u --label "$host_a" --label "$host_b" "$a" "$b"; then
    echo "end state: $host_a and $host_b are the same ($(grep -c . "$a") lines compared)"
else
    exit 1
fi
