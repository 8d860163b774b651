package dyld

import (
	"reflect"
	"testing"

	"github.com/blasctl/blasctl/internal/loader"
)

// TestImages drives the platform-neutral half of macOS detection with a
// fake dyld: names by index, gaps skipped, and a generation that an image
// added during a listing moves past the one the listing returns.
func TestImages(t *testing.T) {
	names := []string{"/usr/lib/libSystem.B.dylib", "", "/opt/homebrew/lib/libopenblas.0.dylib"}
	var l images
	l.count = func() int { return len(names) }
	l.name = func(i int) string {
		if i == 1 {
			// dyld adds an image while the list is read.
			l.added()
		}
		if i >= len(names) {
			return ""
		}
		return names[i]
	}
	l.added()
	l.added()
	objs, gen := l.list()
	var paths []string
	for _, o := range objs {
		paths = append(paths, o.Path)
	}
	if want := []string{names[0], names[2]}; !reflect.DeepEqual(paths, want) {
		t.Errorf("listed %q, want %q", paths, want)
	}
	if gen != (loader.Generation{Adds: 2}) {
		t.Errorf("listing's generation %v, want the one from before it began {2 0}", gen)
	}
	if now := l.generation(); now == gen {
		t.Errorf("an image added during the listing left the generation at %v: the next check would trust a stale list", now)
	}
	l.removed()
	if now := l.generation(); now != (loader.Generation{Adds: 3, Subs: 1}) {
		t.Errorf("after one removal: %v, want {3 1}", now)
	}
}
