package blasctl

import (
	"runtime"
	"sync"
)

// reg serialises every change blasctl makes to a library's count, so that
// scopes on many goroutines can overlap without losing a saved value.
var reg struct {
	mu     sync.Mutex
	nextID uint64
}

// frame is one active scope (WithThreads) or limit (Limit).
type frame struct {
	id    uint64
	tid   int // the OS thread it runs on, locked from enter to release
	n     int
	libs  []*lib
	limit bool // Limit uses process-wide controls where they exist
}

// knobs are the controls f holds on l, in the order they are applied and
// released: for a scope, its per-thread control (or the process-wide one
// where it has none); for a limit, the process-wide one. Where a library has
// both, the other one is held too in two cases: always when the library asks
// for both (an OpenMP OpenBLAS: its process-wide setter also writes the
// calling thread's OpenMP count, so that count is released after it), and
// for a limit on a thread inside a scope that set the thread's own count
// (MKL), so that the limit is the thread's innermost there. Elsewhere such a
// thread follows the process-wide count, the smallest of all limits.
func (f *frame) knobs(l *lib) (*knob, *knob) {
	if l.proc != nil && l.thread != nil && l.bothKnobs {
		return l.proc, l.thread
	}
	if !f.limit {
		return l.scopeKnob(), nil
	}
	if l.proc != nil && l.thread != nil && len(l.thread.stacks[f.tid]) > 0 {
		return l.proc, l.thread
	}
	return l.limitKnob(), nil
}

// enter applies f.n to every library of f and checks, on the calling
// thread, that none runs more than f.n threads. On failure it undoes
// everything it applied. Every value is saved before any is changed: one
// library's count can follow another's (MKL with no count of its own reads
// the thread's OpenMP count), and a saved value must be the original.
func enter(f *frame) error {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	reg.nextID++
	f.id = reg.nextID
	for _, l := range f.libs {
		if !l.gone {
			k, also := f.knobs(l)
			k.hold(f)
			if also != nil {
				also.hold(f)
			}
		}
	}
	for _, l := range f.libs {
		if !l.gone {
			k, also := f.knobs(l)
			k.apply(f)
			if also != nil {
				also.apply(f)
			}
		}
	}
	for _, l := range f.libs {
		if l.gone {
			continue
		}
		// Judge what calls from this thread run with: the per-thread
		// control where the frame holds one (an OpenMP OpenBLAS runs each
		// call with the thread's OpenMP count, whatever its own global
		// count reads after another thread's unscoped call).
		k, also := f.knobs(l)
		if also != nil && also.scope == ScopeThread {
			k = also
		}
		if got := k.ctl.threads(); got > f.n {
			err := &CountError{Op: opApply, Library: l.info, Wanted: f.n, Got: got}
			releaseLocked(f)
			return err
		}
	}
	return nil
}

// release ends f and puts back what it changed; it returns the first
// library that does not read back the saved value.
func release(f *frame) error {
	refreshGone() // the owner may have unloaded a library since f began
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return releaseLocked(f)
}

// releaseLocked releases the libraries in reverse order, and each
// library's controls in the order enter applied them.
func releaseLocked(f *frame) error {
	var first error
	for i := len(f.libs) - 1; i >= 0; i-- {
		l := f.libs[i]
		if l.gone {
			continue
		}
		k, also := f.knobs(l)
		for _, k := range [2]*knob{k, also} {
			if k == nil {
				continue
			}
			if err := k.pop(f); err != nil && first == nil {
				first = &CountError{Op: opRestore, Library: l.info, Wanted: err.wanted, Got: err.got}
			}
		}
	}
	return first
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
	if k.scope == ScopeThread {
		h.saved = k.ctl.get()
	} else {
		if k.holds == 0 {
			k.orig = k.ctl.get()
		}
		k.holds++
	}
	k.stacks[f.tid] = append(k.stacks[f.tid], h)
}

// apply makes the knob read what its holds ask: a per-thread knob the
// newest hold of this thread, a process-wide one the smallest newest hold
// across threads.
func (k *knob) apply(f *frame) {
	if k.scope == ScopeThread {
		st := k.stacks[f.tid]
		k.ctl.set(st[len(st)-1].n)
		return
	}
	k.applyMin()
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

	if k.scope == ScopeThread {
		if i < len(st) {
			st[i].saved = h.saved
			return nil
		}
		k.ctl.set(h.saved)
		if got := k.ctl.get(); got != h.saved {
			return &mismatch{h.saved, got}
		}
		return nil
	}
	k.holds--
	if k.holds > 0 {
		k.applyMin()
		return nil
	}
	k.ctl.set(k.orig)
	if got := k.ctl.get(); got != k.orig {
		return &mismatch{k.orig, got}
	}
	return nil
}

// applyMin sets a process-wide knob to the smallest count among the
// threads' newest holds: a nested scope replaces its thread's outer one.
// It sets the count even when it already asked for the same one: the
// library may have changed it since (an unscoped call of an OpenMP
// OpenBLAS writes its global count from its own thread's OpenMP count; a
// library unloaded and loaded again starts from its default).
func (k *knob) applyMin() {
	m := 0
	for _, st := range k.stacks {
		if len(st) > 0 && (m == 0 || st[len(st)-1].n < m) {
			m = st[len(st)-1].n
		}
	}
	if m != 0 {
		k.ctl.set(m)
	}
}
