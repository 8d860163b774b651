package blasctl_test

import (
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/ebitengine/purego"
)

// Probes of calls into a library its owner unloaded: a scan, a scope or a
// restore must never call code that is no longer mapped.

// scanBeside starts three goroutines that scan without pause, as other
// parts of a program calling Libraries would (each selecting libgomp, so a
// scan covers every loaded object). stop ends them and returns how many
// scans they made.
func scanBeside(t *testing.T) (stop func() int64) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var scans atomic.Int64
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := blasctl.Select(blasctl.Prefix("libgomp")).Libraries(); err != nil {
					t.Error(err)
					return
				}
				scans.Add(1)
			}
		}()
	}
	return func() int64 {
		close(done)
		wg.Wait()
		return scans.Load()
	}
}

// TestProbeUnloadBesideScans: a library its owner dlcloses while other
// goroutines scan must never be called after it left. A scan's own
// RTLD_NOLOAD handle can be the last reference: its dlclose then unmaps the
// library after the listing that found it, and the cached result must not
// outlive that. (Class: calling into unmapped code.)
func TestProbeUnloadBesideScans(t *testing.T) {
	if !probeChild(t, "unload-scan", []string{libgomp, openblasPthread}) {
		return
	}
	libtest.Open(t, libgomp)
	stopScans := scanBeside(t)
	rounds := 0
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); rounds++ {
		h := libtest.Open(t, openblasPthread)
		// Close at varying moments of the scans the load set off, so that
		// some close while a scan holds its own handle to the library.
		time.Sleep(time.Duration(rounds%20) * time.Microsecond)
		if err := purego.Dlclose(h); err != nil {
			t.Fatal(err)
		}
		libs, err := blasctl.Select(blasctl.Prefix("libopenblas")).Libraries()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range libs {
			// Listed only while something still held it; its report was read
			// from mapped code or the process would have crashed.
			if l.NumThreads < 1 {
				t.Errorf("openblas reported %d threads", l.NumThreads)
			}
		}
	}
	scans := stopScans()
	t.Logf("figures: %d load/unload rounds beside %d scans", rounds, scans)
}

