#!/usr/bin/env bash
# Instructions per `find_token` (by user name, 2 000 tokens, shared mode), counted by callgrind:
# repeatable whatever else the machine is doing, so two commits can be compared on a busy host.
# Runs benches/compare's profile_find with 2 000 and 4 000 lookups and prints the difference per
# lookup (the vault's creation and import cancel out).
#   bash benches/lookup_instructions.sh                 # this checkout
#   git worktree add /tmp/old REV && bash /tmp/old/benches/lookup_instructions.sh   # another
# Needs valgrind (Debian's valgrind package).
set -euo pipefail
cd "$(dirname "$0")/compare"
# The workspace's one target directory (the root Cargo.toml is the workspace).
target=$(cd ../.. 2>/dev/null && pwd)/target
[[ -n "${CARGO_TARGET_DIR:-}" ]] && target=$(realpath -m "$CARGO_TARGET_DIR")
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
cargo build --quiet --release --bin profile_find
count() {
    PROFILE_TOKENS=2000 PROFILE_LOOKUPS=$1 valgrind --tool=callgrind \
        --callgrind-out-file=/dev/null "$target"/release/profile_find 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
small=$(count 2000)
large=$(count 4000)
echo "find_token by user name, 2000 tokens: $(( (large - small) / 2000 )) instructions per lookup ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
