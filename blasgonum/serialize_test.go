//go:build cgo && linux

package blasgonum

import (
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// The race workload: goroutines each multiply two 64 x 64 matrices calls
// times, and every product is checked against one made alone.
const (
	raceN          = 64
	raceGoroutines = 8
)

// wrongProducts runs the race workload through impl and returns how many
// products were wrong.
func wrongProducts(impl blas.Float64, calls int) int64 {
	a, b := make([]float64, raceN*raceN), make([]float64, raceN*raceN)
	for i := range a {
		a[i], b[i] = float64(i%7-3), float64(i%5-2) // small integers: every sum is exact
	}
	want := make([]float64, raceN*raceN)
	netlib.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, raceN, raceN, raceN, 1, a, raceN, b, raceN, 0, want, raceN)
	var wrong atomic.Int64
	var wg sync.WaitGroup
	for range raceGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]float64, raceN*raceN)
			for range calls {
				impl.Dgemm(blas.NoTrans, blas.NoTrans, raceN, raceN, raceN, 1, a, raceN, b, raceN, 0, c, raceN)
				if !slices.Equal(c, want) {
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return wrong.Load()
}

// serialBuilds are Debian's serial OpenBLAS (not safe from two threads)
// and the same source built with USE_LOCKING (safe), linked through
// LD_LIBRARY_PATH, one child process each.
func serialBuilds(t *testing.T) []libtest.Build {
	builds := libtest.Named(t, "openblas-serial", "openblas-locking")
	for i, b := range builds {
		if err := b.Check(); err != nil {
			libtest.Missing(t, "%v", err)
		}
		builds[i].Env = append(builds[i].Env, "LD_LIBRARY_PATH="+filepath.Dir(b.Load[0]))
		builds[i].Load = nil // linked, not loaded
	}
	return builds
}

// TestSerializeUnsafeBuild: the drop-in runs its calls into Debian's serial
// OpenBLAS, whose concurrent callers race on its buffers, one at a time
// (at most 1 in flight, counted by an implementation that sleeps inside),
// and 8 goroutines multiplying 64 x 64 matrices through it get no wrong
// product. The library's race is rare (a few wrong products in every ten
// thousand on this machine), so the test compares rates: the same workload
// through plain netlib runs first, until it shows raceShown wrong products
// (or raceCap calls), and the drop-in then runs enough calls that the
// plain rate would give raceExpected wrong ones, between raceCap/4 and
// raceCap per goroutine; the race is bursty, and scoped calls overlap less
// than plain ones, so this count alone would not show a missing guard
// reliably: the in-flight count does. On the USE_LOCKING build blasctl
// reports the library safe; plain netlib gets no wrong product there, which
// is what that report promises, and the drop-in's calls overlap.
func TestSerializeUnsafeBuild(t *testing.T) {
	libtest.PerBuild(t, serialBuilds(t), serializeSuite)
}

const (
	raceShown    = 3  // wrong products that end the plain run
	raceExpected = 10 // wrong products the plain rate would give the drop-in's run
)

// raceBatch is the calls per goroutine between checks of the plain run,
// and raceCap the most in each run. Under the race detector, whose checks
// of each product take longer than the product and so make the library's
// race rarer still, the runs are short: the in-flight count still judges.
var raceBatch, raceCap = 2000, 20000

func init() {
	if raceEnabled {
		raceBatch, raceCap = 250, 500
	}
}

func serializeSuite(t *testing.T, b libtest.Build) {
	checkLinked(t, b)
	libs, err := blasctl.Libraries()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(libs, func(l blasctl.Library) bool { return l.InternalAPI == "openblas" })
	if i < 0 || filepath.Dir(libs[i].Filepath) != filepath.Dir(b.Load[0]) {
		t.Fatalf("the linked OpenBLAS is not %s's: %+v", b.Name, libs)
	}
	if libs[i].ThreadUnsafe != b.Unlocked {
		t.Fatalf("%s: ThreadUnsafe %v, want %v", b.Name, libs[i].ThreadUnsafe, b.Unlocked)
	}
	// Calls through the drop-in into the unsafe build run one at a time;
	// into the safe one, side by side.
	if most := mostInFlight(); (most == 1) != b.Unlocked {
		t.Errorf("%s: at most %d calls through the drop-in ran at once; want 1: %v", b.Name, most, b.Unlocked)
	}
	calls, plain := 0, int64(0)
	for calls < raceCap && plain < raceShown {
		plain += wrongProducts(netlib.Implementation{}, raceBatch)
		calls += raceBatch
	}
	t.Logf("figures: %s, plain netlib: %d wrong of %d products (%d goroutines)", b.Name, plain, calls*raceGoroutines, raceGoroutines)
	if !b.Unlocked {
		if plain != 0 {
			t.Errorf("%s is reported safe from several threads, but plain netlib got %d wrong products", b.Name, plain)
		}
		if _, ok := blasctl.CallGuard().(*sync.Mutex); ok {
			t.Error("the drop-in serializes calls into a build that is safe")
		}
		return
	}
	wrappedCalls := raceCap
	if plain > 0 {
		wrappedCalls = min(max(raceExpected*calls/int(plain), raceCap/4), raceCap)
	} else {
		t.Logf("plain netlib showed no wrong product in %d calls on this machine: the drop-in's 0 proves less", calls*raceGoroutines)
	}
	wrapped := wrongProducts(Wrap(netlib.Implementation{}), wrappedCalls)
	t.Logf("figures: %s, through the drop-in: %d wrong of %d products (%.1f expected at the plain rate)",
		b.Name, wrapped, wrappedCalls*raceGoroutines, float64(plain)*float64(wrappedCalls)/float64(calls))
	if wrapped != 0 {
		t.Errorf("%d products were wrong through the drop-in on %s", wrapped, b.Name)
	}
}

// inFlight is netlib with a Dgemm that counts the calls running at once,
// sleeping inside so that calls not serialized overlap.
type inFlight struct {
	netlib.Implementation
	now, most *atomic.Int64
}

func (f inFlight) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	in := f.now.Add(1)
	for most := f.most.Load(); in > most && !f.most.CompareAndSwap(most, in); most = f.most.Load() {
	}
	time.Sleep(50 * time.Microsecond)
	f.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	f.now.Add(-1)
}

// mostInFlight runs 8 goroutines of 100 products each through the drop-in
// around inFlight and returns the most calls that ran at once.
func mostInFlight() int64 {
	var now, most atomic.Int64
	impl := Wrap(inFlight{now: &now, most: &most})
	a := make([]float64, raceN*raceN)
	var wg sync.WaitGroup
	for range raceGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]float64, raceN*raceN)
			for range 100 {
				impl.Dgemm(blas.NoTrans, blas.NoTrans, raceN, raceN, raceN, 1, a, raceN, a, raceN, 0, c, raceN)
			}
		}()
	}
	wg.Wait()
	return most.Load()
}
