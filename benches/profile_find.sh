#!/usr/bin/env bash
# Profiles `find_token` (docs/BENCHMARKS.md, "Reading the numbers"): a loop of lookups under
# `perf record --call-graph dwarf`, then the functions that take at least 2 % of the samples,
# callees included.
#   bash benches/profile_find.sh            # shared mode, by user name, 10 000 tokens
#   PROFILE_ALONE=1 PROFILE_PATH=access_token bash benches/profile_find.sh
# Needs `perf` (linux-perf / linux-tools) and permission to use it.
set -euo pipefail
cd "$(dirname "$0")/compare"
# The workspace's one target directory (the root Cargo.toml is the workspace).
target=$(cd ../.. 2>/dev/null && pwd)/target
[[ -n "${CARGO_TARGET_DIR:-}" ]] && target=$(realpath -m "$CARGO_TARGET_DIR")
command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 2; }
cargo build --quiet --release --bin profile_find
mkdir -p "$target"/profile
export PROFILE_LOOKUPS=${PROFILE_LOOKUPS:-60000}
perf record --quiet --call-graph dwarf,16384 -o "$target"/profile/perf.data \
    "$target"/release/profile_find
perf report -i "$target"/profile/perf.data --children --percent-limit 2 --stdio -g none 2>/dev/null \
    | grep '%' | grep -E 'tokenvault::|redb::' | grep -v '(inlined)'
