#!/usr/bin/env bash
# Leg gonum: gonum's own package tests (mat, lapack/gonum, stat) through the
# drop-in, blas64.Use(blasgonum.Wrap(netlib.Implementation{})) and the other
# three alike, on Debian's pthreads and OpenMP OpenBLAS, each package's run
# ending with a check that OpenBLAS's own count reads as before it (see
# scripts/gonum-suites.sh). Runs after the host leg, which installs the
# libraries.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/legs/lib.sh

leg_begin gonum

# The packages, chosen to keep the leg near 6 minutes on 2 CPUs (TESTING.md
# gives the figures).
packages=(mat lapack/gonum stat)
work=$(mktemp -d "${TMPDIR:-/tmp}/blasctl-gonum.XXXXXX")

check "gonum suites: copy gonum, build the tests of ${packages[*]}" \
  bash scripts/gonum-suites.sh build "$work" "${packages[@]}"
for p in "${packages[@]}"; do
  for b in pthread openmp; do
    gotest "gonum $p through the drop-in (openblas-$b)" bash scripts/gonum-suites.sh run "$work" "$p" "$b"
  done
done

rm -rf "$work"
leg_end
