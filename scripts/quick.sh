#!/usr/bin/env bash
# The everyday check for a machine already set up (scripts/install-deps.sh
# has run): gofmt, go vet and the library module's tests, without the race
# detector and without the other modules and legs. scripts/test.sh runs the
# full matrix.
set -euo pipefail
cd "$(dirname "$0")/.."

unformatted=$(gofmt -l . | grep -v '^testdata/' || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"
  echo "$unformatted"
  exit 1
fi
go vet ./...
go test -count=1 ./...
