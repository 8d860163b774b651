#!/usr/bin/env bash
# Points every sub-module (cmd/blasctl, blasgonum, bench, examples) at the
# library at REV, a commit on main or a library tag (v0.N.M): the
# requirement in its go.mod, the replace and the go line of its go.work,
# and its go.sum, which the go command fills in from the module zip that a
# module proxy would serve for that version (internal/tools/modproxy).
#
#   bash scripts/pin-library.sh REV
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/submodules.sh

if [ $# != 1 ]; then
  echo "usage: bash scripts/pin-library.sh REV" >&2
  exit 2
fi
PROXY=$(mktemp -d "${TMPDIR:-/tmp}/blasctl-proxy.XXXXXX")
trap 'rm -rf "$PROXY"' EXIT
new=$(go -C internal/tools run ./modproxy -repo "$PWD" -out "$PROXY" "$1" | cut -d' ' -f2)
echo "library: $LIBRARY $new"
for m in $(submodules); do
  old=$(required_version "$m")
  go mod edit -require="$LIBRARY@$new" "$m/go.mod"
  if [ -f "$m/go.work" ]; then
    sed -i "s|$LIBRARY $old =>|$LIBRARY $new =>|" "$m/go.work"
  fi
  as_user "$m" go mod tidy
  if [ -f "$m/go.work" ]; then
    go -C "$m" work use # the go.work's go line at least the go.mod's
  fi
  echo "$m: $old -> $new"
done
