//go:build cgo

package blasgonum

import (
	"errors"
	"runtime"
	"slices"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/blasgonum/internal/openblas"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// openBLASScope returns the scope blasctl reports for the OpenBLAS this
// test binary links (Debian's libopenblas.so is the pthreads build unless
// the alternatives say otherwise).
func openBLASScope(t *testing.T) blasctl.Scope {
	t.Helper()
	openblas.Threads() // the library is linked: make sure it is initialised
	libs, err := blasctl.Libraries()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range libs {
		if l.InternalAPI == "openblas" {
			return l.Scope
		}
	}
	t.Fatalf("blasctl does not see the linked OpenBLAS: %+v", libs)
	return ""
}

// TestScopedCalls calls every method of the wrapper around a double that
// reads OpenBLAS's own count, under the rules for every library (the
// per-library cut-offs off: TestOpenBLASCutoffs has them), with GOMAXPROCS 1 and OpenBLAS at 2:
// a call that runs in a fair-share scope reads 1, one that goes straight
// through reads 2. Level 3 calls run in a scope from minWork3, and in the
// default mode below it too for the routines OpenBLAS threads at every size
// (threadedAtEverySize) or at that size (oneThreadTri, oneThreadRank);
// in the default mode count-dependent Level 2 calls too, and Level 1
// reductions from minWork1;
// other Level 1 calls never; count-free Level 2 calls exactly when their
// work reaches the threshold.
func TestScopedCalls(t *testing.T) {
	openBLASScope(t)
	genericRules(t)
	runtime.LockOSThread() // the direct calls read the count of this thread
	defer runtime.UnlockOSThread()
	before := openblas.Threads()
	openblas.SetThreads(2)
	defer openblas.SetThreads(before)
	if got := openblas.Threads(); got != 2 {
		t.Fatalf("OpenBLAS reads %d threads after openblas_set_num_threads(2)", got)
	}
	// A fair share of 1 thread: P = GOMAXPROCS = 1 (the test uses
	// WithFairShare only through the wrapper).
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))

	rec := &recorder{probe: openblas.Threads}
	w := Wrap(fake{rec})
	lv := levels()
	// 1: every size tiny. 512: every Level 2 work 2^18 or more, every
	// Level 3 work 2^27 or more.
	for _, dim := range []int{1, 512} {
		names := callAll(t, w, dim)
		calls, readings := rec.take()
		if !slices.Equal(calls, names) {
			t.Fatalf("dims %d: calls %v, want %v", dim, calls, names)
		}
		for i, name := range calls {
			want := 2
			switch {
			case lv[name] == 3 && (dim == 512 || threadedAtEverySize(name)),
				lv[name] == 2 && (dim == 512 || !countFree[name]):
				want = 1
			}
			if readings[i] != want {
				t.Errorf("dims %d: %s (Level %d) ran with %d OpenBLAS threads, want %d", dim, name, lv[name], readings[i], want)
			}
		}
	}
	// Just below and at the thresholds.
	a := make([]float64, 1)
	for _, c := range []struct {
		name string
		call func()
		want int
	}{
		{"Dgemm 1x1x1 (count-dependent, one thread in OpenBLAS: below minFixedWork3)", func() {
			w.Dgemm(blas.NoTrans, blas.NoTrans, 1, 1, 1, 1, a, 1, a, 1, 0, a, 1)
		}, 2},
		{"Dgemm 16x16x16", func() { w.Dgemm(blas.NoTrans, blas.NoTrans, 16, 16, 16, 1, a, 1, a, 1, 0, a, 1) }, 2},
		{"Dgemm 16x16x17 (count-dependent: fixed count)", func() {
			w.Dgemm(blas.NoTrans, blas.NoTrans, 16, 16, 17, 1, a, 1, a, 1, 0, a, 1)
		}, 1},
		{"Dgemm 16x32x31, adaptive", func() {
			w.Adaptive().Dgemm(blas.NoTrans, blas.NoTrans, 16, 32, 31, 1, a, 1, a, 1, 0, a, 1)
		}, 2},
		{"Dgemm 16x32x32, adaptive", func() {
			w.Adaptive().Dgemm(blas.NoTrans, blas.NoTrans, 16, 32, 32, 1, a, 1, a, 1, 0, a, 1)
		}, 1},
		{"Zgemm 8x16x31, adaptive (4 real multiply-adds each)", func() {
			w.Adaptive().Zgemm(blas.NoTrans, blas.NoTrans, 8, 16, 31, 1, nil, 1, nil, 1, 0, nil, 1)
		}, 2},
		{"Zgemm 8x16x32, adaptive", func() {
			w.Adaptive().Zgemm(blas.NoTrans, blas.NoTrans, 8, 16, 32, 1, nil, 1, nil, 1, 0, nil, 1)
		}, 1},
		{"Sgemm 16x16x32 (count-dependent: minFixedWork3)", func() {
			w.Sgemm(blas.NoTrans, blas.NoTrans, 16, 16, 32, 1, nil, 1, nil, 1, 0, nil, 1)
		}, 1},
		{"Sgemm 16x16x32, adaptive", func() {
			w.Adaptive().Sgemm(blas.NoTrans, blas.NoTrans, 16, 16, 32, 1, nil, 1, nil, 1, 0, nil, 1)
		}, 2},
		{"Sgemm 16x16x16 (count-dependent, one thread in OpenBLAS)", func() {
			w.Sgemm(blas.NoTrans, blas.NoTrans, 16, 16, 16, 1, nil, 1, nil, 1, 0, nil, 1)
		}, 2},
		{"Dtrsm 16x16 (count-dependent, below minFixedWork3, one thread in OpenBLAS)", func() {
			w.Dtrsm(blas.Left, blas.Upper, blas.NoTrans, blas.Unit, 16, 16, 1, a, 1, a, 1)
		}, 2},
		{"Dtrsm 1x1024 (m·n 1024: threaded in OpenBLAS)", func() {
			w.Dtrsm(blas.Left, blas.Upper, blas.NoTrans, blas.Unit, 1, 1024, 1, a, 1, a, 1)
		}, 1},
		{"Ztrmm 1x511", func() {
			w.Ztrmm(blas.Left, blas.Upper, blas.NoTrans, blas.Unit, 1, 511, 1, nil, 1, nil, 1)
		}, 2},
		{"Ztrmm 1x512 (m·n 512: threaded in OpenBLAS)", func() {
			w.Ztrmm(blas.Left, blas.Upper, blas.NoTrans, blas.Unit, 1, 512, 1, nil, 1, nil, 1)
		}, 1},
		{"Dsyrk 4, k 4 (MKL's bits move at every size)", func() { w.Dsyrk(blas.Upper, blas.NoTrans, 4, 4, 1, a, 1, 0, a, 1) }, 1},
		{"Dsyrk 4, k 4, adaptive", func() { w.Adaptive().Dsyrk(blas.Upper, blas.NoTrans, 4, 4, 1, a, 1, 0, a, 1) }, 2},
		{"Dsymm 2x2 (threaded in OpenBLAS at every size)", func() {
			w.Dsymm(blas.Left, blas.Upper, 2, 2, 1, a, 1, a, 1, 0, a, 1)
		}, 1},
		{"Dsymm 2x2, adaptive", func() { w.Adaptive().Dsymm(blas.Left, blas.Upper, 2, 2, 1, a, 1, a, 1, 0, a, 1) }, 2},
		{"Dger 255x256", func() { w.Dger(255, 256, 1, a, 1, a, 1, a, 1) }, 2},
		{"Dger 256x256", func() { w.Dger(256, 256, 1, a, 1, a, 1, a, 1) }, 1},
		{"Zgeru 128x128 (4 real multiply-adds each)", func() {
			w.Zgeru(128, 128, 1, nil, 1, nil, 1, nil, 1)
		}, 1},
		{"Dgemv 1x1 (count-dependent: fixed count at every size)", func() { w.Dgemv(blas.NoTrans, 1, 1, 1, a, 1, a, 1, 0, a, 1) }, 1},
		{"Dgemv 255x256, adaptive", func() { w.Adaptive().Dgemv(blas.NoTrans, 255, 256, 1, a, 1, a, 1, 0, a, 1) }, 2},
		{"Dgemv 256x256, adaptive", func() { w.Adaptive().Dgemv(blas.NoTrans, 256, 256, 1, a, 1, a, 1, 0, a, 1) }, 1},
		{"Dgbmv 10000 rows, band 3, adaptive", func() { w.Adaptive().Dgbmv(blas.NoTrans, 10000, 10000, 1, 1, 1, a, 1, a, 1, 0, a, 1) }, 2},
		{"Dgbmv 10000 rows, band 3 (count-dependent: fixed count)", func() { w.Dgbmv(blas.NoTrans, 10000, 10000, 1, 1, 1, a, 1, a, 1, 0, a, 1) }, 1},
		{"Dsymv 1x1 (count-dependent: fixed count at every size)", func() { w.Dsymv(blas.Upper, 1, 1, a, 1, a, 1, 0, a, 1) }, 1},
		{"Dsymv 1x1, adaptive", func() { w.Adaptive().Dsymv(blas.Upper, 1, 1, a, 1, a, 1, 0, a, 1) }, 2},
		{"Dsymv 128x128, adaptive", func() { w.Adaptive().Dsymv(blas.Upper, 128, 1, a, 1, a, 1, 0, a, 1) }, 2},
		{"Ddot 8191", func() { w.Ddot(8191, a, 1, a, 1) }, 2},
		{"Ddot 8192", func() { w.Ddot(8192, a, 1, a, 1) }, 1},
		{"Ddot 8192, adaptive", func() { w.Adaptive().Ddot(8192, a, 1, a, 1) }, 2},
		{"Daxpy 1<<20 (count-free)", func() { w.Daxpy(1<<20, 1, a, 1, a, 1) }, 2},
	} {
		c.call()
		_, readings := rec.take()
		if len(readings) != 1 || readings[0] != c.want {
			t.Errorf("%s ran with %v OpenBLAS threads, want %d", c.name, readings, c.want)
		}
	}
}

