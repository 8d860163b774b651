package blasctl_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// Tests of Debian's real libraries that only Linux runs: the Windows leg has
// its own mixed-runtime test (TestMixedOpenMPWindows) and no BLIS build.

// TestMixedOpenMP loads GNU libgomp and LLVM libomp (and Debian's libiomp5
// link to libomp) into one child and checks that MixedOpenMP names both
// runtimes, once each.
func TestMixedOpenMP(t *testing.T) {
	lib := libtest.LibDir
	b := libtest.Build{Name: "mixed-openmp"}
	for _, omp := range libtest.Named(t, "libgomp", "libomp") {
		b.Load = append(b.Load, omp.Load...)
		b.Package = strings.TrimSpace(b.Package + " " + omp.Package)
	}
	if _, child := libtest.This(); !child {
		libtest.RunChild(t, b, "TestMixedOpenMP")
		return
	}
	mixed := mixedOpenMPAfter(t, func() {
		b.LoadAll(t)
		if _, err := os.Stat(lib + "libiomp5.so"); err == nil {
			libtest.Open(t, lib+"libiomp5.so")
		}
	})
	var layers []string
	for _, l := range mixed {
		layers = append(layers, l.ThreadingLayer)
	}
	if !slices.Equal(layers, []string{"gnu", "llvm"}) {
		t.Errorf("MixedOpenMP layers %v, want [gnu llvm]", layers)
	}
}

// TestBLISEnvironment checks, in children running the real BLIS pthreads
// build (0.9 on Debian 12, 1.1 on Debian 13), what the environment does to
// its count: OMP_NUM_THREADS is read into it, and ways set through
// BLIS_JC_NT win over it, so that a scope of 1 cannot apply and must say so
// without changing anything. With ways set, 0.9 keeps its count unset (-1)
// and 1.x reads the ways' product.
func TestBLISEnvironment(t *testing.T) {
	path := libtest.LibDir + "blis-pthread/libblis.so.4"
	mode, child := libtest.Scenario()
	if !child {
		for _, env := range []string{"OMP_NUM_THREADS=3", "BLIS_JC_NT=2"} {
			t.Run(env, func(t *testing.T) {
				b := libtest.Build{Name: "blis-env", Load: []string{path}, Package: "libblis4-pthread", Env: []string{env}}
				libtest.Child{Test: "TestBLISEnvironment", Build: b, Scenario: env}.Run(t)
			})
		}
		return
	}
	h := libtest.Open(t, path)
	get := libtest.Func(t, h, "bli_thread_get_num_threads")
	l := only(t, "blis")
	switch mode {
	case "OMP_NUM_THREADS=3":
		if raw := libtest.Get(get); raw != 3 || l.NumThreads != 3 {
			t.Errorf("stored %d, reported %d, want 3", raw, l.NumThreads)
		}
	case "BLIS_JC_NT=2":
		unset := -1
		if !strings.HasPrefix(l.Version, "0.") {
			unset = 2
		}
		if raw := libtest.Get(get); raw != unset || l.NumThreads != 2 {
			t.Fatalf("BLIS %s stored %d, reported %d, want %d and 2 (the jc ways)", l.Version, raw, l.NumThreads, unset)
		}
		ran := false
		err := blasctl.WithThreads(1, func() { ran = true })
		if !errors.Is(err, blasctl.ErrNotApplied) || ran {
			t.Errorf("WithThreads(1) under BLIS_JC_NT=2: %v, ran %v", err, ran)
		}
		if raw := libtest.Get(get); raw != unset {
			t.Errorf("after the refused scope the count is %d, want %d", raw, unset)
		}
		if err := blasctl.WithThreads(2, func() {}); err != nil {
			t.Errorf("WithThreads(2): %v", err)
		}
	}
}
