package blasctl

import "sync"

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

// knobs are the controls f holds on l: for a scope, its per-thread control
// (or the process-wide one where it has none); for a limit, the process-wide
// one, and also the per-thread one where the library has both (MKL). enter
// holds that one only on a thread inside a scope that set its own count, so
// that the limit is the thread's innermost there; elsewhere the thread
// follows the process-wide count, the smallest of all limits.
func (f *frame) knobs(l *lib) (*knob, *knob) {
	if !f.limit {
		return l.scopeKnob(), nil
	}
	if l.proc != nil && l.thread != nil {
		return l.proc, l.thread
	}
	return l.limitKnob(), nil
}

// enter applies f.n to every library of f and checks, on the calling
// thread, that none runs more than f.n threads. On failure it undoes
// everything it applied.
func enter(f *frame) error {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	reg.nextID++
	f.id = reg.nextID
	for _, l := range f.libs {
		if !l.gone {
			k, also := f.knobs(l)
			k.push(f)
			if also != nil && len(also.stacks[f.tid]) > 0 {
				also.push(f)
			}
		}
	}
	for _, l := range f.libs {
		if l.gone {
			continue
		}
		k, _ := f.knobs(l)
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

func releaseLocked(f *frame) error {
	var first error
	for i := len(f.libs) - 1; i >= 0; i-- {
		l := f.libs[i]
		if l.gone {
			continue
		}
		k, also := f.knobs(l)
		if also != nil {
			if err := also.pop(f); err != nil && first == nil {
				first = &CountError{Op: opRestore, Library: l.info, Wanted: err.wanted, Got: err.got}
			}
		}
		if err := k.pop(f); err != nil && first == nil {
			first = &CountError{Op: opRestore, Library: l.info, Wanted: err.wanted, Got: err.got}
		}
	}
	return first
}

// push adds f's hold and applies what the knob should now read.
func (k *knob) push(f *frame) {
	h := hold{frame: f.id, n: f.n}
	if k.scope == ScopeThread {
		h.saved = k.ctl.get()
		k.ctl.set(f.n)
		k.stacks[f.tid] = append(k.stacks[f.tid], h)
		return
	}
	if k.holds == 0 {
		k.orig = k.ctl.get()
		k.cur = k.orig
	}
	k.stacks[f.tid] = append(k.stacks[f.tid], h)
	k.holds++
	k.applyMin()
}

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
	k.cur = k.orig
	if got := k.ctl.get(); got != k.orig {
		return &mismatch{k.orig, got}
	}
	return nil
}

// applyMin sets a process-wide knob to the smallest count among the
// threads' newest holds: a nested scope replaces its thread's outer one.
func (k *knob) applyMin() {
	m := 0
	for _, st := range k.stacks {
		if len(st) > 0 && (m == 0 || st[len(st)-1].n < m) {
			m = st[len(st)-1].n
		}
	}
	if m != 0 && m != k.cur {
		k.ctl.set(m)
		k.cur = m
	}
}
