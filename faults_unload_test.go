package blasctl_test

import (
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// The fault scenarios in which libraries come and go while blasctl holds
// them: loaded inside a scope, unloaded by their owner, and reloaded at the
// same address.

// faultLoadedInScope: a library dlopen-ed while scopes are active is not
// part of them (its count is untouched until a scope that began after it);
// a nested scope takes it in and gives it back; the outer scopes end cleanly.
func faultLoadedInScope(t *testing.T, fx *faultEnv) {
	path := buildFault(t, "late")
	var late *fixture
	restore, err := blasctl.Limit(2)
	if err != nil {
		t.Fatal(err)
	}
	err = blasctl.WithThreads(1, func() {
		late = openFault(t, path)
		if l, ok := listed(t, path); !ok || l.NumThreads != 4 {
			t.Errorf("a library loaded inside a scope: listed %v, %+v", ok, l)
		}
		if err := blasctl.WithThreads(2, func() {
			if late.threads() != 2 {
				t.Errorf("nested scope: the late library reads %d", late.threads())
			}
		}); err != nil {
			t.Error(err)
		}
		if late.threads() != 4 {
			t.Errorf("after the nested scope the late library reads %d, want 4", late.threads())
		}
	})
	if err != nil {
		t.Error(err)
	}
	if err := restore(); err != nil {
		t.Error(err)
	}
	if late.threads() != 4 || late.setCalls() != 2 {
		t.Errorf("late library: reads %d after %d set calls, want 4 after 2 (the nested scope's)", late.threads(), late.setCalls())
	}
}

// faultUnloaded: the owner dlcloses a library blasctl detected, and one that
// an active scope or limit holds. blasctl must notice before calling into it
// (the code is unmapped: a call would crash the process), skip it, and put
// every other library back.
func faultUnloaded(t *testing.T, fx *faultEnv) {
	good := openFault(t, buildFault(t, "good"))
	closeIt := func(f *fixture) {
		t.Helper()
		if err := libtest.Close(f.handle); err != nil {
			t.Fatal(err)
		}
		if mapped(t, f.path) {
			t.Fatalf("%s still mapped after dlclose: the test proves nothing", f.path)
		}
	}

	// Unloaded after detection, before any scope.
	a := openFault(t, buildFault(t, "unload_a"))
	if _, ok := listed(t, a.path); !ok {
		t.Fatal("fixture a not detected")
	}
	closeIt(a)
	if err := blasctl.WithThreads(1, func() {}); err != nil {
		t.Error(err)
	}

	// Unloaded while a Limit holds it, restore right after (no other call
	// of blasctl in between).
	b := openFault(t, buildFault(t, "unload_b"))
	restore, err := blasctl.Limit(1)
	if err != nil {
		t.Fatal(err)
	}
	if b.threads() != 1 {
		t.Fatalf("limit not applied: %d", b.threads())
	}
	closeIt(b)
	if err := restore(); err != nil {
		t.Errorf("restore after the owner unloaded a held library: %v", err)
	}

	// Unloaded by fn, inside the scope that holds it.
	c := openFault(t, buildFault(t, "unload_c"))
	if err := blasctl.WithThreads(1, func() { closeIt(c) }); err != nil {
		t.Errorf("a scope whose fn unloads a held library: %v", err)
	}

	// Unloaded inside a nested scope: both levels end cleanly.
	d := openFault(t, buildFault(t, "unload_d"))
	if err := blasctl.WithThreads(2, func() {
		if err := blasctl.WithThreads(1, func() { closeIt(d) }); err != nil {
			t.Error(err)
		}
	}); err != nil {
		t.Error(err)
	}
	if good.threads() != 4 {
		t.Errorf("good fixture reads %d after the unloads, want 4", good.threads())
	}
	if l, ok := listed(t, good.path); !ok || l.NumThreads != 4 {
		t.Errorf("good fixture listed %v %+v", ok, l)
	}
}

// faultReloaded: a library unloaded and another loaded in its place (the
// loader tends to reuse the address range) is a new library: reported by its
// own path and controlled through its own functions.
func faultReloaded(t *testing.T, fx *faultEnv) {
	first := openFault(t, buildFault(t, "first"))
	if _, ok := listed(t, first.path); !ok {
		t.Fatal("first fixture not detected")
	}
	if err := libtest.Close(first.handle); err != nil {
		t.Fatal(err)
	}
	second := openFault(t, buildFault(t, "second", "-DSTART=6"))
	if first.get == second.get {
		t.Logf("the second library reuses the first's address %#x", first.get)
	}
	l, ok := listed(t, second.path)
	if !ok || l.NumThreads != 6 {
		t.Errorf("second library: listed %v %+v", ok, l)
	}
	if _, ok := listed(t, first.path); ok {
		t.Error("the unloaded library is still listed")
	}
	if err := blasctl.WithThreads(1, func() {
		if second.threads() != 1 {
			t.Errorf("inside, the second library reads %d", second.threads())
		}
	}); err != nil {
		t.Error(err)
	}
	if second.threads() != 6 {
		t.Errorf("after, the second library reads %d", second.threads())
	}
}
