#!/usr/bin/env bash
# Leg musl: blasctl in a program that runs under musl's loader, as on Alpine.
# The cgo-free binaries are linked with musl's loader as their interpreter
# (go's -ldflags=-I; a default build names glibc's /lib64/ld-linux-x86-64.so.2,
# which Alpine does not have without gcompat) and the C fixtures are built
# with musl-gcc. Debian ships no musl build of any BLAS or OpenMP library and
# its glibc builds do not load under musl, so this leg runs what fixtures
# can stand for: every fixture row without OpenMP (the aocl, nvpl and armpl
# fixtures link libgomp, which exists for glibc only), the loader-counter
# test (musl's count every dlopen), the internal packages' tests and
# `blasctl info` on a musl-built library.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/legs/lib.sh

loader=/lib/ld-musl-x86_64.so.1

leg_begin musl
check "install-musl" bash scripts/install-musl.sh
export CGO_ENABLED=0 CC=musl-gcc BLASCTL_TEST_LIBC=musl
ldflags="-I=$loader"

musl_test_binary() {
  local bin
  bin=$(mktemp -d)/blasctl.test
  go test -c -ldflags="$ldflags" -o "$bin" . || return 1
  readelf -l "$bin" | grep -F "[Requesting program interpreter: $loader]"
}

# blasctl info, built for musl, on the BLIS fixture built with musl-gcc: it
# must find the library, read its version, threading layer and count.
musl_info() {
  local dir out
  dir=$(mktemp -d)
  go -C cmd/blasctl build -ldflags="$ldflags" -o "$dir/blasctl" . || return 1
  musl-gcc -shared -fPIC -O1 -o "$dir/libblis.so.4" testdata/fixtures/blis/blis1.c || return 1
  out=$(timeout 60 "$dir/blasctl" info -json -load "$dir/libblis.so.4") || return 1
  echo "$out"
  grep -q '"internal_api": "blis"' <<<"$out" &&
    grep -q "\"filepath\": \"$dir/libblis.so.4\"" <<<"$out" &&
    grep -q '"version": "1.1"' <<<"$out" &&
    grep -q '"threading_layer": "pthreads"' <<<"$out" &&
    grep -q '"num_threads": 1' <<<"$out"
}

check "the test binary's interpreter is $loader" musl_test_binary
gotest "go test under musl (fixtures, loader counters)" go test -count=1 -timeout 5m -v -ldflags="$ldflags" \
  -run '^(TestLoaderCounts|TestFixtureLibraries)$' -skip '^TestFixtureLibraries$/^fixture-(aocl|nvpl|armpl)$' .
# TestGenerationCheck loads Debian's libgomp, a glibc build.
gotest "go test under musl (internal packages)" go test -count=1 -timeout 5m -v -ldflags="$ldflags" \
  -skip '^TestGenerationCheck$' ./internal/cdl ./internal/phdr ./internal/procmaps
check "blasctl info under musl" musl_info

leg_end
