package phdr

import (
	"testing"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
	"github.com/blasctl/blasctl/internal/procmaps"
)

// readMaps parses /proc/self/maps, the kernel's independent account of
// what is mapped.
func readMaps(t *testing.T) []procmaps.Object {
	t.Helper()
	objs, err := procmaps.Self()
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// TestListersAgree checks dl_iterate_phdr against /proc/self/maps on every
// architecture: every file-backed object the loader lists is mapped.
func TestListersAgree(t *testing.T) {
	objs, _, st := Loader{}.List(nil)
	if st == loader.Unavailable {
		t.Fatal("no listing")
	}
	inMaps := map[string]bool{}
	for _, o := range readMaps(t) {
		inMaps[o.Path] = true
	}
	n := 0
	for _, o := range objs {
		if len(o.Path) > 0 && o.Path[0] == '/' {
			n++
			if real := cdl.RealPath(o.Path); !inMaps[real] && !inMaps[o.Path] {
				t.Errorf("%s (%s) listed by the loader but not mapped", o.Path, real)
			}
		}
	}
	if n == 0 {
		t.Error("the loader listed no object with a path")
	}
}
