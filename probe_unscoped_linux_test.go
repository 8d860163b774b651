package blasctl_test

import (
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/fblas"
	"github.com/blasctl/blasctl/internal/libtest"
)

// Probes of scopes beside BLAS calls made outside any scope, which move a
// library's shared count behind blasctl's back.

// TestProbeUnscopedCallers: BLAS calls made outside any scope, beside many
// scoped ones, must not make the scoped ones fail: an unscoped call of an
// OpenMP OpenBLAS writes OpenBLAS's global count from its own thread's
// OpenMP count. A scope must judge what its own calls run with, and a
// shared count that someone else changed must be applied again. (Class: a
// cached "current" value trusted over the library.)
func TestProbeUnscopedCallers(t *testing.T) {
	for _, c := range []struct {
		name string
		load []string
		env  []string
		gemm string
	}{
		{"openblas-openmp", []string{openblasOpenMP}, nil, "dgemm_"},
		{"openblas-pthread", []string{openblasPthread}, nil, "dgemm_"},
		{"mkl", []string{libgomp, libmkl}, []string{"MKL_THREADING_LAYER=GNU"}, "dgemm_"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "mkl" && runtime.GOARCH != "amd64" {
				t.Skip("MKL is built for amd64 only")
			}
			if !probeChild(t, "unscoped-"+c.name, c.load, c.env...) {
				return
			}
			unscopedCallersChild(t, c.load, c.gemm)
		})
	}
}

// unscopedCallersChild is TestProbeUnscopedCallers in the child: it loads
// load and calls its gemm from 8 goroutines in WithThreads(1) beside one
// that calls it outside any scope, for 1.5 s.
func unscopedCallersChild(t *testing.T, load []string, gemmName string) {
	var h uintptr
	for _, p := range load {
		h = libtest.Open(t, p)
	}
	gemm := libtest.Func(t, h, gemmName)
	const n = 128
	a, b := make([]float64, n*n), make([]float64, n*n)
	for i := range a {
		a[i], b[i] = float64(i%7), float64(i%5)
	}
	var scoped, failed, unscoped atomic.Int64
	var firstErr atomic.Value
	l := newLoops()
	for range 8 {
		out := make([]float64, n*n)
		l.run(func() {
			err := blasctl.WithThreads(1, func() { fblas.Dgemm(gemm, n, a, b, out) })
			scoped.Add(1)
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
		})
	}
	out := make([]float64, n*n)
	l.run(func() {
		fblas.Dgemm(gemm, n, a, b, out)
		unscoped.Add(1)
	})
	time.Sleep(1500 * time.Millisecond)
	l.end()
	t.Logf("figures: %d scopes, %d failed, beside %d unscoped calls", scoped.Load(), failed.Load(), unscoped.Load())
	if failed.Load() != 0 {
		t.Errorf("%d of %d scopes failed beside an unscoped caller; first: %v", failed.Load(), scoped.Load(), firstErr.Load())
	}
	if unscoped.Load() == 0 || scoped.Load() == 0 {
		t.Error("the probe made no calls")
	}
}

// TestProbeUnscopedEveryBuild runs TestProbeUnscopedCallers's load on every
// real BLAS build: 4 goroutines each making dgemm calls in WithThreads(1)
// beside one that calls dgemm outside any scope. No scope may fail, every
// scoped call must read at most 1 on its thread, every product must be
// right, and the count must be back at the end. (Class: a scope judged by a
// shared count that an unscoped caller moves.)
func TestProbeUnscopedEveryBuild(t *testing.T) {
	for _, b := range libtest.Builds {
		if b.InternalAPI == "openmp" {
			continue // no BLAS to call
		}
		t.Run(b.Name, func(t *testing.T) {
			if err := b.Check(); err != nil {
				libtest.Missing(t, "%v", err)
			}
			if !probeChild(t, "unscoped-every-"+b.Name, nil, b.Env...) {
				return
			}
			unscopedChild(t, b)
		})
	}
}

// unscopedChild is TestProbeUnscopedEveryBuild in the child, for build b.
func unscopedChild(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	sym := libtest.Func(t, h, "dgemm_")
	gemm := func(n int, a, bm, c []float64) { fblas.Dgemm(sym, n, a, bm, c) }
	if strings.Contains(filepath.Base(b.Load[len(b.Load)-1]), "64") { // libopenblas64: ILP64
		gemm = func(n int, a, bm, c []float64) { fblas.Dgemm64(sym, n, a, bm, c) }
	}
	// A build unsafe from two threads at once (b.Unlocked) races on its own
	// buffers: every call, scope included, takes blasctl.CallGuard first,
	// as its users must, so that wrong products are blasctl's. For the
	// other builds the guard does nothing.
	guarded := func(fn func()) {
		g := blasctl.CallGuard()
		g.Lock()
		defer g.Unlock()
		fn()
	}
	probe := libtest.Func(t, h, b.Probe)
	applies := func(raw int) int { return raw }
	if b.Applies != nil {
		applies = b.Applies
	}
	runtime.LockOSThread()
	start := libtest.Get(probe)
	runtime.UnlockOSThread()
	const n = 96
	a, bm := make([]float64, n*n), make([]float64, n*n)
	for i := range a {
		a[i], bm[i] = float64(i%7)-3, float64(i%5)-2
	}
	want := fblas.Naive(n, a, bm)
	var scoped, failed, wide, wrong, unscoped atomic.Int64
	var firstErr atomic.Value
	l := newLoops()
	run := func(fn func(c []float64)) {
		c := make([]float64, n*n)
		l.run(func() {
			fn(c)
			if !slices.Equal(c, want) {
				wrong.Add(1)
			}
		})
	}
	for range 4 {
		run(func(c []float64) {
			var err error
			guarded(func() {
				err = blasctl.WithThreads(1, func() {
					gemm(n, a, bm, c)
					if applies(libtest.Get(probe)) > 1 {
						wide.Add(1)
					}
				})
			})
			scoped.Add(1)
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
		})
	}
	run(func(c []float64) {
		guarded(func() { gemm(n, a, bm, c) })
		unscoped.Add(1)
	})
	time.Sleep(500 * time.Millisecond)
	l.end()
	t.Logf("figures: %s: %d scopes (%d failed, %d read more than 1 inside) beside %d unscoped calls, %d wrong products",
		b.Name, scoped.Load(), failed.Load(), wide.Load(), unscoped.Load(), wrong.Load())
	if failed.Load() != 0 {
		t.Errorf("%d of %d scopes failed beside an unscoped caller; first: %v", failed.Load(), scoped.Load(), firstErr.Load())
	}
	if wide.Load() != 0 || wrong.Load() != 0 {
		t.Errorf("%d scoped calls read more than 1 thread; %d products were wrong", wide.Load(), wrong.Load())
	}
	if scoped.Load() == 0 || unscoped.Load() == 0 {
		t.Error("the probe made no calls")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if got := libtest.Get(probe); got != start {
		t.Errorf("at the end the count reads %d, want %d", got, start)
	}
}
