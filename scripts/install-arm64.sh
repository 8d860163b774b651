#!/usr/bin/env bash
# Installs what the arm64 leg needs on an amd64 Debian 12 machine: qemu-user
# to run arm64 binaries, Debian's arm64 builds of the libraries the tests run
# against (multiarch), and a cross compiler for the C fixtures. Idempotent.
set -euo pipefail

packages=(
  qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  libc6:arm64 libopenblas0-pthread:arm64 libopenblas0-openmp:arm64 libblis4-pthread:arm64 libgomp1:arm64
)
source "$(dirname "$0")/apt.sh"
sudo=$apt_sudo

apt_missing "${packages[@]}"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-arm64: all ${#packages[@]} packages present"
  exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $sudo dpkg --add-architecture arm64
fi
echo "install-arm64: installing ${missing[*]}"
apt_install
