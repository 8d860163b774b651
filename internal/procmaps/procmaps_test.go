package procmaps

import (
	"os"
	"reflect"
	"testing"
)

func readFixture(t *testing.T, path string) []Object {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	objs, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestParseFixture(t *testing.T) {
	objs := readFixture(t, "testdata/maps/spaces-deleted-memfd.txt")
	var paths []string
	for _, o := range objs {
		paths = append(paths, o.Path)
	}
	want := []string{"/usr/local/bin/my prog", "/memfd:libopenblas.so", "/opt/my libs/libomp.so.5", "/tmp/build/libgomp.so.1"}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("paths %q, want %q", paths, want)
	}
	if got := objs[2].Segments; len(got) != 2 || got[0] != [2]uintptr{0x7f3a15000000, 0x7f3a15100000} {
		t.Errorf("segments of libomp: %x", got)
	}
}
