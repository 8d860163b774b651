#!/usr/bin/env bash
# Leg debian13: the tests against the libraries Debian 13 (trixie) ships,
# OpenBLAS 0.3.29 (pthreads, OpenMP, serial, 64-bit), BLIS 1.1 (pthreads,
# OpenMP), MKL 2020.4 under its Intel and GNU layers, GCC 14's libgomp, LLVM
# 19's libomp, and blasctl info against that release's threadpoolctl.
# OpenBLAS 0.3.29 needs glibc 2.38, so the cgo-free test binaries run in a
# Debian 13 root (scripts/debian13-root.sh, built once per machine) under
# chroot, each in its package's directory of a copy of this checkout.
# blasgonum runs its one cgo-free test there: OpenBLAS 0.3.29's one-thread
# cut-offs against the ones its wrapper uses.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/legs/lib.sh

leg_begin debian13

root=${BLASCTL_DEBIAN13_ROOT:-/var/cache/blasctl/debian13}
export BLASCTL_DEBIAN13_ROOT=$root

# One leg at a time per root: a second one would replace the first's test
# binaries and unmount its /proc.
mkdir -p "$(dirname "$root")"
exec 9>"$root.leg.lock"
if ! flock -n 9; then
  echo "      waiting for another debian13 leg on $root"
  flock 9
fi
check "Debian 13 root (scripts/debian13-root.sh)" bash scripts/debian13-root.sh
if [ ! -f "$root/.blasctl-root" ]; then
  leg_end
  exit 1
fi

# The copy of the checkout inside the root, with a test binary in each
# package directory that has tests.
dest=/blasctl-leg
src=$root$dest
packages=()

build_binaries() {
  local pkg dir
  rm -rf "$src" || return 1
  mkdir -p "$src" || return 1
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$src" || return 1
  packages=()
  for pkg in $(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}{{end}}' ./...) \
    $(go -C cmd/blasctl list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}{{end}}' ./...); do
    dir=${pkg#"$PWD"}
    dir=${dir#/}
    [ -n "$dir" ] || dir=.
    if [ "$dir" = cmd/blasctl ] || [[ "$dir" == cmd/blasctl/* ]]; then
      CGO_ENABLED=0 go -C cmd/blasctl test -c -o "$src/$dir/pkg.test" "./${dir#cmd/blasctl}" || return 1
    else
      CGO_ENABLED=0 go test -c -o "$src/$dir/pkg.test" "./$dir" || return 1
    fi
    packages+=("$dir")
  done
  echo "built: ${packages[*]}"
  # blasgonum's cgo-free test of OpenBLAS's one-thread cut-offs, which the
  # wrapper's cut-offs rest on (the host leg runs the rest of its tests).
  CGO_ENABLED=0 go -C blasgonum test -c -o "$src/blasgonum/pkg.test" . || return 1
}

# Mounts left inside the root by an interrupted run go first.
stale_mounts() {
  awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r
}
for m in $(stale_mounts); do umount "$m" || umount -l "$m" || true; done

mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[$i]}" || umount -l "${mounted[$i]}" || true
  done
  mounted=()
}
trap unmount_all EXIT INT TERM

mount_root() {
  # The root bind-mounted on itself is a mount point, which a test's mount
  # namespace needs (Go makes / private in it); /proc for MKL and the tests.
  mount --bind "$root" "$root" || return 1
  mounted+=("$root")
  mount -t proc proc "$root/proc" || return 1
  mounted+=("$root/proc")
}

check "cgo-free test binaries" build_binaries
if [ ${#packages[@]} -eq 0 ]; then
  leg_end
  exit 1
fi
check "mount /proc in the root" mount_root

# Every test runs there, in a clean environment, with missing libraries
# failing (the root has them all). TestNoProcessCode reads the package's
# source with the go command, which the root does not have: it runs on the
# host leg.
in_root() {
  local dir=$1
  shift
  chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root TMPDIR=/tmp \
    BLASCTL_REQUIRE_LIBS=1 /bin/sh -c 'cd "$0" && exec ./pkg.test "$@"' "$dest/$dir" "$@"
}
for dir in "${packages[@]}"; do
  skip='^$'
  [ "$dir" = . ] && skip='^TestNoProcessCode$'
  gotest "go test ./$dir in Debian 13" in_root "$dir" -test.v -test.count=1 -test.timeout=10m -test.skip "$skip"
done

gotest "go test ./blasgonum -run TestOpenBLASCutoffBits in Debian 13" in_root blasgonum \
  -test.v -test.count=1 -test.timeout=5m -test.run '^TestOpenBLASCutoffBits$'

# What ran: the real rows and the library versions the root holds.
rows=$(grep -oE '^    --- (PASS|FAIL): TestRealLibraries/[^ ]+' "$(leg_log "go test ./. in Debian 13")" |
  sed -E 's/.*--- (PASS|FAIL): TestRealLibraries\//\1 /' | sort -k2 | tr '\n' ',' | sed 's/,$//; s/,/, /g' || true)
echo "      real rows: ${rows:-none}"
echo "      versions: $(chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' libopenblas0-pthread libblis4-pthread \
  libmkl-rt libgomp1 libomp5-19 libc6 python3-threadpoolctl 2>/dev/null | tr '\n' ',' | sed 's/,$//; s/,/, /g' || true)"

unmount_all
leg_end
