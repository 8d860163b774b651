package blasctl

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
)

// Custom describes a kind of library blasctl does not know, so that
// Libraries, WithThreads and Limit handle it like the built-in ones: the same
// nesting, the same sharing of a process-wide count among concurrent scopes,
// the same per-thread save and restore on a locked OS thread, and the same
// read-back checks. It is the Go counterpart of threadpoolctl's register.
type Custom struct {
	// InternalAPI names the implementation in reports; it must not be the
	// name of a built-in backend or of another registered one.
	InternalAPI string
	// UserAPI is "blas", "openmp" or another API name of your choosing.
	UserAPI string
	// Prefixes are file-name prefixes (matched without regard to case, links
	// in the last path element followed) that make a loaded object a
	// candidate. Built-in backends are tried first.
	Prefixes []string
	// Open is called once per candidate object and per detection. sym returns
	// the address of a function the object itself defines, or 0 (a symbol
	// found only in a dependency does not count). Open returns nil when the
	// object is not a library of this kind. It must look up at least one
	// symbol with sym: the first address found identifies the library, so
	// that two names for one file count once. Open runs with blasctl's
	// detection lock held: it must not call back into blasctl, and must not
	// keep sym, which is only valid during the call (the addresses it
	// returned stay valid while the library is loaded).
	Open func(sym func(name string) uintptr) *CustomControl
}

// CustomControl is the thread count of one library found by a Custom.
// blasctl calls Get, Set and Threads only with its own lock held, one call at
// a time, and for a ScopeThread control on the OS thread the count belongs to;
// they must not call back into blasctl. They must not panic either: a panic
// is recovered, the control is not called again, and every call fails with
// an error matching ErrBadCustom until the Custom is unregistered.
type CustomControl struct {
	// Scope is ScopeProcess when one count applies to the whole process, or
	// ScopeThread when each OS thread has its own.
	Scope Scope
	// Get returns the raw stored value, such that Set(Get()) puts the setting
	// back exactly ("unset" markers included).
	Get func() int
	// Set stores a raw value: a count of at least 1, or a value Get returned.
	Set func(v int)
	// Threads returns the count that applies to calls from the calling OS
	// thread; nil means Get.
	Threads func() int
	// Version, ThreadingLayer and Architecture are reported as they are.
	Version, ThreadingLayer, Architecture string
}

// customCount adapts a CustomControl to a control. A Get, Set or Threads
// that panics breaks its promise: the panic is recovered and kept, and from
// then on the control is dead (set does nothing, get reads 0, threads more
// than any count), so that the scope that met it undoes every other change
// and fails, and every call fails with fault's error until the Custom is
// unregistered.
type customCount struct {
	c *CustomControl
	// name says whose control it is in fault's error.
	name string
	// panicked holds the first panic's value, as text.
	panicked atomic.Pointer[string]
}

// customFaults counts the controls that panicked: loaded() looks for them
// only when there is one. Atomic; no lock.
var customFaults atomic.Int64

// call runs fn, and reports false if the control is dead or fn panicked.
func (c *customCount) call(fn func()) (ok bool) {
	if c.panicked.Load() != nil {
		return false
	}
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			if c.panicked.CompareAndSwap(nil, &msg) {
				customFaults.Add(1)
			}
			ok = false
		}
	}()
	fn()
	return true
}

func (c *customCount) get() int {
	v := 0
	if !c.call(func() { v = c.c.Get() }) {
		return 0
	}
	return v
}

func (c *customCount) set(v int) { c.call(func() { c.c.Set(v) }) }

func (c *customCount) threads() int {
	read := c.c.Get
	if c.c.Threads != nil {
		read = c.c.Threads
	}
	v := 0
	if !c.call(func() { v = read() }) {
		return maxCount
	}
	return v
}

// fault is the error of a control that panicked, or nil.
func (c *customCount) fault() error {
	if p := c.panicked.Load(); p != nil {
		return fmt.Errorf("%w %s: the control panicked: %s", ErrBadCustom, c.name, *p)
	}
	return nil
}

