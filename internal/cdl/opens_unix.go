//go:build linux || darwin

package cdl

import (
	"sync"
	"sync/atomic"
)

// opens counts the handles OpenNoLoad has returned. musl's loader adds one
// to its load counter (dlpi_adds) for every dlopen that succeeds, also one
// that only finds an object already loaded; taking blasctl's own opens away
// leaves the loads others made. OpenNoLoad holds the read lock across its
// dlopen and the count, so a holder of the write lock sees no open half
// done: the loader's counter and this one agree.
var opens struct {
	mu sync.RWMutex
	n  atomic.Uint64
}

// LockOpens waits for the OpenNoLoad calls in progress, holds off new ones
// until UnlockOpens, and returns how many handles OpenNoLoad has returned.
// The caller must not call OpenNoLoad before UnlockOpens.
func LockOpens() uint64 {
	opens.mu.Lock()
	return opens.n.Load()
}

// UnlockOpens lets OpenNoLoad calls run again.
func UnlockOpens() { opens.mu.Unlock() }

// openCounted runs open, counting the handle it returns.
func openCounted(path string, open func(string) uintptr) uintptr {
	opens.mu.RLock()
	defer opens.mu.RUnlock()
	h := open(path)
	if h != 0 {
		opens.n.Add(1)
	}
	return h
}
