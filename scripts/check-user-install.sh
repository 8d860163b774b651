#!/usr/bin/env bash
# Does what the README tells a user, in a fresh module outside the
# repository: go get github.com/blasctl/blasctl/blasgonum and build a
# program with it, and go install github.com/blasctl/blasctl/cmd/blasctl@latest
# and run it. The modules come from a file-based module proxy that serves,
# from this repository's history, the library at the version the
# sub-modules require and cmd/blasctl and blasgonum at the commit checked
# out (HEAD, so commit first); everything else comes from the module proxy.
#
#   bash scripts/check-user-install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/submodules.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/blasctl-user.XXXXXX")
trap 'rm -rf "$work"' EXIT
PROXY=$work/proxy
make_proxy "$PROXY" "$(required_version blasgonum)" "$(required_version cmd/blasctl)"
for m in blasgonum cmd/blasctl; do
  go -C internal/tools run ./modproxy -repo "$PWD" -module "$m" -out "$PROXY" HEAD
done

mkdir "$work/user"
cat >"$work/user/main.go" <<'GO'
package main

import (
	"fmt"

	"github.com/blasctl/blasctl/blasgonum"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

func main() {
	blas64.Use(blasgonum.Wrap(gonum.Implementation{}))
	a := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: []float64{1, 2, 3, 4}}
	c := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: make([]float64, 4)}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a, a, 0, c)
	fmt.Println(c.Data)
}
GO
echo "== a fresh module: go get github.com/blasctl/blasctl/blasgonum"
as_user "$work/user" go mod init example.com/user
as_user "$work/user" go get github.com/blasctl/blasctl/blasgonum
as_user "$work/user" go mod tidy
as_user "$work/user" go list -m github.com/blasctl/blasctl github.com/blasctl/blasctl/blasgonum
got=$(as_user "$work/user" go run .)
if [ "$got" != "[7 10 15 22]" ]; then
  echo "the program printed $got, want [7 10 15 22]"
  exit 1
fi
echo "go run: $got"

echo "== go install github.com/blasctl/blasctl/cmd/blasctl@latest"
as_user "$work/user" env GOBIN="$work/bin" go install github.com/blasctl/blasctl/cmd/blasctl@latest
"$work/bin/blasctl" help
