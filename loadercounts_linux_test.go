//go:build linux

package blasctl

import (
	"testing"

	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/blasctl/blasctl/internal/loader"
)

// TestLoaderCounts: after a load by the program, a scan leaves the cache
// current, at the loader's generation. The loader's counters are read as
// what they count (glibc's loads, musl's opens less blasctl's own), which
// internal/phdr's TestLoaderCounts checks; if blasctl's own opens moved
// the generation, loaded() would scan forever. The musl leg runs both.
func TestLoaderCounts(t *testing.T) {
	gen := func() generation {
		t.Helper()
		g, st := loaderGeneration()
		if st != loader.Counted {
			t.Fatalf("loaderGeneration: %v", st)
		}
		return g
	}
	before := gen()
	// A library no backend knows, loaded as a program would load it.
	path := cfixture.Build(t, "libblasctl_loadercounts.so", []string{"testdata/fixtures/custom/custom.c"})
	libtest.Open(t, path)
	if gen() == before {
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
