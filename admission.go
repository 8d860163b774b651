package blasctl

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Admission to WithFairShare: at most GOMAXPROCS goroutines run inside it
// at once; the others wait before their scope starts, with their goroutine
// not locked to its OS thread, so that a waiting goroutine holds no thread.
// Their share would be 1 thread each anyway: GOMAXPROCS goroutines inside
// already keep every CPU busy.
//
// fn may be anything, also a wait for a goroutine that itself waits for
// admission: a caller that has waited while no admitted call ended and no
// other caller entered for admitPatience enters anyway, one at a time, so
// every wait ends. Calls of a BLAS workload end far more often than that,
// so they never get there.

// admitPatience is how long admission waits without any progress (an
// admitted call ending, or another waiter entering anyway) before a waiter
// enters anyway.
const admitPatience = 20 * time.Millisecond

// admit is the admission state. inside and waiting are atomics for the
// path without waiters; mu guards queue and orders the hand-overs.
var admit struct {
	inside   atomic.Int64 // admitted calls running now
	waiting  atomic.Int64 // len(queue), readable without mu
	progress atomic.Int64 // time (UnixNano) of the last progress
	mu       sync.Mutex
	queue    []chan struct{} // first come, first admitted
}

// admitLimit is the number of calls admission lets in at once.
func admitLimit() int64 { return int64(runtime.GOMAXPROCS(0)) }

// admitEnter waits, unlocked, until the caller may enter, and reports
// whether it took one of the admitted places (false: it entered anyway
// after admitPatience without progress, and holds no place).
func admitEnter() bool {
	if admit.waiting.Load() == 0 && admitTake() {
		return true
	}
	ch := make(chan struct{}, 1)
	admit.mu.Lock()
	admit.queue = append(admit.queue, ch)
	admit.waiting.Add(1)
	admitDispatchLocked()
	admit.mu.Unlock()
	start := time.Now().UnixNano()
	t := time.NewTimer(admitPatience)
	defer t.Stop()
	for {
		select {
		case <-ch:
			return true
		case <-t.C:
		}
		now := time.Now().UnixNano()
		last := max(admit.progress.Load(), start)
		if wait := time.Duration(last + int64(admitPatience) - now); wait > 0 {
			t.Reset(wait)
			continue
		}
		admit.mu.Lock()
		select {
		case <-ch: // handed a place meanwhile
			admit.mu.Unlock()
			return true
		default:
		}
		// One at a time: the progress mark this one sets makes the next
		// waiter wait another admitPatience.
		if admit.progress.Load() > last {
			admit.mu.Unlock()
			t.Reset(admitPatience)
			continue
		}
		admitRemoveLocked(ch)
		admit.progress.Store(now)
		admit.mu.Unlock()
		return false
	}
}

// admitTake takes a place if one is free.
func admitTake() bool {
	lim := admitLimit()
	for {
		n := admit.inside.Load()
		if n >= lim {
			return false
		}
		if admit.inside.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// admitLeave gives back a place admitEnter took, handing it to the first
// waiter.
func admitLeave() {
	admit.inside.Add(-1)
	if admit.waiting.Load() == 0 {
		return // no one to hand the place to, nor to tell of progress
	}
	admit.progress.Store(time.Now().UnixNano())
	admit.mu.Lock()
	admitDispatchLocked()
	admit.mu.Unlock()
}

// admitDispatchLocked gives the free places to the first waiters; called
// with admit.mu held. A place taken here is the woken waiter's.
func admitDispatchLocked() {
	for len(admit.queue) > 0 && admitTake() {
		admit.queue[0] <- struct{}{}
		admit.queue[0] = nil
		admit.queue = admit.queue[1:]
		admit.waiting.Add(-1)
	}
}

// admitRemoveLocked takes ch out of the queue; called with admit.mu held.
func admitRemoveLocked(ch chan struct{}) {
	for i, c := range admit.queue {
		if c == ch {
			admit.queue = append(admit.queue[:i], admit.queue[i+1:]...)
			admit.waiting.Add(-1)
			return
		}
	}
}
