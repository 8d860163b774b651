# Sourced by the release scripts (pin-library.sh, check-submodules.sh,
# check-api.sh), run from the repository root: the sub-modules, the library
# version each requires, and a file-based module proxy that serves the
# library at those versions from this repository's own history.

LIBRARY=github.com/blasctl/blasctl

# submodules: the directories of the modules that require the library (every
# go.mod but the root's, the release tools' and those under testdata).
submodules() {
  find . -name go.mod -not -path ./go.mod -not -path ./internal/tools/go.mod \
    -not -path '*/testdata/*' -not -path './.git/*' -printf '%h\n' | sed 's|^\./||' | sort
}

# required_version DIR: the library version DIR's go.mod requires.
required_version() {
  local v
  v=$(go mod edit -print "$1/go.mod" | awk -v p="$LIBRARY" '
    /=>/ { next }
    $1 == "require" && $2 == p { print $3 }
    $1 == p { print $2 }')
  if [ -z "$v" ]; then
    echo "$1/go.mod does not require $LIBRARY" >&2
    return 1
  fi
  echo "$v"
}

# version_rev VERSION: the git revision a library version names: the commit
# hash at the end of a pseudo-version, else the tag itself.
version_rev() {
  if [[ $1 =~ -[0-9]{14}-([0-9a-f]{12})$ ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo "$1"
  fi
}

# make_proxy DIR VERSION...: writes into DIR a file-based module proxy that
# serves the library at each VERSION, built from the commit it names, and
# fails when a version is not the one the go command gives that commit (a
# pseudo-version with a wrong time or hash, a tag that is not there).
make_proxy() {
  local dir=$1 v got
  shift
  for v in "$@"; do
    got=$(go -C internal/tools run ./modproxy -repo "$PWD" -out "$dir" "$(version_rev "$v")") || return 1
    if [ "$got" != "$LIBRARY $v" ]; then
      echo "the library at $(version_rev "$v") is $got, not $v" >&2
      return 1
    fi
  done
}

# as_user DIR COMMAND...: runs a go command for the module in DIR as a user
# of the published module would, with the library taken from the proxy in
# PROXY (from make_proxy): no go.work, the library resolved at the version
# the go.mod requires and checked against its go.sum, the other modules from
# the module proxy as usual, this machine's toolchain.
as_user() {
  local dir=$1
  shift
  (cd "$dir" && env GOWORK=off GOTOOLCHAIN=local GONOSUMDB="$LIBRARY" \
    GOPROXY="file://$PROXY,$(go env GOPROXY)" "$@")
}
