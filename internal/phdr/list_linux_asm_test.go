//go:build linux && (amd64 || arm64)

package phdr

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/blasctl/blasctl/internal/loader"
	"github.com/blasctl/blasctl/internal/procmaps"
)

// inRanges reports whether addr lies in one of the ranges [lo, hi).
func inRanges(ranges [][2]uintptr, addr uintptr) bool {
	for _, r := range ranges {
		if addr >= r[0] && addr < r[1] {
			return true
		}
	}
	return false
}

// loadOddNames compiles a tiny library and dlopens copies of it from a
// directory whose name holds spaces and under long names, so that the
// listing copies names of every length, and returns their paths.
func loadOddNames(t *testing.T) []string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "odd.c")
	if err := os.WriteFile(src, []byte("int blasctl_odd_answer(void) { return 7; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	built := cfixture.Build(t, "libodd.so", []string{src})
	data, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "dir with  spaces", strings.Repeat("d", 200), strings.Repeat("e", 200))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, name := range []string{
		"libodd one.so",
		"libodd-" + strings.Repeat("x", 240) + ".so",
		"libodd-" + strings.Repeat("y", 240) + ".so",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		libtest.Open(t, p)
		paths = append(paths, p)
	}
	return paths
}

// listBoth lists through the assembly callback and the purego callback and
// fails unless they agree on every object, its address ranges and the
// generation.
func listBoth(t *testing.T) []loader.Object {
	t.Helper()
	walker.once.Do(walkerInit)
	if walker.err {
		t.Fatal("no dl_iterate_phdr")
	}
	fast, genFast, stFast := listAsm()
	slow, genSlow, stSlow := walk(false)
	if genFast != genSlow || stFast != stSlow || stFast != loader.Counted {
		t.Errorf("generation: assembly %v %v, purego %v %v", genFast, stFast, genSlow, stSlow)
	}
	if gen, st := rawCheck(); gen != genFast || st != stFast {
		t.Errorf("generation check %v %v, listing %v %v", gen, st, genFast, stFast)
	}
	if len(fast) != len(slow) {
		t.Fatalf("assembly listed %d objects, purego %d", len(fast), len(slow))
	}
	for i := range fast {
		if fast[i].Path != slow[i].Path || !reflect.DeepEqual(fast[i].Segments, slow[i].Segments) {
			t.Errorf("object %d: assembly %q %x, purego %q %x", i, fast[i].Path, fast[i].Segments, slow[i].Path, slow[i].Segments)
		}
	}
	return fast
}

// checkMaps checks that every listed object with a path is mapped, and that
// each of its PT_LOAD ranges starts inside one of that file's mappings.
func checkMaps(t *testing.T, objs []loader.Object) {
	t.Helper()
	mapped := readMaps(t)
	byPath := map[string]*procmaps.Object{}
	for i := range mapped {
		byPath[mapped[i].Path] = &mapped[i]
	}
	n := 0
	for _, o := range objs {
		if !strings.HasPrefix(o.Path, "/") {
			continue
		}
		n++
		m := byPath[o.Path]
		if m == nil {
			m = byPath[cdl.RealPath(o.Path)]
		}
		if m == nil {
			t.Errorf("%s listed by the loader but not mapped", o.Path)
			continue
		}
		if len(o.Segments) == 0 {
			t.Errorf("%s: no PT_LOAD range", o.Path)
		}
		for _, s := range o.Segments {
			page := s[0] &^ 4095
			if !inRanges(m.Segments, page) {
				t.Errorf("%s: PT_LOAD range %x not in its mappings %x", o.Path, s, m.Segments)
			}
		}
	}
	if n == 0 {
		t.Error("the loader listed no object with a path")
	}
}

// TestAsmListing checks the assembly listing against the purego callback
// and /proc/self/maps, before and after dlopening objects with long names
// and a directory name with spaces.
func TestAsmListing(t *testing.T) {
	before := listBoth(t)
	checkMaps(t, before)
	paths := loadOddNames(t)
	after := listBoth(t)
	checkMaps(t, after)
	if len(after) < len(before)+len(paths) {
		t.Errorf("%d objects before, %d after loading %d", len(before), len(after), len(paths))
	}
	listed := map[string]bool{}
	for _, o := range after {
		listed[o.Path] = true
	}
	for _, p := range paths {
		if !listed[p] {
			t.Errorf("%s was loaded but not listed", p)
		}
	}
}

// TestAsmListingOverflow runs the listing over buffers too small for the
// objects, the name bytes and the PT_LOAD ranges: each stops the walk with
// its bit set, and listAsm retries until the list agrees with the
// purego callback's.
func TestAsmListingOverflow(t *testing.T) {
	loadOddNames(t)
	walker.once.Do(walkerInit)
	if walker.err {
		t.Skip("no dl_iterate_phdr")
	}
	for _, c := range []struct {
		sizes phdrSizes
		bit   uint64
	}{
		{phdrSizes{objs: 1, segs: 64, arena: 1 << 20}, phdrFullObjs},
		{phdrSizes{objs: 4096, segs: 1, arena: 1 << 20}, phdrFullSegs},
		{phdrSizes{objs: 4096, segs: 64, arena: 64}, phdrFullArena},
	} {
		walker.mu.Lock()
		objs, _, _, full := listPhdr(phdrBuffer(c.sizes), c.sizes)
		walker.mu.Unlock()
		if full != c.bit || objs != nil {
			t.Errorf("sizes %+v: overflow %b, %d objects; want overflow %b", c.sizes, full, len(objs), c.bit)
		}
	}

	walker.mu.Lock()
	saved := lister
	lister.sizes = phdrSizes{objs: 1, segs: 1, arena: 1}
	lister.buf = phdrBuffer(lister.sizes)
	lister.retries = 0
	walker.mu.Unlock()
	defer func() {
		walker.mu.Lock()
		lister = saved
		walker.mu.Unlock()
	}()
	listBoth(t)
	walker.mu.Lock()
	retries, sizes := lister.retries, lister.sizes
	walker.mu.Unlock()
	if retries < 3 {
		t.Errorf("%d retries from a one-object, one-range, one-byte buffer to %+v", retries, sizes)
	}
}

// TestNoGoUnderLoaderLock checks that both the listing and the generation
// check go through the leaf assembly callback, and that Loader's List and
// Check never reach the purego callback, which is Go code run while
// dl_iterate_phdr holds the loader lock: a goroutine there can wait for
// the scheduler while every dlopen and dlclose of the process waits for
// it.
func TestNoGoUnderLoaderLock(t *testing.T) {
	if asm.list == nil || asm.check == nil {
		t.Fatalf("assembly listing %v, check %v: the purego callback runs under the loader lock", asm.list != nil, asm.check != nil)
	}
	walker.once.Do(walkerInit)
	if walker.err {
		t.Fatal("no dl_iterate_phdr")
	}
	walker.mu.Lock()
	walker.objs = []loader.Object{{Path: "sentinel"}}
	walker.mu.Unlock()
	if objs, _, _ := (Loader{}).List(nil); len(objs) == 0 {
		t.Fatal("List found no object")
	}
	(Loader{}).Check()
	walker.mu.Lock()
	defer walker.mu.Unlock()
	if len(walker.objs) != 1 || walker.objs[0].Path != "sentinel" {
		t.Fatal("List or Check ran the purego callback")
	}
}
