package blasctl_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/blasctl/blasctl/internal/libtest"
)

// cpuTick is the resolution of cpuTime: process times advance by clock
// ticks (Wine reads them from Linux's /proc, in 10 ms steps).
const cpuTick = 10 * time.Millisecond

// cpuTime is the CPU the process has used so far, user and kernel.
func cpuTime(t *testing.T) time.Duration {
	var creation, exit, kernel, user syscall.Filetime
	if err := syscall.GetProcessTimes(syscall.Handle(^uintptr(0)), &creation, &exit, &kernel, &user); err != nil {
		t.Fatal(err)
	}
	ticks := func(f syscall.Filetime) int64 { return int64(f.HighDateTime)<<32 | int64(f.LowDateTime) }
	return time.Duration(ticks(kernel)+ticks(user)) * 100 // 100 ns units
}

// libcFree is the C runtime's free, which a parallel region runs as its
// body: free(NULL) does nothing.
func libcFree(t *testing.T) uintptr {
	return libtest.Func(t, libtest.Open(t, "msvcrt.dll"), "free")
}
