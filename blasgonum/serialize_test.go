//go:build cgo && linux

package blasgonum

import (
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

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

// TestSerializeUnsafeBuild: through the drop-in, 8 goroutines multiplying
// 64 x 64 matrices get no wrong product on Debian's serial OpenBLAS, whose
// concurrent callers race on its buffers: the drop-in serializes its calls
// into it. The same workload through plain netlib is run first, for as
// many calls as it takes to show the library's race on this machine (up to
// a cap): the drop-in then runs at least as many. On the USE_LOCKING build
// blasctl reports the library safe; plain netlib gets no wrong product
// there, which is what that report promises, and the drop-in does not
// serialize.
func TestSerializeUnsafeBuild(t *testing.T) {
	libtest.PerBuild(t, serialBuilds(t), serializeSuite)
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
	// The library's own race, without blasctl: batches until one shows a
	// wrong product, at most raceCap calls per goroutine.
	const batch, raceCap = 2000, 12000
	calls, unwrapped := 0, int64(0)
	for calls < raceCap && unwrapped == 0 {
		unwrapped += wrongProducts(netlib.Implementation{}, batch)
		calls += batch
	}
	t.Logf("figures: %s, plain netlib: %d wrong of %d products (%d goroutines)", b.Name, unwrapped, calls*raceGoroutines, raceGoroutines)
	if !b.Unlocked {
		if unwrapped != 0 {
			t.Errorf("%s is reported safe from several threads, but plain netlib got %d wrong products", b.Name, unwrapped)
		}
		if _, ok := blasctl.CallGuard().(*sync.Mutex); ok {
			t.Error("the drop-in serializes calls into a build that is safe")
		}
		return
	}
	if unwrapped == 0 {
		t.Logf("the library's race showed no wrong product in %d calls on this machine: the drop-in's 0 proves less", calls*raceGoroutines)
	}
	wrapped := wrongProducts(Wrap(netlib.Implementation{}), max(calls, batch*3))
	t.Logf("figures: %s, through the drop-in: %d wrong of %d products", b.Name, wrapped, max(calls, batch*3)*raceGoroutines)
	if wrapped != 0 {
		t.Errorf("%d products were wrong through the drop-in on %s", wrapped, b.Name)
	}
}
