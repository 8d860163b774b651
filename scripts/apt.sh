# Sourced by the install scripts: what they share about Debian packages.
#
#   apt_missing PKG...   sets missing=(the packages not installed yet)
#   apt_install          apt-get update, then installs "${missing[@]}"
#                        without recommended packages
#
# sudo is used when not run as root.

apt_sudo=""
if [ "$(id -u)" != 0 ]; then apt_sudo="sudo"; fi

apt_missing() {
  missing=()
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  $apt_sudo apt-get update -qq
  $apt_sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# apt_openblas_source DIR: downloads Debian's openblas source package for
# the suite the machine runs into DIR, through a private apt configuration
# naming Debian's deb-src (the machine's own lists have no sources), unpacks
# it there and sets src to the source tree.
apt_openblas_source() {
  local work=$1 uri suite
  mkdir -p "$work/apt/lists/partial" "$work/apt/parts"
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
  printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" "$suite" >"$work/apt/parts/src.sources"
  local aptopts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/apt/parts" -o "Dir::State::Lists=$work/apt/lists")
  apt-get "${aptopts[@]}" update -qq
  (cd "$work" && apt-get "${aptopts[@]}" source --download-only -qq openblas)
  tar -C "$work" -xf "$work"/openblas_*.orig.tar.xz
  src=$(ls -d "$work"/OpenBLAS-*/)
}
