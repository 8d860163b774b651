package blasctl_test

import (
	"encoding/json"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// The documented cost of a goroutine blocked inside a scope: it stays
// locked to its OS thread, so runtime/debug.SetMaxThreads counts one thread
// for each. These are documented behaviour (WithThreads, README's Known
// limits), not bugs: the probes hold the documents to the figures.

// blockedGoroutines is how many goroutines block at once, and
// maxThreadsDoc the limit the documents name.
const (
	blockedGoroutines = 60
	maxThreadsDoc     = 40
)

// osThreads reads the process's thread count from /proc/self/status.
func osThreads(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads line in /proc/self/status")
	return 0
}

// blockAll starts blockedGoroutines goroutines that each run wrap around
// a wait on a channel, waits until all of them are waiting, and returns
// the thread count then; the goroutines end before it returns.
func blockAll(t *testing.T, wrap func(fn func()) error) int {
	var ready, done sync.WaitGroup
	release := make(chan struct{})
	for range blockedGoroutines {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			if err := wrap(func() { ready.Done(); <-release }); err != nil {
				t.Error(err)
				ready.Done()
			}
		}()
	}
	ready.Wait()
	time.Sleep(50 * time.Millisecond) // let the runtime park what it parks
	n := osThreads(t)
	close(release)
	done.Wait()
	return n
}

// TestProbeMaxThreadsBlockedInScopes: 60 goroutines blocked inside scopes
// (libgomp loaded) hold at least 60 OS threads, where the same goroutines
// blocked without blasctl stay under debug.SetMaxThreads(40); with that
// limit set, the program inside scopes ends with the runtime's "thread
// exhaustion".
func TestProbeMaxThreadsBlockedInScopes(t *testing.T) {
	scenario, child := libtest.Scenario()
	if child && strings.HasPrefix(scenario, "max-threads-") {
		libtest.Open(t, libgomp)
		if strings.HasSuffix(scenario, "-limited") {
			debug.SetMaxThreads(maxThreadsDoc)
		}
		plain := func(fn func()) error { fn(); return nil }
		scoped := func(fn func()) error { return blasctl.WithThreads(1, fn) }
		switch scenario {
		case "max-threads-outside-limited":
			n := blockAll(t, plain)
			t.Logf("figures: %d goroutines blocked without blasctl: %d OS threads", blockedGoroutines, n)
		case "max-threads-inside":
			without := blockAll(t, plain)
			n := blockAll(t, scoped)
			if n <= blockedGoroutines {
				t.Errorf("%d goroutines blocked inside scopes run on %d OS threads: the documents say each holds one", blockedGoroutines, n)
			}
			if without >= maxThreadsDoc {
				t.Errorf("%d goroutines blocked without blasctl run on %d OS threads: the documents say fewer than %d", blockedGoroutines, without, maxThreadsDoc)
			}
			t.Logf("figures: %d goroutines blocked: %d OS threads without blasctl, %d inside WithThreads", blockedGoroutines, without, n)
		case "max-threads-inside-limited":
			blockAll(t, scoped)
			t.Error("the limit was not exceeded")
		}
		return
	} else if child {
		t.SkipNow()
	}
	libtest.Child{Test: t.Name(), Build: libtest.Build{Load: []string{libgomp}}, Scenario: "max-threads-outside-limited"}.Run(t)
	libtest.Child{Test: t.Name(), Build: libtest.Build{Load: []string{libgomp}}, Scenario: "max-threads-inside"}.Run(t)

	// The limited child inside scopes must end with the runtime's fatal
	// error: run it directly, since libtest.Child fails on a failing child.
	spec, err := json.Marshal(libtest.Spec{Load: []string{libgomp}, Scenario: "max-threads-inside-limited"})
	if err != nil {
		t.Fatal(err)
	}
	cmd := libtest.Command("-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), libtest.ChildEnv+"="+string(spec))
	stop := time.AfterFunc(3*time.Minute, func() { _ = cmd.Process.Kill() })
	out, err := cmd.CombinedOutput()
	stop.Stop()
	if err == nil || !strings.Contains(string(out), "thread exhaustion") {
		t.Fatalf("%d goroutines blocked inside scopes under debug.SetMaxThreads(%d): %v, want the runtime's thread exhaustion:\n%s", blockedGoroutines, maxThreadsDoc, err, out)
	}
	t.Logf("figures: under debug.SetMaxThreads(%d), %d goroutines blocked inside scopes end the program: %s", maxThreadsDoc, blockedGoroutines, firstLine(string(out), "exceeds"))
}

// firstLine returns the first line of out that holds s.
func firstLine(out, s string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
