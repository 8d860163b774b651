#!/usr/bin/env bash
# Installs what the musl leg needs on a Debian 12 amd64 machine: musl's C
# library and loader (/lib/ld-musl-x86_64.so.1, the one Alpine uses) and
# musl-gcc to build the C fixtures against it. Idempotent.
set -euo pipefail

packages=(musl musl-dev musl-tools)
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-musl: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-musl: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
