#!/usr/bin/env bash
# Cold release build times of the whole workspace now against the same packages before the
# workspace (commit 2c8851c: the library with its CLI, python/, benches/compare and benches/mysql,
# four separate packages with their own Cargo.lock), each in a fresh clone and an empty target
# directory, at nice 10. Prints wall, user and system time per build (GNU time).
#   benches/build_times.sh [OUT_DIR]        default OUT_DIR: /tmp/tokenvault-build-times
# The machine's other load changes wall time much more than CPU time: compare user + sys.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/tokenvault-build-times}
rm -rf "$out"
mkdir -p "$out"
git clone -q "$repo" "$out/after"
git clone -q "$repo" "$out/before"
git -C "$out/before" checkout -q 2c8851c
timed() {
    local label=$1
    shift
    /usr/bin/time -f "$label: wall %e s, user %U s, sys %S s" -a -o "$out/times.txt" "$@"
}
(cd "$out/after" && timed "after, cargo build --release --workspace" \
    env CARGO_TARGET_DIR="$out/target-after" nice -n 10 cargo build -q --release --workspace)
for package in . python benches/compare benches/mysql; do
    (cd "$out/before" && timed "before, $package" \
        env CARGO_TARGET_DIR="$out/target-before-${package//\//_}" nice -n 10 \
        cargo build -q --release --manifest-path "$package/Cargo.toml")
done
cat "$out/times.txt"
