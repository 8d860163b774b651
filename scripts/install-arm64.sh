#!/usr/bin/env bash
# Installs what the arm64 leg needs on an amd64 Debian 12 machine: qemu-user
# to run arm64 binaries, Debian's arm64 builds of the libraries the tests run
# against (multiarch), and a cross compiler for the C fixtures. Idempotent.
set -euo pipefail

packages=(
  qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  libc6:arm64 libopenblas0-pthread:arm64 libopenblas0-openmp:arm64 libblis4-pthread:arm64 libgomp1:arm64
)
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-arm64: all ${#packages[@]} packages present"
  exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $sudo dpkg --add-architecture arm64
fi
echo "install-arm64: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
