package blasctl

import "sync/atomic"

// lib is one detected library.
type lib struct {
	info Library // static facts; NumThreads is filled in on report
	// be is the backend that found the library: part of its identity.
	be *backend
	// key identifies the library across detections (the address of its
	// thread getter), so that two names for one library count once.
	key uintptr
	// thread is the per-thread control used by WithThreads, if the library
	// has one; proc is the process-wide control used by Limit, if it has one.
	// At least one is set.
	thread, proc *knob
	// procAlso are held, applied, checked and released with proc, after
	// it, wherever a frame holds proc: counts the process-wide one does not
	// override (MKL's count for one domain wins over its count for all).
	procAlso []*knob
	// gone is set (under counts.mu) once the library has left the process: its
	// functions must not be called again. Atomic, so that the fast path can
	// read it without counts.mu.
	gone atomic.Bool
	// lockFree marks a library whose process-wide control may be called
	// without counts.mu, so that scopes on it can take the fast path.
	lockFree bool
	// describe, when set, adds what changes while the library is loaded
	// (FlexiBLAS's current backend) to a report.
	describe func(*Library)
	// idle holds the library's idle levers (idle_levers.go).
	idle idleLevers
	// fault, when set, returns the error of a control that broke its
	// promise (a CustomControl that panicked), or nil.
	fault func() error
}

// countError is the error of a count that did not read back: the library's
// fault where it has one, since a dead control reads nothing true.
func (l *lib) countError(op string, wanted, got int) error {
	if l.fault != nil {
		if err := l.fault(); err != nil {
			return err
		}
	}
	return &CountError{Op: op, Library: l.info, Wanted: wanted, Got: got}
}

// scopeKnob is the control a WithThreads scope uses.
func (l *lib) scopeKnob() *knob {
	if l.thread != nil {
		return l.thread
	}
	return l.proc
}

// limitKnob is the control Limit uses: process-wide where the library has it.
func (l *lib) limitKnob() *knob {
	if l.proc != nil {
		return l.proc
	}
	return l.thread
}

// with returns the knobs a frame holding k holds with it (see procAlso).
func (l *lib) with(k *knob) []*knob {
	if k != l.proc {
		return nil
	}
	return l.procAlso
}

// limitThreads is the most threads calls from the calling thread run with,
// judged by the controls a Limit holds: its own and those held with it (MKL's
// domains). It holds counts.mu, as every call of a control does.
func (l *lib) limitThreads() int {
	counts.mu.Lock()
	defer counts.mu.Unlock()
	k := l.limitKnob()
	n := k.ctl.threads()
	for _, d := range l.with(k) {
		n = max(n, d.ctl.threads())
	}
	return n
}

// report returns the library's description with its current count. It
// holds counts.mu, as every other call of a control does: a CustomControl is
// promised one call at a time.
func (l *lib) report() Library {
	counts.mu.Lock()
	defer counts.mu.Unlock()
	info := l.info
	info.NumThreads = l.scopeKnob().ctl.threads()
	info.Scope = l.scopeKnob().reach()
	info.Idle = l.idle.describe(&info)
	if l.describe != nil {
		l.describe(&info)
	}
	return info
}
