package blasgonum

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/blasctl/blasctl"
)

// Parking: under blasctl.IdleSleep, the pthreads OpenBLAS's workers keep
// spinning for about 0.1 s after a call, and only blasctl.ParkWorkers
// stops them, which is safe only while no call is in flight. The gate
// knows when none is: when a call leaves its shard of the gate empty
// (shardEmptied) and blasctl.ParkWanted says the policy asks for it, a
// timer fires parkAfter after that call; if no call came meanwhile and
// every shard is empty, the parker closes the gate (parkMark inside each
// shard: every newcomer waits), calls ParkWorkers, and opens it again.
// Calls that follow each other closer than parkAfter never park, so
// back-to-back calls keep their pool; the first call after a park starts
// it again (one thread start per worker).
//
// The drop-in knows only its own calls: a program that also calls the
// library directly, outside the drop-in, must not use IdleSleep with the
// pthreads OpenBLAS (blasctl.ParkWorkers's contract).
var parker struct {
	once   sync.Once
	timer  *time.Timer
	armed  atomic.Bool  // the timer runs or is about to
	last   atomic.Int64 // when the gate last emptied, since parkEpoch
	parked atomic.Int64 // ParkWorkers calls made, for the tests
}

// parkAfter is how long the gate must stay empty before the parker parks:
// about the millisecond the idle policy promises.
const parkAfter = time.Millisecond

// parkMark is what the parker adds to each shard's count inside while it
// holds the gate closed: above any cap, so that every newcomer finds the
// gate full.
const parkMark = insideMask/2 + 1

// parkEpoch is the origin of parker.last: time.Since it is monotonic.
var parkEpoch = time.Now()

// shardEmptied runs when a goroutine leaving the wrapped implementation
// has left its shard of the gate empty. Under IdleSleep, with a pool only
// ParkWorkers stops, it arms the parker; otherwise it costs one atomic
// load.
func shardEmptied() {
	if !blasctl.ParkWanted() {
		return
	}
	parker.last.Store(int64(time.Since(parkEpoch)))
	if parker.armed.CompareAndSwap(false, true) {
		parker.once.Do(func() { parker.timer = time.AfterFunc(parkAfter, parkIfQuiet) })
		parker.timer.Reset(parkAfter)
	}
}

// parkIfQuiet parks the workers if the gate has stayed empty for
// parkAfter; if a call came after the gate last emptied, it waits again
// from that moment, and if a call is in flight it stops: that call's exit
// arms it again.
func parkIfQuiet() {
	for {
		quiet := time.Since(parkEpoch) - time.Duration(parker.last.Load())
		if quiet < parkAfter {
			parker.timer.Reset(parkAfter - quiet)
			return
		}
		if gate.closeIfEmpty() {
			break
		}
		parker.armed.Store(false)
		// A call that left before armed went false found it set and did
		// not arm: look once more.
		if gate.inside() == 0 && parker.armed.CompareAndSwap(false, true) {
			continue
		}
		return
	}
	if blasctl.ParkWanted() {
		if blasctl.ParkWorkers() == nil {
			parker.parked.Add(1)
		}
	}
	parker.armed.Store(false)
	gate.reopen(shardCount)
	gate.wake(int(gate.limit.Load()))
}
