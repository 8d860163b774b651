package blasctl_test

import (
	"testing"

	"github.com/blasctl/blasctl"
)

// BenchmarkCallGuard is what blasgonum adds to every call it passes on
// while no library unsafe from two threads is loaded: CallGuard, Lock and
// Unlock of the Locker that does nothing.
func BenchmarkCallGuard(b *testing.B) {
	if _, err := blasctl.Libraries(); err != nil {
		b.Skip(err)
	}
	b.ReportAllocs()
	calls := 0
	for b.Loop() {
		g := blasctl.CallGuard()
		g.Lock()
		calls++ // the call it guards
		g.Unlock()
	}
}