// threadedAtEverySize reports whether the default mode runs name at the
// fixed count at every size: symm, hemm, syr2k, her2k (OpenBLAS threads
// them at any size), syrk and herk (MKL's bits move at any size).
func threadedAtEverySize(name string) bool {
	switch name[1:] {
	case "symm", "hemm", "syr2k", "her2k", "syrk", "herk":
		return true
	}
	return false
}

// probe is netlib with a Dgemm that reports what OpenBLAS's own getter
// reads at its start, and again once the test lets it (allIn), then
// multiplies when the test lets it (multiply).
type probe struct {
	netlib.Implementation
	inside          chan<- int
	allIn, multiply <-chan struct{}
}

func (p probe) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	p.inside <- openblas.Threads()
	<-p.allIn
	p.inside <- openblas.Threads()
	<-p.multiply
	p.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// TestShareInsideLevel3 checks, inside Dgemm calls wrapped in the adaptive
// mode (the default mode runs them at the fixed count), what OpenBLAS's
// own getter reads while k goroutines multiply at once: the budget P = 4
// (GOMAXPROCS 4, OpenBLAS started at 4 threads), callers entering one after
// another. Caller i starts with i goroutines inside and gets P/i; a
// process-wide count (the pthreads build) is the smallest share of the
// callers inside, a per-thread one (an OpenMP build) each caller's own.
func TestShareInsideLevel3(t *testing.T) {
	const budget = 4
	scope := openBLASScope(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(budget))
	before := openblas.Threads()
	openblas.SetThreads(budget)
	defer openblas.SetThreads(before)
	if scope == blasctl.ScopeThread {
		t.Skip("the linked OpenBLAS is an OpenMP build: its count belongs to each thread, set here on one only")
	}
	if got := openblas.Threads(); got != budget {
		t.Fatalf("OpenBLAS reads %d threads after openblas_set_num_threads(%d)", got, budget)
	}

	const n = 96 // above the Level 3 threshold
	x := make([]float64, n*n)
	for i := range x {
		x[i] = float64(i%7) - 3
	}
	want := make([]float64, n*n)
	netlib.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, x, n, x, n, 0, want, n)

	for k := 1; k <= budget; k++ {
		allIn, multiply := make(chan struct{}), make(chan struct{})
		insides := make([]chan int, k)
		results := make([][]float64, k)
		done := make(chan struct{}, k)
		first := make([]int, k)
		for i := range k {
			insides[i] = make(chan int, 2)
			results[i] = make([]float64, n*n)
			w := Wrap(probe{inside: insides[i], allIn: allIn, multiply: multiply}).Adaptive()
			go func() {
				w.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, x, n, x, n, 0, results[i], n)
				done <- struct{}{}
			}()
			first[i] = <-insides[i] // the next caller starts once this one is inside
		}
		close(allIn)
		second := make([]int, k)
		for i := range k {
			second[i] = <-insides[i]
		}
		close(multiply)
		for range k {
			<-done
		}
		for i := range k {
			// Caller i+1 entered with i+1 inside: share max(1, P/(i+1)).
			// Once all k are inside, the process-wide count is the
			// smallest share, P/k.
			if want := max(1, budget/(i+1)); first[i] != want {
				t.Errorf("k=%d: caller %d started with %d OpenBLAS threads, want %d", k, i+1, first[i], want)
			}
			if want := max(1, budget/k); second[i] != want {
				t.Errorf("k=%d: caller %d, with all %d inside, read %d OpenBLAS threads, want %d", k, i+1, k, second[i], want)
			}
			if !slices.Equal(results[i], want) {
				t.Errorf("k=%d: caller %d computed a wrong product", k, i+1)
			}
		}
		if got := openblas.Threads(); got != budget {
			t.Errorf("k=%d: after the calls OpenBLAS reads %d threads, want %d", k, got, budget)
		}
	}
}

