package blasctl

import (
	"runtime"
	"sync/atomic"

	"github.com/blasctl/blasctl/internal/cdl"
)

// knob is a control plus the bookkeeping that lets frames share it. All of
// its mutable fields are guarded by counts.mu.
type knob struct {
	ctl control
	// seq is ctl's count when ctl is a seqControl (seqcount.go), nil
	// otherwise; asked once here, not on every scope: the concrete type
	// makes the 8 calls that build and read a warm scope's two sequences
	// direct, 5-8 ns less than through the interface
	// (BenchmarkWithThreads, pthreads OpenBLAS; BENCHMARKS.md).
	seq *seqCount
	// perThread marks a count each OS thread has its own of (ScopeThread);
	// otherwise one count applies to the whole process (ScopeProcess).
	perThread bool
	// obj is the loaded object holding a per-thread count's C functions
	// (an intCount's or a localCount's), as identified when the library was
	// detected (zero otherwise, where it cannot be, or when they lie in two
	// objects): an own-hold scope's release checks that it is still there
	// without the loader's lock (ownhold.go).
	obj objectID

	// stacks holds, per OS thread, the active holds in the order they began.
	stacks map[int][]hold
	// holds counts the active holds on every thread.
	holds int
	// orig is a process-wide knob's value from before its first hold.
	orig int
	// group is the state of the knob's fast group (fastgroup.go), and
	// groupHold its hold's n while it has one (0 otherwise).
	group     atomic.Uint64
	groupHold int
	// retired holds the process-wide holds of Limits whose thread ended
	// without restoring them (limits.go): they stay in force for good.
	retired []hold
	// stranded holds, per OS thread, the value a per-thread count is to be
	// put back to: the saved value of the newest hold of a frame released
	// from another thread (releaseMoved). The next frame on the thread puts
	// it back (putBackStranded).
	stranded map[int]int
}

// hold is one frame's claim on a knob.
type hold struct {
	frame uint64
	n     int
	saved int // per-thread knobs: the raw value to put back
}

// newKnob makes the knob of control c, whose count applies as s says.
func newKnob(c control, s Scope) *knob {
	k := &knob{ctl: c, perThread: s == ScopeThread, stacks: map[int][]hold{}}
	if sc, ok := c.(seqControl); ok {
		k.seq = sc.sequence()
	}
	if k.perThread {
		k.obj = identifyAll(cFuncs(c)...)
	}
	return k
}

// cFuncs lists the C functions of a per-thread control whose calls are
// all C calls, nil for any other.
func cFuncs(c control) []uintptr {
	switch c := c.(type) {
	case intCount:
		return []uintptr{c.getFn, c.setFn}
	case localCount:
		return []uintptr{c.getMax, c.setLocal}
	}
	return nil
}

// identifyAll is the identity of the one object holding every pc, zero
// when there is none, or no lookup.
func identifyAll(pcs ...uintptr) objectID {
	if len(pcs) == 0 {
		return objectID{}
	}
	id := identify(pcs[0])
	for _, pc := range pcs[1:] {
		if identify(pc) != id {
			return objectID{}
		}
	}
	return id
}

// hold records f's claim on the knob and saves what it reads now. The
// count asked for is capped at the larger of the CPU count and the count
// that applies now: more threads than CPUs only oversubscribe, and several
// libraries start the threads a count needs at once and keep them (OpenBLAS,
// MKL, OpenMP runtimes) or abort when a huge count does not fit in memory.
func (k *knob) hold(f *frame) {
	h := hold{frame: f.id, n: f.n}
	if h.n > numCPU { // only then can the cap bite: skip the read otherwise
		h.n = min(h.n, max(numCPU, k.ctl.threads()))
	}
	if k.perThread {
		h.saved = k.ctl.get()
	} else {
		if k.holds == 0 {
			k.orig = k.ctl.get()
		}
		k.holds++
	}
	k.stacks[f.tid] = append(k.stacks[f.tid], h)
}

// holdApplyRead is hold, apply and the read of what applies, for a
// per-thread intCount k that is all a scope f holds (frame.soleThreadCount):
// the read of the value to save, the set of f.n and the read-back make one
// trip into C. It returns the read-back.
func (k *knob) holdApplyRead(f *frame) int {
	saved, got := k.saveApplyRead(f.n)
	k.stacks[f.tid] = append(k.stacks[f.tid], hold{frame: f.id, n: f.n, saved: saved})
	return got
}

// saveApplyRead reads a per-thread intCount k, sets it to n and reads it
// back, in one trip into C; it returns the value read before and after.
func (k *knob) saveApplyRead(n int) (saved, got int) {
	c := k.ctl.(intCount)
	var q cdl.Seq
	before := q.Add(c.getFn, 0)
	q.Add(c.setFn, uintptr(n))
	after := q.Add(c.getFn, 0)
	q.Run()
	return int(int32(q.Ret[before])), int(int32(q.Ret[after]))
}

