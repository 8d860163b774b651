package blasctl_test

import (
	"errors"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
)

// Fault injection: C fixtures from testdata/faults that look like OpenBLAS
// (so the detector takes them) but misbehave, each loaded next to the real
// libgomp in a child process of its own. Every scenario checks that blasctl
// answers with a clear error or the documented behaviour, never crashes, and
// puts libgomp's count (and any well-behaved fixture's) back.

// faultScenarios maps a scenario name to its body, run in the child.
var faultScenarios = map[string]func(t *testing.T, fx *faultEnv){
	"IgnoringSetter":        faultIgnore,
	"LyingGetter":           faultLie,
	"ClampingSetter":        faultClamp,
	"MissingSetter":         faultMissing,
	"PartialSymbols":        faultPartial,
	"OddConfig":             faultOddConfig,
	"DecoySymbols":          faultDecoy,
	"LoadedInScope":         faultLoadedInScope,
	"UnloadedByOwner":       faultUnloaded,
	"ReloadedAtSameAddress": faultReloaded,
}

func TestFaults(t *testing.T) {
	if name, ok := libtest.Scenario(); ok {
		body := faultScenarios[name]
		if body == nil {
			t.Fatalf("no fault scenario %q", name)
		}
		fx := newFaultEnv(t)
		body(t, fx)
		fx.checkGomp(t)
		return
	}
	if !libtest.BuildsHere() {
		t.Skip("the fixtures load next to Debian's amd64 or arm64 libgomp")
	}
	gomp := libtest.Named(t, "libgomp")[0]
	libtest.RunScenarios(t, slices.Sorted(maps.Keys(faultScenarios)),
		libtest.Build{Load: gomp.Load, Package: gomp.Package}, "TestFaults")
}

// faultEnv is one child's state: the real libgomp, loaded first, with an odd
// count on the test's locked thread.
type faultEnv struct {
	gompGet, gompSet uintptr
	gompStart        int
}

func newFaultEnv(t *testing.T) *faultEnv {
	runtime.LockOSThread() // the child's checks run on one thread; it exits with the child
	h := libtest.Named(t, "libgomp")[0].LoadAll(t)
	fx := &faultEnv{gompGet: libtest.Func(t, h, "omp_get_max_threads"), gompSet: libtest.Func(t, h, "omp_set_num_threads")}
	libtest.Set(fx.gompSet, 3)
	fx.gompStart = libtest.Get(fx.gompGet)
	return fx
}

// checkGomp fails t unless libgomp reads its start value on this thread.
func (fx *faultEnv) checkGomp(t *testing.T) {
	t.Helper()
	if got := libtest.Get(fx.gompGet); got != fx.gompStart {
		t.Errorf("libgomp reads %d on the test thread, want %d: a fault left another library changed", got, fx.gompStart)
	}
}

// fixture is one loaded fault library.
type fixture struct {
	path            string
	handle          uintptr
	get, set, calls uintptr
}

func (f *fixture) threads() int  { return libtest.Get(f.get) }
func (f *fixture) setCalls() int { return libtest.Get(f.calls) }

// buildFault compiles testdata/faults/fault.c as libopenblas_fault_<name>.so
// with the given flags.
func buildFault(t *testing.T, name string, flags ...string) string {
	t.Helper()
	return cfixture.Build(t, "libopenblas_fault_"+name+".so", []string{"testdata/faults/fault.c"}, flags...)
}

// openFault dlopens a fault library privately (RTLD_LOCAL), so that its
// owner's dlclose really unloads it.
func openFault(t *testing.T, path string) *fixture {
	t.Helper()
	h := libtest.OpenLocal(t, path)
	f := &fixture{path: path, handle: h, get: libtest.Func(t, h, "openblas_get_num_threads"), calls: libtest.Func(t, h, "fault_set_calls")}
	f.set = libtest.Sym(h, "openblas_set_num_threads")
	return f
}

// listed returns the reported library loaded from path, if any.
func listed(t *testing.T, path string) (blasctl.Library, bool) {
	t.Helper()
	libs, err := blasctl.Libraries()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(path)
	for _, l := range libs {
		if l.Filepath == want {
			return l, true
		}
	}
	return blasctl.Library{}, false
}

// mapped reports whether the process maps path.
func mapped(t *testing.T, path string) bool { return libtest.Mapped(t, path) }

