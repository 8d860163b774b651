package winldr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

func listed(t *testing.T, base string) (Module, Generation, bool) {
	t.Helper()
	mods, gen, ok, err := List()
	if err != nil || !ok {
		t.Fatalf("List: ok %v, %v", ok, err)
	}
	for _, m := range mods {
		if strings.EqualFold(filepath.Base(m.Path), base) {
			return m, gen, true
		}
	}
	return Module{}, gen, false
}

// TestGeneration: loading a module moves Adds, unloading it moves Subs, and
// the list follows; without either, the generation stays.
func TestGeneration(t *testing.T) {
	const dll = "version.dll" // a system DLL a Go test binary does not load
	g0, ok := Check()
	if !ok {
		t.Fatal("no loader notifications")
	}
	if _, _, there := listed(t, dll); there {
		t.Skipf("%s is loaded already", dll)
	}
	if g, _ := Check(); g != g0 {
		t.Fatalf("listing moved the generation: %v -> %v", g0, g)
	}
	h, err := windows.LoadLibrary(dll)
	if err != nil {
		t.Fatal(err)
	}
	g1, _ := Check()
	if g1.Adds <= g0.Adds || g1.Subs != g0.Subs {
		t.Errorf("after LoadLibrary: %v -> %v", g0, g1)
	}
	m, gl, there := listed(t, dll)
	size, _ := ImageSize(m.Base)
	if !there || m.Base != uintptr(h) || size == 0 || gl != g1 {
		t.Errorf("listed %v %+v (size %d) at generation %v, handle %#x, want generation %v", there, m, size, gl, h, g1)
	}
	if err := windows.FreeLibrary(h); err != nil {
		t.Fatal(err)
	}
	g2, _ := Check()
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
