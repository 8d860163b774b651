//go:build cgo && linux

package blasgonum

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/blasctltest"
	"github.com/blasctl/blasctl/blasgonum/internal/openblas"
	"github.com/blasctl/blasctl/internal/libtest"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// openBLASBuilds are the OpenBLAS builds the tests link through
// LD_LIBRARY_PATH, one child process each: the test binary links
// libopenblas.so.0, which the directory of the build provides.
func openBLASBuilds(t *testing.T) []libtest.Build {
	builds := libtest.Named(t, "openblas-pthread", "openblas-openmp")
	for i, b := range builds {
		builds[i].Env = append(builds[i].Env, "LD_LIBRARY_PATH="+filepath.Dir(b.Load[0]))
		builds[i].Load = nil // linked, not loaded
	}
	return builds
}

// checkLinked fails t unless blasctl sees the OpenBLAS of build b.
func checkLinked(t *testing.T, b libtest.Build) {
	t.Helper()
	if got := openBLASScope(t); string(got) != b.Scope {
		t.Fatalf("the linked OpenBLAS has scope %q, want %q (%s): is LD_LIBRARY_PATH honoured?", got, b.Scope, b.Name)
	}
}

// counter is netlib with a Dgemm that reads OpenBLAS's own count at its
// start (the count its calls run with: openblas.CallThreads), then
// multiplies.
type counter struct {
	netlib.Implementation
	read *int
}

func (c counter) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, cc []float64, ldc int) {
	*c.read = openblas.CallThreads()
	c.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc)
}

// TestPinHoldsThroughWrap checks, on the pthreads and the OpenMP OpenBLAS,
// that an explicit count of 1 on the calling goroutine (blasctltest.Pin,
// blasctl.Limit, blasctl.WithThreads) caps the fair share of a 512 x 512
// blas64.Gemm through the drop-in's adaptive mode: OpenBLAS's own count
// reads 1 inside the call, and one thread is busy, with OpenBLAS started at
// 2 threads and GOMAXPROCS 2 (alone, the share would be 2). The default
// mode runs the product at the fixed count, 1, pinned or not.
func TestPinHoldsThroughWrap(t *testing.T) {
	libtest.PerBuild(t, openBLASBuilds(t), pinSuite)
}

func pinSuite(t *testing.T, b libtest.Build) {
	checkLinked(t, b)
	// OPENBLAS_NUM_THREADS and OMP_NUM_THREADS are not set by the test:
	// the start count is the library's, the CPU count; check it is 2.
	if got := openblas.CallThreads(); got < 2 {
		t.Fatalf("OpenBLAS starts at %d threads: the test needs 2 or more", got)
	}
	const n = 512
	a := blas64.General{Rows: n, Cols: n, Stride: n, Data: make([]float64, n*n)}
	for i := range a.Data {
		a.Data[i] = float64(i%13) - 6
	}
	c := blas64.General{Rows: n, Cols: n, Stride: n, Data: make([]float64, n*n)}
	var read int
	blas64.Use(Wrap(counter{read: &read}))
	defer blas64.Use(netlib.Implementation{})
	gemmDefault := func() { blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a, a, 0, c) }
	gemmDefault()
	if read != 1 {
		t.Errorf("default mode, unpinned: OpenBLAS reads %d threads inside the call, want the fixed count 1", read)
	}
	blas64.Use(Wrap(counter{read: &read}).Adaptive())
	gemm := func() { blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a, a, 0, c) }

	check := func(t *testing.T, name string, wantRead, wantBusy int) {
		t.Helper()
		read = 0
		gemm()
		if read != wantRead {
			t.Errorf("%s: OpenBLAS reads %d threads inside the call, want %d", name, read, wantRead)
		}
		if got := busyThreads(t, gemm); got != wantBusy {
			t.Errorf("%s: %d threads busy, want %d", name, got, wantBusy)
		}
	}
	// The share alone, first: the cap below is the explicit count's. The
	// goroutine is locked, as Pin, Limit and WithThreads lock it, so that
	// its calls are made from one thread.
	runtime.LockOSThread()
	check(t, "unpinned", blasctl.FairShareBudget(), blasctl.FairShareBudget())
	runtime.UnlockOSThread()
	t.Run("Pin", func(t *testing.T) {
		blasctltest.Pin(t, 1)
		check(t, "Pin(t, 1)", 1, 1)
	})
	t.Run("Limit", func(t *testing.T) {
		restore, err := blasctl.Limit(1)
		if err != nil {
			t.Fatal(err)
		}
		defer restore()
		check(t, "Limit(1)", 1, 1)
	})
	t.Run("WithThreads", func(t *testing.T) {
		if err := blasctl.WithThreads(1, func() { check(t, "WithThreads(1)", 1, 1) }); err != nil {
			t.Fatal(err)
		}
	})
}
