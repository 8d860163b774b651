package blasctl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode"
	"unsafe"
)

// Fuzz targets for every parser of outside text: /proc/self/maps lines and
// listings, object names, OpenBLAS's config string, MKL's version string and
// the C strings libraries hand back. The seed corpus (testdata/fuzz/<target>
// plus the seeds added here) runs as ordinary tests; scripts/test-extra.sh
// fuzzes each target for a few seconds.

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
		lo, hi, path, ok := parseMapsLine(line)
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
		lo2, hi2, path2, ok2 := parseMapsLine(again)
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
		objs, err := parseMaps(bytes.NewReader(data))
		if err != nil && !errors.Is(err, bufio.ErrTooLong) {
			t.Fatalf("unexpected error %v", err)
		}
		seen := map[string]bool{}
		for _, o := range objs {
			if o.path == "" || o.path[0] != '/' || seen[o.path] || len(o.segments) == 0 {
				t.Fatalf("bad object %q (seen %v, %d segments)", o.path, seen[o.path], len(o.segments))
			}
			seen[o.path] = true
			for _, s := range o.segments {
				if s[0] > s[1] {
					t.Fatalf("%q: segment %x", o.path, s)
				}
			}
		}
	})
}

// nameSeeds are object names as the loader and the kernel show them.
var nameSeeds = []string{
	"/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
	"/usr/lib/x86_64-linux-gnu/libopenblas64.so.0",
	"/site-packages/scipy_openblas64/lib/libscipy_openblas64_-ff651d7f.so",
	"/usr/lib/x86_64-linux-gnu/libmkl_rt.so",
	"/usr/lib/x86_64-linux-gnu/libgomp.so.1",
	"/usr/lib/llvm-14/lib/libomp.so.5",
	"/opt/intel/lib/libiomp5.so",
	"/memfd:libopenblas.so (deleted)",
	"memfd:LIBGOMP.so",
	"/proc/self/fd/7",
	"/tmp/build/libgomp.so.1 (deleted)",
	"libOpenBLAS.dylib",
	"/non-utf8/\xff\xfe/libopenblas.so",
	"/",
	"",
	" (deleted)",
	"/trailing/slash/",
	"/usr/lib/libblas.so.3",
}

func FuzzMatchName(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		name := baseName(path)
		if strings.Contains(name, "/") && name != "/" {
			t.Fatalf("baseName(%q) = %q holds a slash", path, name)
		}
		be, prefix := matchName(name)
		if (be == nil) != (prefix == "") {
			t.Fatalf("matchName(%q) = %v, %q", name, be, prefix)
		}
		if be == nil {
			return
		}
		lower := strings.TrimPrefix(strings.ToLower(name), "memfd:")
		if !strings.HasPrefix(lower, prefix) {
			t.Fatalf("%q matched prefix %q", name, prefix)
		}
		found := false
		for _, p := range be.prefixes {
			found = found || p == prefix
		}
		if !found {
			t.Fatalf("%q matched %q, not a prefix of %s", name, prefix, be.internalAPI)
		}
	})
}

// configSeeds are openblas_get_config strings of real builds, and worse.
var configSeeds = []string{
	"OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64",
	"OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY USE_OPENMP Haswell MAX_THREADS=64",
	"OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell SINGLE_THREADED",
	"OpenBLAS 0.3.21  USE64BITINT NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64",
	"OpenBLAS",
	"OpenBLAS ",
	"",
	"OpenBLAS\t0.3.28.dev\n",
	"NotOpenBLAS 1.0",
	"OpenBLAS \xff\xfe garbage",
	"OpenBLAS " + strings.Repeat("9", 5000),
}

func FuzzOpenBLASVersion(f *testing.F) {
	for _, s := range configSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, config string) {
		v := openblasVersion(config)
		if v == "" {
			return
		}
		fields := strings.Fields(config)
		if len(fields) < 2 || fields[0] != "OpenBLAS" || fields[1] != v {
			t.Fatalf("openblasVersion(%q) = %q", config, v)
		}
		if strings.IndexFunc(v, unicode.IsSpace) >= 0 {
			t.Fatalf("version %q holds a space", v)
		}
	})
}

// mklSeeds are MKL_Get_Version_String answers, and worse.
var mklSeeds = []string{
	"Intel(R) Math Kernel Library Version 2020.0.4 Product Build 20200917 for Intel(R) 64 architecture applications",
	"Intel(R) oneAPI Math Kernel Library Version 2024.2-Product Build 20240605 for Intel(R) 64 architecture applications",
	"Version ",
	"Version  x",
	"Version 1",
	"",
	"Version \xff\xfe build",
	strings.Repeat("Version ", 40),
}

func FuzzMKLVersion(f *testing.F) {
	for _, s := range mklSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, found := mklVersionOracle(s)
		m := mklVersionRE.FindStringSubmatch(s)
		if (m != nil) != found || (found && (len(m) != 2 || m[1] != want)) {
			t.Fatalf("%q: regexp matched %q, want %q (%v)", s, m, want, found)
		}
	})
}

// mklVersionOracle finds, without a regexp, the first "Version " followed by
// a non-empty word that a space ends.
func mklVersionOracle(s string) (string, bool) {
	for i := 0; ; {
		j := strings.Index(s[i:], "Version ")
		if j < 0 {
			return "", false
		}
		start := i + j + len("Version ")
		if k := strings.IndexByte(s[start:], ' '); k > 0 {
			return s[start : start+k], true
		}
		i += j + 1
	}
}

// FuzzCString feeds cString buffers as a library might fill them: without a
// terminating NUL, with one anywhere, with any bytes.
func FuzzCString(f *testing.F) {
	f.Add([]byte("Intel(R) Math Kernel Library\x00junk"), 256)
	f.Add([]byte("no terminator"), 5)
	f.Add([]byte{0}, 1)
	f.Add([]byte{0xff, 0xfe, 0}, 3)
	f.Fuzz(func(t *testing.T, buf []byte, max int) {
		if len(buf) == 0 {
			return
		}
		if max < 0 || max > len(buf) {
			max = len(buf) // cString never reads past max, which callers size to the buffer
		}
		got := cString(unsafe.Pointer(&buf[0]), max)
		want := buf[:max]
		if i := bytes.IndexByte(want, 0); i >= 0 {
			want = want[:i]
		}
		if got != string(want) {
			t.Fatalf("cString(%q, %d) = %q, want %q", buf, max, got, want)
		}
	})
}
