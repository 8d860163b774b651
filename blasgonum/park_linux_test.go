//go:build cgo && linux

package blasgonum

import (
	"math"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/netlib/blas/netlib"
)

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		t.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// product multiplies two n x n matrices through impl and fails t unless
// the result is gonum's own; it may run on any goroutine.
func product(t *testing.T, impl blas.Float64, n int) {
	t.Helper()
	a, b := filled(n*n, 1), filled(n*n, 2)
	want, got := make([]float64, n*n), make([]float64, n*n)
	gonum.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, b, n, 0, want, n)
	impl.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, b, n, 0, got, n)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9*math.Abs(want[i])+1e-9 {
			t.Errorf("product %d x %d: element %d is %v, want %v", n, n, i, got[i], want[i])
			return
		}
	}
}

// idleCPU is the CPU time the process uses in the 100 ms after one
// 384 x 384 product through impl, the least of three tries.
func idleCPU(t *testing.T, impl blas.Float64) time.Duration {
	t.Helper()
	best := time.Duration(math.MaxInt64)
	for range 3 {
		product(t, impl, 384)
		before := cpuTime(t)
		time.Sleep(100 * time.Millisecond)
		best = min(best, cpuTime(t)-before)
	}
	return best
}

// TestParkAfterLastCall: under blasctl.IdleSleep the drop-in parks the
// pthreads OpenBLAS's workers about a millisecond after its last call, so
// the process uses at most 5 ms of CPU in the 100 ms after a call, where
// the same calls under IdleDefault let the workers spin; back-to-back
// calls and 200 goroutines calling with pauses between them keep every
// product right.
func TestParkAfterLastCall(t *testing.T) {
	builds := libtest.Named(t, "openblas-pthread")
	for i, b := range builds {
		builds[i].Env = append(builds[i].Env, "LD_LIBRARY_PATH="+filepath.Dir(b.Load[0]), "OPENBLAS_NUM_THREADS=2")
		builds[i].Load = nil // linked, not loaded
	}
	libtest.PerBuild(t, builds, func(t *testing.T, b libtest.Build) {
		w := Wrap(netlib.Implementation{})
		spin := idleCPU(t, w)
		if n := parker.parked.Load(); n != 0 {
			t.Fatalf("IdleDefault: the drop-in parked %d times", n)
		}
		if _, err := blasctl.SetIdlePolicy(blasctl.IdleSleep); err != nil {
			t.Fatal(err)
		}
		defer blasctl.SetIdlePolicy(blasctl.IdleDefault)
		parked := idleCPU(t, w)
		t.Logf("%s: CPU in the 100 ms after a 384 x 384 product: %v under IdleDefault, %v under IdleSleep; %d parks",
			b.Name, spin, parked, parker.parked.Load())
		if parker.parked.Load() == 0 {
			t.Fatal("IdleSleep: the drop-in never parked")
		}
		if parked > 5*time.Millisecond {
			t.Errorf("IdleSleep: the process used %v of CPU in the 100 ms after a call, want at most 5 ms", parked)
		}
		var wg sync.WaitGroup
		for g := range 200 {
			wg.Go(func() {
				for i := range 5 {
					product(t, w, 64+32*((g+i)%3))
					time.Sleep(time.Duration(g%4) * time.Millisecond)
				}
			})
		}
		wg.Wait()
		product(t, w, 384)
	})
}
