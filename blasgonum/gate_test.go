package blasgonum

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blasctl/blasctl"
)

// insideGate is how many goroutines the gate counts inside.
func insideGate() int { return gate.inside() }

// gateOpenL1 lets every Level 1 call with a length pass the gate until
// the test ends (from minWork1 they do; below it they go straight through).
func gateOpenL1(t *testing.T) {
	w1 := minWork1
	minWork1 = 0
	t.Cleanup(func() { minWork1 = w1 })
}

// scalarOnly are the Level 1 methods without a length: they never reach
// the library's threads and skip the gate at every size.
func scalarOnly(name string) bool {
	return strings.HasSuffix(name, "rotg") || strings.HasSuffix(name, "rotmg")
}

// smallL1 are Level 1 methods that go straight through at a length of 16.
var smallL1 = map[string]bool{
	"Daxpy": true, "Ddot": true, "Dnrm2": true, "Dasum": true, "Dscal": true, "Idamax": true,
	"Scopy": true, "Sdsdot": true, "Zdotc": true, "Zdscal": true, "Cswap": true, "Drotm": true,
}

// TestEveryCallPassesTheGate calls every method of the wrapper, small and
// large, and checks that the gate counts the call inside while the wrapped
// method runs, and empty after it; a Level 1 call of a length below
// minWork1 goes straight through.
func TestEveryCallPassesTheGate(t *testing.T) {
	genericRules(t) // TestOpenBLASCutoffs: the calls that skip the gate on OpenBLAS
	rec := &recorder{probe: insideGate}
	w := Wrap(fake{rec})
	callAll(t, w, 16)
	calls, readings := rec.take()
	for i, name := range calls {
		if smallL1[name] && readings[i] != 0 {
			t.Errorf("dims 16: %s ran with %d goroutines inside the gate, want it straight through", name, readings[i])
		}
	}
	gateOpenL1(t)
	for _, dim := range []int{0, 1 << 9} {
		callAll(t, w, dim)
		calls, readings := rec.take()
		for i, name := range calls {
			if scalarOnly(name) {
				continue
			}
			if readings[i] < 1 {
				t.Errorf("dims %d: %s ran with %d goroutines inside the gate, want it counted", dim, name, readings[i])
			}
		}
		if n := insideGate(); n != 0 {
			t.Errorf("dims %d: %d goroutines inside the gate after the calls, want 0", dim, n)
		}
	}
}

// blocker is a BLAS whose Daxpy counts the goroutines inside it, keeps
// the largest count, and waits for release to close.
type blocker struct {
	fake
	in, most *atomic.Int32
	release  chan struct{}
}

func (b blocker) Daxpy(n int, alpha float64, x []float64, incX int, y []float64, incY int) {
	now := b.in.Add(1)
	for m := b.most.Load(); now > m && !b.most.CompareAndSwap(m, now); m = b.most.Load() {
	}
	<-b.release
	b.in.Add(-1)
}

