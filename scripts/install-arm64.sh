#!/usr/bin/env bash
# Installs what the arm64 leg needs on an amd64 Debian 12 machine: qemu-user
# to run arm64 binaries, Debian's arm64 builds of the libraries the tests run
# against (multiarch), and a cross compiler for the C fixtures. Idempotent.
#
# LLVM's libomp5-14:arm64 cannot be installed beside libomp5-14:amd64 (both
# own /usr/lib/llvm-14/lib/libomp.so.5: "trying to overwrite shared ...,
# which is different from other instances"), so its package is downloaded
# and unpacked under $BLASCTL_ARM64_DIR (default /var/cache/blasctl/arm64),
# where the tests load it from (internal/libtest/arm64.go).
set -euo pipefail

packages=(
  qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  libc6:arm64 libopenblas0-pthread:arm64 libopenblas0-openmp:arm64 libblis4-pthread:arm64 libgomp1:arm64
)
unpacked=(libomp5-14:arm64)
dir=${BLASCTL_ARM64_DIR:-/var/cache/blasctl/arm64}

source "$(dirname "$0")/apt.sh"
sudo=$apt_sudo

# unpack PKG: the package's files under $dir/PKG-NAME (architecture dropped),
# once; the marker names the version unpacked.
unpack() {
  local pkg=$1 name=${1%%:*} tmp deb
  [ -f "$dir/$name/.unpacked" ] && return 0
  tmp=$(mktemp -d)
  chmod 755 "$tmp" # apt-get download runs as _apt where it can
  if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1); then
    $sudo apt-get update -qq # package lists older than the archive
    (cd "$tmp" && apt-get download -q "$pkg" >/dev/null)
  fi
  deb=$(ls "$tmp"/*.deb)
  $sudo rm -rf "$dir/$name"
  $sudo mkdir -p "$dir/$name"
  $sudo dpkg-deb -x "$deb" "$dir/$name"
  dpkg-deb -f "$deb" Package Version Architecture | $sudo tee "$dir/$name/.unpacked" >/dev/null
  rm -rf "$tmp"
  echo "install-arm64: unpacked $pkg under $dir/$name"
}

apt_missing "${packages[@]}"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-arm64: all ${#packages[@]} packages present"
else
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $sudo dpkg --add-architecture arm64
  fi
  echo "install-arm64: installing ${missing[*]}"
  apt_install
fi
for p in "${unpacked[@]}"; do
  unpack "$p"
done
