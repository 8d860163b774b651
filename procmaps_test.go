package blasctl

import (
	"os"
	"reflect"
	"runtime"
	"testing"
)

// readMaps parses a maps listing: /proc/self/maps or a fixture file.
func readMaps(t *testing.T, path string) []object {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	objs, err := parseMaps(f)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestParseMapsFixture(t *testing.T) {
	objs := readMaps(t, "testdata/maps/spaces-deleted-memfd.txt")
	var paths []string
	for _, o := range objs {
		paths = append(paths, o.path)
	}
	want := []string{"/usr/local/bin/my prog", "/memfd:libopenblas.so", "/opt/my libs/libomp.so.5", "/tmp/build/libgomp.so.1"}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("paths %q, want %q", paths, want)
	}
	if got := objs[2].segments; len(got) != 2 || got[0] != [2]uintptr{0x7f3a15000000, 0x7f3a15100000} {
		t.Errorf("segments of libomp: %x", got)
	}
	for _, tc := range []struct {
		path   string
		prefix string
	}{{"/memfd:libopenblas.so", "libopenblas"}, {"/opt/my libs/libomp.so.5", "libomp"}, {"/tmp/build/libgomp.so.1", "libgomp"}, {"/usr/local/bin/my prog", ""}} {
		_, prefix := matchName(baseName(tc.path))
		if prefix != tc.prefix {
			t.Errorf("%s matched %q, want %q", tc.path, prefix, tc.prefix)
		}
	}
}

// TestListersAgree checks dl_iterate_phdr against /proc/self/maps: every
// file-backed object the loader lists is mapped.
func TestListersAgree(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/self/maps is Linux's")
	}
	objs, _, _, err := listObjects()
	if err != nil {
		t.Fatal(err)
	}
	mapped := readMaps(t, "/proc/self/maps")
	inMaps := map[string]bool{}
	for _, o := range mapped {
		inMaps[o.path] = true
	}
	n := 0
	for _, o := range objs {
		if len(o.path) > 0 && o.path[0] == '/' {
			n++
			if real := realPath(o.path); !inMaps[real] && !inMaps[o.path] {
				t.Errorf("%s (%s) listed by the loader but not mapped", o.path, real)
			}
		}
	}
	if n == 0 {
		t.Error("the loader listed no object with a path")
	}
}
