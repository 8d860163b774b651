package blasctl_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
)

// TestFixtureLibraries runs the same suite as TestRealLibraries against the
// C fixtures of the vendor libraries Debian does not ship, one child process
// each, and then the checks particular to each fixture.
func TestFixtureLibraries(t *testing.T) {
	if f, ok := libtest.CurrentFixture(); ok {
		fixtureChild(t, f)
		return
	}
	if !libtest.FixturesSupported() {
		t.Skip("fixtures are ELF shared libraries or Windows DLLs")
	}
	for _, f := range libtest.Fixtures {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			path := cfixture.Build(t, f.File, f.Sources, f.Flags...)
			b := f.Build
			b.Load = append(slices.Clone(f.Before), path)
			libtest.RunChild(t, b, "TestFixtureLibraries")
		})
	}
}

func fixtureChild(t *testing.T, f libtest.Fixture) {
	if f.Name == "fixture-custom" {
		unregister := registerFoo(t)
		defer unregister()
	}
	realSuite(t, f.Build)
	h := libtest.Open(t, f.Load[len(f.Load)-1])
	t.Run("NoCallOutsideTheAPI", func(t *testing.T) {
		p := libtest.Sym(h, "fixture_bad_calls")
		if p == 0 {
			t.Skip("this fixture records no calls")
		}
		if n := libtest.Get(p); n != 0 {
			t.Errorf("blasctl made %d calls outside the vendor's documented domain", n)
		}
	})
	switch f.InternalAPI {
	case "flexiblas":
		flexiblasChecks(t, h, f.Load[len(f.Load)-1])
	case "blastrampoline":
		t.Run("Forwarded", func(t *testing.T) {
			l := only(t, "blastrampoline")
			want := []string{"/opt/fixture/libopenblas64_.so", "/opt/fixture/libmkl_rt.so"}
			if l.Forwarded == nil || !l.Forwarded.Known || !slices.Equal(l.Forwarded.Libraries, want) {
				t.Errorf("forwarded %+v, want %v", l.Forwarded, want)
			}
			js := jsonKeys(t, l)
			if got, _ := js["forwarded_libraries"].([]any); len(got) != 2 || got[0] != want[0] {
				t.Errorf("JSON forwarded_libraries %v", js["forwarded_libraries"])
			}
		})
	case "accelerate":
		t.Run("ModelsOnly", func(t *testing.T) {
			get := libtest.Func(t, h, "BLASGetThreading")
			if err := blasctl.WithThreads(1, func() {
				if m := libtest.Get(get); m != 1 {
					t.Errorf("WithThreads(1) left model %d, want SINGLE_THREADED (1)", m)
				}
			}); err != nil {
				t.Fatal(err)
			}
			if m := libtest.Get(get); m != 0 {
				t.Errorf("after the scope model %d, want MULTI_THREADED (0)", m)
			}
		})
	}
}

// only returns the one library of internal API api.
func only(t *testing.T, api string) blasctl.Library {
	t.Helper()
	libs, err := blasctl.Select(blasctl.InternalAPI(api)).Libraries()
	if err != nil || len(libs) != 1 {
		t.Fatalf("want one %s: %v %+v", api, err, libs)
	}
	return libs[0]
}

