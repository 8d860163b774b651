//go:build linux && amd64

package cdl

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/blasctl/blasctl/internal/procmaps"
	"golang.org/x/sys/unix"
)

// TestFastRealPath checks that C's realpath agrees with
// filepath.EvalSymlinks for every loaded object and for chains of absolute
// and relative links (one through a directory link followed by ".."), and
// that it steps aside where EvalSymlinks fails or keeps a path relative: a
// relative path, a missing file, a memfd.
func TestFastRealPath(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real dir", "libx.so.1")
	if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	links := filepath.Join(dir, "links")
	if err := os.Mkdir(links, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]string{
		{"../real dir/libx.so.1", "libx.so"},
		{"libx.so", "libblas.so.3"},
		{filepath.Join(dir, "real dir"), "dirlink"},
	} {
		if err := os.Symlink(l[0], filepath.Join(links, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{real, filepath.Join(links, "libx.so"), filepath.Join(links, "libblas.so.3"),
		filepath.Join(links, "dirlink", "libx.so.1"), links + "/dirlink/../links/libx.so"}
	objs, err := procmaps.Self()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		paths = append(paths, o.Path)
	}
	for _, p := range paths {
		want, err := filepath.EvalSymlinks(p)
		if err != nil {
			// An object whose file was removed (another test's fixture).
			if got, ok := fastRealPath(p); ok {
				t.Errorf("fastRealPath(%q) = %q, but EvalSymlinks fails: %v", p, got, err)
			}
			continue
		}
		if got, ok := fastRealPath(p); !ok || got != want {
			t.Errorf("fastRealPath(%q) = %q, %v; EvalSymlinks %q", p, got, ok, want)
		}
		if rp := RealPath(p); rp != want {
			t.Errorf("RealPath(%q) = %q; EvalSymlinks %q", p, rp, want)
		}
	}

	fd, err := unix.MemfdCreate("libopenblas.so", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	memfd := "/proc/self/fd/" + strconv.Itoa(fd)
	for _, p := range []string{"links/libx.so", filepath.Join(dir, "missing.so"), memfd} {
		if got, ok := fastRealPath(p); ok {
			t.Errorf("fastRealPath(%q) = %q, want a fallback", p, got)
		}
	}
	if got := RealPath(memfd); got != memfd {
		t.Errorf("RealPath(%q) = %q, want it unchanged as EvalSymlinks leaves it", memfd, got)
	}
}
