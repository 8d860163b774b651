package phdr

import (
	"os"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/blasctl/blasctl/internal/loader"
)

// TestGenerationCheck checks the assembly callback of the generation check
// against the purego callback, before and after a dlopen.
func TestGenerationCheck(t *testing.T) {
	check := func() loader.Generation {
		t.Helper()
		fast, stFast := rawCheck()
		_, slow, stSlow := walk(true)
		if fast != slow || stFast != stSlow || stFast != loader.Counted {
			t.Fatalf("generation check %v %v, purego callback %v %v", fast, stFast, slow, stSlow)
		}
		return fast
	}
	before := check()
	libtest.Open(t, "libm.so.6")
	gomp := libtest.LibDir + "libgomp.so.1"
	if p := gomp; fileExists(p) {
		libtest.Open(t, p)
	}
	after := check()
	if after == before && !fileExists(gomp) {
		t.Skip("nothing new could be loaded")
	}
	if after.Adds <= before.Adds {
		t.Errorf("adds did not grow over a dlopen: %v then %v", before, after)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
