//go:build cgo

package blasgonum_test

import (
	"log"

	"github.com/blasctl/blasctl/blasgonum"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/cblas128"
	"gonum.org/v1/gonum/blas/cblas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// Route gonum's BLAS to OpenBLAS through netlib (cgo; link it with
// CGO_LDFLAGS=-lopenblas or a #cgo directive), each large call inside a
// fair-share scope.
func Example() {
	impl := blasgonum.Wrap(netlib.Implementation{}).OnError(func(err error) { log.Print(err) })
	blas64.Use(impl)
	blas32.Use(impl)
	cblas128.Use(impl)
	cblas64.Use(impl)
}
