package blasctl

import (
	"sync"
	"sync/atomic"
)

// membership is what a thread's outermost frame is to the fast groups
// (fastgroup.go).
type membership uint8

const (
	// notMember: the thread has no fast member; its frames hold their
	// knobs on the thread's stacks.
	notMember membership = iota
	// groupMember: the thread's outermost frame is a member of the fast
	// groups of fastLibs, for fastN. A member takes no frame id, since
	// ids are taken under counts.mu, which a joining member does not take:
	// it needs one only if a frame beginning inside it converts it.
	groupMember
	// convertedMember: a frame that began inside the member converted it
	// (convertFast): its holds are on the thread's stacks, under the frame
	// id convertedID, and it ends as a frame of the slow path does.
	convertedMember
)

// threadState is what blasctl keeps about one OS thread (by cdl.ThreadID).
// Only the goroutine locked to the thread changes it; atomics keep a later
// life of the same pthread_t ordered after the one that ended.
type threadState struct {
	tid int
	// depth counts the frames active on the thread: scopes and Limits.
	depth atomic.Int32
	// member says what the outermost frame is to the fast groups;
	// convertedID, fastN and fastLibs go with it (see membership). Only
	// the goroutine locked to the thread reads or writes them; a later
	// life of the same pthread_t reads them after depth, an atomic, has
	// come back to 0.
	member      membership
	convertedID uint64
	fastN       int
	fastLibs    []*lib
	// own are the holds of the thread's outermost scope when it keeps them
	// here (ownhold.go). Only the goroutine locked to the thread reads or
	// writes them, and releaseMoved under counts.mu.
	own ownHolds
	// fairDepth counts the WithFairShare calls active on the thread.
	fairDepth atomic.Int32
	// explicit lists the explicit counts active on the thread, outermost
	// first: one entry per WithThreads scope and per Limit not restored.
	// The innermost caps a WithFairShare share (explicitCap). Only the
	// goroutine locked to the thread reads or writes it; its backing array
	// is kept, so a warm scope makes no allocation. nExplicit is its
	// length, loaded before and stored after every change, so that the
	// next goroutine locked to the thread sees the slice its predecessor
	// left (the race detector does not see the scheduler's handover).
	explicit  []explicitCount
	nExplicit atomic.Int32
}

// explicitCount is one explicit count active on a thread: n, and the frame
// id of the Limit that set it (0 for a WithThreads scope, whose entries end
// last in, first out; a Limit's restore may come in any order).
type explicitCount struct {
	n     int
	limit uint64
}

// pushScope records a WithThreads scope of n on t until popScope.
func (t *threadState) pushScope(n int) {
	t.nExplicit.Load()
	t.explicit = append(t.explicit, explicitCount{n: n})
	t.nExplicit.Store(int32(len(t.explicit)))
}

// popScope forgets the innermost WithThreads scope of t: the last entry
// that is not a Limit's (scopes end in the order of the calls; a Limit
// taken inside one may still be there).
func (t *threadState) popScope() { t.drop(0) }

// pushLimit records the Limit whose frame id is id, of n, until dropLimit.
func (t *threadState) pushLimit(n int, id uint64) {
	t.nExplicit.Load()
	t.explicit = append(t.explicit, explicitCount{n: n, limit: id})
	t.nExplicit.Store(int32(len(t.explicit)))
}

// dropLimit forgets the Limit whose frame id is id, if t has it.
func (t *threadState) dropLimit(id uint64) { t.drop(id) }

// drop removes the last entry whose limit is id.
func (t *threadState) drop(id uint64) {
	if t.nExplicit.Load() == 0 {
		return
	}
	for i := len(t.explicit) - 1; i >= 0; i-- {
		if t.explicit[i].limit == id {
			t.explicit = append(t.explicit[:i], t.explicit[i+1:]...)
			break
		}
	}
	t.nExplicit.Store(int32(len(t.explicit)))
}

// threads finds the *threadState of an OS thread id: table is an
// open-addressed table of atomic pointers, never emptied, probed over a
// short run from the id's hash; ids that find no free slot there go to the
// overflow map. An entry stays once made: the table grows with the threads
// the process has run frames on, and no scope after the first on a thread
// allocates (BenchmarkWithThreads reports 0 allocs/op). The table is for
// speed: a lookup is a hash and an atomic load, where sync.Map alone would
// hash an interface on every scope. It needs no lock: its slots are atomic
// and sync.Map is safe for concurrent use.
var threads struct {
	table    [1 << 10]atomic.Pointer[threadState]
	overflow sync.Map
}

// threadProbes is how many slots of threads.table an id probes before it
// goes to the overflow map.
const threadProbes = 16

// threadStateOf returns the state of the OS thread tid, made on first use.
// tid 0, where the platform has no thread ids, gets a fresh state each
// time: goroutines are never merged.
func threadStateOf(tid int) *threadState {
	if tid == 0 {
		return new(threadState)
	}
	// pthread_t is an address: drop the low bits that alignment keeps at
	// 0, then mix (Fibonacci hashing).
	h := uint64(tid>>6) * 0x9e3779b97f4a7c15 >> 54
	var fresh *threadState
	for i := range uint64(threadProbes) {
		slot := &threads.table[(h+i)&(uint64(len(threads.table))-1)]
		t := slot.Load()
		if t == nil {
			if fresh == nil {
				fresh = &threadState{tid: tid}
			}
			if slot.CompareAndSwap(nil, fresh) {
				return fresh
			}
			t = slot.Load()
		}
		if t.tid == tid {
			return t
		}
	}
	if t, ok := threads.overflow.Load(tid); ok {
		return t.(*threadState)
	}
	t, _ := threads.overflow.LoadOrStore(tid, &threadState{tid: tid})
	return t.(*threadState)
}
