package blasgonum

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/blasctl/blasctl"
)

// The admission gate: every Level 2 and Level 3 call of a wrapped
// implementation passes it, and every Level 1 call of length from
// minWork1 (enter, from the top of each generated method), and at most
// about GOMAXPROCS goroutines are inside the wrapped implementation at
// once. The others wait before their scope starts, unlocked, parked by
// the Go scheduler, so that they hold no OS thread: a goroutine that waits
// while locked to its thread holds that thread, and Go never retires idle
// threads. A waiting goroutine loses nothing: GOMAXPROCS goroutines inside
// already get a fair share of one thread each.
//
// A Level 1 call below minWork1 goes straight through: it runs on the
// calling thread in every library, never in its pool, so parking cannot
// meet it, and the gate's atomic word would cost it more than the call
// itself from many goroutines. So does, while OpenBLAS alone is loaded, a
// gemv below OpenBLAS's one-thread cut-off whose buffer OpenBLAS keeps on
// the stack (oncaller.go): no pool thread and no lock.
//
// A goroutine already locked inside a blasctl scope or Limit of its own
// (WithThreads, WithFairShare, Limit, blasctltest.Pin around drop-in calls)
// never waits: it goes in over the cap (blasctl.InScope).
//
// The fast way in and out is one compare-and-swap and one atomic add on
// one word; only a goroutine that finds the gate full, or one leaving
// while others wait, takes the mutex. runtime.GOMAXPROCS(0) takes the
// scheduler's lock (20 ns on this project's 2-vCPU machine, more when
// contended), so the cap is cached and read again only every 4096
// admissions and whenever a goroutine finds the gate full.
//
// The gate is not re-entrant: a wrapped implementation that calls back
// into the wrapper (through blas64, say) from a call made outside any
// scope may wait at a full gate for places that only it can free.
var gate gateState

// gateState is the gate's state. word holds the goroutines inside (low 32
// bits) and counts the admissions (high 32 bits), so that the cap follows
// runtime.GOMAXPROCS every refreshEvery admissions without a call to it on
// every call. waiters counts the goroutines queued, which enqueue under mu.
type gateState struct {
	word atomic.Uint64
	// The fields below are read on every call and written rarely: a line
	// of their own, apart from word, which every call writes.
	_       [56]byte
	limit   atomic.Int32 // the cap: runtime.GOMAXPROCS(0) when last read
	waiters atomic.Int32
	// woken is set while a waiter exit woke has not yet looked for room:
	// exits meanwhile wake no other, as sync.Mutex does, so that a queue
	// that never empties (1000 callers) costs a wake per scheduling round,
	// not per call.
	woken atomic.Bool
	mu    sync.Mutex
	queue []chan struct{} // guarded by mu, first in first out
}

const (
	inside       = 1       // one goroutine inside, in word
	admitted     = 1 << 32 // one admission, in word
	insideMask   = admitted - 1
	refreshEvery = 1 << 12 // admissions between two reads of GOMAXPROCS
)

// entered is what enter returns: its exit method lets the goroutine out.
type entered struct{}

// enter lets the calling goroutine into the wrapped implementation,
// waiting (unlocked) while the gate is full. Every generated method calls
// it once, first:
//
//	defer w.enter().exit()
//
// so that the goroutine leaves on return and on panic alike.
func (w Implementation) enter() entered {
	gate.enter()
	return entered{}
}

// exit lets the goroutine out of the gate.
func (entered) exit() { gate.exit() }

// capacity returns the gate's cap, reading GOMAXPROCS the first time.
func (g *gateState) capacity() uint64 {
	if c := g.limit.Load(); c > 0 {
		return uint64(c)
	}
	return g.refresh()
}