// faultIgnore: a setter that ignores the value. A scope asking for fewer
// threads than the library keeps fails with ErrNotApplied before fn runs,
// and every other library (libgomp per thread, a good fixture process-wide)
// is put back. A scope asking for more than it keeps is fine: at most n.
func faultIgnore(t *testing.T, fx *faultEnv) {
	good := openFault(t, buildFault(t, "good"))
	bad := openFault(t, buildFault(t, "ignore", "-DFAULT_IGNORE"))
	ran := false
	err := blasctl.WithThreads(1, func() { ran = true })
	var ce *blasctl.CountError
	if !errors.Is(err, blasctl.ErrNotApplied) || !errors.As(err, &ce) || ran {
		t.Fatalf("WithThreads(1) with an ignoring setter: err %v, fn ran %v", err, ran)
	}
	if want, _ := filepath.EvalSymlinks(bad.path); ce.Library.Filepath != want || ce.Wanted != 1 || ce.Got != 4 {
		t.Errorf("error names %s wanted %d got %d; want %s 1 4", ce.Library.Filepath, ce.Wanted, ce.Got, want)
	}
	if good.threads() != 4 || bad.threads() != 4 {
		t.Errorf("after the failed scope: good %d, ignoring %d, want 4 and 4", good.threads(), bad.threads())
	}
	fx.checkGomp(t)

	restore, err := blasctl.Limit(2)
	if !errors.Is(err, blasctl.ErrNotApplied) || restore == nil || restore() != nil {
		t.Errorf("Limit(2) with an ignoring setter: %v", err)
	}
	fx.checkGomp(t)
	if good.threads() != 4 {
		t.Errorf("good fixture reads %d after the failed Limit", good.threads())
	}
	ran = false
	if err := blasctl.WithThreads(6, func() { ran = true }); err != nil || !ran {
		t.Errorf("WithThreads(6) above the ignored count: err %v, ran %v", err, ran)
	}
	if good.threads() != 4 || bad.threads() != 4 {
		t.Errorf("after WithThreads(6): good %d, ignoring %d", good.threads(), bad.threads())
	}
}

// faultLie: a getter that reads one more than was set. Every scope fails with
// ErrNotApplied (the library never reads back n), fn never runs, and the
// other libraries are put back. blasctl writes back what the getter reported,
// so the lying library's stored value moves up by one per failed scope: it
// can only restore what the library tells it.
func faultLie(t *testing.T, fx *faultEnv) {
	good := openFault(t, buildFault(t, "good"))
	liar := openFault(t, buildFault(t, "lie", "-DFAULT_LIE"))
	for _, n := range []int{1, 2, 3} {
		ran := false
		err := blasctl.WithThreads(n, func() { ran = true })
		if !errors.Is(err, blasctl.ErrNotApplied) || ran {
			t.Errorf("WithThreads(%d) with a lying getter: err %v, ran %v", n, err, ran)
		}
		fx.checkGomp(t)
		if good.threads() != 4 {
			t.Errorf("good fixture reads %d after WithThreads(%d)", good.threads(), n)
		}
	}
	if got := liar.threads(); got != 4+1+3 {
		t.Errorf("lying getter reads %d after three failed scopes, want 8 (documented drift)", got)
	}
}

// faultClamp: a setter that stores at most 2. Scopes run (the library reads
// at most n); leaving one fails with ErrNotRestored naming the wanted and the
// read value, after every other library is put back. A panic in fn is
// re-raised even then.
func faultClamp(t *testing.T, fx *faultEnv) {
	good := openFault(t, buildFault(t, "good"))
	clamp := openFault(t, buildFault(t, "clamp", "-DFAULT_CLAMP"))
	inside := 0
	err := blasctl.WithThreads(3, func() { inside = clamp.threads() })
	var ce *blasctl.CountError
	if !errors.Is(err, blasctl.ErrNotRestored) || !errors.As(err, &ce) || ce.Wanted != 4 || ce.Got != 2 {
		t.Fatalf("leaving a scope over a clamping setter: %v", err)
	}
	if inside != 2 {
		t.Errorf("inside WithThreads(3) the clamped library reads %d, want 2", inside)
	}
	fx.checkGomp(t)
	if good.threads() != 4 {
		t.Errorf("good fixture reads %d", good.threads())
	}
	// Now at 2, within the clamp: scopes work again.
	if err := blasctl.WithThreads(1, func() {}); err != nil || clamp.threads() != 2 {
		t.Errorf("scope within the clamp: %v, reads %d", err, clamp.threads())
	}
	// A panic in fn is re-raised after everything is put back.
	func() {
		defer func() {
			if r := recover(); r != "fault panic" {
				t.Errorf("recovered %v, want the panic re-raised", r)
			}
		}()
		_ = blasctl.WithThreads(1, func() { panic("fault panic") })
	}()
	fx.checkGomp(t)
	if good.threads() != 4 || clamp.threads() != 2 {
		t.Errorf("after the panic: good %d clamp %d", good.threads(), clamp.threads())
	}
}

