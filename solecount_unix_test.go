//go:build !windows

package blasctl_test

import (
	"errors"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
)

// A scope whose only control is one per-thread count (an OpenMP runtime
// alone in the process) saves, sets and reads it back in one trip into C,
// and restores it in another. These scenarios run that path against a
// per-thread count that misbehaves, each alone in a child process, and
// check the same answers as the fault scenarios that run beside libgomp.
var soleCountScenarios = map[string]struct {
	flag string
	body func(t *testing.T, get func() int)
}{
	"Good": {"", func(t *testing.T, get func() int) {
		var in int
		if err := blasctl.WithThreads(1, func() { in = get() }); err != nil || in != 1 || get() != 3 {
			t.Errorf("WithThreads(1): err %v, inside %d (want 1), after %d (want 3)", err, in, get())
		}
		if err := blasctl.WithThreads(2, func() {
			if err := blasctl.WithThreads(1, func() { in = get() }); err != nil || in != 1 {
				t.Errorf("nested WithThreads(1): err %v, inside %d", err, in)
			}
			in = get()
		}); err != nil || in != 2 || get() != 3 {
			t.Errorf("WithThreads(2) around WithThreads(1): err %v, after the inner one %d (want 2), after %d (want 3)", err, in, get())
		}
	}},
	"IgnoringSetter": {"-DFAULT_IGNORE", func(t *testing.T, get func() int) {
		ran := false
		err := blasctl.WithThreads(1, func() { ran = true })
		var ce *blasctl.CountError
		if !errors.Is(err, blasctl.ErrNotApplied) || !errors.As(err, &ce) || ce.Wanted != 1 || ce.Got != 3 || ran {
			t.Errorf("WithThreads(1) with an ignoring setter: err %v, fn ran %v; want ErrNotApplied, wanted 1, got 3", err, ran)
		}
		if get() != 3 {
			t.Errorf("after the refused scope the count reads %d, want 3", get())
		}
		if err := blasctl.WithThreads(4, func() { ran = true }); err != nil || !ran {
			t.Errorf("WithThreads(4) above the ignored count: err %v, ran %v", err, ran)
		}
	}},
	"LyingGetter": {"-DFAULT_LIE", func(t *testing.T, get func() int) {
		ran := false
		if err := blasctl.WithThreads(1, func() { ran = true }); !errors.Is(err, blasctl.ErrNotApplied) || ran {
			t.Errorf("WithThreads(1) with a lying getter: err %v, fn ran %v", err, ran)
		}
		// blasctl writes back what the getter reported (3 + 1), which
		// reads one more again: the documented drift.
		if got := get(); got != 5 {
			t.Errorf("after the refused scope the lying getter reads %d, want 5", got)
		}
	}},
	"ClampingSetter": {"-DFAULT_CLAMP", func(t *testing.T, get func() int) {
		var in int
		err := blasctl.WithThreads(4, func() { in = get() })
		var ce *blasctl.CountError
		if !errors.Is(err, blasctl.ErrNotRestored) || !errors.As(err, &ce) || ce.Wanted != 3 || ce.Got != 2 || in != 2 {
			t.Errorf("WithThreads(4) with a setter that stores at most 2: err %v, inside %d; want ErrNotRestored, wanted 3, got 2, inside 2", err, in)
		}
	}},
}

func TestSoleThreadCount(t *testing.T) {
	if name, ok := libtest.Scenario(); ok {
		sc, ok := soleCountScenarios[name]
		if !ok {
			t.Fatalf("no scenario %q", name)
		}
		runtime.LockOSThread() // the count is per thread: every read on this one
		var flags []string
		if sc.flag != "" {
			flags = append(flags, sc.flag)
		}
		path := cfixture.Build(t, "libomp_solecount_"+strings.ToLower(name)+".so", []string{"testdata/faults/omp_fault.c"}, flags...)
		get := libtest.Func(t, libtest.OpenLocal(t, path), "omp_get_max_threads")
		libs, err := blasctl.Libraries()
		if err != nil || len(libs) != 1 || libs[0].Scope != blasctl.ScopeThread {
			t.Fatalf("Libraries() = %+v, %v; want the fixture alone, per thread", libs, err)
		}
		sc.body(t, func() int { return libtest.Get(get) })
		return
	}
	libtest.RunScenarios(t, slices.Sorted(maps.Keys(soleCountScenarios)), libtest.Build{}, "TestSoleThreadCount")
}