// refresh reads runtime.GOMAXPROCS into the cap and returns it. A raised
// cap lets waiters in.
func (g *gateState) refresh() uint64 {
	c := int32(runtime.GOMAXPROCS(0))
	if old := g.limit.Swap(c); c > old && old > 0 && g.waiters.Load() > 0 {
		g.wake(int(c - old))
	}
	return uint64(c)
}

// enter admits the calling goroutine, waiting while the gate is full.
func (g *gateState) enter() {
	c := g.capacity()
	for {
		v := g.word.Load()
		if v&insideMask >= c {
			break
		}
		if g.word.CompareAndSwap(v, v+inside+admitted) {
			if (v>>32+1)%refreshEvery == 0 {
				g.refresh()
				lookLater() // a BLAS loaded since the last look (oncaller.go)
			}
			return
		}
	}
	g.enterSlow()
}

// enterSlow admits the calling goroutine once there is room: at once if
// it is inside a blasctl scope (locked: it must not wait), else when a
// goroutine leaving wakes it and it finds room. A woken goroutine competes
// with the ones arriving, as a goroutine does for a sync.Mutex: handing
// the place to a parked waiter would keep it empty until the scheduler
// runs that waiter, and a queue, once formed, would then never drain.
func (g *gateState) enterSlow() {
	c := g.refresh() // a full gate is the moment to notice a new GOMAXPROCS
	if blasctl.InScope() {
		g.enterOverCap()
		return
	}
	for {
		g.mu.Lock()
		g.waiters.Add(1)
		// Room made after the last look, before waiters counted this
		// goroutine: take it, as no leaver will wake it for that room.
		if g.tryAdmit(c) {
			g.waiters.Add(-1)
			g.mu.Unlock()
			return
		}
		ch := make(chan struct{})
		g.queue = append(g.queue, ch)
		g.mu.Unlock()
		<-ch // a leaver made room; others may take it first
		g.woken.Store(false)
		if g.tryAdmit(g.capacity()) {
			return
		}
	}
}

// enterOverCap admits a goroutine locked inside a blasctl scope over the
// cap. It waits only while the parker holds the gate closed (park.go), a
// wait as long as one blasctl.ParkWorkers call: no call may start then.
func (g *gateState) enterOverCap() {
	for {
		v := g.word.Load()
		if v&insideMask >= parkMark {
			runtime.Gosched()
			continue
		}
		if g.word.CompareAndSwap(v, v+inside+admitted) {
			return
		}
	}
}

// tryAdmit counts one goroutine inside if there is room under the cap c.
func (g *gateState) tryAdmit(c uint64) bool {
	for {
		v := g.word.Load()
		if v&insideMask >= c {
			return false
		}
		if g.word.CompareAndSwap(v, v+inside+admitted) {
			return true
		}
	}
}

// exit lets a goroutine out, and wakes the first waiter unless one woken
// earlier has not yet looked for room.
func (g *gateState) exit() {
	if g.word.Add(^uint64(inside-1))&insideMask == 0 {
		gateEmpty()
	}
	// Seen after the add: a waiter that counted itself before it is
	// queued (it queues under mu), and one that counted itself after it
	// finds the room itself. A woken waiter clears woken before it looks
	// for room, so an exit after that look wakes the next.
	if g.waiters.Load() > 0 && !g.woken.Load() && g.woken.CompareAndSwap(false, true) {
		if g.wake(1) == 0 {
			g.woken.Store(false)
		}
	}
}

// wake wakes up to n waiters, first come first, and returns how many.
func (g *gateState) wake(n int) int {
	g.mu.Lock()
	var woken []chan struct{}
	for ; n > 0 && len(g.queue) > 0; n-- {
		ch := g.queue[0]
		g.queue[0] = nil
		g.queue = g.queue[1:]
		g.waiters.Add(-1)
		woken = append(woken, ch)
	}
	if len(g.queue) == 0 {
		g.queue = nil // let the backing array go
	}
	g.mu.Unlock()
	for _, ch := range woken {
		close(ch)
	}
	return len(woken)
}
