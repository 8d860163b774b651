package blasgonum

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/blasctl/blasctl"
)

// The admission gate: every call of a wrapped implementation passes it
// (enter, from the top of each generated method), and at most about
// GOMAXPROCS goroutines are inside the wrapped implementation at once.
// The others wait before their scope starts, unlocked, parked by the Go
// scheduler, so that they hold no OS thread: a goroutine that waits while
// locked to its thread holds that thread, and Go never retires idle
// threads. A waiting goroutine loses nothing: GOMAXPROCS goroutines inside
// already get a fair share of one thread each.
//
// A goroutine already locked inside a blasctl scope or Limit of its own
// (WithThreads, WithFairShare, Limit, blasctltest.Pin around drop-in calls)
// never waits: it goes in over the cap (blasctl.InScope).
//
// The fast way in and out is one compare-and-swap and one atomic add on
// one word; only a goroutine that finds the gate full takes the mutex.
var gate gateState

// gateState is the gate's state. word holds the goroutines inside (low 32
// bits) and counts the admissions (high 32 bits), so that the cap follows
// runtime.GOMAXPROCS every refreshEvery admissions without a call to it on
// every call. waiters counts the goroutines queued, which enqueue under mu.
type gateState struct {
	word    atomic.Uint64
	limit   atomic.Int32 // the cap: runtime.GOMAXPROCS(0) when last read
	waiters atomic.Int32
	mu      sync.Mutex
	queue   []chan struct{} // guarded by mu, first in first out
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
		g.wake()
	}
	return uint64(c)
}

// enter admits the calling goroutine, waiting while the gate is full.
func (g *gateState) enter() {
	for {
		v := g.word.Load()
		if v&insideMask >= g.capacity() || g.waiters.Load() > 0 {
			break // full, or others queue first
		}
		if g.word.CompareAndSwap(v, v+inside+admitted) {
			if (v>>32+1)%refreshEvery == 0 {
				g.refresh()
			}
			return
		}
	}
	g.enterSlow()
}

// enterSlow admits the calling goroutine once there is room: at once if
// it is inside a blasctl scope (locked: it must not wait), else when a
// goroutine leaving hands it its place.
func (g *gateState) enterSlow() {
	c := g.refresh() // a queue is the moment to notice a new GOMAXPROCS
	if blasctl.InScope() {
		g.word.Add(inside + admitted)
		return
	}
	g.mu.Lock()
	g.waiters.Add(1)
	// Room made after the check above, before waiters counted this one:
	// take it, as no leaver will hand it over.
	if g.tryAdmit(c) {
		g.waiters.Add(-1)
		g.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	g.queue = append(g.queue, ch)
	g.mu.Unlock()
	<-ch // the leaver counted this goroutine inside
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

// exit lets a goroutine out: it hands its place to the first waiter, or
// leaves the gate one emptier. Over the cap (a lowered GOMAXPROCS, or
// goroutines let in from their scopes) it leaves without handing over.
func (g *gateState) exit() {
	if g.waiters.Load() > 0 && g.word.Load()&insideMask <= g.capacity() && g.handOff() {
		return
	}
	if g.word.Add(^uint64(inside-1))&insideMask == 0 {
		gateEmpty()
	}
	// A waiter that queued after the check above saw the gate full before
	// this add; wake it now.
	if g.waiters.Load() > 0 {
		g.wake()
	}
}

// handOff passes the calling goroutine's place to the first waiter, if
// any: the count inside stays.
func (g *gateState) handOff() bool {
	g.mu.Lock()
	if len(g.queue) == 0 {
		g.mu.Unlock()
		return false
	}
	ch := g.pop()
	g.mu.Unlock()
	close(ch)
	return true
}

// wake admits waiters while there is room.
func (g *gateState) wake() {
	g.mu.Lock()
	c := uint64(g.limit.Load())
	var woken []chan struct{}
	for len(g.queue) > 0 && g.tryAdmit(c) {
		woken = append(woken, g.pop())
	}
	g.mu.Unlock()
	for _, ch := range woken {
		close(ch)
	}
}

// pop dequeues the first waiter; mu is held.
func (g *gateState) pop() chan struct{} {
	ch := g.queue[0]
	g.queue[0] = nil
	g.queue = g.queue[1:]
	if len(g.queue) == 0 {
		g.queue = nil // let the backing array go
	}
	g.waiters.Add(-1)
	return ch
}

// gateEmpty runs when the last goroutine inside the wrapped implementation
// has left the gate (the count inside went to 0). Nothing is in flight at
// that moment, but a goroutine may enter right after, and waiters may still
// be queued (exit wakes them next). This is the place for work that needs
// no call in flight, such as parking the libraries' idle workers
// (blasctl.ParkWorkers); such work must first close the gate to newcomers
// itself. It does nothing today.
func gateEmpty() {}
