// Package blasgonum runs gonum's BLAS calls in blasctl scopes: by default
// at counts that make their results independent of what other goroutines
// do, or, in the adaptive mode, each at a fair share of the CPUs:
//
//	blas64.Use(blasgonum.Wrap(netlib.Implementation{}))
//
// (and the same value for blas32.Use, cblas64.Use and cblas128.Use). Wrap
// takes any implementation of gonum's four BLAS interfaces and returns one
// that runs large calls in blasctl scopes, in one of two modes.
//
// The default mode is reproducible: the same call on the same data gives the
// same bits whatever other goroutines are doing. It fair-shares only the
// routines whose bits are the same at every thread count, at every shape, on
// every library measured (OpenBLAS pthreads and OpenMP, MKL, BLIS; the test
// TestCountDependence measures it): the rank-1 updates ger, geru and gerc,
// which add one product to each entry of the matrix, run inside
// blasctl.WithFairShare from minWork2, so a goroutine alone updates with all
// of GOMAXPROCS threads and k goroutines at once get GOMAXPROCS/k each.
// Every other Level 3 and Level 2 call, and the Level 1 reductions (dot,
// asum, nrm2) from n = minWork1, run inside blasctl.WithThreads(1): one
// fixed count, the only one no other goroutine's scope can lower, on a
// process-wide count too. Their bits depend on the count. gemm and gemv too:
// the libraries give each thread a range of rows (or columns) and compute
// the rows at the edge of a range with another kernel than the rows inside
// one, so the bits change with the count at every shape whose ranges do not
// fall on the kernels' blocks. OpenBLAS 0.3.21 gives other bits at 2 threads
// than at 1 for dgemm at m = 150 (the 150 x 150 and 300 x 150 SVDs of
// gonum's lapack TestDgesvd; in a scan of m and n from 8 to 300 in steps of
// 4 at k = 32, at every m that is not a multiple of 8) and for dgemv at m =
// 75; MKL for dgemm at 4 threads; at 384 x 384 neither does. The default
// mode therefore runs nearly all of a gonum program's BLAS work on one
// thread per call: the parallelism is the program's own goroutines'. The
// routines measured are listed in reproducible_test.go; the others are
// classed with their family. The guarantee holds for the calls made through
// the wrapper; a call made to the library directly, on a process-wide count
// (pthreads OpenBLAS, BLIS 0.9), runs with whatever count another
// goroutine's scope set.
//
// The adaptive mode, Wrap(impl).Adaptive(), fair-shares every Level 3 call
// and every large Level 2 call, and runs Level 1 calls unscoped: the most
// parallelism, but a result's last bits may then change with the number of
// goroutines calling at the same moment (BENCHMARKS.md shows what each mode
// costs).
//
// In both modes an explicit count on the calling goroutine wins:
// blasctltest.Pin(t, n), blasctl.Limit(n) and blasctl.WithThreads(n, ...)
// cap every share inside them at n (a Limit on another goroutine does not).
//
// Small calls go straight through, without a scope: for them a scope
// would cost more than it saves, and the libraries run them on one thread
// at any count. The work of a call is its count of real multiply-adds (m·n
// for gemv, the band's width for banded routines, 4 per complex
// multiply-add); the thresholds, and the measurements behind them, are at
// minWork2 and minWork3. A Level 3 call below 2^14 multiply-adds (a 25^3
// dgemm) goes straight through, but in the default mode a count-dependent
// one only up to 16^3 and only where every library measured gives it the
// same bits at every count: gemm, trmm and trsm; symm, hemm, syrk, herk,
// syr2k and her2k keep their scope at every size.
//
// While OpenBLAS (0.3.17 on) is the only BLAS loaded, the wrapper also
// uses OpenBLAS's own cut-offs (oncaller.go): a count-dependent call that
// OpenBLAS runs on the calling thread at any count (gemm up to 64^3, syrk
// and herk below n = 65 to 100, trmm and trsm below m·n = 1024, gemv below
// m·n = 9216) skips its scope in both modes, with the same bits, and such
// a gemv whose buffer OpenBLAS keeps on the stack (m + n up to 216) skips
// the admission gate too, as a short Level 1 call does. The wrapper reads
// which BLAS is loaded at Wrap and every 4096 calls through the gate.
//
// Every Level 2 and Level 3 call, and every Level 1 call from n =
// minWork1, first passes an admission gate (a shorter Level 1 call runs on
// the calling thread in every library and goes straight through, as does
// a short gemv while OpenBLAS alone is loaded): at most
// GOMAXPROCS goroutines (runtime.GOMAXPROCS, followed when it changes) are
// inside the wrapped implementation at once, and the others wait, parked
// and not locked to a thread, before their scope starts. Their fair share
// would be one thread either way, so throughput stays, and 1000 goroutines
// calling at once add no more OS threads than GOMAXPROCS callers do
// (blasctl's scopes lock their goroutine to its thread while they run). A
// goroutine already inside a blasctl scope or Limit of its own
// (WithThreads, WithFairShare, Limit, blasctltest.Pin) never waits at the
// gate: it goes in over the cap, and takes none of the others' places. A
// goroutine the caller locked itself (runtime.LockOSThread) does wait,
// holding its thread. The gate costs a call two atomic operations on a
// word of its processor's own while there is room, as much from 1000
// goroutines as from one. The wrapped
// implementation must not call back into the wrapper (through blas64, for
// example): the gate is not re-entrant.
//
// Under blasctl.IdleSleep, with the pthreads OpenBLAS loaded, the gate also
// parks the library's workers (blasctl.ParkWorkers) once it has stayed
// empty for a millisecond, closing itself while it does: an idle program
// then uses no CPU, where the workers would spin for about 0.1 s after each
// call. The first call after a park starts the pool again. The drop-in
// knows only its own calls: a program that also calls the library
// directly must not use IdleSleep with the pthreads OpenBLAS.
//
// On a library that is not safe to call from two OS threads at once
// (blasctl.Library.ThreadUnsafe: Debian's serial OpenBLAS, built without
// USE_LOCKING), every call through the wrapper, Level 1 included, runs
// under blasctl.CallGuard, one at a time, and so do a program's own calls
// that take it; on every other library the guard does nothing.
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