// faultMissing: a library with the getter but no setter is not controllable:
// it is not listed and never called.
func faultMissing(t *testing.T, fx *faultEnv) {
	f := openFault(t, buildFault(t, "nosetter", "-DNO_SETTER"))
	if l, ok := listed(t, f.path); ok {
		t.Errorf("a library without a setter is listed: %+v", l)
	}
	if err := blasctl.WithThreads(1, func() {}); err != nil {
		t.Error(err)
	}
	if f.threads() != 4 {
		t.Errorf("reads %d", f.threads())
	}
}

// faultPartial: only the getter and setter, no config, corename or parallel:
// listed with an empty version and an "unknown" threading layer, treated as
// one process-wide count, and controlled.
func faultPartial(t *testing.T, fx *faultEnv) {
	f := openFault(t, buildFault(t, "noinfo", "-DNO_INFO"))
	l, ok := listed(t, f.path)
	if !ok {
		t.Fatal("a library with getter and setter only is not listed")
	}
	if l.Version != "" || l.ThreadingLayer != "unknown" || l.Scope != blasctl.ScopeProcess || l.NumThreads != 4 {
		t.Errorf("reported %+v", l)
	}
	if err := blasctl.WithThreads(1, func() {
		if f.threads() != 1 {
			t.Errorf("inside reads %d", f.threads())
		}
	}); err != nil {
		t.Error(err)
	}
	if f.threads() != 4 {
		t.Errorf("after reads %d", f.threads())
	}
}

// faultOddConfig: openblas_get_config strings that are empty, one word,
// non-UTF-8 or 10,000 bytes long are read without harm.
func faultOddConfig(t *testing.T, fx *faultEnv) {
	long := "OpenBLAS " + strings.Repeat("9", 10000) + " MAX_THREADS=64"
	cases := []struct{ name, config, version string }{
		{"empty", ``, ""},
		{"word", `OpenBLAS`, ""},
		{"nonutf8", `OpenBLAS 0.3\xff\xfe x`, "0.3\xff\xfe"},
		{"long", long, strings.Repeat("9", 10000)},
		{"other", `NotOpenBLAS 1.0`, ""},
	}
	for _, c := range cases {
		f := openFault(t, buildFault(t, c.name, `-DCONFIG="`+c.config+`"`))
		l, ok := listed(t, f.path)
		if !ok || l.Version != c.version {
			t.Errorf("config %.40q: listed %v, version %.40q, want %.40q", c.config, ok, l.Version, c.version)
		}
	}
	if err := blasctl.WithThreads(1, func() {}); err != nil {
		t.Error(err)
	}
}

// faultDecoy: fixtures that export only part of the controls, linked against
// a decoy library that exports the rest. The decoy's definitions must not be
// bound to them (symbols are taken only from each library's own object), so
// neither is listed and the decoy is never called.
func faultDecoy(t *testing.T, fx *faultEnv) {
	hd, half, gompHalf := buildDecoys(t)
	decoyCalls, decoyGet := libtest.Func(t, hd, "decoy_set_calls"), libtest.Func(t, hd, "openblas_get_num_threads")
	// The decoy is reachable through the fixture's handle: the trap is real.
	if libtest.Sym(half.handle, "openblas_set_num_threads") == 0 {
		t.Fatal("the decoy's setter is not visible through the fixture: the test proves nothing")
	}
	for _, p := range []string{half.path, gompHalf} {
		if l, ok := listed(t, p); ok {
			t.Errorf("bound to a decoy's symbols: %+v", l)
		}
	}
	if err := blasctl.WithThreads(1, func() {}); err != nil {
		t.Error(err)
	}
	if restore, err := blasctl.Limit(1); err != nil {
		t.Error(err)
	} else if err := restore(); err != nil {
		t.Error(err)
	}
	if libtest.Get(decoyCalls) != 0 || libtest.Get(decoyGet) != 77 {
		t.Errorf("the decoy was called: %d set calls, reads %d", libtest.Get(decoyCalls), libtest.Get(decoyGet))
	}
}
