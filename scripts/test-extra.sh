#!/usr/bin/env bash
# Extra checks scripts/test.sh runs after the standard ones (issue 4):
# fuzzing each parser for a few seconds, the full-size stress under the race
# detector, and the unsupported-platform test built for freebsd.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== fuzz (${BLASCTL_FUZZTIME:=5s} per target)"
for target in FuzzParseMapsLine FuzzParseMaps FuzzMatchName FuzzOpenBLASVersion FuzzMKLVersion FuzzCString; do
  go test -run='^$' -fuzz="^${target}\$" -fuzztime="$BLASCTL_FUZZTIME" .
done

echo "== stress, full size (64 goroutines x 10,000 scopes per build), -race"
out=$(mktemp)
start=$SECONDS
if ! BLASCTL_STRESS=full go test -race -count=1 -timeout=30m -run='^TestStress$' -v . >"$out" 2>&1; then
  cat "$out"; rm -f "$out"; exit 1
fi
grep -E 'figures|--- (PASS|FAIL)' "$out"
rm -f "$out"
echo "stress took $((SECONDS - start))s"

echo "== unsupported platform: ErrUnsupported test builds for freebsd"
GOOS=freebsd GOARCH=amd64 CGO_ENABLED=0 go vet ./internal/unsupported
GOOS=freebsd GOARCH=amd64 CGO_ENABLED=0 go test -c -o /dev/null ./internal/unsupported
