package blasctl_test

import (
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// Probes of counts set before blasctl runs, on every real build: reported
// as the library reads them, held inside scopes and limits, and put back
// exactly.

// presetVars are the environment variables that set a build's count before
// blasctl runs: every library reads its own, and the OpenMP count is read
// by the OpenMP runtimes and by every build that follows it.
func presetVars(b libtest.Build) []string {
	vars := []string{"OMP_NUM_THREADS"}
	switch b.InternalAPI {
	case "openblas":
		vars = append(vars, "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS")
	case "mkl":
		vars = append(vars, "MKL_NUM_THREADS")
	case "blis":
		vars = append(vars, "BLIS_NUM_THREADS")
	}
	return vars
}

// TestProbePresetCounts: every real build, started with its count preset
// by each environment variable it reads, to 1 and to more than the CPUs:
// Libraries reports the preset, Limit and WithThreads hold at most n inside
// (on every thread for a process-wide count), and both put back exactly the
// preset, on the calling thread and on another. (Class: a value read from
// somewhere other than the library, or restored to a value other than the
// one that applied.)
func TestProbePresetCounts(t *testing.T) {
	presets := []int{1, runtime.NumCPU() + 1}
	for _, b := range libtest.Builds {
		for _, v := range presetVars(b) {
			for _, preset := range presets {
				name := fmt.Sprintf("%s/%s=%d", b.Name, v, preset)
				t.Run(name, func(t *testing.T) {
					if _, child := libtest.This(); !child {
						t.Parallel()
					}
					if err := b.Check(); err != nil {
						libtest.Missing(t, "%v", err)
					}
					env := append(slices.Clone(b.Env), fmt.Sprintf("%s=%d", v, preset))
					if !probeChild(t, "preset-"+name, nil, env...) {
						return
					}
					presetChild(t, b)
				})
			}
		}
	}
}

// presetChild is TestProbePresetCounts in the child, for build b started
// with its count preset.
func presetChild(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	probe := libtest.Func(t, h, b.Probe)
	applies := func(raw int) int { return raw }
	if b.Applies != nil {
		applies = b.Applies
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	read := func() int { return libtest.Get(probe) }
	onOther := func() (v int) {
		onThread(func() { v = read() })
		return v
	}
	start, startOther := read(), onOther()
	libs, err := blasctl.Select(blasctl.InternalAPI(b.InternalAPI)).Libraries()
	if err != nil || len(libs) == 0 {
		t.Fatalf("Libraries: %v %v", libs, err)
	}
	if got := libs[len(libs)-1].NumThreads; got != applies(start) {
		t.Errorf("Libraries reports %d, the library reads %d", got, start)
	}
	process := b.Scope == "process"
	check := func(what string, n int) {
		if got := applies(read()); got > n {
			t.Errorf("inside %s the calling thread reads %d", what, got)
		}
		if other := applies(onOther()); process && other > n {
			t.Errorf("inside %s another thread reads %d", what, other)
		}
	}
	// shared reads a count blasctl must leave alone (OpenMP OpenBLAS's
	// global count, see libtest.Build.Shared).
	witness := func() int { return 0 }
	if b.Shared != "" {
		w := libtest.Func(t, h, b.Shared)
		witness = func() int { return libtest.Get(w) }
	}
	startWitness := witness()
	back := func(what string) {
		if got, other := read(), onOther(); got != start || other != startOther {
			t.Errorf("after %s the count reads %d here and %d on another thread, want the preset %d and %d", what, got, other, start, startOther)
		}
		if got := witness(); got != startWitness {
			t.Errorf("after %s %s reads %d, want the preset %d", what, b.Shared, got, startWitness)
		}
	}
	for _, n := range []int{1, 2} {
		restore, err := blasctl.Limit(n)
		if err != nil {
			t.Fatalf("Limit(%d): %v", n, err)
		}
		check(fmt.Sprintf("Limit(%d)", n), n)
		if got := witness(); got != startWitness {
			t.Errorf("inside Limit(%d) %s reads %d: the limit wrote the shared count (was %d)", n, b.Shared, got, startWitness)
		}
		if err := restore(); err != nil {
			t.Errorf("restore of Limit(%d): %v", n, err)
		}
		back(fmt.Sprintf("Limit(%d)", n))
	}
	for _, n := range []int{1, 2, 1000} {
		err := blasctl.WithThreads(n, func() {
			check(fmt.Sprintf("WithThreads(%d)", n), max(n, 1))
			if got := applies(read()); n == 1000 && got > max(runtime.NumCPU(), applies(start)) {
				t.Errorf("WithThreads(1000) reads %d: above the cap max(CPUs %d, preset %d)", got, runtime.NumCPU(), applies(start))
			}
		})
		if err != nil {
			t.Errorf("WithThreads(%d): %v", n, err)
		}
		back(fmt.Sprintf("WithThreads(%d)", n))
	}
	t.Logf("figures: %s starts at %d here, %d on another thread (shared count %d)", b.Name, start, startOther, startWitness)
}
