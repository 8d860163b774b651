package blasctl

import (
	"sync"
	"sync/atomic"
)

// The engine: every scope and limit is a frame; enter saves every count the
// frame touches, then applies it and checks what the calling thread will run
// with; release puts each count back and reads it back. How the holds of
// many frames on one count combine is knob.go's; the fast groups, which
// let overlapping scopes on a process-wide count skip this file's lock,
// are fastgroup.go's. ARCHITECTURE.md lists every way in and out.
//
// Words, as the engine's identifiers and comments use them: a scope is one
// WithThreads or WithFairShare call, a limit one Limit until its restore, a
// frame the engine's record of either, a hold a frame's claim on one knob.
// Scope, the exported type, says whose calls a count applies to; a knob
// keeps it as perThread.

// counts is the lock on the libraries' counts and on the engine's record
// of who holds them, so that frames on many goroutines can overlap without
// losing a saved value. counts.mu guards:
//   - every knob's holds (stacks, retired, holds, orig, groupHold) and the
//     move of its fast group's member count between 0 and 1 (fastgroup.go);
//   - every call of a detected library's control, save the lock-free
//     reads and C sequences fastgroup.go and guardedseq.go make on a
//     seqCount, and the calls an own-hold scope makes of its thread's
//     built-in per-thread counts (ownhold.go; a CustomControl is promised
//     one call at a time);
//   - the writes of lib.gone;
//   - the fields below.
//
// Lock order: a Controller's mu (or a Limit's restore lock), then det.mu,
// then counts.mu; no lock of blasctl's is taken while counts.mu is held.
// A scope takes counts.mu, when it will need it, before it locks its
// goroutine to the thread (scopeentry.go).
// ARCHITECTURE.md lists every mutable package global and what guards it.
var counts struct {
	mu sync.Mutex
	// lastFrameID is the id of the newest frame (frame.id).
	lastFrameID uint64
	// limits lists the Limits not restored yet, by the thread they were
	// taken on (limits.go).
	limits map[int][]*frame
	// lastMark numbers the thread lives that took a Limit (markThread).
	lastMark uintptr
	// stranded counts the knobs' stranded values (knob.stranded); atomic,
	// written under mu, so that a scope's entry without the lock can tell
	// that it has none to put back (ownhold.go).
	stranded atomic.Int64
}

// newFrameID numbers a frame; called with counts.mu held.
func newFrameID() uint64 {
	counts.lastFrameID++
	return counts.lastFrameID
}

// frame is one active scope or limit.
type frame struct {
	id    uint64
	tid   int // the OS thread it runs on, locked from enter to release
	n     int
	libs  []*lib
	limit bool    // Limit uses process-wide controls where they exist
	mark  uintptr // a Limit's: the life of its thread (limits.go)
	ts    *threadState
	// moved: the frame is being released from a thread other than tid
	// (releaseMoved), so nothing per-thread may be called.
	moved bool
}

// knobs are the controls f holds on l, in the order they are applied and
// released: for a scope, its per-thread control (or the process-wide one
// where it has none); for a limit, the process-wide one. Where a library has
// both (MKL), the thread's own one is held too by a limit on a thread inside
// a scope that set it, so that the limit is the thread's innermost there.
// Elsewhere such a thread follows the process-wide count, the smallest of all
// limits.
func (f *frame) knobs(l *lib) (*knob, *knob) {
	if !f.limit {
		return l.scopeKnob(), nil
	}
	if l.proc != nil && l.thread != nil && (len(l.thread.stacks[f.tid]) > 0 || (f.ts.depth.Load() > 0 && f.ts.own.has(l.thread))) {
		return l.proc, l.thread
	}
	return l.limitKnob(), nil
}

// enterLocked applies f.n to every library of f and checks, on the calling
// thread, that none runs more than f.n threads. On failure it undoes
// everything it applied. Every value is saved before any is changed: one
// library's count can follow another's (MKL with no count of its own reads
// the thread's OpenMP count), and a saved value must be the original.
// Called with counts.mu held: a scope takes the lock before it locks its
// goroutine to the thread, so that it never waits while locked
// (scopeentry.go).
func enterLocked(f *frame) error {
	f.id = newFrameID()
	retireEnded(f.tid)
	convertFast(f.tid, f.ts)
	if counts.stranded.Load() > 0 {
		putBackStranded(f)
	}
	if k := f.soleThreadCount(); k != nil {
		// One library, one per-thread count: hold, apply and judge in one
		// trip into C, in the order the passes below make them.
		if got := k.holdApplyRead(f); got > f.n {
			err := f.libs[0].countError(opApply, f.n, got)
			releaseLocked(f)
			return err
		}
		return nil
	}
	for _, l := range f.libs {
		if !l.gone.Load() {
			f.eachKnob(l, func(k *knob) { k.hold(f) })
		}
	}
	for _, l := range f.libs {
		if !l.gone.Load() {
			f.eachKnob(l, func(k *knob) { k.apply(f) })
		}
	}
	for _, l := range f.libs {
		if l.gone.Load() {
			continue
		}
		// Judge what calls from this thread run with: the per-thread
		// control where the frame holds one (an OpenMP OpenBLAS runs each
		// call with the thread's OpenMP count, whatever its own global
		// count reads after another thread's unscoped call), and else
		// every count that applies to some of the calls (MKL's domains).
		k, also := f.knobs(l)
		if also != nil && also.perThread {
			k = also
		}
		got := k.ctl.threads()
		for _, d := range l.with(k) {
			got = max(got, d.ctl.threads())
		}
		if got > f.n {
			err := l.countError(opApply, f.n, got)
			releaseLocked(f)
			return err
		}
	}
	return nil
}