// TestProbeUnloadDuringSlowScan widens the window of TestProbeUnloadBesideScans
// so that it is hit every time: a registered Custom whose Open takes 2 ms
// keeps a scanning goroutine's own handle to its library open while the
// owner dlcloses it. The scan's dlclose then unloads the library after the
// listing that found it; a caller that trusted a generation read before the
// scan ended would call the library's getter in unmapped code.
func TestProbeUnloadDuringSlowScan(t *testing.T) {
	if !probeChild(t, "unload-slow-scan", []string{libgomp}) {
		return
	}
	libtest.Open(t, libgomp)
	path := cfixture.Build(t, "libfoo.so.1", []string{"testdata/fixtures/custom/custom.c"})
	unregister, err := blasctl.Register(blasctl.Custom{
		InternalAPI: "slow-foo", UserAPI: blasctl.UserAPIBLAS, Prefixes: []string{"libfoo"},
		Open: func(sym func(string) uintptr) *blasctl.CustomControl {
			get, set := sym("foo_get_threads"), sym("foo_set_threads")
			if get == 0 || set == 0 {
				return nil
			}
			time.Sleep(2 * time.Millisecond)
			return &blasctl.CustomControl{Scope: blasctl.ScopeProcess,
				Get: func() int { return libtest.Get(get) }, Set: func(v int) { libtest.Set(set, v) }}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unregister()
	stopScans := scanBeside(t)
	listed := 0
	for i := range 200 {
		h := libtest.Open(t, path)
		time.Sleep(time.Duration(i%10) * 100 * time.Microsecond) // let a scan take its handle
		if err := purego.Dlclose(h); err != nil {
			t.Fatal(err)
		}
		libs, err := blasctl.Select(blasctl.Prefix("libfoo")).Libraries()
		if err != nil {
			t.Fatal(err)
		}
		listed += len(libs) // reported through its getter: mapped, or we crashed
	}
	stopScans()
	t.Logf("figures: 200 load/unload rounds, the closed library still listed (held by a scan) %d times", listed)
}

// TestProbeUnloadBesideBadCustom: a scan that fails (a registered Custom
// whose Open panics) must still notice the libraries that left: a limit
// held on a library its owner then unloaded must not call it at its
// restore. (Class: calling into unmapped code, on an error path.)
func TestProbeUnloadBesideBadCustom(t *testing.T) {
	if !probeChild(t, "unload-bad-custom", []string{openblasPthread}) {
		return
	}
	libtest.Open(t, "libm.so.6")
	h := libtest.Open(t, openblasPthread)
	ob := blasctl.Select(blasctl.Prefix("libopenblas"))
	restoreLimit := limitElsewhere(t, ob, 1)
	// From here on every scan fails, in a Custom that claims libm.
	unregister, err := blasctl.Register(blasctl.Custom{InternalAPI: "panics", Prefixes: []string{"libm.so"},
		Open: func(func(string) uintptr) *blasctl.CustomControl { panic("boom") }})
	if err != nil {
		t.Fatal(err)
	}
	defer unregister()
	if err := purego.Dlclose(h); err != nil {
		t.Fatal(err)
	}
	if maps, err := os.ReadFile("/proc/self/maps"); err != nil || strings.Contains(string(maps), "openblas-pthread/libopenblas") {
		t.Fatal("OpenBLAS is still mapped after its dlclose: the probe proves nothing")
	}
	if err := restoreLimit(); err != nil {
		t.Errorf("restore of a limit on a library that left: %v", err)
	}
}

// TestProbeLoadStormBesideScopes: the owner of a library loads it, scopes
// and limits it, and unloads it, without pause, some rounds loading it
// again while a limit taken on the first copy is still held; meanwhile
// other goroutines scope, limit and scan another library (libgomp). blasctl
// must never call the library once its owner unloaded it (the process would
// crash), every scope on either library must hold, and every restore must
// succeed. (Class: calling into unmapped code; identity kept across an
// unload.)
func TestProbeLoadStormBesideScopes(t *testing.T) {
	if !probeChild(t, "load-storm", []string{libgomp, openblasPthread}) {
		return
	}
	gomp := libtest.Open(t, libgomp)
	ompGet := libtest.Func(t, gomp, "omp_get_max_threads")
	stopScans := scanBeside(t)
	stopGomp := gompScopesBeside(t, ompGet)
	ob := blasctl.Select(blasctl.Prefix("libopenblas"))
	rounds, reloads := 0, 0
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); rounds++ {
		if stormRound(t, ob, rounds) {
			reloads++
		}
	}
	scopes, limits := stopGomp()
	scans := stopScans()
	t.Logf("figures: %d rounds (%d with a reload under a held limit) beside %d libgomp scopes, %d limits and %d scans", rounds, reloads, scopes, limits, scans)
}

// gompScopesBeside starts two goroutines in WithThreads(1) scopes on
// libgomp without pause, each checking libgomp's count (ompGet) inside, and
// one taking and restoring Limit(1) on it. stop ends them and returns how
// many scopes and limits they made.
func gompScopesBeside(t *testing.T, ompGet uintptr) (stop func() (scopes, limits int64)) {
	gompOnly := blasctl.Select(blasctl.Prefix("libgomp"))
	l := newLoops()
	var scopes, limits atomic.Int64
	for range 2 {
		l.run(func() {
			if err := gompOnly.WithThreads(1, func() {
				if got := libtest.Get(ompGet); got != 1 {
					t.Errorf("libgomp reads %d inside WithThreads(1)", got)
				}
			}); err != nil {
				t.Error(err)
			}
			scopes.Add(1)
		})
	}
	l.run(func() {
		restore, err := gompOnly.Limit(1)
		if err != nil {
			t.Error(err)
		}
		if err := restore(); err != nil {
			t.Error(err)
		}
		limits.Add(1)
	})
	return func() (int64, int64) {
		l.end()
		return scopes.Load(), limits.Load()
	}
}

// stormRound is one round of TestProbeLoadStormBesideScopes: load OpenBLAS,
// scope it, hold a limit on it from another goroutine across its unload
// (and, every other round, across a load of a new copy: reloaded is then
// true), restore the limit, and unload what is left.
func stormRound(t *testing.T, ob *blasctl.Controller, round int) (reloaded bool) {
	h := libtest.Open(t, openblasPthread)
	get := bind(t, h, "openblas_get_num_threads")
	start := get()
	if err := ob.WithThreads(1, func() {
		if got := get(); got != 1 {
			t.Errorf("round %d: OpenBLAS reads %d inside WithThreads(1)", round, got)
		}
	}); err != nil {
		t.Errorf("round %d: %v", round, err)
	}
	// A limit on another goroutine, held across the unload (and, every
	// other round, across a load of a new copy), restored after it.
	restoreLimit := limitElsewhere(t, ob, 1)
	if err := purego.Dlclose(h); err != nil {
		t.Fatal(err)
	}
	reloaded = round%2 == 1
	if reloaded {
		h = libtest.Open(t, openblasPthread)
		get = bind(t, h, "openblas_get_num_threads")
	}
	if err := restoreLimit(); err != nil {
		t.Errorf("round %d: restore after the unload: %v", round, err)
	}
	if reloaded {
		if got := get(); got != start {
			t.Errorf("round %d: the reloaded copy reads %d after the restore, want %d", round, got, start)
		}
		if err := purego.Dlclose(h); err != nil {
			t.Fatal(err)
		}
	}
	return reloaded
}
