package blasctl

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Admission to WithFairShare: at most GOMAXPROCS+admitSlack goroutines run
// inside it at once; the others wait before their scope starts, with their
// goroutine not locked to its OS thread, so that a waiting goroutine holds
// no thread. Their share would be 1 thread each anyway: GOMAXPROCS
// goroutines inside already keep every CPU busy.
//
// The slack is there because waiting costs more than it saves while the
// callers are few. With GOMAXPROCS goroutines in long C calls, every wait
// in Go (this admission, or a plain channel of GOMAXPROCS places) costs
// thread switches that are taken from the calls running: at 4 and 8
// goroutines each multiplying 256 x 256 matrices on 2 CPUs, admitting 2 at
// a time gave 0.85x to 0.90x the GFLOPS of letting all of them in, where
// the OS shares the CPUs among their threads. Up to GOMAXPROCS+admitSlack
// callers the OS does so; beyond that the callers wait, and unbounded
// goroutines keep at most GOMAXPROCS+admitSlack threads locked, within the
// GOMAXPROCS+8 more OS threads than the same calls without blasctl that
// TestProbeThreadGrowth allows.
//
// A free place goes to whoever asks first, a waiter or a caller arriving
// (as sync.Mutex does): a goroutine that makes many calls in a row keeps
// running, instead of handing its place over and waiting behind every
// other goroutine at each call (a goroutine switch per call cost 3 to 9
// times the wall time of 1000 goroutines making 16x16 dgemm calls). A
// leaving call does not wake a waiter at once: the leaver usually asks
// again within microseconds, and a waiter woken for a place the leaver
// then takes back only costs two thread switches. A place still free
// admitRecheck after a leave wakes the first waiter to try for it. A
// waiter that has waited admitStarve is handed the next place that a call
// leaves, so no waiter waits for ever behind callers that keep coming back.
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
	// admitStarve is how long a waiter may wait before the next place a
	// call leaves is handed to it.
	admitStarve = 2 * time.Millisecond
	// admitRecheck is how long after a leave a place must stay free for
	// the first waiter to be woken to try for it.
	admitRecheck = 50 * time.Microsecond
	// admitSlack is how many goroutines beyond GOMAXPROCS admission lets
	// in (see above).
	admitSlack = 6
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
	recheck  *time.Timer    // runs admitRecheckNow; created on first use
	armed    atomic.Bool    // recheck is pending
}

// admitWaiter is one goroutine waiting for admission.
type admitWaiter struct {
	ch     chan struct{} // a wake-up or a place handed over
	handed bool          // a place was handed over (under admit.mu)
	since  int64         // admitNow when it started to wait
}

// admitEpoch makes admitNow monotonic.
var admitEpoch = time.Now()

// admitNow is the monotonic time in nanoseconds since admitEpoch.
func admitNow() int64 { return int64(time.Since(admitEpoch)) }

// admitLimit is the number of calls admission lets in at once.
func admitLimit() int64 { return int64(runtime.GOMAXPROCS(0)) + admitSlack }

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
	start := admitNow()
	w.since = start
	admit.queue = append(admit.queue, w)
	admit.mu.Unlock()
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
				admitWakeLocked() // more places free: the next one tries
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

// admitLeave gives back a place admitEnter took. It hands the place to
// the first waiter if that one has waited admitStarve, or else leaves it
// to whoever asks first, and has admitRecheck wake the first waiter if
// the place is still free then.
func admitLeave() {
	admit.inside.Add(-1)
	if admit.waiting.Load() == 0 {
		return // no one to wake, nor to tell of progress
	}
	now := admitNow()
	admit.progress.Store(now)
	admit.mu.Lock()
	if len(admit.queue) > 0 {
		if w := admit.queue[0]; now-w.since > int64(admitStarve) && admitTake() {
			admit.queue = slices.Delete(admit.queue, 0, 1)
			admit.waiting.Add(-1)
			w.handed = true
			w.ch <- struct{}{}
			admit.mu.Unlock()
			return
		}
	}
	if admit.armed.CompareAndSwap(false, true) {
		if admit.recheck == nil {
			admit.recheck = time.AfterFunc(admitRecheck, admitRecheckNow)
		} else {
			admit.recheck.Reset(admitRecheck)
		}
	}
	admit.mu.Unlock()
}

// admitRecheckNow runs admitRecheck after a leave: if a place is free, it
// wakes the first waiter to try for it (one at a time: not while a woken
// waiter has not tried yet).
func admitRecheckNow() {
	admit.mu.Lock()
	defer admit.mu.Unlock()
	admit.armed.Store(false)
	admitWakeLocked()
}

// admitWakeLocked wakes the first waiter to try for a free place, if a
// place is free and no woken waiter has yet to try; admit.mu is held.
func admitWakeLocked() {
	if len(admit.queue) == 0 || admit.woken || admit.inside.Load() >= admitLimit() {
		return
	}
	w := admit.queue[0]
	admit.queue = slices.Delete(admit.queue, 0, 1)
	admit.woken = true
	w.ch <- struct{}{}
}
