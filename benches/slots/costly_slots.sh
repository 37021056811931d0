#!/usr/bin/env bash
# The open of a vault whose header someone with write access filled with costly passphrase slots
# before the real one (issue 19): three slots at the per-slot cap (1 GiB × 4 passes of Argon2id),
# then the real passphrase at the default cost (64 MiB × 3). Prints the wall time and the peak
# memory of `tokenvault list` with the real passphrase, measured by GNU time in its own process.
# An unlock tries passphrase slots cheapest first, so the costly slots are never derived.
#   bash benches/slots/costly_slots.sh [PATH-TO-TOKENVAULT]
# Building the vault runs Argon2 at the cap three times (~10 s on 2 cores, 1 GiB of memory).
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ -x /usr/bin/time ]] || { echo "needs GNU time (/usr/bin/time, Debian's time package)" >&2; exit 2; }
cli=${1:-}
if [[ -z "$cli" ]]; then
    cargo build --quiet --release -p tokenvault-cli
    cli=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/tokenvault
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/tokenvault-costly.XXXXXX")
trap 'rm -rf "$work"' EXIT
vault=$work/costly.vault
cap=(--kdf-memory-kib 1048576 --kdf-iterations 4 --kdf-parallelism 4)
export NO_COLOR=1
TOKENVAULT_PASSPHRASE=decoy-0 "$cli" --vault "$vault" init "${cap[@]}" >/dev/null 2>&1
for i in 1 2; do
    TOKENVAULT_PASSPHRASE=decoy-0 TOKENVAULT_NEW_PASSPHRASE=decoy-$i \
        "$cli" --vault "$vault" slot add --passphrase --name "decoy-$i" "${cap[@]}" >/dev/null 2>&1
done
TOKENVAULT_PASSPHRASE=decoy-0 TOKENVAULT_NEW_PASSPHRASE=real \
    "$cli" --vault "$vault" slot add --passphrase --name real >/dev/null 2>&1
echo "slots, in header order:"
"$cli" --vault "$vault" slot list 2>/dev/null | sed 's/^/  /'
echo "(the decoy-0 line is the cost of one costly slot that really opens: what each decoy would"
echo " add to the real passphrase's open if slots were tried in header order)"
for who in real decoy-0; do
    TOKENVAULT_PASSPHRASE=$who /usr/bin/time -f "%e s wall, %M KiB peak memory" -o "$work/time" \
        "$cli" --vault "$vault" list >/dev/null 2>&1
    echo "open + list with the $who passphrase: $(cat "$work/time")"
done
