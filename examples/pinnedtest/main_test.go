package main

import (
	"os"
	"testing"

	"github.com/blasctl/blasctl/blasctltest"
	"github.com/ebitengine/purego"
)

// threads calls OpenBLAS's own getter, so the test does not take blasctl's
// word for it.
var threads func() int32

func TestMain(m *testing.M) {
	h, err := loadOpenBLAS()
	if err == nil {
		purego.RegisterLibFunc(&threads, h, "openblas_get_num_threads")
	}
	os.Exit(m.Run())
}

func TestPinnedToOneThread(t *testing.T) {
	if threads == nil {
		if os.Getenv("BLASCTL_REQUIRE_LIBS") == "1" {
			t.Fatal("libopenblas.so.0 is not installed")
		}
		t.Skip("libopenblas.so.0 is not installed")
	}
	before := threads()
	t.Run("Pinned", func(t *testing.T) {
		blasctltest.Pin(t, 1) // restored when this subtest ends
		if got := threads(); got != 1 {
			t.Fatalf("pinned to 1, OpenBLAS reads %d", got)
		}
		// ... code under test whose BLAS calls must run single-threaded ...
	})
	if got := threads(); got != before {
		t.Errorf("after the pinned test OpenBLAS reads %d, want %d", got, before)
	}
}
