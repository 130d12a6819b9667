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
    # session 15: tgtflow
    add_host assert changed_when check_mode prepare_tests setup_remote_tmp_dir conditionals debug delegate_to environment
    failed_when group_by handler_race ignore_errors ignore_unreachable limit_inventory loop-until
    meta_tasks no_log order play_iterator set_stats special_vars_hosts strategy_free
    strategy_host_pinned strategy_linear task-timeout task_ordering throttle undefined
)

cache=${XDG_CACHE_HOME:-$HOME/.cache}/drover-test
sdist=$cache/ansible_core-$version.tar.gz
out=$cache/ansible-core-$version-targets

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

# Only the targets not there yet are extracted: several checkouts with different lists share this
# cache (and may run at the same time), so a target is never removed, and each one appears at once,
# complete (extracted beside the cache, then renamed into place).
missing=()
for t in "${targets[@]}"; do
    [ -d "$out/$t" ] || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
    mkdir -p "$out"
    staging=$(mktemp -d "$out/.extract.XXXXXX")
    prefix=ansible_core-$version/test/integration/targets
    tar -xzf "$sdist" -C "$staging" --strip-components=4 "${missing[@]/#/$prefix/}"
    for t in "${missing[@]}"; do
        mv -T "$staging/$t" "$out/$t" 2>/dev/null || [ -d "$out/$t" ]
    done
    rm -rf "$staging"
fi
echo "$out"
