package blasctl_test

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/fblas"
	"github.com/blasctl/blasctl/internal/libtest"
)

// TestWorkerPool is the safe way to call OpenBLAS from many goroutines (see
// WithThreads): a pool of 2 x GOMAXPROCS workers, each running its dgemm
// calls inside WithThreads(1). Every product must be right, every call must
// run with one thread, the process must gain no more threads than the
// workers' own, and the count must be back at the end. One child process per
// OpenBLAS build (pthreads, and OpenMP, where each calling thread would
// otherwise start a team of its own).
func TestWorkerPool(t *testing.T) {
	libtest.PerBuild(t, libtest.Named(t, "openblas-pthread", "openblas-openmp"), workerPoolChild)
}

func workerPoolChild(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	fn := libtest.Func(t, h, "dgemm_")
	probe := libtest.Func(t, h, b.Probe)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := libtest.Get(probe)
	threadsBefore := libtest.Threads(t)

	const n, jobs = 96, 400
	workers := 2 * runtime.GOMAXPROCS(0)
	work := make(chan int)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		bad     []string
		peak    int
		ran     int
		wrongNs int
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]float64, n*n)
			for job := range work {
				a, bm := make([]float64, n*n), make([]float64, n*n)
				for i := range a {
					a[i] = float64((i+job)%7) - 3
					bm[i] = float64((i*job)%5) - 2
				}
				var inside int
				err := blasctl.WithThreads(1, func() {
					inside = libtest.Get(probe)
					fblas.Dgemm(fn, n, a, bm, c)
				})
				ok := err == nil && slices.Equal(c, fblas.Naive(n, a, bm))
				threads := libtest.Threads(t)
				mu.Lock()
				ran++
				peak = max(peak, threads)
				if inside != 1 {
					wrongNs++
				}
				if !ok && len(bad) < 5 {
					bad = append(bad, fmt.Sprintf("job %d: %s", job, errString(err)))
				}
				mu.Unlock()
			}
		}()
	}
	for j := 0; j < jobs; j++ {
		work <- j
	}
	close(work)
	wg.Wait()

	if len(bad) > 0 {
		t.Errorf("wrong products or errors: %v", bad)
	}
	if wrongNs > 0 {
		t.Errorf("%d of %d calls ran with more than one thread", wrongNs, ran)
	}
	// Each worker may hold an OS thread of its own (WithThreads locks it),
	// the Go runtime may add a few; OpenBLAS must add none per caller.
	if limit := threadsBefore + workers + runtime.GOMAXPROCS(0) + 4; peak > limit {
		t.Errorf("the process peaked at %d threads, %d before: more than the workers' own (%d)", peak, threadsBefore, limit)
	}
	if got := libtest.Get(probe); got != start {
		t.Errorf("after the pool, the count reads %d, want %d", got, start)
	}
	t.Logf("worker-pool figures: %s: %d workers, %d dgemm %dx%d in WithThreads(1), threads %d before, %d at most", b.Name, workers, ran, n, n, threadsBefore, peak)
}

func errString(err error) string {
	if err == nil {
		return "wrong product"
	}
	return err.Error()
}