// Register adds a Custom backend. Every later detection recognises its
// libraries, including ones already loaded. unregister removes it; libraries
// found through it are then forgotten, and scopes still holding one leave it
// alone from then on. Register returns an error for an empty InternalAPI or
// Prefixes, a nil Open, or an InternalAPI already in use; unregister is never
// nil (a no-op when Register failed). A Custom whose Open panics, or
// returns a control with a nil Get or Set, an unknown Scope, or without
// having found a symbol, makes every call that meets a library it claims
// fail with an error matching ErrBadCustom, until it is unregistered.
func Register(c Custom) (unregister func(), err error) {
	if c.InternalAPI == "" || len(c.Prefixes) == 0 || c.Open == nil {
		return noUnregister, errors.New("blasctl: Register needs InternalAPI, Prefixes and Open")
	}
	prefixes := make([]string, len(c.Prefixes))
	for i, p := range c.Prefixes {
		if p == "" {
			return noUnregister, errors.New("blasctl: Register: empty prefix")
		}
		prefixes[i] = strings.ToLower(p)
	}
	be := &backend{internalAPI: c.InternalAPI, userAPI: c.UserAPI, prefixes: prefixes, open: customOpen(c.InternalAPI, c.Open)}
	det.mu.Lock()
	defer det.mu.Unlock()
	for _, b := range backends {
		if b.internalAPI == c.InternalAPI {
			return noUnregister, fmt.Errorf("blasctl: Register: internal API %q is already in use", c.InternalAPI)
		}
	}
	backends = append(backends[:len(backends):len(backends)], be)
	backendsVersion.Add(1)
	invalidateLocked()
	return func() {
		det.mu.Lock()
		defer det.mu.Unlock()
		kept := make([]*backend, 0, len(backends))
		for _, b := range backends {
			if b != be {
				kept = append(kept, b)
			}
		}
		backends = kept
		backendsVersion.Add(1)
		invalidateLocked()
	}, nil
}

// customOpen adapts a Custom's Open to a backend's. An Open that panics,
// or returns a control blasctl cannot use, sets b.err (ErrBadCustom, naming
// the backend): the call that detects it fails with it instead of ignoring
// the library, and changes nothing.
func customOpen(api string, open func(func(string) uintptr) *CustomControl) func(*binder) *lib {
	bad := func(b *binder, format string, args ...any) *lib {
		b.err = fmt.Errorf("%w %q on %s: %s", ErrBadCustom, api, b.obj.path, fmt.Sprintf(format, args...))
		return nil
	}
	return func(b *binder) (l *lib) {
		defer func() {
			if r := recover(); r != nil {
				l = bad(b, "Open panicked: %v", r)
			}
		}()
		var key uintptr
		c := open(func(name string) uintptr {
			p := b.sym(name)
			if key == 0 {
				key = p
			}
			return p
		})
		switch {
		case c == nil:
			return nil
		case key == 0:
			return bad(b, "Open returned a control without finding a symbol with sym")
		case c.Get == nil || c.Set == nil:
			return bad(b, "the control's Get and Set must not be nil")
		case c.Scope != ScopeProcess && c.Scope != ScopeThread:
			return bad(b, "the control's Scope is %q, want %q or %q", c.Scope, ScopeProcess, ScopeThread)
		}
		l = &lib{key: key}
		l.info.Version, l.info.ThreadingLayer, l.info.Architecture = c.Version, c.ThreadingLayer, c.Architecture
		cc := &customCount{c: c, name: fmt.Sprintf("%q on %s", api, b.obj.path)}
		l.fault = cc.fault
		k := newKnob(cc, c.Scope)
		if c.Scope == ScopeThread {
			l.thread = k
		} else {
			l.proc = k
		}
		return l
	}
}

// noUnregister is the unregister func of a failed Register.
func noUnregister() {}
