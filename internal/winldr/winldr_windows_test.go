package winldr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blasctl/blasctl/internal/loader"
	"golang.org/x/sys/windows"
)

// listed finds the module named base in the listing, with its image's
// range, and the listing's generation.
func listed(t *testing.T, base string) (loader.Object, loader.Generation, bool) {
	t.Helper()
	objs, gen, st := Loader{}.List(func(p string) bool { return strings.EqualFold(filepath.Base(p), base) })
	if st != loader.Counted {
		t.Fatalf("List: %v", st)
	}
	for _, o := range objs {
		if strings.EqualFold(filepath.Base(o.Path), base) {
			return o, gen, true
		}
	}
	return loader.Object{}, gen, false
}

// TestGeneration: loading a module moves Adds, unloading it moves Subs, and
// the list follows; without either, the generation stays.
func TestGeneration(t *testing.T) {
	const dll = "version.dll" // a system DLL a Go test binary does not load
	var ld Loader
	g0, st := ld.Check()
	if st != loader.Counted {
		t.Fatal("no loader notifications")
	}
	if _, _, there := listed(t, dll); there {
		t.Skipf("%s is loaded already", dll)
	}
	if g, _ := ld.Check(); g != g0 {
		t.Fatalf("listing moved the generation: %v -> %v", g0, g)
	}
	h, err := windows.LoadLibrary(dll)
	if err != nil {
		t.Fatal(err)
	}
	g1, _ := ld.Check()
	if g1.Adds <= g0.Adds || g1.Subs != g0.Subs {
		t.Errorf("after LoadLibrary: %v -> %v", g0, g1)
	}
	m, gl, there := listed(t, dll)
	if !there || len(m.Segments) != 1 || m.Segments[0][0] != uintptr(h) || m.Segments[0][1] <= uintptr(h) || gl != g1 {
		t.Errorf("listed %v %+v at generation %v, handle %#x, want generation %v", there, m, gl, h, g1)
	}
	if err := windows.FreeLibrary(h); err != nil {
		t.Fatal(err)
	}
	g2, _ := ld.Check()
	if g2.Subs <= g1.Subs {
		t.Errorf("after FreeLibrary: %v -> %v", g1, g2)
	}
	if _, _, there := listed(t, dll); there {
		t.Errorf("%s listed after FreeLibrary", dll)
	}
}

// TestFileNameGrows: a path longer than the buffer comes back whole.
func TestFileNameGrows(t *testing.T) {
	buf := make([]uint16, 4) // far too small: must grow
	p, ok := fileName(0, &buf)
	if !ok || !strings.HasSuffix(strings.ToLower(p), ".exe") {
		t.Fatalf("the executable's path read through a 4-unit buffer: %q %v", p, ok)
	}
	big := make([]uint16, windows.MAX_PATH)
	q, _ := fileName(0, &big)
	if p != q {
		t.Errorf("grown %q, direct %q", p, q)
	}
}

// TestLongPath: a module loaded from a path longer than MAX_PATH is listed
// by its whole path.
func TestLongPath(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(os.Getenv("SystemRoot"), "system32", "bcryptprimitives.dll"))
	if err != nil {
		t.Skipf("no DLL to copy: %v", err) // the Wine prefix's ProcessPrng stand-in
	}
	dir, err := os.MkdirTemp("", "longpath")
	if err != nil {
		t.Fatal(err)
	}
	// After FreeLibrary (a loaded DLL cannot be deleted), one entry at a
	// time: Go's os.RemoveAll fails under Wine 8 ("unlinkat: Invalid
	// function"), os.Remove does not.
	defer func() {
		var paths []string
		_ = filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error {
			paths = append(paths, p)
			return nil
		})
		for i := len(paths) - 1; i >= 0; i-- {
			_ = os.Remove(paths[i])
		}
	}()
	long := dir
	for len(long) < 2*windows.MAX_PATH {
		long = filepath.Join(long, strings.Repeat("d", 60))
	}
	if err := os.MkdirAll(long, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(long, "blasctl_longpath_fixture.dll")
	if err := os.WriteFile(path, src, 0o755); err != nil {
		t.Fatal(err)
	}
	h, err := windows.LoadLibrary(path)
	if err != nil {
		t.Fatalf("LoadLibrary of a %d-character path: %v", len(path), err)
	}
	defer windows.FreeLibrary(h)
	m, _, there := listed(t, "blasctl_longpath_fixture.dll")
	if !there || !strings.EqualFold(m.Path, path) {
		t.Errorf("listed %v as %q (%d characters), want %q (%d)", there, m.Path, len(m.Path), path, len(path))
	}
}
