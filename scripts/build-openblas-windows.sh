#!/usr/bin/env bash
# Builds a real OpenBLAS DLL for the windows leg, once per machine: Debian
# 12's OpenBLAS source package (0.3.21), cross-compiled with mingw-w64 for
# one CPU target (no DYNAMIC_ARCH), pthreads (Win32 threads), without LAPACK
# and Fortran, into $BLASCTL_WINDOWS_OPENBLAS_DIR (default
# /var/cache/blasctl/openblas-windows)/libopenblas.dll. flock'ed, reused.
# Too slow for CI on 2 cores (see README, leg windows): the leg runs the
# real-OpenBLAS row when this DLL is there.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BLASCTL_WINDOWS_OPENBLAS_DIR:-/var/cache/blasctl/openblas-windows}
target=${BLASCTL_WINDOWS_OPENBLAS_TARGET:-HASWELL}
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/libopenblas.dll" ] && [ -f "$dir/.built" ]; then
  echo "build-openblas-windows: $dir/libopenblas.dll ($(cat "$dir/.built"))"
  exit 0
fi
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source scripts/apt.sh
apt_openblas_source "$work"
make -C "$src" -j"$(nproc)" CC=x86_64-w64-mingw32-gcc HOSTCC=gcc CROSS=1 TARGET="$target" BINARY=64 \
  DYNAMIC_ARCH=0 USE_THREAD=1 USE_OPENMP=0 NUM_THREADS=64 NOFORTRAN=1 NO_LAPACK=1 NO_LAPACKE=1 \
  libs shared >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; exit 1; }
mkdir -p "$dir"
cp "$src/libopenblas.dll" "$dir/libopenblas.dll"
echo "$(ls "$work"/openblas_*.dsc | xargs basename) $target, built in $((SECONDS - start))s" >"$dir/.built"
echo "build-openblas-windows: built $dir/libopenblas.dll in $((SECONDS - start))s"
