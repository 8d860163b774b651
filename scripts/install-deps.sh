#!/usr/bin/env bash
# Installs the native libraries blasctl's tests run against: every BLAS and OpenMP
# runtime Debian 12 packages, plus gcc for the C fixtures and threadpoolctl for the
# side-by-side checks. libomp-dev is what Debian's default install of libmkl-rt
# (recommended packages included) brings: its libiomp5.so link to LLVM's libomp
# is what MKL's default Intel threading layer loads, so the tests run MKL under
# that layer as well as under its GNU layer. Idempotent: it skips packages that
# are already installed and enables Debian's non-free component (for Intel MKL)
# only once.
set -euo pipefail

packages=(
  gcc libc6-dev pkg-config
  libopenblas0-pthread libopenblas0-openmp libopenblas0-serial libopenblas64-0-pthread
  libopenblas-dev
  libmkl-rt
  libgomp1 libomp5-14
  libomp-dev
  libblis4-pthread libblis4-openmp
  python3 python3-numpy python3-threadpoolctl
)

source "$(dirname "$0")/apt.sh"
sudo=$apt_sudo

apt_missing "${packages[@]}"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

# MKL lives in Debian's non-free component: add it to the existing sources.
enable_nonfree() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -f "$f" ]; then
    if ! grep -q '^Components:.*non-free\b' "$f"; then
      $sudo sed -i -E 's/^Components: main$/Components: main contrib non-free non-free-firmware/' "$f"
    fi
  elif [ -f /etc/apt/sources.list ]; then
    if ! grep -Eq '^deb .* non-free( |$)' /etc/apt/sources.list; then
      $sudo sed -i -E 's/^(deb .* main)$/\1 contrib non-free non-free-firmware/' /etc/apt/sources.list
    fi
  fi
}
enable_nonfree

echo "install-deps: installing ${missing[*]}"
# MKL asks whether to become the default BLAS; keep OpenBLAS as the default.
echo "libmkl-rt libmkl-rt/use-as-default-blas-lapack boolean false" | $sudo debconf-set-selections
echo "libmkl-rt libmkl-rt/exploit-non-free boolean true" | $sudo debconf-set-selections 2>/dev/null || true
apt_install
