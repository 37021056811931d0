#!/usr/bin/env bash
# The library alone, as a library user gets it (`tokenvault = "…"`, default features: the file
# engine only): it builds and lints without the command's crate, and its dependency tree holds
# none of the command's dependencies nor the FileStore CSV reader. The command's own tests run in
# 10-rust.sh; its pty tests need only `sh`, `stty` and `setsid`, which every Debian system has.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo clippy -p tokenvault --lib -- -D warnings
tree=$(cargo tree -p tokenvault -e normal --prefix none --format '{p}' | cut -d' ' -f1 | sort -u)
for crate in clap clap_complete indicatif rpassword anstream anstyle unicode-width humantime serde_json csv mysql url; do
    if grep -qx "$crate" <<<"$tree"; then
        echo "the library's default dependency tree holds $crate (cargo tree -p tokenvault -e normal -i $crate)" >&2
        exit 1
    fi
done
echo "library default tree: $(wc -l <<<"$tree") crates, none of the command's"
