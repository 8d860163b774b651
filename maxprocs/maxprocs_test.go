package maxprocs_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/blasctl/blasctl/maxprocs"
)

// capBuilds are the real libraries Set is tested against: a process-wide
// count, MKL, and a per-thread OpenMP runtime.
var capBuilds = []string{"openblas-pthread", "mkl", "libgomp"}

// TestSet runs each build in a child process started with GOMAXPROCS=1,
// below the count the test gives the library.
func TestSet(t *testing.T) {
	builds := libtest.Named(t, capBuilds...)
	for i := range builds {
		builds[i].Env = append(slices.Clip(builds[i].Env), "GOMAXPROCS=1")
	}
	libtest.PerBuild(t, builds, setSuite)
}

// logger collects what Set logs.
type logger struct{ lines []string }

func (l *logger) printf(format string, args ...any) {
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func setSuite(t *testing.T, b libtest.Build) {
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("child runs with GOMAXPROCS=%d, want 1", got)
	}
	runtime.LockOSThread() // per-thread counts are set and read on one thread
	defer runtime.UnlockOSThread()

	// Nothing loaded yet: nothing to do, and it says so.
	var log logger
	undo, err := maxprocs.Set(maxprocs.Logger(log.printf))
	if err != nil || undo == nil {
		t.Fatalf("Set with no library: undo %v, err %v", undo != nil, err)
	}
	undo()
	if len(log.lines) != 1 || !strings.Contains(log.lines[0], "no BLAS or OpenMP library") {
		t.Errorf("Set with no library logged %q", log.lines)
	}

	h := b.LoadAll(t)
	probe := libtest.Func(t, h, b.Probe)
	setter := libtest.Func(t, h, b.Setter)
	// prepare runs on a subtest's goroutine: it locks it to its thread and
	// gives the library there a count above GOMAXPROCS.
	prepare := func(t *testing.T) (start int) {
		runtime.LockOSThread()
		t.Cleanup(runtime.UnlockOSThread)
		libtest.Set(setter, 3) // MKL caps it at the CPU count
		start = libtest.Get(probe)
		if start < 2 {
			t.Skipf("%s keeps %d thread on this machine: nothing to cap", b.Name, start)
		}
		return start
	}
	// mine returns the lines that name the library under test (MKL also
	// loads libgomp).
	mine := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			if strings.Contains(l, b.InternalAPI+" (") || !strings.Contains(l, " (") {
				out = append(out, l)
			}
		}
		return out
	}

	t.Run("CapsAboveGOMAXPROCS", func(t *testing.T) {
		start := prepare(t)
		var log logger
		undo, err := maxprocs.Set(maxprocs.Logger(log.printf))
		if err != nil {
			t.Fatal(err)
		}
		if got := libtest.Get(probe); got != 1 {
			t.Errorf("after Set with GOMAXPROCS=1: %s reads %d", b.Name, got)
		}
		want := fmt.Sprintf("threads %d -> 1 to match GOMAXPROCS=1", start)
		lines := mine(log.lines)
		if len(lines) != 1 || !strings.Contains(lines[0], want) {
			t.Errorf("Set logged %q, want one line for %s with %q", log.lines, b.InternalAPI, want)
		}
		log.lines = nil
		undo()
		if got := libtest.Get(probe); got != start {
			t.Errorf("after undo: %s reads %d, want %d", b.Name, got, start)
		}
		if len(log.lines) != 1 || !strings.Contains(log.lines[0], "restored") {
			t.Errorf("undo logged %q", log.lines)
		}
	})

	t.Run("NeverRaises", func(t *testing.T) {
		start := prepare(t)
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(start + 5))
		var log logger
		undo, err := maxprocs.Set(maxprocs.Logger(log.printf))
		if err != nil {
			t.Fatal(err)
		}
		defer undo()
		if got := libtest.Get(probe); got != start {
			t.Errorf("GOMAXPROCS above the count: %s changed to %d, was %d", b.Name, got, start)
		}
		if len(log.lines) != 1 || !strings.Contains(log.lines[0], "nothing changed") {
			t.Errorf("Set logged %q", log.lines)
		}
	})
}
