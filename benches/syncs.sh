#!/usr/bin/env bash
# Sync and write calls per command and per durable save (docs/BENCHMARKS.md, "Reads write
# nothing: syncs per command and per save"), counted with strace.
#   bash benches/syncs.sh [--cli PATH]
# --cli PATH: count that tokenvault command's calls instead of this tree's (another commit's
# build, for a before/after); the per-save rows are always this tree's library.
# Each read command runs on a vault of tests/data's typical.txt, and the file's SHA-256 is
# compared before and after. Per save: benches/compare's `save_syncs` (one long-lived handle, the
# SDK's hourly refresh as durable saves), 100 saves less none, shared and `single_process`.
# Prints a Markdown table. Needs strace.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(pwd)/target
[[ -n "${CARGO_TARGET_DIR:-}" ]] && target=$(realpath -m "$CARGO_TARGET_DIR")
command -v strace >/dev/null || { echo "benches/syncs.sh needs strace" >&2; exit 1; }

cli=""
if [[ ${1:-} == --cli ]]; then
    cli=$(realpath "$2")
elif [[ $# -gt 0 ]]; then
    echo "usage: benches/syncs.sh [--cli PATH]" >&2
    exit 2
fi

echo "::: building" >&2
cargo build --quiet --release --bin tokenvault
(cd benches/compare && cargo build --quiet --release --bin save_syncs)
tv=${cli:-$target/release/tokenvault}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export TOKENVAULT_PASSPHRASE="syncs benchmark passphrase"
vault=$dir/v.vault
kdf=(--insecure-kdf --kdf-memory-kib 8 --kdf-iterations 1 --kdf-parallelism 1)
"$tv" --vault "$vault" import --create "${kdf[@]}" tests/data/compat/files/typical.txt >/dev/null 2>&1

# count STDIN PROGRAM ARGS...: sets syncs (fsync + fdatasync) and writes (pwrite64).
count() {
    local input=$1
    shift
    printf '%s' "$input" | strace -f -qq -o "$dir/log" -e trace=fsync,fdatasync,pwrite64 "$@" \
        >/dev/null 2>&1
    syncs=$(grep -cE ' (fsync|fdatasync)\(' "$dir/log" || true)
    writes=$(grep -c ' pwrite64(' "$dir/log" || true)
}

echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), tokenvault $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(uname -sr)${cli:+, commands: $cli ($("$cli" --version))}."
echo
echo "| command | fsync + fdatasync | pwrite64 | vault file changed |"
echo "|---|---:|---:|---|"
query='{"user_name": "sales@zylker.com"}'
for args in "list" "get 2" "find" "export -" "info" "slot list" "verify"; do
    before=$(sha256sum "$vault" | cut -d' ' -f1)
    input=""
    [[ $args == find ]] && input=$query
    # shellcheck disable=SC2086 # the command's words
    count "$input" "$tv" --vault "$vault" $args
    after=$(sha256sum "$vault" | cut -d' ' -f1)
    changed=no
    [[ $before != "$after" ]] && changed=yes
    echo "| \`tokenvault $args\` | $syncs | $writes | $changed |"
done
count '{"user_name": "new@zylker.com", "refresh_token": "r", "client_id": "c"}' \
    "$tv" --vault "$vault" save
echo "| \`tokenvault save\` (a process: open, one save, close) | $syncs | $writes | yes |"

echo
echo "| one durable save, long-lived handle | fsync + fdatasync | pwrite64 |"
echo "|---|---:|---:|"
for mode in shared alone; do
    flag=()
    [[ $mode == alone ]] && flag=(--alone)
    count "" "$target/release/save_syncs" "$vault" 0 "${flag[@]}"
    s0=$syncs w0=$writes
    count "" "$target/release/save_syncs" "$vault" 100 "${flag[@]}"
    label="shared (default)"
    [[ $mode == alone ]] && label="one process (\`single_process\`)"
    echo "| $label | $(awk "BEGIN{print ($syncs-$s0)/100}") | $(awk "BEGIN{print ($writes-$w0)/100}") |"
done
