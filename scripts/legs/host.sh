#!/usr/bin/env bash
# Leg host: this machine (Debian 12 amd64) with every library
# scripts/install-deps.sh installs and the OpenBLAS that
# scripts/build-openblas-locking.sh builds. Formatting, vet, staticcheck,
# the tests of every module with the race detector and without cgo, the darwin
# cross-builds, the extra checks (fuzzing, the full-size stress, the freebsd
# build of the unsupported-platform test), the examples, and the release
# checks (RELEASING.md): the library with the oldest Go its go.mod allows,
# the sub-modules as a user builds them, the API against the version they
# require, and the README's install commands in a fresh module.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/legs/lib.sh

leg_begin host

# The library module, then the modules of the command, the examples, the
# benchmarks and the gonum wrapper (each built against this checkout through
# its go.work).
modules=(. cmd/blasctl examples bench blasgonum)

gofmt_clean() {
  local unformatted
  unformatted=$(gofmt -l . | grep -v '^testdata/' || true)
  if [ -n "$unformatted" ]; then
    echo "gofmt would change:"
    echo "$unformatted"
    return 1
  fi
}

library_deps() {
  local deps
  deps=$(go list -m all | grep -v '^github.com/blasctl/blasctl$' | cut -d' ' -f1 | sort | tr '\n' ' ')
  if [ "$deps" != "github.com/ebitengine/purego golang.org/x/sys " ]; then
    echo "go list -m all: $deps"
    return 1
  fi
}

darwin_builds() {
  local arch
  for arch in arm64 amd64; do
    GOOS=darwin GOARCH=$arch CGO_ENABLED=0 go build ./... || return 1
    GOOS=darwin GOARCH=$arch CGO_ENABLED=0 go vet ./... || return 1
    GOOS=darwin GOARCH=$arch CGO_ENABLED=0 go -C cmd/blasctl vet ./... || return 1
    GOOS=darwin GOARCH=$arch CGO_ENABLED=0 go -C blasgonum vet ./... || return 1
  done
}

# The Go release the library's go directive names, which the go command
# takes from the module proxy (go1.25.0 for "go 1.25.0" or "go 1.25").
oldest_go=go$(go mod edit -print | awk '$1 == "go" { print $2 }')
if [[ $oldest_go =~ ^go1\.[0-9]+$ ]]; then
  oldest_go+=.0
fi

oldest_go_build() {
  GOTOOLCHAIN=$oldest_go go version | grep -F " $oldest_go " || return 1
  GOTOOLCHAIN=$oldest_go go build ./... || return 1
  GOTOOLCHAIN=$oldest_go go vet ./...
}

# The release tools' module (modproxy, apidiff), built by the checks below.
release_tools() {
  go -C internal/tools vet ./... || return 1
  go -C internal/tools test -count=1 ./...
}

examples_run() {
  local ex
  for ex in netlibpool purego container; do
    go -C examples run "./$ex" >/dev/null || return 1
  done
}

check "install-deps" bash scripts/install-deps.sh
# The serial OpenBLAS built with USE_LOCKING (build openblas-locking), once
# per machine: the tests of this leg and the gonum leg load it.
check "OpenBLAS with USE_LOCKING (scripts/build-openblas-locking.sh)" bash scripts/build-openblas-locking.sh
check "gofmt" gofmt_clean
check "the library's go.mod requires purego and x/sys only" library_deps
for m in "${modules[@]}"; do
  check "go vet ($m)" go -C "$m" vet ./...
done
for m in "${modules[@]}"; do
  check "staticcheck ($m)" go -C "$m" run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
done
for m in "${modules[@]}"; do
  gotest "go test -race ($m)" go -C "$m" test -race -count=1 -v ./...
done
for m in "${modules[@]}"; do
  gotest "go test, CGO_ENABLED=0 ($m)" env CGO_ENABLED=0 go -C "$m" test -count=1 -v ./...
done
check "darwin cross-builds" darwin_builds
if [ -f scripts/test-extra.sh ]; then
  check "extra checks (scripts/test-extra.sh)" bash scripts/test-extra.sh
fi
check "examples" examples_run
check "go build and go vet with the go directive's $oldest_go (.)" oldest_go_build
gotest "go test with the go directive's $oldest_go (.)" env GOTOOLCHAIN="$oldest_go" go test -count=1 -v ./...
check "go vet and go test (internal/tools)" release_tools
check "sub-modules as a user builds them (scripts/check-submodules.sh)" bash scripts/check-submodules.sh
check "API compatible with the required version (scripts/check-api.sh)" bash scripts/check-api.sh
check "a user's fresh module gets blasgonum and cmd/blasctl (scripts/check-user-install.sh)" bash scripts/check-user-install.sh

leg_end
