#!/usr/bin/env bash
# gonum's own package tests through the drop-in, as a user installs it:
# blas64.Use(blasgonum.Wrap(netlib.Implementation{})), and blas32, cblas64 and
# cblas128 alike, on Debian's pthreads and OpenMP OpenBLAS. gonum's code is
# not in this repository: the script copies gonum's module, at the version
# blasgonum/go.mod requires, out of the module cache into a work directory,
# adds to each package under test one file (scripts/testdata/gonum-suites/
# dropin_test.go, its package clause set to the package's name) and builds
# the package's tests in a workspace that resolves gonum to that copy and
# blasctl and blasgonum to this checkout. The added TestMain checks, after
# the package's tests, that OpenBLAS's own count reads as before them.
#
#   bash scripts/gonum-suites.sh [-plain] [PACKAGE...]
#       build and run each PACKAGE (default: $GONUM_SUITES_PACKAGES) on both
#       builds, one line per package and build; -plain runs plain netlib
#       instead of the drop-in (to tell the drop-in's failures from
#       OpenBLAS's own)
#   bash scripts/gonum-suites.sh build DIR PACKAGE...
#       copy gonum into DIR and build the test binaries there
#   bash scripts/gonum-suites.sh run DIR PACKAGE BUILD [plain]
#       run one built package on BUILD (pthread or openmp) with -test.v
#
# The leg scripts/legs/gonum.sh runs the build and run steps.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
libdir=/usr/lib/x86_64-linux-gnu

# The packages the check runs (gonum import paths below gonum.org/v1/gonum).
GONUM_SUITES_PACKAGES=${GONUM_SUITES_PACKAGES:-"mat lapack/gonum stat optimize"}

# Tests that fail through plain netlib as well, so not the drop-in's, as a
# -test.skip pattern per package, each with its reason.
excluded() {
  case $1/$2 in
  # Its golden images were drawn from the eigenvectors of gonum's pure Go
  # LAPACK; through plain netlib on OpenBLAS the images differ. With it
  # skipped no test of the package reaches the BLAS.
  graph/layout/*) echo '^TestIsomapR2$' ;;
  *) echo '' ;;
  esac
}

# bin NAME: the file name of a package's test binary.
bin() { printf '%s.test' "$(printf '%s' "$1" | tr / _)"; }

build() {
  local dir=$1 ver req src p name tm
  shift
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  ver=$(go -C "$repo/blasgonum" list -m -f '{{.Version}}' gonum.org/v1/gonum)
  src=$(cd "$dir" && GOWORK=off go mod download -json "gonum.org/v1/gonum@$ver" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -d "$src" ] || { echo "gonum-suites: no module directory for gonum $ver" >&2; return 1; }
  rm -rf "$dir/gonum" "$dir/suites" "$dir/bin"
  cp -r "$src" "$dir/gonum"
  chmod -R u+w "$dir/gonum"
  mkdir -p "$dir/suites" "$dir/bin"
  cp -r "$repo/scripts/testdata/gonum-suites/openblas" "$dir/suites/"
  printf 'module gonumsuites\n\ngo 1.25.0\n' >"$dir/suites/go.mod"
  # The version of the library blasgonum/go.mod requires, replaced by this
  # checkout as blasgonum/go.work does.
  req=$(grep -oE 'github\.com/blasctl/blasctl v[^ ]+' "$repo/blasgonum/go.mod" | head -n1 | cut -d' ' -f2)
  cat >"$dir/go.work" <<WORK
go $(go env GOVERSION | sed 's/^go//; s/[^0-9.].*//')

use (
	./gonum
	./suites
	$repo
	$repo/blasgonum
)

replace github.com/blasctl/blasctl $req => $repo
WORK
  echo "gonum $ver from $src; blasctl $req => $repo"
  for p in "$@"; do
    name=$(cd "$dir/gonum" && go list -f '{{.Name}}' "./$p")
    tm=$(grep -l '^func TestMain(' "$dir/gonum/$p"/*_test.go || true)
    if [ -n "$tm" ]; then
      echo "gonum-suites: $p has its own TestMain ($tm): the added one would clash" >&2
      return 1
    fi
    sed "s/^package mat\$/package $name/" "$repo/scripts/testdata/gonum-suites/dropin_test.go" \
      >"$dir/gonum/$p/blasctl_dropin_test.go"
    (cd "$dir/gonum" && CGO_ENABLED=1 go test -c -o "$dir/bin/$(bin "$p")" "./$p")
    echo "built $p (package $name)"
  done
}

run() {
  local dir=$1 p=$2 build=$3 mode=${4:-dropin} layer skip
  case $build in
  pthread) layer=pthreads ;;
  openmp) layer=openmp ;;
  *) echo "gonum-suites: unknown build $build (pthread or openmp)" >&2; return 2 ;;
  esac
  skip=$(excluded "$p" "$build")
  dir=$(cd "$dir" && pwd)
  cd "$dir/gonum/$p"
  LD_LIBRARY_PATH="$libdir/openblas-$build" GONUM_SUITES_LAYER=$layer GONUM_SUITES_MODE=$mode \
    "$dir/bin/$(bin "$p")" -test.count=1 -test.v -test.timeout=10m ${skip:+"-test.skip=$skip"}
}

all() {
  local mode=dropin dir rc=0 p b start out
  if [ "${1:-}" = -plain ]; then
    mode=plain
    shift
  fi
  [ $# -gt 0 ] || set -- $GONUM_SUITES_PACKAGES
  dir=$(mktemp -d "${TMPDIR:-/tmp}/gonum-suites.XXXXXX")
  build "$dir" "$@"
  for p in "$@"; do
    for b in pthread openmp; do
      start=$SECONDS
      out="$dir/$(bin "$p")-$b-$mode.log"
      if run "$dir" "$p" "$b" "$mode" >"$out" 2>&1; then
        echo "ok    gonum $p, $mode, openblas-$b ($((SECONDS - start))s)"
      else
        rc=1
        echo "FAIL  gonum $p, $mode, openblas-$b ($((SECONDS - start))s): log $out"
        grep -E '^\s*--- FAIL|^FAIL gonum-suites|^panic:' "$out" | head -n 20 || true
      fi
      grep -h '^gonum-suites:' "$out" || true
    done
  done
  [ $rc = 0 ] && rm -rf "$dir"
  return $rc
}

case ${1:-} in
build) shift; build "$@" ;;
run) shift; run "$@" ;;
*) all "$@" ;;
esac
