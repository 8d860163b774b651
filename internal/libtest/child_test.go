package libtest

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestWatchdog starts children of this test that never end and checks
// that each is stopped with its goroutines' stacks in the output: by its
// own test timeout, and, without one, by SIGQUIT.
func TestWatchdog(t *testing.T) {
	if _, child := This(); child {
		time.Sleep(time.Hour) // a timer pending: no deadlock report, a hang
		return
	}
	env := append(os.Environ(), ChildEnv+`={"scenario":"hang"}`)
	t.Run("TestTimeout", func(t *testing.T) {
		cmd := Command("-test.run=^TestWatchdog$", "-test.v", "-test.timeout=1s")
		cmd.Env = env
		out, err, hung := runWatched(cmd, time.Minute)
		if err == nil || hung || !strings.Contains(out, "panic: test timed out") || !strings.Contains(out, "goroutine ") {
			t.Errorf("a child past its test timeout: err %v, hung %v, output:\n%s", err, hung, out)
		}
	})
	t.Run("SIGQUIT", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("Windows has no SIGQUIT: quit kills the child")
		}
		cmd := Command("-test.run=^TestWatchdog$", "-test.v")
		cmd.Env = env
		out, err, hung := runWatched(cmd, time.Second)
		if err == nil || !hung || !strings.Contains(out, "SIGQUIT") || !strings.Contains(out, "goroutine ") {
			t.Errorf("a child stopped by the watchdog: err %v, hung %v, output:\n%s", err, hung, out)
		}
	})
}
