#!/usr/bin/env bash
# Puts ansible-core's own integration targets (the ones tests/ansible_targets.rs compares drover
# with) in a cache directory and prints that directory. Nothing of ansible-core is kept in this
# repository (it is GPLv3): the targets are taken at test time from ansible-core's source
# distribution on PyPI, pinned by version and SHA-256, downloaded once and cached under
# ~/.cache/drover-test/. Exits non-zero (with the reason on stderr) when it cannot.
set -euo pipefail

version=2.19.14
sha256=1e7612788eaa6b3c87a3670ce86c64b830eba0ae2b3fcb25a772f276704163b4
# The targets tests/ansible_targets.rs runs or names as excluded (keep the two lists together).
targets=(
    any_errors_fatal blocks gathering handlers include_import include_vars loop_control loops
    lookup_dict lookup_env lookup_file lookup_fileglob lookup_first_found lookup_indexed_items
    lookup_items lookup_lines lookup_list lookup_nested lookup_pipe lookup_sequence
    lookup_subelements lookup_template lookup_together lookup_vars register roles set_fact
    special_vars tags template until var_blending var_precedence
    # session 15: tgtroles
    roles_arg_spec roles_var_inheritance include_when_parent_is_dynamic
    include_when_parent_is_static include_with_templating import-role-tasks import_tasks
    include_import_tasks_nested var_inheritance var_reserved vars_files
)

cache=${XDG_CACHE_HOME:-$HOME/.cache}/drover-test
sdist=$cache/ansible_core-$version.tar.gz
# One directory per list of targets: a changed list (a target added) gets a fresh extraction, and
# checkouts with different lists (branches in progress) never delete the directory another one's
# test run is reading.
list_id=$(printf '%s\n' "${targets[@]}" | sort -u | sha256sum | cut -c1-12)
out=$cache/ansible-core-$version-targets-$list_id

if ! echo "$sha256  $sdist" | sha256sum -c --status 2>/dev/null; then
    echo "==> fetching ansible-core $version's source distribution from PyPI (once)" >&2
    dl=$(mktemp -d)
    trap 'rm -rf "$dl"' EXIT
    python3 -m pip download -q --no-deps --no-binary :all: \
        "ansible-core==$version" -d "$dl" >&2 || {
        echo "could not download ansible-core==$version (pip download failed)" >&2
        exit 1
    }
    echo "$sha256  $dl/ansible_core-$version.tar.gz" | sha256sum -c --status || {
        echo "ansible_core-$version.tar.gz does not have the pinned SHA-256 $sha256" >&2
        exit 1
    }
    mkdir -p "$cache"
    mv "$dl/ansible_core-$version.tar.gz" "$sdist"
    rm -rf "$out"
fi

if [ ! -d "$out" ]; then
    # Extracted beside it and renamed into place, so a concurrent run sees all of it or none.
    tmp=$(mktemp -d "$out.XXXXXX")
    prefix=ansible_core-$version/test/integration/targets
    tar -xzf "$sdist" -C "$tmp" --strip-components=4 "${targets[@]/#/$prefix/}"
    printf '%s\n' "${targets[@]}" >"$tmp/.targets"
    mv -T "$tmp" "$out" 2>/dev/null || rm -rf "$tmp"
fi
echo "$out"
