package blasctl_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// Probes of registered Custom backends that break their promises: an Open
// that returns an unusable control or panics, and controls that panic.

// TestProbeBadCustom: a Custom whose Open returns an unusable control, or
// panics, is a clear error from the call that meets it, and leaves blasctl
// working once it is unregistered. (Class: silent acceptance of bad input.)
func TestProbeBadCustom(t *testing.T) {
	if !probeChild(t, "bad-custom", nil) {
		return
	}
	libtest.Open(t, "libm.so.6")
	for _, c := range []struct {
		name string
		open func(func(string) uintptr) *blasctl.CustomControl
	}{
		{"nil Get", func(sym func(string) uintptr) *blasctl.CustomControl {
			sym("cos")
			return &blasctl.CustomControl{Scope: blasctl.ScopeProcess, Set: func(int) {}}
		}},
		{"nil Set", func(sym func(string) uintptr) *blasctl.CustomControl {
			sym("cos")
			return &blasctl.CustomControl{Scope: blasctl.ScopeProcess, Get: func() int { return 1 }}
		}},
		{"bad Scope", func(sym func(string) uintptr) *blasctl.CustomControl {
			sym("cos")
			return &blasctl.CustomControl{Scope: "galaxy", Get: func() int { return 1 }, Set: func(int) {}}
		}},
		{"no symbol", func(sym func(string) uintptr) *blasctl.CustomControl {
			return &blasctl.CustomControl{Scope: blasctl.ScopeProcess, Get: func() int { return 1 }, Set: func(int) {}}
		}},
		{"panics", func(sym func(string) uintptr) *blasctl.CustomControl { panic("boom") }},
	} {
		unregister, err := blasctl.Register(blasctl.Custom{InternalAPI: "bad", Prefixes: []string{"libm.so"}, Open: c.open})
		if err != nil {
			t.Fatal(err)
		}
		_, err = blasctl.Libraries()
		if !errors.Is(err, blasctl.ErrBadCustom) || !strings.Contains(err.Error(), `"bad"`) {
			t.Errorf("%s: Libraries returned %v, want ErrBadCustom naming the backend", c.name, err)
		}
		if err := blasctl.WithThreads(1, func() { t.Errorf("%s: fn ran", c.name) }); !errors.Is(err, blasctl.ErrBadCustom) {
			t.Errorf("%s: WithThreads returned %v", c.name, err)
		}
		unregister()
		if _, err := blasctl.Libraries(); err != nil {
			t.Errorf("%s: after unregistering: %v", c.name, err)
		}
	}
}

// TestProbeCustomControlPanics: a CustomControl whose Get, Set or Threads
// panics breaks its promise, but must not break blasctl: the call that meets
// the panic returns an error matching ErrBadCustom instead of panicking, fn
// does not run, every other library's count is put back, and once the
// Custom is unregistered every call works again and leaves every count as
// it found it. (Class: a user's mistake that corrupts blasctl's state.)
func TestProbeCustomControlPanics(t *testing.T) {
	if !probeChild(t, "custom-control-panics", []string{libgomp}) {
		return
	}
	libtest.Open(t, "libm.so.6")
	gomp := libtest.Open(t, libgomp)
	ompGet := bind(t, gomp, "omp_get_max_threads")
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := ompGet()
	for _, which := range []string{"Get", "Set", "Threads"} {
		t.Run(which, func(t *testing.T) { controlPanicsIn(t, which, ompGet, start) })
	}
}

// panickyCustom claims libm with a control whose function which ("Get",
// "Set" or "Threads") panics from the third call of its controls on (after
// the report's), counted over every control it opens.
func panickyCustom(which string) blasctl.Custom {
	calls := 0
	return blasctl.Custom{
		InternalAPI: "panics-in-" + which, Prefixes: []string{"libm.so"},
		Open: func(sym func(string) uintptr) *blasctl.CustomControl {
			if sym("cos") == 0 {
				return nil
			}
			v := 4
			boom := func(name string) {
				calls++
				if name == which && calls > 2 { // after the report's
					panic("boom in " + name)
				}
			}
			return &blasctl.CustomControl{Scope: blasctl.ScopeProcess,
				Get:     func() int { boom("Get"); return v },
				Set:     func(n int) { boom("Set"); v = n },
				Threads: func() int { boom("Threads"); return v }}
		},
	}
}

// callRecovering returns fn's error, and fails t if fn panics.
func callRecovering(t *testing.T, what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v", what, r)
			err = errors.New("panicked")
		}
	}()
	return fn()
}

// controlPanicsIn is one subtest of TestProbeCustomControlPanics: the
// control's which panics; libgomp (ompGet) reads start on this thread.
func controlPanicsIn(t *testing.T, which string, ompGet func() int, start int) {
	unregister, err := blasctl.Register(panickyCustom(which))
	if err != nil {
		t.Fatal(err)
	}
	defer unregister()
	if _, err := blasctl.Libraries(); err != nil {
		t.Fatalf("Libraries before any panic: %v", err)
	}
	for i := range 3 {
		err := callRecovering(t, "WithThreads", func() error {
			return blasctl.WithThreads(1, func() {
				if i > 0 { // the first may meet the panic at its restore
					t.Errorf("fn ran with a panicking %s", which)
				}
			})
		})
		if !errors.Is(err, blasctl.ErrBadCustom) {
			t.Errorf("WithThreads %d: %v, want ErrBadCustom", i, err)
		}
		if got := ompGet(); got != start {
			t.Errorf("WithThreads %d left libgomp at %d, want %d", i, got, start)
		}
	}
	if _, err := blasctl.Libraries(); !errors.Is(err, blasctl.ErrBadCustom) || !strings.Contains(err.Error(), "panics-in-"+which) {
		t.Errorf("Libraries after the panic: %v, want ErrBadCustom naming the backend", err)
	}
	unregister()
	for _, n := range []int{1, 2} {
		if err := callRecovering(t, "WithThreads after unregister", func() error {
			return blasctl.WithThreads(n, func() {
				if got := ompGet(); got != min(n, max(runtime.NumCPU(), start)) {
					t.Errorf("after unregister, WithThreads(%d) reads %d", n, got)
				}
			})
		}); err != nil {
			t.Errorf("after unregister: %v", err)
		}
		if got := ompGet(); got != start {
			t.Errorf("after unregister, WithThreads(%d) left libgomp at %d, want %d", n, got, start)
		}
	}
}
