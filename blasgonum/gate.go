package blasgonum

import (
	"runtime"
	"sync"
	"sync/atomic"
	_ "unsafe" // go:linkname

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
// never waits: it goes in over the cap (blasctl.InScope), and takes none
// of the places of the goroutines outside scopes, whose threads the cap
// bounds: a goroutine in a scope holds its thread already.
//
// The fast way in and out is one compare-and-swap and one atomic add on
// a word of the gate's own shard for the processor (P) the goroutine runs
// on, which other processors seldom touch. A single word for the whole
// gate moved between the CPUs' caches at every call from many goroutines:
// through a wrapper of an implementation that does nothing, a 16^3 Dgemm
// from 1000 goroutines took 60 ns a call with one word and 20 ns with a
// shard per P, against 28 ns from one goroutine (BenchmarkWrapperCost, 2
// CPUs). The gate's GOMAXPROCS places are spread over the shards, a
// place each for the first GOMAXPROCS shards; a goroutine whose shard is
// full (its place held by a call preempted or blocked in C, or by a
// goroutine that moved to another P) takes a free place of another shard
// before it waits, so the gate is full only when all its places are.
// Only a goroutine that finds the gate full, or one leaving while others
// wait, takes the mutex. runtime.GOMAXPROCS(0) takes the scheduler's lock
// (20 ns on this project's 2-vCPU machine, more when contended), so the cap
// is cached and read again only every 4096 admissions of a shard and
// whenever a goroutine finds its shard full.
//
// The gate is not re-entrant: a wrapped implementation that calls back
// into the wrapper (through blas64, say) from a call made outside any
// scope may wait at a full gate for places that only it can free.
var gate gateState

// gateState is the gate's state: its shards, the cap, and the goroutines
// queued, which enqueue under mu.
type gateState struct {
	_      [cacheLine]byte // keeps the first shard's word off others' line
	shards [shardCount]gateShard
	// The fields below are read on every exit and written rarely.
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

// gateShard is one shard of the gate, a cache line of its own. word holds
// the goroutines inside through it (low 32 bits) and counts its admissions
// (high 32 bits), so that the cap follows runtime.GOMAXPROCS every
// refreshEvery admissions without a call to it on every call; places is
// its share of the cap.
type gateShard struct {
	word   atomic.Uint64
	places atomic.Uint32
	_      [cacheLine - 12]byte
}

const (
	inside       = 1       // one goroutine inside, in word
	admitted     = 1 << 32 // one admission, in word
	insideMask   = admitted - 1
	refreshEvery = 1 << 12 // a shard's admissions between two reads of GOMAXPROCS
	shardCount   = 64      // P number p uses shard p % shardCount
	cacheLine    = 128     // the widest cache line of the CPUs Go runs on
)

// procPin returns the number of the P the goroutine runs on, and keeps it
// there until procUnpin: the runtime's own, kept for outside packages
// (go.dev/issue/67401). The gate unpins at once: the number picks a shard,
// and a goroutine that moves on costs only a word another P touches.
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// entered is what enter returns: its exit method lets the goroutine out
// of the shard it entered by.
type entered struct{ s *gateShard }

// enter lets the calling goroutine into the wrapped implementation,
// waiting (unlocked) while the gate is full. Every generated method calls
// it once, first:
//
//	defer w.enter().exit()
//
// so that the goroutine leaves on return and on panic alike.
func (w Implementation) enter() entered { return entered{gate.enter()} }

// exit lets the goroutine out of the gate.
func (e entered) exit() { gate.exit(e.s) }

// placesOf is the share of a cap c that shard i holds.
func placesOf(i int, c int32) uint32 {
	n := c / shardCount
	if int32(i) < c%shardCount {
		n++
	}
	return uint32(n)
}

// refresh reads runtime.GOMAXPROCS into the cap and the shards' places.
// A raised cap lets waiters in.
func (g *gateState) refresh() {
	c := int32(runtime.GOMAXPROCS(0))
	if g.limit.Load() == c {
		return
	}
	old := g.limit.Swap(c)
	// Two goroutines refreshing at once, each with its own c: the last to
	// finish sets the places again if the cap is no longer its own.
	for next := c; ; {
		for i := range g.shards {
			g.shards[i].places.Store(placesOf(i, next))
		}
		if next = g.limit.Load(); next == c {
			break
		}
		c = next
	}
	if c > old && old > 0 && g.waiters.Load() > 0 {
		g.wake(int(c - old))
	}
}

// enter admits the calling goroutine, waiting while the gate is full, and
// returns the shard it entered by.
func (g *gateState) enter() *gateShard {
	p := procPin()
	procUnpin()
	s := &g.shards[p%shardCount]
	v := s.word.Load()
	if v&insideMask < uint64(s.places.Load()) && s.word.CompareAndSwap(v, v+inside+admitted) {
		if (v>>32+1)%refreshEvery == 0 {
			g.refresh()
			lookLater() // a BLAS loaded since the last look (oncaller.go)
		}
		return s
	}
	return g.enterSlow(s)
}

// enterSlow admits the calling goroutine, whose own shard s was full, once
// there is room: at once if another shard has a free place or if it is
// inside a blasctl scope (locked: it must not wait), else when a goroutine
// leaving wakes it and it finds room. A woken goroutine competes with the
// ones arriving, as a goroutine does for a sync.Mutex: handing the place to
// a parked waiter would keep it empty until the scheduler runs that
// waiter, and a queue, once formed, would then never drain.
func (g *gateState) enterSlow(s *gateShard) *gateShard {
	g.refresh() // a full shard is the moment to notice a new GOMAXPROCS
	if in := g.tryAdmit(); in != nil {
		return in
	}
	if blasctl.InScope() {
		g.enterOverCap(s)
		return s
	}
	for {
		g.mu.Lock()
		g.waiters.Add(1)
		// Room made after the last look, before waiters counted this
		// goroutine: take it, as no leaver will wake it for that room.
		if in := g.tryAdmit(); in != nil {
			g.waiters.Add(-1)
			g.mu.Unlock()
			return in
		}
		ch := make(chan struct{})
		g.queue = append(g.queue, ch)
		g.mu.Unlock()
		<-ch // a leaver made room; others may take it first
		g.woken.Store(false)
		if in := g.tryAdmit(); in != nil {
			return in
		}
	}
}

// enterOverCap admits a goroutine locked inside a blasctl scope over the
// cap, by its own shard s. It waits only while the parker holds the gate
// closed (park.go), a wait as long as one blasctl.ParkWorkers call: no
// call may start then.
func (g *gateState) enterOverCap(s *gateShard) {
	for {
		v := s.word.Load()
		if v&insideMask >= parkMark {
			runtime.Gosched()
			continue
		}
		if s.word.CompareAndSwap(v, v+inside+admitted) {
			return
		}
	}
}

// tryAdmit counts one goroutine inside the first shard with a free place,
// and returns that shard, or nil if the gate is full.
func (g *gateState) tryAdmit() *gateShard {
	for i := range min(int(g.limit.Load()), shardCount) {
		s := &g.shards[i]
		for {
			v := s.word.Load()
			if v&insideMask >= uint64(s.places.Load()) {
				break
			}
			if s.word.CompareAndSwap(v, v+inside+admitted) {
				return s
			}
		}
	}
	return nil
}

// exit lets a goroutine out by the shard s it entered by, and wakes the
// first waiter unless one woken earlier has not yet looked for room.
func (g *gateState) exit(s *gateShard) {
	if s.word.Add(^uint64(inside-1))&insideMask == 0 {
		shardEmptied()
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

// inside returns how many goroutines the gate counts inside (the parker's
// mark included while it holds the gate closed).
func (g *gateState) inside() int {
	n := 0
	for i := range g.shards {
		n += int(g.shards[i].word.Load() & insideMask)
	}
	return n
}

// closeIfEmpty closes every shard (parkMark inside: every newcomer finds
// it full) if no goroutine is inside, and reports whether it did.
func (g *gateState) closeIfEmpty() bool {
	for i := range g.shards {
		s := &g.shards[i]
		for {
			v := s.word.Load()
			if v&insideMask != 0 {
				g.reopen(i)
				return false
			}
			if s.word.CompareAndSwap(v, v+parkMark) {
				break
			}
		}
	}
	return true
}

// reopen opens the first n shards that closeIfEmpty closed.
func (g *gateState) reopen(n int) {
	for i := range n {
		g.shards[i].word.Add(^uint64(parkMark - 1))
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
