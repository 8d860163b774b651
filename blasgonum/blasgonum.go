// Package blasgonum gives gonum's BLAS calls a fair share of the CPUs:
//
//	blas64.Use(blasgonum.Wrap(netlib.Implementation{}))
//
// (and the same value for blas32.Use, cblas64.Use and cblas128.Use). Wrap
// takes any implementation of gonum's four BLAS interfaces and returns one
// that runs every Level 3 call, and every large Level 2 call, inside
// blasctl.WithFairShare: a goroutine alone multiplies with all of GOMAXPROCS
// threads, k goroutines multiplying at once get GOMAXPROCS/k threads each,
// so a program that calls gonum from many goroutines no longer runs k times
// as many BLAS threads as CPUs, and one that calls it from one goroutine
// keeps the library's parallelism.
//
// Level 1 calls, and Level 2 calls below a threshold of work, go straight
// through: for them a scope would cost more than it saves. The work of a
// call is its count of real multiply-adds (m·n for gemv, the band's width
// for banded routines, 4 per complex multiply-add); the threshold, and the
// measurements behind it, are at minWork2.
//
// The wrapper is generated from gonum's interfaces (go generate runs
// internal/gen); a test fails when gonum's interfaces have a method it lacks.
package blasgonum

//go:generate go run ./internal/gen

import (
	"github.com/blasctl/blasctl"
	"gonum.org/v1/gonum/blas"
)

// BLAS is what Wrap takes: gonum's four BLAS interfaces, as
// gonum.org/v1/netlib/blas/netlib.Implementation implements them.
type BLAS interface {
	blas.Float32
	blas.Float64
	blas.Complex64
	blas.Complex128
}

// Implementation is a BLAS whose Level 3 and large Level 2 calls run inside
// blasctl.WithFairShare. Make one with Wrap; it is safe for concurrent use
// if the wrapped implementation is.
type Implementation struct {
	impl    BLAS
	onError func(error)
}

// Wrap returns impl with every Level 3 call, and every Level 2 call whose
// work reaches the threshold, run inside blasctl.WithFairShare. Wrapping an
// Implementation again returns it unchanged. Wrap panics if impl is nil.
func Wrap(impl BLAS) Implementation {
	if impl == nil {
		panic("blasgonum: Wrap(nil)")
	}
	if w, ok := impl.(Implementation); ok {
		return w
	}
	return Implementation{impl: impl}
}

// OnError returns a copy of w that passes each error of a scope to f.
// gonum's BLAS methods return no error, so without f the errors are
// dropped. If the scope could not start (a library kept more threads than
// the share, blasctl.ErrNotApplied; or an unsupported platform), the call
// runs without a scope and f gets the reason; if a count was not restored
// (blasctl.ErrNotRestored), f gets it after the call. f may be called from
// many goroutines at once.
func (w Implementation) OnError(f func(error)) Implementation {
	w.onError = f
	return w
}

// share runs call inside blasctl.WithFairShare, or alone when the scope
// cannot start.
func (w Implementation) share(call func()) {
	ran := false
	err := blasctl.WithFairShare(func() {
		ran = true
		call()
	})
	if !ran {
		call()
	}
	if err != nil && w.onError != nil {
		w.onError(err)
	}
}

// The thresholds, in real multiply-adds, from which a Level 2 or Level 3
// call runs in a scope. A Level 2 call is scoped when the scope costs at
// most a tenth of the call's time on one thread; below that, the scope
// costs more than sharing the CPUs can save. Every Level 3 call is scoped
// (minWork3 is 0): each counts as a caller, so the share others get stays
// honest, at a cost that matters only for the smallest products.
//
// Measured with threshold_bench_test.go (netlib on Debian 12's OpenBLAS
// 0.3.21 pthreads, a shared 2-vCPU VM under load, the smallest of 6 runs):
// a warm WithFairShare scope costs 0.52 us (a call going straight through,
// 0.01 us). Dgemv n x n on one thread: n=64 0.40 us, 96 0.84, 128 1.4, 192
// 3.3, 256 6.7, 384 12.8 us; so minWork2 = 256^2 = 2^16, where the scope
// is 8% of the call (192^2: 16%). Dgemm n^3 on one thread: n=32 1.2 us, 48
// 4.0, 64 13.7, 96 49 us: the scope is 43% of a 32^3 product, 13% at 48^3
// and 4% at 64^3. OpenBLAS runs gemv on one thread below m·n = 9216 and
// gemm below m·n·k = 2^18 (interface/gemv.c, gemm.c; in the benchmark 1 and
// 2 threads take the same time exactly there). A complex call counts 4 real
// multiply-adds per complex one. Variables so that the package's tests can
// scope every call.
var (
	minWork2 float64 = 1 << 16
	minWork3 float64 = 0
)

// work2 is the work of an m x n matrix-vector operation.
func work2(m, n int) float64 { return float64(m) * float64(n) }

// work3 is the work of an m x k times k x n product.
func work3(m, n, k int) float64 { return float64(m) * float64(n) * float64(k) }

// workSide is the work of a product of the m x n matrix with a square
// operand on side s: m x m on the left, n x n on the right.
func workSide(s blas.Side, m, n int) float64 {
	if s == blas.Left {
		return work3(m, n, m)
	}
	return work3(m, n, n)
}

// workBand is the work of a matrix-vector operation on rows rows of a band
// width wide (at most cols).
func workBand(rows, cols, width int) float64 {
	return float64(rows) * float64(min(cols, max(width, 0)))
}
