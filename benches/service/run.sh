#!/usr/bin/env bash
# Runs the token service benchmark: `find` through `tokenvault serve` over its Unix socket and
# loopback TCP at 1, 16 and 64 clients, beside the in-process Vault::find_token, SQLite and the
# FileStore port, at 1k and 10k tokens; and the service's RSS (docs/BENCHMARKS.md, "The token
# service").
#   benches/service/run.sh [--quick]
# --quick: 0.1 s warm-up and 0.4 s measured per row instead of 0.5 s + 3 s (a smoke run).
# Output: target/service-bench/report.md (printed), the service's logs beside it.
set -euo pipefail
cd "$(dirname "$0")"
# The workspace's one target directory (the root Cargo.toml is the workspace).
target=$(cd ../.. 2>/dev/null && pwd)/target
[[ -n "${CARGO_TARGET_DIR:-}" ]] && target=$(realpath -m "$CARGO_TARGET_DIR")

args=()
for arg in "$@"; do
    case $arg in
        --quick) args+=(--quick) ;;
        *) echo "usage: benches/service/run.sh [--quick]" >&2; exit 2 ;;
    esac
done

echo "::: building the release tokenvault and the benchmark" >&2
cargo build --quiet --release -p tokenvault-cli --bin tokenvault
cargo build --quiet --release -p tokenvault-bench-service

out="$target"/service-bench
rm -rf "$out"
mkdir -p "$out"
echo "::: measuring (load average now: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
"$target"/release/tokenvault-bench-service --tokenvault "$target"/release/tokenvault --out "$out" "${args[@]}"