func newBlocker() blocker {
	return blocker{in: new(atomic.Int32), most: new(atomic.Int32), release: make(chan struct{})}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestGateCapsCalls starts 64 goroutines calling a wrapped Daxpy that
// blocks, with GOMAXPROCS 2: 2 get in, the others wait, and once released
// every call completes and the gate is empty. A goroutine inside a blasctl
// scope goes in over the cap, and takes none of its places; raising
// GOMAXPROCS to 4 lets 2 more in.
func TestGateCapsCalls(t *testing.T) {
	gateOpenL1(t) // Daxpy of length 1 passes the gate
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	gate.refresh()
	b := newBlocker()
	w := Wrap(b)
	const callers = 64
	var done sync.WaitGroup
	for range callers {
		done.Go(func() { w.Daxpy(1, 1, nil, 1, nil, 1) })
	}
	waitFor(t, "2 goroutines inside", func() bool { return b.in.Load() == 2 })
	waitFor(t, "the others queued", func() bool { return gate.waiters.Load() == callers-2 })
	time.Sleep(20 * time.Millisecond)
	if got := b.in.Load(); got != 2 {
		t.Fatalf("%d goroutines inside the wrapped implementation with GOMAXPROCS 2, want 2", got)
	}

	// Inside a scope of its own, a goroutine never waits at the gate.
	inScope := make(chan error, 1)
	go func() {
		inScope <- blasctl.WithThreads(1, func() { w.Daxpy(1, 1, nil, 1, nil, 1) })
	}()
	waitFor(t, "the goroutine in a scope inside", func() bool { return b.in.Load() == 3 })

	// A raised GOMAXPROCS lets 2 more in, at the next call that finds the
	// gate full.
	runtime.GOMAXPROCS(4)
	done.Go(func() { w.Daxpy(1, 1, nil, 1, nil, 1) })
	waitFor(t, "4 goroutines inside besides the one in a scope", func() bool { return b.in.Load() == 5 })
	time.Sleep(20 * time.Millisecond)
	if got := b.in.Load(); got != 5 {
		t.Fatalf("%d goroutines inside the wrapped implementation with GOMAXPROCS 4 and one in a scope, want 5", got)
	}

	close(b.release)
	done.Wait()
	if err := <-inScope; err != nil {
		t.Fatal(err)
	}
	if got := b.most.Load(); got != 5 {
		t.Errorf("at most %d goroutines inside at once, want 5", got)
	}
	if n, q := insideGate(), gate.waiters.Load(); n != 0 || q != 0 {
		t.Errorf("after every call: %d inside the gate and %d waiting, want 0 and 0", n, q)
	}
}

// TestGateLendsAPlace: with GOMAXPROCS 2 one goroutine enters the gate
// twice in a row, so that the second time its own P's shard is full (its
// one place taken by the first): it takes the other shard's place instead
// of waiting. A third entry, with both places taken, waits until one of
// them leaves.
func TestGateLendsAPlace(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	gate.refresh()
	receive := func(what string, ch chan *gateShard) *gateShard {
		t.Helper()
		select {
		case s := <-ch:
			return s
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for %s", what)
			return nil
		}
	}
	twice := make(chan *gateShard, 2)
	go func() {
		twice <- gate.enter()
		twice <- gate.enter()
	}()
	first, second := receive("the first entry", twice), receive("the second entry: a full shard did not lend another's place", twice)
	if first == second {
		t.Fatalf("both entries took the same shard, whose share of GOMAXPROCS 2 is %d place", first.places.Load())
	}
	third := make(chan *gateShard, 1)
	go func() { third <- gate.enter() }()
	waitFor(t, "the third entry queued", func() bool { return gate.waiters.Load() == 1 })
	if n := insideGate(); n != 2 {
		t.Fatalf("%d inside the gate with the third entry waiting, want 2", n)
	}
	gate.exit(first)
	last := receive("the third entry after a place was freed", third)
	gate.exit(second)
	gate.exit(last)
	if n, q := insideGate(), gate.waiters.Load(); n != 0 || q != 0 {
		t.Errorf("after every exit: %d inside the gate and %d waiting, want 0 and 0", n, q)
	}
}

// panicker is a BLAS whose Daxpy panics, as gonum's do on bad arguments.
type panicker struct{ fake }

func (panicker) Daxpy(n int, alpha float64, x []float64, incX int, y []float64, incY int) {
	panic("blas: bad argument")
}

// TestGatePanic: a call that panics leaves the gate.
func TestGatePanic(t *testing.T) {
	gateOpenL1(t) // Daxpy of length 1 passes the gate
	w := Wrap(panicker{})
	for range 100 {
		func() {
			defer func() {
				if r := recover(); r != "blas: bad argument" {
					t.Fatalf("recovered %v", r)
				}
			}()
			w.Daxpy(1, 1, nil, 1, nil, 1)
		}()
	}
	if n := insideGate(); n != 0 {
		t.Errorf("%d goroutines inside the gate after 100 panics, want 0", n)
	}
}

// TestGateMany runs 1000 goroutines each making 200 small calls through
// the gate, with GOMAXPROCS 2: every call completes, at most 2 are inside
// the wrapped implementation at once (no goroutine here is in a scope),
// and the gate ends empty.
func TestGateMany(t *testing.T) {
	gateOpenL1(t) // Daxpy of length 1 passes the gate
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	gate.refresh()
	var in, most, calls atomic.Int32
	w := Wrap(counting{in: &in, most: &most, calls: &calls})
	var done sync.WaitGroup
	for range 1000 {
		done.Go(func() {
			for range 200 {
				w.Dscal(1, 1, nil, 1)
			}
		})
	}
	done.Wait()
	if got := calls.Load(); got != 200_000 {
		t.Errorf("%d calls reached the wrapped implementation, want 200000", got)
	}
	if got := most.Load(); got > 2 {
		t.Errorf("%d goroutines inside at once with GOMAXPROCS 2, want at most 2", got)
	}
	if n, q := insideGate(), gate.waiters.Load(); n != 0 || q != 0 {
		t.Errorf("after every call: %d inside the gate and %d waiting, want 0 and 0", n, q)
	}
}

// counting is a BLAS whose Dscal counts its calls and the goroutines
// inside it, and yields once inside.
type counting struct {
	fake
	in, most, calls *atomic.Int32
}

func (c counting) Dscal(n int, alpha float64, x []float64, incX int) {
	now := c.in.Add(1)
	for m := c.most.Load(); now > m && !c.most.CompareAndSwap(m, now); m = c.most.Load() {
	}
	c.calls.Add(1)
	runtime.Gosched()
	c.in.Add(-1)
}
