//go:build cgo && linux

package blasgonum

import (
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blasctl/blasctl/internal/libtest"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/netlib/blas/netlib"
)

// dropInBuilds are the libraries the many-caller tests run on, one child
// process each: the pthreads and the OpenMP OpenBLAS (whose runtime is
// libgomp: the libgomp case) linked through LD_LIBRARY_PATH, and MKL put
// before OpenBLAS with LD_PRELOAD.
func dropInBuilds(t *testing.T) []libtest.Build {
	builds := openBLASBuilds(t)
	for _, b := range libtest.Named(t, "mkl") {
		b.Env = append(b.Env, "LD_PRELOAD="+strings.Join(b.Load, ":"), "MKL_DYNAMIC=FALSE")
		builds = append(builds, b)
	}
	return builds
}

// osThreads is the number of the process's OS threads.
func osThreads(t *testing.T) int {
	t.Helper()
	d, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	return len(d)
}

// rssKB is the process's resident set, in KiB.
func rssKB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// usage is what a workload cost: the threads and RSS it added, its wall
// time.
type usage struct {
	threads, rssKB int
	wall           time.Duration
}

// manyCallers runs callers goroutines, each making calls products of
// n x n through impl, and checks every product against gonum's own Go
// implementation. It returns the threads and RSS the run added.
func manyCallers(t *testing.T, impl blas.Float64, callers, calls, n int) usage {
	t.Helper()
	a, b := filled(n*n, 1), filled(n*n, 2)
	want := make([]float64, n*n)
	gonum.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, b, n, 0, want, n)
	threads, rss := osThreads(t), rssKB(t)
	start := time.Now()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		wrong int
	)
	for range callers {
		wg.Go(func() {
			c := make([]float64, n*n)
			for range calls {
				impl.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, b, n, 0, c, n)
				for i := range c {
					if math.Abs(c[i]-want[i]) > 1e-10 {
						mu.Lock()
						wrong++
						mu.Unlock()
						break
					}
				}
			}
		})
	}
	wg.Wait()
	u := usage{osThreads(t) - threads, rssKB(t) - rss, time.Since(start)}
	if wrong > 0 {
		t.Errorf("%d of %d products of %d x %d wrong", wrong, callers*calls, n, n)
	}
	return u
}

// TestDropInSmallCallers runs 1000 goroutines x 200 Dgemm of 16 x 16, the
// same workload without blasctl (netlib unwrapped) and then through the
// drop-in, on the pthreads and the OpenMP OpenBLAS and on MKL: the drop-in
// adds at most GOMAXPROCS + 8 threads to what the workload without blasctl
// left.
func TestDropInSmallCallers(t *testing.T) {
	libtest.PerBuild(t, dropInBuilds(t), func(t *testing.T, b libtest.Build) {
		const callers, n = 1000, 16
		calls := 200
		if raceEnabled {
			calls = 20 // the same callers; the host leg's -race run stays short
		}
		start := osThreads(t)
		bare := manyCallers(t, netlib.Implementation{}, callers, calls, n)
		wrapped := manyCallers(t, Wrap(netlib.Implementation{}), callers, calls, n)
		t.Logf("%s, GOMAXPROCS %d, %d threads at the start: without blasctl +%d threads, %+d KiB RSS, %v; through Wrap +%d threads, %+d KiB RSS, %v",
			b.Name, runtime.GOMAXPROCS(0), start, bare.threads, bare.rssKB, bare.wall, wrapped.threads, wrapped.rssKB, wrapped.wall)
		if limit := runtime.GOMAXPROCS(0) + 8; wrapped.threads > limit {
			t.Errorf("%s: the drop-in added %d threads to the %d the workload without blasctl ended with, want at most GOMAXPROCS + 8 = %d",
				b.Name, wrapped.threads, start+bare.threads, limit)
		}
	})
}

// TestDropInLargeCallers runs 1000 goroutines, each making one threaded
// product through the drop-in, with every product checked: 128 x 128 on
// the OpenMP OpenBLAS and on MKL, 96 x 96 on the pthreads OpenBLAS (the
// sizes at which those builds abort with "too many memory regions" when
// that many threads call them without blasctl). The run completes and
// adds at most GOMAXPROCS + 8 threads. The same workload without blasctl
// aborts the process, or takes minutes: the bound is against the threads
// before the run.
func TestDropInLargeCallers(t *testing.T) {
	libtest.PerBuild(t, dropInBuilds(t), func(t *testing.T, b libtest.Build) {
		const callers = 1000
		n := 128
		if b.Name == "openblas-pthread" {
			n = 96
		}
		start := osThreads(t)
		u := manyCallers(t, Wrap(netlib.Implementation{}), callers, 1, n)
		t.Logf("%s, GOMAXPROCS %d, %d threads at the start: 1000 x Dgemm %d through Wrap: +%d threads, %+d KiB RSS, %v",
			b.Name, runtime.GOMAXPROCS(0), start, n, u.threads, u.rssKB, u.wall)
		if limit := runtime.GOMAXPROCS(0) + 8; u.threads > limit {
			t.Errorf("%s: the drop-in added %d threads to the %d before the run, want at most GOMAXPROCS + 8 = %d",
				b.Name, u.threads, start, limit)
		}
	})
}
