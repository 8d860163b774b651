package procmaps

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Fuzz targets for the parser of the kernel's text. The seed corpus
// (testdata/fuzz/<target> plus the seeds here) runs as ordinary tests;
// scripts/test-extra.sh fuzzes each target for a few seconds.

// mapsSeeds are real shapes of /proc/PID/maps lines.
var mapsSeeds = []string{
	"7f3a15000000-7f3a15100000 r-xp 00000000 08:01 1234                       /usr/lib/x86_64-linux-gnu/libopenblas.so.0",
	"7f3a15000000-7f3a15100000 r-xp 00000000 08:01 1234   /opt/my libs/libomp.so.5",
	"7f3a15000000-7f3a15100000 r-xp 00000000 00:01 99     /memfd:libopenblas.so (deleted)",
	"7f3a15000000-7f3a15100000 rw-p 00000000 00:00 0 ",
	"7ffd6b5f1000-7ffd6b5f3000 r-xp 00000000 00:00 0                          [vdso]",
	"55d0c0a1e000-55d0c0a3f000 rw-p 00000000 00:00 0                          [heap]",
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
	"7f3a15000000-7f3a15100000 r-xp 00000000 08:01 1234   /tmp/build/libgomp.so.1 (deleted) (deleted)",
	"7f3a15000000-7f3a15100000 r-xp 00000000 08:01 1234\t/tab\tpath/libmkl_rt.so",
	"7f3a15000000-7f3a15100000 r-xp 00000000 08:01 1234   /non-utf8/\xff\xfe/libopenblas.so",
	"7f3a15000000-7f3a15100000 r-xp 00000000 08:01 1234   /" + strings.Repeat("d/", 2100) + "libopenblas.so.0",
	"7f3a15000000-7f3a15100000 r-xp 00000000 08:01",
	"7f3a15000000-7f3a15100000 r-xp",
	"7f3a15000000-",
	"",
	"7f3a15100000-7f3a15000000 r-xp 00000000 08:01 1234   /lo/above/hi.so",
	"1ffffffffffffffff-2ffffffffffffffff r-xp 00000000 08:01 1234   /overflow.so",
	"zzzz-yyyy r-xp 00000000 08:01 1234   /not/hex.so",
	"7f3a15000000-7f3a15100000 r-xp 00000000 08:01 1234   relative/path.so",
}

func FuzzParseMapsLine(f *testing.F) {
	for _, s := range mapsSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		lo, hi, path, ok := ParseLine(line)
		if !ok {
			if lo != 0 || hi != 0 || path != "" {
				t.Fatalf("not ok but returned %x-%x %q", lo, hi, path)
			}
			return
		}
		if lo > hi || path == "" || path[0] != '/' || !strings.Contains(line, path) {
			t.Fatalf("%q: got %x-%x %q", line, lo, hi, path)
		}
		// What it read, written back in the kernel's format, reads the same.
		if strings.HasSuffix(path, " (deleted)") || strings.ContainsAny(path, "\n") {
			return
		}
		again := fmt.Sprintf("%x-%x r-xp 00000000 08:01 1234   %s", lo, hi, path)
		lo2, hi2, path2, ok2 := ParseLine(again)
		if !ok2 || lo2 != lo || hi2 != hi || path2 != path {
			t.Fatalf("round trip of %q: %x-%x %q %v", again, lo2, hi2, path2, ok2)
		}
	})
}

func FuzzParseMaps(f *testing.F) {
	f.Add([]byte(strings.Join(mapsSeeds, "\n")))
	if b, err := os.ReadFile("testdata/maps/spaces-deleted-memfd.txt"); err == nil {
		f.Add(b)
	}
	if b, err := os.ReadFile("/proc/self/maps"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("7f00-7f10 r-xp 0 0:0 1 /a.so\n7f20-7f30 r-xp 0 0:0 1 /a.so\r\n7f40-7f50 r-xp 0 0:0 1 /b.so"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := Parse(bytes.NewReader(data))
		if err != nil && !errors.Is(err, bufio.ErrTooLong) {
			t.Fatalf("unexpected error %v", err)
		}
		seen := map[string]bool{}
		for _, o := range objs {
			if o.Path == "" || o.Path[0] != '/' || seen[o.Path] || len(o.Segments) == 0 {
				t.Fatalf("bad object %q (seen %v, %d segments)", o.Path, seen[o.Path], len(o.Segments))
			}
			seen[o.Path] = true
			for _, s := range o.Segments {
				if s[0] > s[1] {
					t.Fatalf("%q: segment %x", o.Path, s)
				}
			}
		}
	})
}
