//go:build windows

package blasctl_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
)

// TestMixedOpenMPWindows loads GCC's real libgomp-1.dll, LLVM's runtime
// (the libomp140.x86_64.dll fixture) and MSVC's (the vcomp140.dll fixture)
// into one child, as a Windows program mixing a MinGW-built and an
// MSVC-built library does, and checks that MixedOpenMP names all three,
// with vcomp's count process-wide.
func TestMixedOpenMPWindows(t *testing.T) {
	const name = "mixed-openmp-windows"
	spec, child := libtest.This()
	if !child {
		gomp := libtest.Named(t, "libgomp")[0]
		nprocs := "-DFIXTURE_NPROCS=" + strconv.Itoa(libtest.FixtureNThreads)
		load := append(slices.Clone(gomp.Load),
			cfixture.Build(t, "libomp140.x86_64.dll", []string{"testdata/fixtures/iomp/iomp.c"}, nprocs),
			cfixture.Build(t, "vcomp140.dll", []string{"testdata/fixtures/vcomp/vcomp.c"}, nprocs))
		libtest.RunChild(t, libtest.Build{Name: name, Load: load, Package: gomp.Package}, "TestMixedOpenMPWindows")
		return
	}
	mixed := mixedOpenMPAfter(t, func() {
		for _, p := range spec.Load {
			libtest.Open(t, p)
		}
	})
	var got []string
	for _, l := range mixed {
		got = append(got, l.ThreadingLayer+" "+string(l.Scope))
	}
	want := []string{"gnu current_thread", "llvm current_thread", "msvc process"}
	if !slices.Equal(got, want) {
		t.Errorf("MixedOpenMP %v, want %v", got, want)
	}
}