// Implementation is a BLAS whose calls run in blasctl scopes, in the
// default, reproducible mode or the adaptive one, behind an admission gate
// (see the package doc). Make one with Wrap; it is safe for concurrent use
// if the wrapped implementation is.
type Implementation struct {
	// A single pointer, so that an Implementation in one of gonum's
	// interfaces is the pointer itself: a call through the interface
	// reaches the method directly, without the copy of the value that a
	// larger struct costs at every call.
	*wrapping
}

// wrapping is what an Implementation wraps, and how. Each Implementation
// has its own, never changed once made.
type wrapping struct {
	impl     BLAS
	onError  func(error)
	adaptive bool
}

// Wrap returns impl in the default, reproducible mode: the count-free
// rank-1 updates whose work reaches the threshold run inside
// blasctl.WithFairShare, every other Level 3 and Level 2 call above its
// threshold and the large Level 1 reductions inside blasctl.WithThreads(1),
// and every call that may reach the library's threads passes the admission
// gate (see the package doc). Wrapping an Implementation again returns it
// unchanged. Wrap panics if impl is nil.
func Wrap(impl BLAS) Implementation {
	if impl == nil {
		panic("blasgonum: Wrap(nil)")
	}
	if w, ok := impl.(Implementation); ok {
		return w
	}
	if loaded.Load() == kindUnknown && !blasctl.InScope() {
		look() // which BLAS is loaded: oncaller.go
	}
	return Implementation{&wrapping{impl: impl}}
}

// OnError returns a copy of w that passes each error of a scope to f.
// gonum's BLAS methods return no error, so without f the errors are
// dropped. If the scope could not start (a library kept more threads than
// the share, blasctl.ErrNotApplied; or an unsupported platform), the call
// runs without a scope and f gets the reason; if a count was not restored
// (blasctl.ErrNotRestored), f gets it after the call. f may be called from
// many goroutines at once.
func (w Implementation) OnError(f func(error)) Implementation {
	c := *w.wrapping
	c.onError = f
	return Implementation{&c}
}

// Adaptive returns a copy of w in the adaptive mode: every Level 2 and
// Level 3 call whose work reaches its threshold runs inside
// blasctl.WithFairShare, and Level 1 calls go straight through. A result
// may then differ in its last bits with the thread count its call got,
// which depends on how many goroutines call at the same moment. Without
// Adaptive, w is in the default, reproducible mode (see the package doc).
func (w Implementation) Adaptive() Implementation {
	c := *w.wrapping
	c.adaptive = true
	return Implementation{&c}
}

// share runs call inside blasctl.WithFairShare, or alone when the scope
// cannot start.
func (w Implementation) share(call func()) {
	ran := false
	err := blasctl.WithFairShare(func() {
		ran = true
		call()
	})
	w.after(ran, err, call)
}

// fixed runs a call whose bits depend on the count: at the fixed count
// (inside blasctl.WithThreads(1)) in the default mode, as share in the
// adaptive mode. Each scope is called directly, so that the closure stays
// on the stack.
func (w Implementation) fixed(call func()) {
	if w.adaptive {
		w.share(call)
		return
	}
	ran := false
	err := blasctl.WithThreads(1, func() {
		ran = true
		call()
	})
	w.after(ran, err, call)
}

// after runs call alone if its scope could not start (ran is false), and
// reports the scope's error.
func (w Implementation) after(ran bool, err error, call func()) {
	if !ran {
		call()
	}
	if err != nil && w.onError != nil {
		w.onError(err)
	}
}

// The threshold, in real multiply-adds, from which a Level 2 call runs in
// a scope (Level 3: minWork3, threshold3.go). A Level 2 call is scoped
// when the scope costs at most a tenth of the call's time on one thread;
// below that, the scope costs more than sharing the CPUs can save.
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
// multiply-adds per complex one. A variable so that the package's tests
// can scope every call.
var minWork2 float64 = 1 << 16

// The thresholds of the default mode for the calls whose bits depend on
// the count. A Level 1 reduction runs at the fixed count from n =
// minWork1: OpenBLAS 0.3.21 (the process-wide count that another
// goroutine's scope moves) runs dot, asum and nrm2 on one thread up to n =
// 10000, and differs from n = 10001 (MKL from below 4096, but its count is
// the calling thread's own, which no other goroutine moves). Every
// count-dependent Level 2 call runs at the fixed count (minFixedWork2 is
// 0): OpenBLAS's symv, hemv and trmv differ between 1 and 2 threads from n
// = 16. Level 3 calls: small3 (threshold3.go). Measured with
// reproducible_test.go.
var (
	minWork1      float64 = 1 << 13
	minFixedWork2 float64 = 0
)

// minFixed2 is the Level 2 threshold of a count-dependent call in w's mode.
func (w Implementation) minFixed2() float64 {
	if w.adaptive {
		return minWork2
	}
	return minFixedWork2
}

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
