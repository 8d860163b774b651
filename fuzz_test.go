package blasctl

import (
	"strings"
	"testing"
	"unicode"
)

// Fuzz targets for every parser of outside text: /proc/self/maps lines and
// listings, object names, OpenBLAS's config string, MKL's version string and
// the C strings libraries hand back. The seed corpus (testdata/fuzz/<target>
// plus the seeds added here) runs as ordinary tests; scripts/test-extra.sh
// fuzzes each target for a few seconds.

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
