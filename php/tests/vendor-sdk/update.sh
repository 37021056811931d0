#!/bin/sh
# Copies the SDK subset the tests need from a checkout of zoho/zohocrm-php-sdk-8.0.
# Usage: update.sh SDK_CHECKOUT   (then update the commit in README.md)
set -eu
src=${1:?usage: update.sh SDK_CHECKOUT}
here=$(cd "$(dirname "$0")" && pwd)
cp "$src/LICENSE" "$here/LICENSE"
while read -r f; do
    [ -n "$f" ] || continue
    mkdir -p "$here/$(dirname "$f")"
    cp "$src/$f" "$here/$f"
done < "$here/FILES"
