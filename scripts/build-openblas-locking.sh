#!/usr/bin/env bash
# Builds the single-threaded OpenBLAS that is safe to call from several
# threads at once, once per machine: the OpenBLAS source package of the
# Debian release the machine runs, with USE_THREAD=0 USE_LOCKING=1, for one
# CPU target (no DYNAMIC_ARCH), BLAS and CBLAS only (no LAPACK, no
# Fortran, no tests), into $BLASCTL_OPENBLAS_LOCKING_DIR (default
# /var/cache/blasctl/openblas-locking)/libopenblas.so.0.
# Every precision: 0.3.21's BUILD_DOUBLE=1 alone does not link (its own
# LAPACK routines still ask for single precision ones). internal/libtest's
# build "openblas-locking" loads it beside Debian's libopenblas0-serial (the
# same build without USE_LOCKING). flock'ed, reused.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BLASCTL_OPENBLAS_LOCKING_DIR:-/var/cache/blasctl/openblas-locking}
# HASWELL wherever the CPU runs it, else the build's own detection.
target=${BLASCTL_OPENBLAS_LOCKING_TARGET:-}
if [ -z "$target" ] && grep -qw avx2 /proc/cpuinfo; then
  target=HASWELL
fi
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/libopenblas.so.0" ] && [ -f "$dir/.built" ]; then
  echo "build-openblas-locking: $dir/libopenblas.so.0 ($(cat "$dir/.built"))"
  exit 0
fi
start=$SECONDS
source scripts/apt.sh
apt_missing make gcc xz-utils
if [ ${#missing[@]} -gt 0 ]; then
  apt_install
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
apt_openblas_source "$work"
make -C "$src" -j"$(nproc)" ${target:+TARGET="$target"} BINARY=64 DYNAMIC_ARCH=0 \
  USE_THREAD=0 USE_OPENMP=0 USE_LOCKING=1 NOFORTRAN=1 NO_LAPACK=1 NO_LAPACKE=1 \
  libs shared >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; exit 1; }
mkdir -p "$dir"
cp "$(readlink -f "$src/libopenblas.so")" "$dir/libopenblas.so.0"
echo "$(ls "$work"/openblas_*.dsc | xargs basename) ${target:-detected} USE_THREAD=0 USE_LOCKING=1, built in $((SECONDS - start))s" >"$dir/.built"
echo "build-openblas-locking: built $dir/libopenblas.so.0 in $((SECONDS - start))s"
