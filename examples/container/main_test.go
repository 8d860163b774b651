//go:build cgo

package main

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestStartUpCap runs this test binary again with GOMAXPROCS=1: the maxprocs
// import must have capped the linked OpenBLAS before any test code runs,
// and logged it.
func TestStartUpCap(t *testing.T) {
	if os.Getenv("CONTAINER_EXAMPLE_CHILD") == "1" {
		if got := openblasThreads(); got != 1 {
			t.Fatalf("GOMAXPROCS=%d, OpenBLAS reads %d at start-up", runtime.GOMAXPROCS(0), got)
		}
		return
	}
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: OpenBLAS already starts with one thread")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStartUpCap$", "-test.v")
	cmd.Env = append(os.Environ(), "CONTAINER_EXAMPLE_CHILD=1", "GOMAXPROCS=1",
		"OPENBLAS_NUM_THREADS=2") // not 1, whatever the environment says
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\nPASS") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if want := "threads 2 -> 1 to match GOMAXPROCS=1"; !strings.Contains(string(out), want) {
		t.Errorf("child did not log %q:\n%s", want, out)
	}
}
