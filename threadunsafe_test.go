package blasctl_test

import (
	"sync"
	"testing"

	"github.com/blasctl/blasctl"
)

// testThreadUnsafe: Libraries reports ThreadUnsafe for the build that is
// not safe to call from two threads at once (Debian's serial OpenBLAS,
// built without USE_LOCKING) and for no other library (the serial OpenBLAS
// built with USE_LOCKING included), and CallGuard hands out its one mutex
// exactly then. Part of TestRealLibraries's report test, on every build.
func (tg *target) testThreadUnsafe(t *testing.T, libs []blasctl.Library) {
	for _, l := range libs {
		want := tg.build.Unlocked && l.InternalAPI == tg.build.InternalAPI
		if l.ThreadUnsafe != want {
			t.Errorf("%s (%s): ThreadUnsafe %v, want %v", l.InternalAPI, l.Filepath, l.ThreadUnsafe, want)
		}
	}
	g1, g2 := blasctl.CallGuard(), blasctl.CallGuard()
	mu, isMutex := g1.(*sync.Mutex)
	if isMutex != tg.build.Unlocked || g1 != g2 {
		t.Errorf("CallGuard returned %T and %T, want the one mutex: %v", g1, g2, tg.build.Unlocked)
	}
	if isMutex {
		if !mu.TryLock() {
			t.Fatal("CallGuard's mutex is held with no call running")
		}
		mu.Unlock()
	}
}
