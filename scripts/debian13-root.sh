#!/usr/bin/env bash
# Builds, once per machine, a Debian 13 (trixie) root holding the BLAS and
# OpenMP libraries Debian 13 ships, and prints its path. OpenBLAS 0.3.29 there
# needs glibc 2.38, which Debian 12 lacks, so the real-library tests run in
# this root under chroot (scripts/legs/debian13.sh). libomp-19-dev brings the
# libiomp5.so link that MKL's default Intel layer loads (Debian's default
# install of libmkl-rt recommends it); python3-threadpoolctl is the reference
# blasctl info is compared with; gcc builds the tests' C fixtures there.
#
# The root is reused while its marker file records the same package list and
# suite; a changed list builds it again. It is built beside the cache
# directory and renamed into place, so a half-built root is never used.
#
#   BLASCTL_DEBIAN13_ROOT  where the root lives (default /var/cache/blasctl/debian13)
set -euo pipefail

root=${BLASCTL_DEBIAN13_ROOT:-/var/cache/blasctl/debian13}
suite=trixie
packages=(
  libopenblas0-pthread libopenblas0-openmp libopenblas0-serial libopenblas64-0-pthread
  libblis4-pthread libblis4-openmp
  libgomp1 libomp5-19 libomp-19-dev
  libmkl-rt
  python3 python3-numpy python3-threadpoolctl
  gcc libc6-dev
)
marker_name=.blasctl-root
want="suite $suite; variant essential; components main,non-free; packages $(printf '%s\n' "${packages[@]}" | sort | tr '\n' ' ')"

if [ -f "$root/$marker_name" ] && [ "$(cat "$root/$marker_name")" = "$want" ]; then
  echo "$root"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "debian13-root: building the root needs root (mmdebstrap, chroot)" >&2
  exit 1
fi

if ! command -v mmdebstrap >/dev/null; then
  echo "debian13-root: installing mmdebstrap" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >&2
fi

# The package registry this machine already uses: the URI of its first
# Debian source that is not a security or updates suite.
source_uri() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -f "$f" ]; then
    awk '
      /^[[:space:]]*$/ { if (uri != "" && main) { print uri; exit } uri = ""; main = 0; next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /-(security|updates|backports)$/) main = 1 }
      END { if (uri != "" && main) print uri }
    ' "$f" | head -n1
    return
  fi
  if [ -f /etc/apt/sources.list ]; then
    sed -E 's/\[[^]]*\]//' /etc/apt/sources.list |
      awk '$1 == "deb" && $3 !~ /-(security|updates|backports)$/ { print $2; exit }'
  fi
}
uri=$(source_uri)
if [ -z "$uri" ]; then
  echo "debian13-root: no Debian package source found in /etc/apt" >&2
  exit 1
fi

# Never remove a root while something is mounted inside it.
unmount_inside() {
  local dir=$1
  if [ -d "$dir" ]; then
    awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
      umount "$m"
    done
  fi
}

# One build at a time: a second caller waits, then finds the root built.
mkdir -p "$(dirname "$root")"
exec 8>"$root.build.lock"
flock 8
if [ -f "$root/$marker_name" ] && [ "$(cat "$root/$marker_name")" = "$want" ]; then
  echo "$root"
  exit 0
fi
tmp="$root.new"
unmount_inside "$tmp"
rm -rf "$tmp"
echo "debian13-root: building $root ($suite from $uri): ${packages[*]}" >&2
start=$SECONDS
include=$(IFS=,; echo "${packages[*]}")
mmdebstrap --quiet --variant=essential --components=main,non-free --include="$include" \
  "$suite" "$tmp" "$uri" >&2
echo "$want" >"$tmp/$marker_name"
unmount_inside "$root"
rm -rf "$root"
mv "$tmp" "$root"
echo "debian13-root: built in $((SECONDS - start))s" >&2
echo "$root"
