#!/usr/bin/env bash
# Checks the library's exported API for compatibility with the last version
# the sub-modules require (a pseudo-version until the first tag, then the
# last tag), with apidiff (golang.org/x/exp/cmd/apidiff, pinned in
# internal/tools), for linux, darwin and windows. An incompatible change
# fails the check unless CHANGES.md records a major-version decision
# against that version: a line that holds "Major-version decision" and the
# version (RELEASING.md).
#
#   bash scripts/check-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/submodules.sh

base=$(for m in $(submodules); do required_version "$m"; done | sort -V | tail -n 1)
rev=$(version_rev "$base")
work=$(mktemp -d "${TMPDIR:-/tmp}/blasctl-api.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/base"
git archive "$rev" | tar -x -C "$work/base"
go -C internal/tools build -o "$work/apidiff" golang.org/x/exp/cmd/apidiff

# apidiff ARGS...: runs apidiff, without its note on each internal package
# it leaves out (all of its error output shows when it fails).
apidiff() {
  if ! "$work/apidiff" "$@" 2>"$work/stderr"; then
    cat "$work/stderr" >&2
    return 1
  fi
  grep -v '^Ignoring internal package ' "$work/stderr" >&2 || true
}

# export_api DIR OUT: writes the exported API of the library in DIR to OUT.
export_api() {
  (cd "$1" && GOWORK=off GOTOOLCHAIN=local apidiff -m -w "$2" "$LIBRARY")
}

incompatible=""
for goos in linux darwin windows; do
  export GOOS=$goos
  export_api "$work/base" "$work/base.$goos"
  export_api "$PWD" "$work/head.$goos"
  report=$(apidiff -m -incompatible "$work/base.$goos" "$work/head.$goos")
  if grep -q '^- ' <<<"$report"; then
    incompatible+="GOOS=$goos:"$'\n'"$report"$'\n'
  fi
done
unset GOOS

echo "API of $LIBRARY against $base (the version the sub-modules require)"
if [ -z "$incompatible" ]; then
  echo "compatible"
  exit 0
fi
echo "incompatible changes:"
echo "$incompatible"
if [ -f CHANGES.md ] && grep -F 'Major-version decision' CHANGES.md | grep -qF "$base"; then
  echo "CHANGES.md records a major-version decision against $base:"
  grep -F 'Major-version decision' CHANGES.md | grep -F "$base"
  exit 0
fi
echo "CHANGES.md records no major-version decision against $base (see RELEASING.md)"
exit 1
