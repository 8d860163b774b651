package blasctl_test

import (
	"errors"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// The detection and selection half of TestRealLibraries's suite.

// testLateLoad: detection sees a library loaded after the first call, and binds the
// target's getter and setter.
func (tg *target) testLateLoad(t *testing.T) {
	before, err := blasctl.Libraries()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range before {
		if l.InternalAPI == tg.build.InternalAPI {
			t.Fatalf("%s reported before it was loaded: %+v", tg.build.InternalAPI, l)
		}
	}
	tg.handle = tg.build.LoadAll(t)
	tg.probe = libtest.Func(t, tg.handle, tg.build.Probe)
	if tg.build.Setter != "" {
		tg.setter = libtest.Func(t, tg.handle, tg.build.Setter)
	}
	after, err := blasctl.Libraries()
	if err != nil {
		t.Fatal(err)
	}
	tg.find(t, after)
}

// testReport: Libraries reports the layer, scope, count and version the build has.
func (tg *target) testReport(t *testing.T) {
	libs, _ := blasctl.Libraries()
	l := tg.find(t, libs)
	applies := tg.start
	if tg.build.Applies != nil {
		applies = tg.build.Applies(tg.start)
	}
	if l.ThreadingLayer != tg.build.Layer || string(l.Scope) != tg.build.Scope || l.NumThreads != applies {
		t.Errorf("got layer %q scope %q threads %d, want %q %q %d", l.ThreadingLayer, l.Scope, l.NumThreads, tg.build.Layer, tg.build.Scope, applies)
	}
	if tg.build.InternalAPI != "openmp" && !tg.build.NoVersion && l.Version == "" {
		t.Errorf("no version: %+v", l)
	}
	tg.testThreadUnsafe(t, libs)
}

// testSelect: a filter that selects nothing changes nothing, an unknown one is an
// error, and one that selects the library scopes it.
func (tg *target) testSelect(t *testing.T) {
	// A known implementation that is not loaded selects nothing; an
	// unknown name is an error and fn does not run.
	absent := "blastrampoline"
	if tg.build.InternalAPI == absent {
		absent = "nvpl"
	}
	if err := blasctl.Select(blasctl.InternalAPI("no-such-library")).WithThreads(1, func() {
		t.Error("fn ran under an unknown filter")
	}); !errors.Is(err, blasctl.ErrInvalidFilter) {
		t.Errorf("unknown internal API: %v, want ErrInvalidFilter", err)
	}
	other := blasctl.Select(blasctl.InternalAPI(absent))
	if err := other.WithThreads(1, func() {
		if got := tg.threads(); got != tg.start {
			t.Errorf("a scope that selects nothing changed the count to %d", got)
		}
	}); err != nil {
		t.Fatal(err)
	}
	mine := blasctl.Select(blasctl.InternalAPI(tg.build.InternalAPI))
	libs, _ := mine.Libraries()
	tg.find(t, libs)
	if err := mine.WithThreads(1, func() {
		if got := tg.threads(); got != 1 {
			t.Errorf("selected scope reads %d", got)
		}
	}); err != nil {
		t.Fatal(err)
	}
}
