#!/usr/bin/env bash
# Installs what the musl leg needs on a Debian 12 amd64 machine: musl's C
# library and loader (/lib/ld-musl-x86_64.so.1, the one Alpine uses) and
# musl-gcc to build the C fixtures against it. Idempotent.
set -euo pipefail

packages=(musl musl-dev musl-tools)
source "$(dirname "$0")/apt.sh"

apt_missing "${packages[@]}"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-musl: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-musl: installing ${missing[*]}"
apt_install
