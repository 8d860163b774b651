#!/usr/bin/env bash
# Leg arm64: the library's tests built for linux/arm64 without cgo and run
# under qemu-user against Debian 12's arm64 builds of OpenBLAS (pthreads and
# OpenMP), BLIS and libgomp (multiarch) and LLVM's libomp 14 (unpacked: it
# cannot be installed beside the amd64 one), with the C fixtures
# cross-compiled. Children of the test binary run through the same qemu
# (BLASCTL_TEST_EXEC). Debian has no MKL for arm64: its rows are left out.
# The stress runs at 64 goroutines x 2000 scopes (the full 64x10000 is the
# host leg's); the warm scope's allocations are shown per library build, and
# blasctl info, built for arm64, reads each real library.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/legs/lib.sh

leg_begin arm64
check "install-arm64" bash scripts/install-arm64.sh
export GOARCH=arm64 CGO_ENABLED=0 CC=aarch64-linux-gnu-gcc BLASCTL_TEST_EXEC=qemu-aarch64-static
lib=/usr/lib/aarch64-linux-gnu
bins=$(mktemp -d "${TMPDIR:-/tmp}/blasctl-arm64.XXXXXX")
trap 'rm -rf "$bins"' EXIT

check "go vet (arm64)" go vet ./...
# staticcheck built for this machine, checking the arm64 build of the code.
staticcheck_arm64() {
  env -u GOARCH -u CC GOBIN="$bins" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2 &&
    "$bins/staticcheck" ./...
}
check "staticcheck (arm64)" staticcheck_arm64
# The tests run with Go's async preemption on: the one hang seen here (a
# goroutine preempted in the loader listing's purego callback, under the
# loader lock) cannot recur, since the listing's callback on arm64 is leaf
# assembly (internal/phdr), and a hung test child fails with its goroutines
# dumped (libtest.Child's watchdog).
# TestProbeThreadGrowth (1000 goroutines x 200 scopes per mode and build)
# runs on the host leg: under qemu-user it would take minutes, and the
# threads qemu's scheduling makes Go start say nothing of blasctl.
gotest "go test under qemu-aarch64 (arm64)" go test -exec qemu-aarch64-static -count=1 -timeout 20m -v \
  -skip '^(TestStress|TestProbeThreadGrowth)$' . ./internal/... ./blasctltest ./maxprocs ./automaxprocs
gotest "stress 64x2000 under qemu-aarch64 (arm64)" env BLASCTL_STRESS=64x2000 \
  go test -exec qemu-aarch64-static -count=1 -timeout 10m -v -run '^TestStress$' .

# A warm WithThreads per real build: BenchmarkWithThreads (package-level,
# snapshot, BLAS only) must report 0 allocs/op on every line; the leg's
# output shows them, one line per build.
warm_allocs() {
  local b out bad=0
  go test -c -o "$bins/blasctl.test" . || return 1
  for b in openblas-pthread openblas-openmp blis-pthread libgomp libomp; do
    out=$(BLASCTL_BENCH_BUILD=$b qemu-aarch64-static "$bins/blasctl.test" -test.run '^$' \
      -test.bench '^BenchmarkWithThreads$' -test.benchtime 5000x 2>&1) || { echo "$out"; return 1; }
    if [ "$(grep -c ' allocs/op' <<<"$out")" != 3 ]; then
      echo "$b: want 3 benchmark lines:"
      echo "$out"
      return 1
    fi
    grep ' allocs/op' <<<"$out" | sed "s|^|$b: |"
    if grep ' allocs/op' <<<"$out" | grep -vq '[^0-9]0 allocs/op'; then bad=1; fi
  done
  return $bad
}
check "warm WithThreads allocations (arm64)" warm_allocs
grep -h ' allocs/op' "$(leg_log "warm WithThreads allocations (arm64)")" |
  awk '{sub(/^BenchmarkWithThreads\//, "", $2); sub(/-[0-9]+$/, "", $2); a[$1] = a[$1] " " $2 " " $(NF-1)}
       END {for (b in a) printf "      %s%s allocs/op\n", b, a[b]}' | sort || true

# blasctl info built for arm64: each real library with its version,
# threading layer and architecture where it has them.
info_arm64() {
  local out
  go -C cmd/blasctl build -o "$bins/blasctl" . || return 1
  out=$(qemu-aarch64-static "$bins/blasctl" info -json -load "$lib/openblas-pthread/libopenblas.so.0") || return 1
  echo "$out"
  grep -q '"threading_layer": "pthreads"' <<<"$out" && grep -q '"architecture": "armv8"' <<<"$out" &&
    grep -q '"version": "0.3.21"' <<<"$out" || return 1
  out=$(qemu-aarch64-static "$bins/blasctl" info -json -load "$lib/openblas-openmp/libopenblas.so.0") || return 1
  echo "$out"
  grep -q '"threading_layer": "openmp"' <<<"$out" && grep -q '"prefix": "libgomp"' <<<"$out" || return 1
  out=$(qemu-aarch64-static "$bins/blasctl" info -json -load "$lib/blis-pthread/libblis.so.4") || return 1
  echo "$out"
  grep -q '"internal_api": "blis"' <<<"$out" && grep -q '"version": "0.9.0"' <<<"$out" || return 1
  out=$(qemu-aarch64-static "$bins/blasctl" info -json \
    -load "${BLASCTL_ARM64_DIR:-/var/cache/blasctl/arm64}/libomp5-14/usr/lib/llvm-14/lib/libomp.so.5") || return 1
  echo "$out"
  grep -q '"threading_layer": "llvm"' <<<"$out"
}
check "blasctl info under qemu-aarch64 (arm64)" info_arm64

leg_end
