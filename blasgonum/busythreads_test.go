package blasgonum

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// taskTimes returns the CPU time (user + system, in clock ticks) of each of
// the process's threads, by thread id.
func taskTimes(t *testing.T) map[string]int {
	t.Helper()
	dirs, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	times := map[string]int{}
	for _, d := range dirs {
		b, err := os.ReadFile("/proc/self/task/" + d.Name() + "/stat")
		if err != nil {
			continue // the thread ended
		}
		// Fields after the command name (in parentheses): utime and stime
		// are the 12th and 13th.
		_, rest, _ := strings.Cut(string(b), ") ")
		f := strings.Fields(rest)
		u, _ := strconv.Atoi(f[11])
		s, _ := strconv.Atoi(f[12])
		times[d.Name()] = u + s
	}
	return times
}

// busyThreads runs call repeatedly for about 300 ms and returns how many
// of the process's threads were busy meanwhile (busyThreadList).
func busyThreads(t *testing.T, call func()) int {
	t.Helper()
	return len(busyThreadList(t, call))
}

// busyThreadList runs call repeatedly for about 300 ms and names the
// process's threads that were busy meanwhile, with the CPU time each used:
// those that used at least a third of the CPU time of the busiest. It
// first runs call for 200 ms unmeasured: an OpenBLAS thread busy-waits for
// work a while after its last call, which an earlier count may have given
// it.
func busyThreadList(t *testing.T, call func()) []string {
	t.Helper()
	for start := time.Now(); time.Since(start) < 200*time.Millisecond; {
		call()
	}
	before := taskTimes(t)
	for start := time.Now(); time.Since(start) < 300*time.Millisecond; {
		call()
	}
	after := taskTimes(t)
	most := 0
	for id, v := range after {
		most = max(most, v-before[id])
	}
	var busy []string
	for id, v := range after {
		if d := v - before[id]; d > 0 && 3*d >= most {
			name, _ := os.ReadFile("/proc/self/task/" + id + "/comm")
			busy = append(busy, fmt.Sprintf("%s %s: %d ticks", id, strings.TrimSpace(string(name)), d))
		}
	}
	return busy
}
