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