// TestOnError makes a scope impossible (a library registered on libc whose
// count stays at 8, so WithFairShare returns ErrNotApplied before fn runs)
// and checks that a wrapped call above the thresholds still runs once,
// unscoped, and that OnError gets the reason; below the Level 2 threshold,
// and once the library is gone, nothing is reported.
func TestOnError(t *testing.T) {
	unregister, err := blasctl.Register(blasctl.Custom{
		InternalAPI: "blasgonum_stuck",
		UserAPI:     "blas",
		Prefixes:    []string{"libc.so"},
		Open: func(sym func(string) uintptr) *blasctl.CustomControl {
			if sym("malloc") == 0 {
				return nil
			}
			return &blasctl.CustomControl{Scope: blasctl.ScopeProcess, Get: func() int { return 8 }, Set: func(int) {}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unregister()
	libs, err := blasctl.Libraries()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(libs, func(l blasctl.Library) bool { return l.InternalAPI == "blasgonum_stuck" }) {
		t.Fatalf("the stuck library on libc was not found: %+v", libs)
	}

	rec := &recorder{}
	var errs []error
	w := Wrap(fake{rec}).OnError(func(err error) { errs = append(errs, err) })
	a := make([]float64, 1)
	dgemm := func(w Implementation, n int) {
		w.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, 1, a, 1, 0, a, 1)
	}
	dger := func(w Implementation, n int) {
		w.Dger(n, n, 1, a, 1, a, 1, a, 1)
	}
	for _, c := range []struct {
		name string
		call func(Implementation, int)
		w    Implementation
		n    int
		errs int
	}{
		{"scoped, OnError", dgemm, w, 512, 1},
		{"Level 3 below the threshold, OnError", dgemm, w, 8, 0},
		{"a count-free Level 2 call below the threshold, OnError", dger, w, 8, 0},
		{"scoped, no OnError", dgemm, Wrap(fake{rec}), 512, 0},
	} {
		errs = nil
		c.call(c.w, c.n)
		if calls, _ := rec.take(); len(calls) != 1 {
			t.Errorf("%s: the wrapped call ran %d times, want 1", c.name, len(calls))
		}
		if len(errs) != c.errs {
			t.Errorf("%s: OnError got %v, want %d errors", c.name, errs, c.errs)
		}
		for _, err := range errs {
			if !errors.Is(err, blasctl.ErrNotApplied) {
				t.Errorf("%s: OnError got %v, want an error matching ErrNotApplied", c.name, err)
			}
		}
	}
	unregister()
	errs = nil
	dgemm(w, 512)
	if calls, _ := rec.take(); len(calls) != 1 || len(errs) != 0 {
		t.Errorf("after unregistering: %d calls, errors %v; want 1 call and no error", len(calls), errs)
	}
}

// countFree mirrors internal/gen's list of the routines the default mode
// fair-shares.
var countFree = map[string]bool{
	"Sger": true, "Dger": true, "Cgeru": true, "Cgerc": true, "Zgeru": true, "Zgerc": true,
}
