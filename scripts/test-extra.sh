#!/usr/bin/env bash
# Extra checks scripts/test.sh runs after the standard ones (issue 4):
# fuzzing each parser for a fixed number of executions, the full-size stress
# under the race detector, and the unsupported-platform test built for freebsd.
set -euo pipefail
cd "$(dirname "$0")/.."

# Budgets are execution counts, not durations: with a duration, Go 1.26's fuzz
# coordinator can report "context deadline exceeded" as a failure when the
# time runs out while a worker is mid-call (go.dev/issue/75804, fixed in Go
# 1.27). A count has no deadline to race. Each target is fuzzed in its own
# package, and a target that is not found there is a failure: go test only
# warns "no fuzz tests to fuzz" and passes.
echo "== fuzz (${BLASCTL_FUZZEXECS:=100000x} executions per target)"
while read -r pkg target; do
  log=$(mktemp)
  if ! go test -run='^$' -fuzz="^${target}\$" -fuzztime="$BLASCTL_FUZZEXECS" "$pkg" >"$log" 2>&1; then
    cat "$log"; rm -f "$log"; exit 1
  fi
  if grep -q 'no fuzz tests to fuzz' "$log"; then
    echo "fuzz target $target not found in $pkg"; rm -f "$log"; exit 1
  fi
  echo "$target ($pkg): $(grep -Eo 'execs: [0-9]+' "$log" | tail -1)"
  rm -f "$log"
done <<'TARGETS'
. FuzzMatchName
. FuzzOpenBLASVersion
. FuzzMKLVersion
./internal/cdl FuzzCString
./internal/procmaps FuzzParseMapsLine
./internal/procmaps FuzzParseMaps
TARGETS

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
