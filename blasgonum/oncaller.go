package blasgonum

import (
	"fmt"
	"sync/atomic"

	"github.com/blasctl/blasctl"
)

// The library's own cut-offs: below them OpenBLAS runs a call on the
// calling thread at any thread count, without its pool, so that a scope
// has nothing to set and the result has the same bits at every count.
// While OpenBLAS is the only BLAS loaded, the wrapper uses them: such a
// call skips its scope in both modes. It still passes the gate: from many
// goroutines OpenBLAS's buffer lock holds some callers in C long enough for
// Go to start threads for the others, and the gate bounds them (unwrapped,
// 1000 goroutines of 16^3 dgemm added 0 to 21 threads from run to run),
// but for a gemv whose buffer is on the stack (gemvOnStack). With any
// other BLAS loaded (MKL, whose bits move with the count from syrk of
// 4 x 4; BLIS, which opens a parallel region at every size; a library
// blasctl does not know) the rules of minWork3, minFixedWork3 and
// oneThread apply alone.
//
// The cut-offs are OpenBLAS's interface/*.c from 0.3.17 (the first with a
// cut-off for syrk) to 0.3.29, and the smaller one where a release
// changed it, so that they hold for every release in between:
//
//   - gemm: m·n·k at most 65536·4 (8192·4 complex; GEMM_MULTITHREAD_THRESHOLD
//     is 4 in every build measured, Debian's included);
//   - syrk, herk: n below 100 (65 complex; 0.3.17 to 0.3.21) and
//     (n+1)·n·k at most 109944·4 (14824·4 complex; 0.3.22 on);
//   - trmm, trsm: m·n below 256·4 (128·4 complex): oneThreadTri;
//   - gemv: m·n below 2304·4 (1024·4 complex; 0.3.27 raised the real one
//     fifty-fold).
//
// symm, hemm, syr2k and her2k have no cut-off: OpenBLAS threads them at
// every size. TestOpenBLASCutoffBits checks the cut-offs against each
// threaded OpenBLAS build's bits at 1, 2 and 4 threads, cgo-free, on the
// host's release and in the debian13 leg on 0.3.29; TestOpenBLASCutoffs
// checks which calls skip the gate and their scope.

// Which BLAS the process has loaded, as far as the cut-offs go.
const (
	kindUnknown  int32 = iota // not looked at yet
	kindOther                 // another BLAS, or none, or several kinds
	kindOpenBLAS              // OpenBLAS from 0.3.17 only
)

// loaded is the kind last found. It is read on every call that could skip
// its scope: one atomic load of a word that is written once per look.
var loaded atomic.Int32

// looking is set while a goroutine looks at the libraries for loaded.
var looking atomic.Bool

// perLibrary turns the cut-offs off when false, so that the package's
// tests can scope every call.
var perLibrary = true

// openblasOnly reports whether OpenBLAS is the only BLAS loaded. The first
// call looks in the background and answers false until the look is done
// (Wrap looks first); the gate looks again every refreshEvery admissions,
// so that a BLAS the program loads later is seen within as many calls.
func openblasOnly() bool {
	switch loaded.Load() {
	case kindOpenBLAS:
		return perLibrary
	case kindUnknown:
		lookLater()
	}
	return false
}

// lookLater looks at the libraries in a goroutine of its own: the caller
// may be locked to its thread inside a scope of its own, where it must not
// wait for blasctl's detector.
func lookLater() {
	if looking.CompareAndSwap(false, true) {
		go func() {
			defer looking.Store(false)
			look()
		}()
	}
}

// look finds which BLAS is loaded and stores it in loaded.
func look() {
	libs, err := blasctl.Libraries()
	loaded.Store(kindOf(libs, err))
}

// kindOf is the kind of the libraries libs (and Libraries' err).
func kindOf(libs []blasctl.Library, err error) int32 {
	if err != nil {
		return kindOther
	}
	found := false
	for _, l := range libs {
		switch l.InternalAPI {
		case "openmp": // the runtime of an OpenMP build, not a BLAS
		case "openblas":
			if !openblasFrom(l.Version, 17) {
				return kindOther
			}
			found = true
		default:
			return kindOther
		}
	}
	if !found {
		return kindOther
	}
	return kindOpenBLAS
}

// openblasFrom reports whether an OpenBLAS version string ("0.3.21") is
// 0.3.patch or later.
func openblasFrom(version string, patch int) bool {
	var a, b, c int
	if _, err := fmt.Sscanf(version, "%d.%d.%d", &a, &b, &c); err != nil {
		return false
	}
	switch {
	case a != 0:
		return a > 0
	case b != 3:
		return b > 3
	}
	return c >= patch
}

// oneThreadGemm reports whether OpenBLAS runs an m x k by k x n gemm on
// one thread.
func oneThreadGemm(m, n, k int, complex bool) bool {
	if complex {
		return work3(m, n, k) <= 8192*4
	}
	return work3(m, n, k) <= 65536*4
}

// oneThreadSyrk reports whether OpenBLAS runs a syrk or herk of an n x n
// result from rank k on one thread.
func oneThreadSyrk(n, k int, complex bool) bool {
	nnk := float64(n+1) * float64(n) * float64(k)
	if complex {
		return n < 65 && nnk <= 14824*4
	}
	return n < 100 && nnk <= 109944*4
}

// oneThreadGemv reports whether OpenBLAS runs an m x n gemv on one thread.
func oneThreadGemv(m, n int, complex bool) bool {
	if complex {
		return work2(m, n) < 1024*4
	}
	return work2(m, n) < 2304*4
}

// gemvOnStack reports whether OpenBLAS's gemv of an m x n matrix keeps its
// buffer on the stack (m + n + 16 doubles, 2(m + n) + 16 for a complex
// one, plus 20 on Windows, rounded up to 4, within MAX_STACK_ALLOC, 2048
// bytes by default: interface/gemv.c and zgemv.c, 0.3.17 to 0.3.29). Such
// a gemv below the one-thread cut-off takes no lock and no pool thread, as
// a short Level 1 call, and skips the gate as one does: from 1000
// goroutines the gate cost a 16 x 16 dgemv 3.6 times the call.
func gemvOnStack(m, n int, complex bool) bool {
	if complex {
		return m+n <= 108
	}
	return m+n <= 216
}

// onCaller reports whether a call that OpenBLAS runs on one thread (one)
// skips its scope: while OpenBLAS alone is loaded.
func onCaller(one bool) bool {
	return one && openblasOnly()
}
