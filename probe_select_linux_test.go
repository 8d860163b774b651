package blasctl_test

import (
	"errors"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// Probes of filters that can match nothing: an error from every call,
// never a silent "nothing selected, nothing limited".

// TestProbeSelectFilters: a filter that can match nothing is an error from
// every call, never a silent "nothing selected, nothing limited"; names
// match without regard to case. (Class: silent acceptance of bad input.)
func TestProbeSelectFilters(t *testing.T) {
	if !probeChild(t, "select", []string{libgomp}) {
		return
	}
	libtest.Open(t, libgomp)
	for _, f := range []blasctl.Filter{{}, blasctl.UserAPI("cuda"), blasctl.InternalAPI("nope"), blasctl.Prefix("")} {
		c := blasctl.Select(blasctl.UserAPI("openmp"), f)
		if _, err := c.Libraries(); !errors.Is(err, blasctl.ErrInvalidFilter) {
			t.Errorf("%+v: Libraries returned %v, want ErrInvalidFilter", f, err)
		}
		if err := c.WithThreads(1, func() { t.Errorf("%+v: fn ran", f) }); !errors.Is(err, blasctl.ErrInvalidFilter) {
			t.Errorf("%+v: WithThreads returned %v", f, err)
		}
		restore, err := c.Limit(1)
		if !errors.Is(err, blasctl.ErrInvalidFilter) || restore == nil || restore() != nil {
			t.Errorf("%+v: Limit returned %v", f, err)
		}
		if _, err := c.Snapshot(); !errors.Is(err, blasctl.ErrInvalidFilter) {
			t.Errorf("%+v: Snapshot returned %v", f, err)
		}
	}
	for _, pair := range [][2]blasctl.Filter{
		{blasctl.UserAPI("openmp"), blasctl.UserAPI("OpenMP")},
		{blasctl.InternalAPI("openmp"), blasctl.InternalAPI("OPENMP")},
		{blasctl.Prefix("libgomp"), blasctl.Prefix("LibGOMP")},
	} {
		a, errA := blasctl.Select(pair[0]).Libraries()
		b, errB := blasctl.Select(pair[1]).Libraries()
		if errA != nil || errB != nil || len(a) != 1 || len(b) != 1 || a[0].Filepath != b[0].Filepath {
			t.Errorf("%+v and %+v select %v (%v) and %v (%v)", pair[0], pair[1], a, errA, b, errB)
		}
	}
	if libs, err := blasctl.Select(blasctl.UserAPI("blas")).Libraries(); err != nil || len(libs) != 0 {
		t.Errorf("a known API with nothing loaded: %v %v, want no library and no error", libs, err)
	}
}

// TestProbeSelectFiltersNothingLoaded checks that an invalid filter is
// reported also in a process with no library loaded, where detection never
// changes, and that Register and its unregister make an API name valid and
// invalid again for a Controller made before.
func TestProbeSelectFiltersNothingLoaded(t *testing.T) {
	if !probeChild(t, "select-none", nil) {
		return
	}
	if libs, err := blasctl.Libraries(); err != nil || len(libs) != 0 {
		t.Fatalf("the child loads no library, yet Libraries returned %v, %v", libs, err)
	}
	for _, f := range []blasctl.Filter{{}, blasctl.UserAPI("cuda"), blasctl.InternalAPI("nope"), blasctl.Prefix("")} {
		c := blasctl.Select(f)
		for i := 0; i < 2; i++ { // the second call reuses the first's detection
			if _, err := c.Libraries(); !errors.Is(err, blasctl.ErrInvalidFilter) {
				t.Errorf("%+v, call %d: Libraries returned %v, want ErrInvalidFilter", f, i+1, err)
			}
			if err := c.WithThreads(1, func() { t.Errorf("%+v: fn ran", f) }); !errors.Is(err, blasctl.ErrInvalidFilter) {
				t.Errorf("%+v, call %d: WithThreads returned %v, want ErrInvalidFilter", f, i+1, err)
			}
		}
	}
	c := blasctl.Select(blasctl.UserAPI("probeapi"))
	if _, err := c.Libraries(); !errors.Is(err, blasctl.ErrInvalidFilter) {
		t.Fatalf("an unknown user API before Register: %v, want ErrInvalidFilter", err)
	}
	unregister, err := blasctl.Register(blasctl.Custom{
		InternalAPI: "probe-none", UserAPI: "probeapi", Prefixes: []string{"libprobe-none"},
		Open: func(func(string) uintptr) *blasctl.CustomControl { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if libs, err := c.Libraries(); err != nil || len(libs) != 0 {
		t.Errorf("after Register: %v, %v, want no library and no error", libs, err)
	}
	unregister()
	if _, err := c.Libraries(); !errors.Is(err, blasctl.ErrInvalidFilter) {
		t.Errorf("after unregister: %v, want ErrInvalidFilter", err)
	}
}
