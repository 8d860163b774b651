package blasctl

// control is one thread-count setting of a loaded library.
type control interface {
	// get returns the raw stored value, exactly as set would need it to put
	// the setting back (BLIS's -1 "unset", MKL's local 0 "none", ...).
	get() int
	// set stores a raw value: a count of at least 1, or a value get returned.
	set(v int)
	// threads returns the count that applies to calls made from the calling
	// OS thread.
	threads() int
}

// knob is a control plus the bookkeeping that lets scopes share it. All of
// its mutable fields are guarded by reg.mu.
type knob struct {
	ctl   control
	scope Scope

	// stacks holds, per OS thread, the active holds in the order they began.
	stacks map[int][]hold
	// holds counts the active holds on every thread.
	holds int
	// orig is a process-wide knob's value from before its first hold.
	orig int
}

// hold is one scope's claim on a knob.
type hold struct {
	frame uint64
	n     int
	saved int // per-thread knobs: the raw value to put back
}

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
	// bothKnobs makes scopes and limits hold both controls (see frame.knobs).
	bothKnobs bool
	// gone is set (under reg.mu) once the library has left the process: its
	// functions must not be called again.
	gone bool
	// describe, when set, adds what changes while the library is loaded
	// (FlexiBLAS's current backend) to a report.
	describe func(*Library)
}

func newKnob(c control, s Scope) *knob {
	return &knob{ctl: c, scope: s, stacks: map[int][]hold{}}
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

// report returns the library's description with its current count.
func (l *lib) report() Library {
	info := l.info
	info.NumThreads = l.scopeKnob().ctl.threads()
	info.Scope = l.scopeKnob().scope
	if l.describe != nil {
		l.describe(&info)
	}
	return info
}
