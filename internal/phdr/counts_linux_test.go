package phdr

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/blasctl/blasctl/internal/loader"
)

// TestLoaderCounts: the loader's counters are read as what they count. An
// open of blasctl's own (every scan makes some) must leave the generation
// as it was, or detection would scan forever (musl's dlpi_adds counts every
// dlopen that succeeds); a load by the program must change it. glibc
// counts loads; the musl leg sets BLASCTL_TEST_LIBC=musl and expects
// musl's kind.
func TestLoaderCounts(t *testing.T) {
	want, libc := countsLoads, "glibc"
	if os.Getenv("BLASCTL_TEST_LIBC") == "musl" {
		want, libc = countsOpens, "musl"
	}
	if got := loaderCounts(); got != want {
		t.Fatalf("the loader's counters read as kind %d, want %d (%s)", got, want, libc)
	}
	gen := func() loader.Generation {
		t.Helper()
		g, st := Loader{}.Check()
		if st != loader.Counted {
			t.Fatalf("Check: status %v", st)
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
	src := filepath.Join(t.TempDir(), "counts.c")
	if err := os.WriteFile(src, []byte("int blasctl_counts_answer(void) { return 3; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := cfixture.Build(t, "libblasctl_loadercounts.so", []string{src})
	libtest.Open(t, path)
	if loaded := gen(); loaded == before {
		t.Errorf("a dlopen that loaded %s left the generation at %v", path, before)
	}
	if _, g, st := (Loader{}).List(nil); st != loader.Counted || g != gen() {
		t.Errorf("the listing's generation %v (%v), the check's %v", g, st, gen())
	}
}