func jsonKeys(t *testing.T, l blasctl.Library) map[string]any {
	t.Helper()
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func flexiblasChecks(t *testing.T, h uintptr, path string) {
	t.Run("Backends", func(t *testing.T) {
		l := only(t, "flexiblas")
		fi := l.FlexiBLAS
		if fi == nil || fi.CurrentBackend != "OPENBLAS" ||
			!slices.Equal(fi.AvailableBackends, []string{"NETLIB", "OPENBLAS"}) ||
			!slices.Equal(fi.LoadedBackends, []string{"OPENBLAS"}) {
			t.Fatalf("FlexiBLAS info %+v", fi)
		}
		js := jsonKeys(t, l)
		if js["current_backend"] != "OPENBLAS" || js["available_backends"] == nil || js["loaded_backends"] == nil {
			t.Errorf("JSON lacks the FlexiBLAS keys: %v", js)
		}
		if _, ok := jsonKeys(t, blasctl.Library{})["current_backend"]; ok {
			t.Error("a library other than FlexiBLAS has FlexiBLAS keys")
		}
	})
	t.Run("AliasesNotTaken", func(t *testing.T) {
		// A file named like OpenBLAS that sees FlexiBLAS's openblas_* aliases
		// only through its dependency.
		alias := cfixture.Build(t, "libopenblas.so.0", []string{"testdata/fixtures/flexiblas/openblas_alias.c", path})
		libtest.Open(t, alias)
		libs, err := blasctl.Libraries()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range libs {
			if l.InternalAPI == "openblas" || l.InternalAPI == "mkl" || l.InternalAPI == "blis" {
				t.Errorf("FlexiBLAS's aliases taken for %s: %+v", l.InternalAPI, l)
			}
		}
		if n := libtest.Get(libtest.Func(t, h, "fixture_alias_calls")); n != 0 {
			t.Errorf("blasctl called FlexiBLAS's vendor-named aliases %d times", n)
		}
	})
	t.Run("Switch", func(t *testing.T) {
		start := only(t, "flexiblas").NumThreads
		if err := blasctl.WithThreads(1, func() {
			if err := blasctl.SwitchFlexiBLASBackend("NETLIB"); !errors.Is(err, blasctl.ErrInUse) {
				t.Errorf("switch inside a scope: %v, want ErrInUse", err)
			}
		}); err != nil {
			t.Fatal(err)
		}
		if err := blasctl.SwitchFlexiBLASBackend("netlib"); err != nil {
			t.Fatal(err)
		}
		l := only(t, "flexiblas")
		if l.FlexiBLAS.CurrentBackend != "NETLIB" || !slices.Equal(l.FlexiBLAS.LoadedBackends, []string{"OPENBLAS", "NETLIB"}) || l.NumThreads != 1 {
			t.Errorf("after switch: %+v %+v", l, l.FlexiBLAS)
		}
		for _, bad := range []string{"NOSUCH", "/nonexistent/libfoo.so"} {
			if err := blasctl.SwitchFlexiBLASBackend(bad); err == nil {
				t.Errorf("switch to %q succeeded", bad)
			}
		}
		if only(t, "flexiblas").FlexiBLAS.CurrentBackend != "NETLIB" {
			t.Error("a failed switch changed the backend")
		}
		if err := blasctl.SwitchFlexiBLASBackend("OPENBLAS"); err != nil {
			t.Fatal(err)
		}
		if l := only(t, "flexiblas"); l.FlexiBLAS.CurrentBackend != "OPENBLAS" || l.NumThreads != start {
			t.Errorf("switched back: %+v", l)
		}
	})
}

// registerFoo registers the custom fixture's library, as a user would.
func registerFoo(t *testing.T) func() {
	t.Helper()
	unregister, err := blasctl.Register(blasctl.Custom{
		InternalAPI: "foo", UserAPI: blasctl.UserAPIBLAS, Prefixes: []string{"libfoo"},
		Open: func(sym func(string) uintptr) *blasctl.CustomControl {
			get, set, inUse := sym("foo_get_threads"), sym("foo_set_threads"), sym("foo_threads_in_use")
			if get == 0 || set == 0 || inUse == 0 {
				return nil
			}
			return &blasctl.CustomControl{
				Scope:   blasctl.ScopeProcess,
				Get:     func() int { return libtest.Get(get) },
				Set:     func(v int) { libtest.Set(set, v) },
				Threads: func() int { return libtest.Get(inUse) },
				Version: "1.0",
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blasctl.Register(blasctl.Custom{InternalAPI: "foo", Prefixes: []string{"libbar"},
		Open: func(func(string) uintptr) *blasctl.CustomControl { return nil }}); err == nil {
		t.Error("a second backend named foo was accepted")
	}
	if _, err := blasctl.Register(blasctl.Custom{InternalAPI: "openblas", Prefixes: []string{"libx"},
		Open: func(func(string) uintptr) *blasctl.CustomControl { return nil }}); err == nil {
		t.Error("a backend named like a built-in one was accepted")
	}
	return unregister
}

// mixedOpenMPAfter checks that MixedOpenMP finds nothing before load runs,
// and returns what it finds after (TestMixedOpenMP, TestMixedOpenMPWindows).
func mixedOpenMPAfter(t *testing.T, load func()) []blasctl.Library {
	t.Helper()
	libs, err := blasctl.Libraries()
	if err != nil {
		t.Fatal(err)
	}
	if m := blasctl.MixedOpenMP(libs); m != nil {
		t.Fatalf("mixed before loading: %+v", m)
	}
	load()
	if libs, err = blasctl.Libraries(); err != nil {
		t.Fatal(err)
	}
	return blasctl.MixedOpenMP(libs)
}
