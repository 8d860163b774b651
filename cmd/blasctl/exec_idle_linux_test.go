package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blasctl/blasctl/internal/fblas"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/ebitengine/purego"
)

// TestExecIdleTakesEffect runs a program under blasctl exec -idle sleep and
// checks in the real libraries that each took its variable: libomp's
// blocktime (which MKL's Intel layer uses) reads 0, libgomp reports a spin
// count of 0, and no worker of the pthreads OpenBLAS or MKL stays runnable
// (spinning) in the 100 ms after a call. Each case runs beside the same
// program under the same -n without -idle, which must show the libraries'
// default, so that the check can tell the two apart.
func TestExecIdleTakesEffect(t *testing.T) {
	if s, child := libtest.This(); child {
		idleChild(t, s)
		return
	}
	if !libtest.BuildsHere() {
		t.Skip("the real-library builds are Debian's amd64 and arm64 packages")
	}
	build := func(name string) libtest.Build {
		for _, b := range libtest.Builds {
			if b.Name == name {
				return b
			}
		}
		t.Fatalf("no build %s", name)
		return libtest.Build{}
	}
	blocktime := regexp.MustCompile(`idle-blocktime (-?\d+)`)
	runnable := regexp.MustCompile(`idle-runnable (\d+(\.\d+)?)`)
	number := func(t *testing.T, re *regexp.Regexp, out string) float64 {
		m := re.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no %s in the child's output:\n%s", re, out)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	// The busiest thread the library started: runnable for most of the 100 ms
	// after a call when a worker spins, for little of it when all sleep.
	checkSleeping := func(t *testing.T, out string) {
		if v := number(t, runnable, out); v > 0.2 {
			t.Errorf("a thread runnable for %.0f%% of the 100 ms after a call under -idle sleep, want at most 20%%", 100*v)
		}
	}
	checkSpinning := func(t *testing.T, out string) {
		if v := number(t, runnable, out); v < 0.6 {
			t.Errorf("the busiest thread runnable for %.0f%% of the 100 ms after a call without -idle, want 60%% or more: the check cannot tell", 100*v)
		}
	}
	for _, c := range []struct {
		name, build, scenario string
		idle                  bool
		env                   []string
		check                 func(t *testing.T, out string)
	}{
		{"libomp/sleep", "libomp", "blocktime", true, nil, func(t *testing.T, out string) {
			if v := number(t, blocktime, out); v != 0 {
				t.Errorf("kmp_get_blocktime() = %v under -idle sleep, want 0", v)
			}
		}},
		{"libomp/default", "libomp", "blocktime", false, nil, func(t *testing.T, out string) {
			if v := number(t, blocktime, out); v == 0 {
				t.Errorf("kmp_get_blocktime() = 0 without -idle: the check cannot tell")
			}
		}},
		{"libomp/user", "libomp", "blocktime", true, []string{"KMP_BLOCKTIME=37"}, func(t *testing.T, out string) {
			if v := number(t, blocktime, out); v != 37 {
				t.Errorf("kmp_get_blocktime() = %v with KMP_BLOCKTIME=37 set, want 37", v)
			}
		}},
		{"libgomp/sleep", "libgomp", "display", true, []string{"OMP_DISPLAY_ENV=verbose"}, func(t *testing.T, out string) {
			for _, want := range []string{"GOMP_SPINCOUNT = '0'", "OMP_WAIT_POLICY = 'PASSIVE'"} {
				if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(out) {
					t.Errorf("libgomp does not report %s:\n%s", want, out)
				}
			}
		}},
		{"libgomp/default", "libgomp", "display", false, []string{"OMP_DISPLAY_ENV=verbose"}, func(t *testing.T, out string) {
			if !regexp.MustCompile(`GOMP_SPINCOUNT = '[1-9]`).MatchString(out) {
				t.Errorf("libgomp reports no default spin count without -idle:\n%s", out)
			}
		}},
		{"openblas-pthread/sleep", "openblas-pthread", "cpu", true, nil, checkSleeping},
		{"openblas-pthread/default", "openblas-pthread", "cpu", false, nil, checkSpinning},
		{"mkl/sleep", "mkl", "cpu", true, nil, checkSleeping},
		{"mkl/default", "mkl", "cpu", false, nil, checkSpinning},
	} {
		t.Run(c.name, func(t *testing.T) {
			// One case at a time: the CPU a case measures is its own.
			args := []string{"exec", "-n", strconv.Itoa(runtime.NumCPU())}
			if c.idle {
				args = append(args, "-idle", "sleep")
			}
			// The program is this test binary again, as a child for the
			// build (env -u: not as the blasctl command a second time).
			args = append(args, "--", "env", "-u", "BLASCTL_MAIN_ARGS", os.Args[0],
				"-test.run=^TestExecIdleTakesEffect$", "-test.count=1", "-test.v")
			encoded, _ := json.Marshal(args)
			out := libtest.Child{Test: "TestExecIdleTakesEffect", Build: build(c.build), Scenario: c.scenario,
				Env: append([]string{"BLASCTL_MAIN_ARGS=" + string(encoded)}, c.env...)}.Run(t)
			c.check(t, out)
		})
	}
}

// idleChild runs in the program blasctl exec started: it loads the build
// and prints what the scenario reads.
func idleChild(t *testing.T, s libtest.Spec) {
	runtime.LockOSThread() // one OpenMP team: the calling thread's
	goThreads := settleGo(t)
	var h uintptr
	for _, p := range s.Load {
		h = libtest.Open(t, p)
	}
	switch s.Scenario {
	case "blocktime":
		r, _, _ := purego.SyscallN(libtest.Func(t, h, "kmp_get_blocktime"))
		fmt.Printf("idle-blocktime %d\n", int32(r))
	case "display":
		// libgomp printed its settings as it loaded.
	case "cpu":
		dgemm := libtest.Func(t, h, "dgemm_")
		const n = 384
		a, b, c := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
		for i := range a {
			a[i], b[i] = float64(i%7), float64(i%5)
		}
		for range 3 {
			fblas.Dgemm(dgemm, n, a, b, c) // the workers start
		}
		var spent, runnable []float64
		for range 5 {
			time.Sleep(300 * time.Millisecond) // every library's workers asleep
			fblas.Dgemm(dgemm, n, a, b, c)
			cpu0, run0, t0 := processCPU(t), runnableTimes(t, goThreads), time.Now()
			time.Sleep(100 * time.Millisecond)
			cpu1, run1, window := processCPU(t), runnableTimes(t, goThreads), time.Since(t0)
			busiest := time.Duration(0)
			for tid, d := range run1 {
				if d0, ok := run0[tid]; ok {
					busiest = max(busiest, d-d0)
				}
			}
			spent = append(spent, (cpu1-cpu0).Seconds()*1000)
			runnable = append(runnable, busiest.Seconds()/window.Seconds())
		}
		slices.Sort(spent)
		slices.Sort(runnable)
		fmt.Printf("idle-runnable %.2f (each: %.2f)\nidle-cpu-ms %.1f (each: %.1f)\n",
			runnable[len(runnable)/2], runnable, spent[len(spent)/2], spent)
	default:
		t.Fatalf("unknown scenario %q", s.Scenario)
	}
}

// settleGo lets the Go runtime start the threads it needs for this
// program's sleeps and collections, and returns every thread then running:
// on a busy machine, one that wakes every few ms to run a timer waits for a
// CPU for much of the time, and only the library's threads are judged.
func settleGo(t *testing.T) map[string]bool {
	for range 5 {
		runtime.GC()
		time.Sleep(2 * time.Millisecond)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, task := range tasks {
		set[task.Name()] = true
	}
	return set
}

// runnableTimes returns, for each thread of this process not in skip, how
// long it has been running or waiting for a CPU (schedstat's first two
// fields). A worker that spins is runnable all the time, however busy the
// machine is, while the CPU it gets depends on the load; one that sleeps
// adds nothing.
func runnableTimes(t *testing.T, skip map[string]bool) map[string]time.Duration {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	times := map[string]time.Duration{}
	for _, task := range tasks {
		if skip[task.Name()] {
			continue
		}
		stat, err := os.ReadFile("/proc/self/task/" + task.Name() + "/schedstat")
		if err != nil {
			continue // the thread has ended
		}
		f := strings.Fields(string(stat))
		if len(f) < 2 {
			t.Fatalf("schedstat %q", stat)
		}
		running, err1 := strconv.ParseInt(f[0], 10, 64)
		waiting, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("schedstat %q", stat)
		}
		times[task.Name()] = time.Duration(running + waiting)
	}
	return times
}

// processCPU is the CPU time every thread of this process has used.
func processCPU(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
