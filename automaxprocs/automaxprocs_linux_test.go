package automaxprocs_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

var openblas = libtest.LibDir + "openblas-pthread/libopenblas.so.0"

// TestStartUp runs this test binary again with OpenBLAS preloaded, as a
// program that links it would have it, and GOMAXPROCS=1: the import must
// have capped it before any test code runs, and logged it.
func TestStartUp(t *testing.T) {
	if _, child := libtest.This(); child {
		libs, err := blasctl.Libraries()
		if err != nil {
			t.Fatal(err)
		}
		if len(libs) != 1 || libs[0].InternalAPI != "openblas" || libs[0].NumThreads != 1 {
			t.Fatalf("GOMAXPROCS=%d, at start-up: %+v", runtime.GOMAXPROCS(0), libs)
		}
		return
	}
	if runtime.GOOS != "linux" || libtest.LibDir == "" {
		t.Skip("the real-library builds are Debian's amd64 and arm64 packages")
	}
	out := libtest.Child{Test: "TestStartUp", Build: libtest.Build{Load: []string{openblas}},
		Env: []string{"LD_PRELOAD=" + openblas, "GOMAXPROCS=1",
			"OPENBLAS_NUM_THREADS=2"}, // above GOMAXPROCS whatever the environment says
	}.Run(t)
	if want := "threads 2 -> 1 to match GOMAXPROCS=1"; !strings.Contains(out, want) {
		t.Errorf("child did not log %q:\n%s", want, out)
	}
}
