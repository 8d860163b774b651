package blasctl_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
)

// Probes of registered Custom backends that keep their promises: one
// replaced by another, and one driven from every side at once.

// TestProbeCustomReplaced: a Custom backend unregistered and replaced by
// another that claims the same library must hand the library over: reports
// and calls go to the new backend's controls only. (Class: identity by
// address, not by owner.)
func TestProbeCustomReplaced(t *testing.T) {
	if !probeChild(t, "custom", nil) {
		return
	}
	libtest.Open(t, "libm.so.6")
	var callsA atomic.Int64
	reg := func(api string, count int, calls *atomic.Int64) func() {
		unregister, err := blasctl.Register(blasctl.Custom{
			InternalAPI: api, UserAPI: blasctl.UserAPIBLAS, Prefixes: []string{"libm.so"},
			Open: func(sym func(string) uintptr) *blasctl.CustomControl {
				if sym("cos") == 0 {
					return nil
				}
				v := count
				return &blasctl.CustomControl{Scope: blasctl.ScopeProcess,
					Get: func() int { calls.Add(1); return v },
					Set: func(n int) { calls.Add(1); v = n }}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return unregister
	}
	unA := reg("custom-a", 11, &callsA)
	libs, err := blasctl.Select(blasctl.Prefix("libm.so")).Libraries()
	if err != nil || len(libs) != 1 || libs[0].InternalAPI != "custom-a" {
		t.Fatalf("backend A: %+v %v", libs, err)
	}
	unA()
	var callsB atomic.Int64
	unB := reg("custom-b", 22, &callsB)
	defer unB()
	before := callsA.Load()
	libs, err = blasctl.Select(blasctl.Prefix("libm.so")).Libraries()
	if err != nil || len(libs) != 1 || libs[0].InternalAPI != "custom-b" || libs[0].NumThreads != 22 {
		t.Errorf("after replacing A by B: %+v %v", libs, err)
	}
	if err := blasctl.Select(blasctl.Prefix("libm.so")).WithThreads(1, func() {}); err != nil {
		t.Error(err)
	}
	if n := callsA.Load() - before; n != 0 {
		t.Errorf("A's controls were called %d times after A was unregistered", n)
	}
	if callsB.Load() == 0 {
		t.Error("B's controls were never called")
	}
}

// TestProbeCustomChurn drives a registered Custom from every side at once:
// goroutines reporting (Libraries), goroutines in scopes and limits, and a
// goroutine registering and unregistering a second Custom for the same
// library without pause. A CustomControl is promised that blasctl calls
// Get, Set and Threads one at a time: none may overlap another, and the
// count must be back at its start at the end. (Class: a contract that holds
// on one path and not on another.)
func TestProbeCustomChurn(t *testing.T) {
	if !probeChild(t, "custom-churn", nil) {
		return
	}
	path := cfixture.Build(t, "libfoo.so.1", []string{"testdata/fixtures/custom/custom.c"})
	h := libtest.Open(t, path)
	fooGet := bind(t, h, "foo_get_threads")
	start := fooGet()
	var c controlCalls
	unregister, err := blasctl.Register(c.custom("churn-a"))
	if err != nil {
		t.Fatal(err)
	}
	defer unregister()
	sel := blasctl.Select(blasctl.Prefix("libfoo"))
	l := newLoops()
	var reports, scopes, registrations atomic.Int64
	for range 3 {
		l.run(func() {
			if _, err := sel.Libraries(); err != nil {
				t.Error(err)
			}
			reports.Add(1)
		})
		l.run(func() {
			if err := sel.WithThreads(1, func() {}); err != nil {
				t.Error(err)
			}
			scopes.Add(1)
		})
	}
	l.run(func() {
		restore, err := sel.Limit(2)
		if err != nil {
			t.Error(err)
		}
		if err := restore(); err != nil {
			t.Error(err)
		}
	})
	l.run(func() {
		restore, err := blasctl.LimitToGOMAXPROCS()
		if err != nil {
			t.Error(err)
		}
		if err := restore(); err != nil {
			t.Error(err)
		}
	})
	l.run(func() {
		// Registered after churn-a, churn-b never claims the library; it
		// only makes every caller scan again.
		un, err := blasctl.Register(c.custom("churn-b"))
		if err != nil {
			t.Error(err)
			return
		}
		registrations.Add(1)
		un()
	})
	time.Sleep(time.Second)
	l.end()
	t.Logf("figures: %d reports, %d scopes, %d registrations, %d control calls, %d overlapping", reports.Load(), scopes.Load(), registrations.Load(), c.calls.Load(), c.overlaps.Load())
	if n := c.overlaps.Load(); n != 0 {
		t.Errorf("%d calls of the CustomControl overlapped another", n)
	}
	if got := fooGet(); got != start {
		t.Errorf("the count reads %d at the end, want %d", got, start)
	}
}

// controlCalls counts the calls of the CustomControls its Customs open, and
// those that began while another was in flight.
type controlCalls struct{ inFlight, overlaps, calls atomic.Int64 }

// enter counts a call; the returned func ends it.
func (c *controlCalls) enter() func() {
	c.calls.Add(1)
	if c.inFlight.Add(1) > 1 {
		c.overlaps.Add(1)
	}
	return func() { c.inFlight.Add(-1) }
}

// custom is a Custom for the libfoo fixture named api, whose controls c
// counts.
func (c *controlCalls) custom(api string) blasctl.Custom {
	return blasctl.Custom{
		InternalAPI: api, UserAPI: blasctl.UserAPIBLAS, Prefixes: []string{"libfoo"},
		Open: func(sym func(string) uintptr) *blasctl.CustomControl {
			get, set := sym("foo_get_threads"), sym("foo_set_threads")
			if get == 0 || set == 0 {
				return nil
			}
			return &blasctl.CustomControl{Scope: blasctl.ScopeProcess,
				Get:     func() int { defer c.enter()(); return libtest.Get(get) },
				Set:     func(v int) { defer c.enter()(); libtest.Set(set, v) },
				Threads: func() int { defer c.enter()(); return max(libtest.Get(get), 1) }}
		},
	}
}
