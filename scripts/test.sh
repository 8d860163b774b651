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

echo "== go vet"
go vet ./...

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test -race"
go test -race -count=1 ./...

echo "== go test, CGO_ENABLED=0"
CGO_ENABLED=0 go test -count=1 ./...

echo "== darwin cross-builds"
for arch in arm64 amd64; do
  GOOS=darwin GOARCH=$arch CGO_ENABLED=0 go build ./...
  GOOS=darwin GOARCH=$arch CGO_ENABLED=0 go vet ./...
done
if [ -x scripts/test-extra.sh ]; then
  bash scripts/test-extra.sh
fi
echo "== examples"; for ex in netlibpool purego container; do go run ./examples/$ex >/dev/null; done
echo "== all checks passed"
