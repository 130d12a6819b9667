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
    add_host any_errors_fatal assert blocks changed_when check_mode conditionals debug delegate_to
    dict_transformations environment failed_when filter_core filter_encryption filter_mathstuff
    filter_urls filter_urlsplit gathering group_by handler_race handlers hash ignore_errors
    ignore_unreachable import-role-tasks import_tasks include_import include_import_tasks_nested
    include_vars include_when_parent_is_dynamic include_when_parent_is_static
    include_with_templating jinja2_native_types limit_inventory lookup_csvfile lookup_dict
    lookup_env lookup_file lookup_fileglob lookup_first_found lookup_indexed_items lookup_ini
    lookup_inventory_hostnames lookup_items lookup_lines lookup_list lookup_nested lookup_pipe
    lookup_random_choice lookup_sequence lookup_subelements lookup_template lookup_together
    lookup_varnames lookup_vars loop-until loop_control loops meta_tasks no_log order play_iterator
    prepare_tests register roles roles_arg_spec roles_var_inheritance set_fact set_stats
    setup_remote_tmp_dir special_vars special_vars_hosts split strategy_free strategy_host_pinned
    strategy_linear tags task-timeout task_ordering template template_jinja2_non_native templating
    templating_lookup_args templating_lookups test_core test_files test_mathstuff test_utils
    throttle undefined unicode until var_blending var_inheritance var_precedence var_reserved
    vars_files yaml_parsing
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

# Only the targets not yet extracted are taken out of the sdist: a grown list extracts its new
# targets, and runs with other lists (other checkouts share this cache) never delete a directory
# a running test may be reading.
missing=()
for t in "${targets[@]}"; do
    [ -d "$out/$t" ] || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
    mkdir -p "$out"
    part=$(mktemp -d "$out/.extract.XXXXXX")
    prefix=ansible_core-$version/test/integration/targets
    tar -xzf "$sdist" -C "$part" --strip-components=4 "${missing[@]/#/$prefix/}"
    for t in "${missing[@]}"; do
        [ -d "$out/$t" ] || mv "$part/$t" "$out/$t"
    done
    rm -rf "$part"
fi
echo "$out"
