//go:build linux

package blasctl

import (
	"os"
	"testing"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
)

// TestLoaderCounts: the loader's counters are read as what they count. An
// open of blasctl's own (every scan makes some) must leave the generation
// as it was, or loaded() would scan forever (musl's dlpi_adds counts every
// dlopen that succeeds); a load by the program must change it, and after a
// scan the cache must be current. glibc counts loads; the musl leg sets
// BLASCTL_TEST_LIBC=musl and expects musl's kind.
func TestLoaderCounts(t *testing.T) {
	want, libc := countsLoads, "glibc"
	if os.Getenv("BLASCTL_TEST_LIBC") == "musl" {
		want, libc = countsOpens, "musl"
	}
	if got := loaderCounts(); got != want {
		t.Fatalf("the loader's counters read as kind %d, want %d (%s)", got, want, libc)
	}
	gen := func() generation {
		t.Helper()
		g, ok, err := loaderGeneration()
		if err != nil || !ok {
			t.Fatalf("loaderGeneration: ok %v, %v", ok, err)
		}
		return g
	}

	before := gen()
	for range 3 {
		h := cdl.OpenNoLoad("libc.so.6")
		if h == 0 {
			t.Fatal("no handle for the C library")
		}
		cdl.Close(h)
	}
	if after := gen(); after != before {
		t.Errorf("blasctl's own opens moved the generation: %v then %v", before, after)
	}

	// A library no backend knows, loaded as a program would load it.
	path := cfixture.Build(t, "libblasctl_loadercounts.so", []string{"testdata/fixtures/custom/custom.c"})
	libtest.Open(t, path)
	loadedGen := gen()
	if loadedGen == before {
		t.Errorf("a dlopen that loaded %s left the generation at %v", path, before)
	}

	if _, err := loaded(); err != nil {
		t.Fatal(err)
	}
	det.mu.Lock()
	valid, cached := det.valid, det.gen
	det.mu.Unlock()
	if now := gen(); !valid || cached != now {
		t.Errorf("after a scan the cache is valid %v at %v, the loader at %v", valid, cached, now)
	}
}
