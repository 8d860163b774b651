package blasctl

import (
	"runtime"
	"slices"
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
// A free place goes to whoever asks first, a waiter woken for it or a
// caller arriving (as sync.Mutex does): a goroutine that makes many short
// calls in a row keeps running, instead of handing its place over and
// waiting behind every other goroutine at each call (a goroutine switch
// per call cost 3 to 9 times the wall time of 1000 goroutines making
// 16x16 dgemm calls). One waiter at a time is woken to try; a woken waiter
// that has not got in within admitStarve is handed the next place, so no
// waiter waits for ever behind callers that keep arriving.
//
// fn may be anything, also a wait for a goroutine that itself waits for
// admission: a caller that has waited while no admitted call ended and no
// other caller entered for admitPatience enters anyway, one at a time, so
// every wait ends. Calls of a BLAS workload end far more often than that,
// so they never get there.

const (
	// admitPatience is how long admission waits without any progress (an
	// admitted call ending, or another waiter entering anyway) before a
	// waiter enters anyway.
	admitPatience = 50 * time.Millisecond
	// admitStarve is how long a woken waiter may fail to get in before the
	// next place is handed to it.
	admitStarve = time.Millisecond
)

// admit is the admission state. inside and waiting are atomics for the
// paths without waiters; mu guards the rest and orders the wake-ups.
var admit struct {
	inside   atomic.Int64 // admitted calls running now
	waiting  atomic.Int64 // waiters not admitted yet (queued or woken)
	progress atomic.Int64 // admitNow of the last progress
	escapes  atomic.Int64 // waiters that entered anyway, for the tests
	mu       sync.Mutex
	queue    []*admitWaiter // first come, first woken
	woken    bool           // a woken waiter has not tried yet
}

// admitWaiter is one goroutine waiting for admission.
type admitWaiter struct {
	ch      chan struct{} // a wake-up or a place handed over
	handed  bool          // a place was handed over (under admit.mu)
	wokenAt int64         // admitNow when first woken, 0 before
}

// admitEpoch makes admitNow monotonic.
var admitEpoch = time.Now()

// admitNow is the monotonic time in nanoseconds since admitEpoch.
func admitNow() int64 { return int64(time.Since(admitEpoch)) }

// admitLimit is the number of calls admission lets in at once.
func admitLimit() int64 { return int64(runtime.GOMAXPROCS(0)) }

// admitEnter waits, unlocked, until the caller may enter, and reports
// whether it took one of the admitted places (false: it entered anyway
// after admitPatience without progress, and holds no place).
func admitEnter() bool {
	if admitTake() {
		return true
	}
	return admitWait()
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

// admitWait queues the caller and waits for a place.
func admitWait() bool {
	w := &admitWaiter{ch: make(chan struct{}, 1)}
	admit.mu.Lock()
	// waiting first, then the place: a leaver gives its place back first,
	// then reads waiting, so one of the two sees the other.
	admit.waiting.Add(1)
	if admitTake() {
		admit.waiting.Add(-1)
		admit.mu.Unlock()
		return true
	}
	admit.queue = append(admit.queue, w)
	admit.mu.Unlock()
	start := admitNow()
	t := time.NewTimer(admitPatience)
	defer t.Stop()
	for {
		select {
		case <-w.ch:
			admit.mu.Lock()
			if w.handed {
				admit.mu.Unlock()
				return true
			}
			admit.woken = false
			if admitTake() {
				admit.waiting.Add(-1)
				admit.mu.Unlock()
				return true
			}
			// Another caller took the place first: back to the head.
			admit.queue = slices.Insert(admit.queue, 0, w)
			admit.mu.Unlock()
			continue
		case <-t.C:
		}
		now := admitNow()
		last := max(admit.progress.Load(), start)
		if wait := time.Duration(last + int64(admitPatience) - now); wait > 0 {
			t.Reset(wait)
			continue
		}
		admit.mu.Lock()
		i := slices.Index(admit.queue, w)
		if w.handed || i < 0 || admit.progress.Load() > last {
			// Handed a place or woken meanwhile (w.ch says which), or
			// progress: wait on.
			admit.mu.Unlock()
			t.Reset(admitPatience)
			continue
		}
		admit.queue = slices.Delete(admit.queue, i, i+1)
		admit.waiting.Add(-1)
		// One at a time: this progress mark makes the next waiter wait
		// another admitPatience.
		admit.progress.Store(now)
		admit.escapes.Add(1)
		admit.mu.Unlock()
		return false
	}
}

// admitLeave gives back a place admitEnter took, and wakes a waiter to
// try for it, or hands it to a waiter woken more than admitStarve ago.
func admitLeave() {
	admit.inside.Add(-1)
	if admit.waiting.Load() == 0 {
		return // no one to wake, nor to tell of progress
	}
	now := admitNow()
	admit.progress.Store(now)
	admit.mu.Lock()
	defer admit.mu.Unlock()
	if len(admit.queue) == 0 {
		return
	}
	w := admit.queue[0]
	switch {
	case w.wokenAt != 0 && now-w.wokenAt > int64(admitStarve) && admitTake():
		admit.queue = slices.Delete(admit.queue, 0, 1)
		admit.waiting.Add(-1)
		w.handed = true
		w.ch <- struct{}{}
	case !admit.woken:
		admit.queue = slices.Delete(admit.queue, 0, 1)
		admit.woken = true
		if w.wokenAt == 0 {
			w.wokenAt = now
		}
		w.ch <- struct{}{}
	}
}