// apply makes the knob read what its holds ask: a per-thread knob the
// newest hold of this thread, a process-wide one the smallest newest hold
// across threads.
func (k *knob) apply(f *frame) {
	if k.perThread {
		st := k.stacks[f.tid]
		k.ctl.set(st[len(st)-1].n)
		return
	}
	k.applyMin()
}

// reach is the Scope a Library reports for the knob's count.
func (k *knob) reach() Scope {
	if k.perThread {
		return ScopeThread
	}
	return ScopeProcess
}

// numCPU is the CPU count counts are capped at.
var numCPU = runtime.NumCPU()

// mismatch is a value that did not read back.
type mismatch struct{ wanted, got int }

// pop removes f's hold and puts back what the knob read before it; a hold
// that is not the newest on its thread hands its saved value to the next.
func (k *knob) pop(f *frame) *mismatch {
	st := k.stacks[f.tid]
	i := len(st) - 1
	for i >= 0 && st[i].frame != f.id {
		i--
	}
	if i < 0 {
		return nil // never held (it joined after f began) or already released
	}
	h := st[i]
	copy(st[i:], st[i+1:])
	st = st[:len(st)-1]
	k.stacks[f.tid] = st

	if k.perThread {
		if i < len(st) {
			st[i].saved = h.saved
			return nil
		}
		if f.moved {
			// Not this thread's count: the thread f began on keeps f's
			// until a frame there puts h.saved back.
			k.strand(f.tid, h.saved)
			return nil
		}
		if got := k.setRead(h.saved); got != h.saved {
			return &mismatch{h.saved, got}
		}
		return nil
	}
	return k.dropHold(false)
}

// strand records v as the value the per-thread knob k is to be put back to
// on the thread tid by the next frame there (putBackStranded); called with
// counts.mu held.
func (k *knob) strand(tid, v int) {
	if k.stranded == nil {
		k.stranded = map[int]int{}
	}
	if _, ok := k.stranded[tid]; !ok {
		counts.stranded.Add(1)
	}
	k.stranded[tid] = v
}

// dropHold takes one hold off a process-wide knob: the smallest of those
// left applies, or after the last the original value is put back and read
// back. Nothing is called when the library is gone.
func (k *knob) dropHold(gone bool) *mismatch {
	k.holds--
	if gone {
		return nil
	}
	if k.holds > 0 {
		k.applyMin()
		return nil
	}
	if got := k.setRead(k.orig); got != k.orig {
		return &mismatch{k.orig, got}
	}
	return nil
}

// setRead sets the knob to v and returns what its get reads then: in one
// trip into C for a control that is two plain C calls (knob.seq, and an
// intCount such as an OpenMP runtime's count, whose get is one call with
// nothing to translate), else through the control's set and get. The one
// trip is for speed: libgomp's warm scope went from 450 to 361 ns median
// (BenchmarkWithThreads/package, BLASCTL_BENCH_BUILD=libgomp; BENCHMARKS.md).
func (k *knob) setRead(v int) int {
	if k.seq != nil {
		_, got := k.setSeq(false, v)
		return got
	}
	if c, ok := k.ctl.(intCount); ok {
		var q cdl.Seq
		q.Add(c.setFn, uintptr(v))
		i := q.Add(c.getFn, 0)
		q.Run()
		return int(int32(q.Ret[i]))
	}
	k.ctl.set(v)
	return k.ctl.get()
}

// setSeq sets the knob to v, between a read of the value before it (when
// save; else before is 0) and a read-back, in one trip into C where the
// control allows (knob.seq). after is what the read-back returned: for
// such a control, also what calls run with.
func (k *knob) setSeq(save bool, v int) (before, after int) {
	c := k.seq
	if c == nil {
		if save {
			before = k.ctl.get()
		}
		k.ctl.set(v)
		return before, k.ctl.threads()
	}
	var s cdl.Seq
	first, last := addSet(&s, c, save, v)
	s.Run()
	return setResults(&s, c, first, last)
}

// minHold is the smallest count among the threads' newest holds and the
// fast group's hold, 0 if there is none.
func (k *knob) minHold() int {
	m := k.minStacks()
	if k.groupHold > 0 && (m == 0 || k.groupHold < m) {
		m = k.groupHold
	}
	return m
}

// minStacks is the smallest count among the threads' newest holds and the
// retired holds, 0 if there is none.
func (k *knob) minStacks() int {
	m := 0
	for _, st := range k.stacks {
		if len(st) > 0 && (m == 0 || st[len(st)-1].n < m) {
			m = st[len(st)-1].n
		}
	}
	for _, h := range k.retired {
		if m == 0 || h.n < m {
			m = h.n
		}
	}
	return m
}

// applyMin sets a process-wide knob to the smallest count among the
// threads' newest holds: a nested frame replaces its thread's outer one.
// It sets the count even when it already asked for the same one: the
// library may have changed it since (an unscoped call of an OpenMP
// OpenBLAS writes its global count from its own thread's OpenMP count; a
// library unloaded and loaded again starts from its default).
func (k *knob) applyMin() {
	if m := k.minHold(); m != 0 {
		k.ctl.set(m)
	}
}