// soleThreadCount returns the one control a scope f holds when that is all
// the passes of enter would touch: f is a scope (not a Limit) of one loaded
// library whose scope control is a per-thread intCount, with nothing held
// beside it, and f.n within the CPU count (above it, hold's cap reads the
// count first). nil otherwise. The path exists for speed: one trip into C
// instead of three; libgomp's warm scope went from 306 to 248 ns median
// (BenchmarkWithThreads/package, BLASCTL_BENCH_BUILD=libgomp; BENCHMARKS.md).
func (f *frame) soleThreadCount() *knob {
	if f.limit || len(f.libs) != 1 || f.n > numCPU {
		return nil
	}
	l := f.libs[0]
	k, also := f.knobs(l)
	if l.gone.Load() || also != nil || len(l.with(k)) > 0 || !k.perThread {
		return nil
	}
	if _, ok := k.ctl.(intCount); !ok {
		return nil
	}
	return k
}

// release ends f and puts back what it changed; it returns the first
// library that does not read back the saved value.
func release(f *frame) error {
	refreshGone() // the owner may have unloaded a library since f began
	counts.mu.Lock()
	defer counts.mu.Unlock()
	return releaseLocked(f)
}

// releaseMoved ends f, which entered by how, from an OS
// thread other than f.tid, the one it began on: its goroutine was unlocked
// inside it and moved. It calls nothing per-thread, since this thread's
// counts are not the ones f saved: process-wide holds are released as
// release does, and per-thread ones leave the thread tid's stacks, their
// saved value going to the next hold there or, for the newest, to the
// knob's stranded values, which the next frame on tid puts back. Another
// goroutine may be locked to tid by now, so f.ts's member fields are
// changed under counts.mu, as convertFast reads them.
func releaseMoved(f *frame, how entryPath) error {
	refreshGone()
	counts.mu.Lock()
	if how == viaOwn {
		strandOwn(f)
		counts.mu.Unlock()
		return nil
	}
	if how == viaFast {
		if f.ts.member == groupMember {
			f.ts.member, f.ts.fastLibs = notMember, nil
			counts.mu.Unlock()
			return leaveGroups(f)
		}
		// convertedMember: a frame that began on tid converted it.
		f.id, f.ts.member = f.ts.convertedID, notMember
	}
	defer counts.mu.Unlock()
	f.moved = true
	return releaseLocked(f)
}

// putBackStranded sets the per-thread knobs of f's libraries that have a
// stranded value on f.tid (releaseMoved) to it, or to the newest hold left
// on the thread where there is one, before f saves any value. Called with
// counts.mu held, on the thread f.tid.
func putBackStranded(f *frame) {
	for _, l := range f.libs {
		if l.gone.Load() {
			continue
		}
		for _, k := range l.knobs() {
			v, ok := k.stranded[f.tid]
			if !ok {
				continue
			}
			delete(k.stranded, f.tid)
			counts.stranded.Add(-1)
			if st := k.stacks[f.tid]; len(st) > 0 {
				v = st[len(st)-1].n
			}
			k.ctl.set(v)
		}
	}
}

// releaseLocked releases the libraries in reverse order, and each
// library's controls in the order enter applied them.
func releaseLocked(f *frame) error {
	if f.limit {
		dropLimit(f)
	}
	var first error
	for i := len(f.libs) - 1; i >= 0; i-- {
		l := f.libs[i]
		if l.gone.Load() {
			continue
		}
		f.eachKnob(l, func(k *knob) {
			if err := k.pop(f); err != nil && first == nil {
				first = l.countError(opRestore, err.wanted, err.got)
			}
		})
	}
	return first
}

// eachKnob calls fn on every control f holds on l, in the order enter
// applies them: its own knob, the other one it holds beside it, and those
// held with the first (see lib.with).
func (f *frame) eachKnob(l *lib, fn func(*knob)) {
	k, also := f.knobs(l)
	fn(k)
	if also != nil {
		fn(also)
	}
	for _, d := range l.with(k) {
		fn(d)
	}
}
