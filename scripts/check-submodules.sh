#!/usr/bin/env bash
# Builds, vets and tests every sub-module (cmd/blasctl, blasgonum, bench,
# examples) as a user of the published modules would: no go.work, the
# library at exactly the version the sub-module's go.mod requires, served
# from this repository's history by a file-based module proxy
# (scripts/submodules.sh) and checked against the sub-module's go.sum.
# It fails when a sub-module uses API that its required version lacks, or
# when its go.sum does not hold the hashes of that version.
#
#   bash scripts/check-submodules.sh [DIR...]   # default: every sub-module
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/submodules.sh

mods=("$@")
if [ ${#mods[@]} = 0 ]; then
  mapfile -t mods < <(submodules)
fi
PROXY=$(mktemp -d "${TMPDIR:-/tmp}/blasctl-proxy.XXXXXX")
trap 'rm -rf "$PROXY"' EXIT
versions=()
for m in "${mods[@]}"; do
  versions+=("$(required_version "$m")")
done
mapfile -t versions < <(printf '%s\n' "${versions[@]}" | sort -u)
make_proxy "$PROXY" "${versions[@]}"

failed=()
for m in "${mods[@]}"; do
  v=$(required_version "$m")
  echo "== $m, with $LIBRARY $v"
  if as_user "$m" go build -o /dev/null ./... && as_user "$m" go vet ./... &&
    as_user "$m" go test -count=1 ./...; then
    echo "ok   $m"
  else
    echo "FAIL $m: does not build or pass its tests with $LIBRARY $v alone"
    failed+=("$m")
  fi
done
if [ ${#failed[@]} != 0 ]; then
  echo "sub-modules that fail as a user builds them: ${failed[*]}"
  exit 1
fi
