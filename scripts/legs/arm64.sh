#!/usr/bin/env bash
# Leg arm64: the library's tests built for linux/arm64 without cgo and run
# under qemu-user against Debian 12's arm64 builds of OpenBLAS (pthreads and
# OpenMP), BLIS and libgomp (multiarch), with the C fixtures cross-compiled.
# Children of the test binary run through the same qemu (BLASCTL_TEST_EXEC).
# MKL and LLVM libomp are not installed for arm64: their rows are left out.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/legs/lib.sh

leg_begin arm64
check "install-arm64" bash scripts/install-arm64.sh
export GOARCH=arm64 CGO_ENABLED=0 CC=aarch64-linux-gnu-gcc BLASCTL_TEST_EXEC=qemu-aarch64-static
check "go vet (arm64)" go vet ./...
gotest "go test under qemu-aarch64 (arm64)" go test -exec qemu-aarch64-static -count=1 -timeout 20m -v \
  . ./internal/... ./blasctltest ./maxprocs ./automaxprocs
leg_end
