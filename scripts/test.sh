#!/usr/bin/env bash
# The test command: installs the libraries the tests run against, then runs
# every check CI runs. BLASCTL_REQUIRE_LIBS=1 turns a missing library from a
# skip into a failure (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== gofmt"
unformatted=$(gofmt -l . | grep -v '^testdata/' || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

# The library module, then the modules of the command, the examples and the
# benchmarks (each built against this checkout through its go.work).
modules=(. cmd/blasctl examples bench)

echo "== the library's go.mod requires purego and x/sys only"
deps=$(go list -m all | grep -v '^github.com/blasctl/blasctl$' | cut -d' ' -f1 | sort | tr '\n' ' ')
if [ "$deps" != "github.com/ebitengine/purego golang.org/x/sys " ]; then
  echo "go list -m all: $deps"; exit 1
fi

echo "== go vet"
for m in "${modules[@]}"; do go -C "$m" vet ./...; done

echo "== staticcheck"
for m in "${modules[@]}"; do go -C "$m" run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...; done

echo "== go test -race"
for m in "${modules[@]}"; do go -C "$m" test -race -count=1 ./...; done

echo "== go test, CGO_ENABLED=0"
for m in "${modules[@]}"; do CGO_ENABLED=0 go -C "$m" test -count=1 ./...; done

echo "== darwin cross-builds"
for arch in arm64 amd64; do
  GOOS=darwin GOARCH=$arch CGO_ENABLED=0 go build ./...
  GOOS=darwin GOARCH=$arch CGO_ENABLED=0 go vet ./...
  GOOS=darwin GOARCH=$arch CGO_ENABLED=0 go -C cmd/blasctl vet ./...
done
if [ -x scripts/test-extra.sh ]; then
  bash scripts/test-extra.sh
fi
echo "== examples"; for ex in netlibpool purego container; do go -C examples run ./$ex >/dev/null; done
echo "== all checks passed"
