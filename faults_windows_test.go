//go:build windows

package blasctl_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
	"golang.org/x/sys/windows"
)

// buildDecoys builds the decoy and the two fixtures whose missing setters
// come from it (faultDecoy). GetProcAddress searches no dependency on
// Windows: a DLL's export table forwards a name to another DLL instead, so
// here the fixtures forward their setters to the decoy's (.def files), and
// the decoy is loaded first so that the forwarders resolve.
func buildDecoys(t *testing.T) (decoy uintptr, half *fixture, gompHalf string) {
	path := cfixture.Build(t, "libdecoy.dll", []string{"testdata/faults/decoy.c"})
	decoy = libtest.Open(t, path)
	half = openFault(t, buildFault(t, "decoyed", "-DNO_SETTER", "testdata/faults/fault_forward.def"))
	gompHalf = cfixture.Build(t, "libgomp_fault_half.dll", []string{"testdata/faults/gomp_half.c", "testdata/faults/gomp_half_forward.def"})
	libtest.Open(t, gompHalf)
	return decoy, half, gompHalf
}

func init() { faultScenarios["ForwardedToUnloaded"] = faultForwardedToUnloaded }

// faultForwardedToUnloaded: a fixture forwards its setter to a DLL that is
// not loaded (but could be: it is in the application's directory). GetProcAddress
// would load that DLL to resolve the name; blasctl must not, so the fixture
// has no setter for it and is not listed. The control: the test's own
// GetProcAddress loads it.
func faultForwardedToUnloaded(t *testing.T, fx *faultEnv) {
	const target = "libblasctl_never_loaded.dll"
	built, err := os.ReadFile(cfixture.Build(t, target, []string{"testdata/faults/decoy.c"}))
	if err != nil {
		t.Fatal(err)
	}
	// The application's directory is searched first for every load
	// (Wine's forwarder loads ignore SetDllDirectory). The copy stays
	// there: a loaded DLL cannot be deleted.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(exe), target), built, 0o755); err != nil {
		t.Fatal(err)
	}
	f := openFault(t, buildFault(t, "forwarded", "-DNO_SETTER", "testdata/faults/unloaded_forward.def"))
	if fwd, ok := cdl.Forwarded(f.handle, "openblas_set_num_threads"); !ok || fwd != "libblasctl_never_loaded.openblas_set_num_threads" {
		t.Fatalf("the fixture's setter is not a forwarder (%q, %v): the test proves nothing", fwd, ok)
	}
	if l, ok := listed(t, f.path); ok {
		t.Errorf("listed through a forwarder to a module not loaded: %+v", l)
	}
	if err := blasctl.WithThreads(1, func() {}); err != nil {
		t.Error(err)
	}
	if cdl.OpenNoLoad(target) != 0 {
		t.Fatalf("%s was loaded by blasctl's lookups", target)
	}
	if _, err := windows.GetProcAddress(windows.Handle(f.handle), "openblas_set_num_threads"); err != nil {
		t.Fatalf("control: GetProcAddress through the forwarder: %v", err)
	}
	if cdl.OpenNoLoad(target) == 0 {
		t.Error("control: GetProcAddress through the forwarder did not load its module: the check proves nothing")
	}
}
