package blasctl

import (
	"runtime"

	"github.com/blasctl/blasctl/internal/cdl"
)

// A scope's way in and out, arranged so that its goroutine never waits on
// a lock while it is locked to its OS thread: a locked goroutine that
// parks keeps its thread, the Go runtime starts another to run the rest,
// and it never retires idle threads, so under many goroutines the process
// would keep one thread per parked scope for good.
//
//   - Before locking: the loader check and any rescan (loaded(), det.mu),
//     and, for a scope that will enter through enter, counts.mu: the
//     thread is locked inside the lock (runtime.LockOSThread never waits).
//   - Locked, without waiting: joining a fast group (compare-and-swap), a
//     group's creation with counts.mu.TryLock (taken by another goroutine:
//     unlock the thread, take counts.mu, lock again and start over), and a
//     thread's own hold (ownhold.go), which needs no lock at all.
//   - After unlocking: the release of holds on process-wide counts only (a
//     fast member leaving its groups, a frame of process-wide knobs), which
//     any thread may do.
//
// What still waits while locked, each named in ARCHITECTURE.md: a nested
// scope or a Limit (the goroutine is locked by its outer frame already), a
// rescan when the loader's counters moved between the check and the
// scope's first call, reapply after an unscoped caller changed a count, the
// release of a frame that holds a per-thread count through enter (MKL, BLIS
// 1.x, mixed selections, custom controls), and a scope whose fn moved it to
// another thread (releaseMoved).

// entryPath is the way a scope's frame entered, which decides its way out.
type entryPath uint8

const (
	viaEnter entryPath = iota // enter: holds on the knobs' stacks
	viaFast                   // a fast member (fastgroup.go)
	viaOwn                    // the thread's own hold (ownhold.go)
)

// scope runs fn in a scope of n threads (for a WithFairShare call, fair:
// the share, computed once the thread is locked). It locks the goroutine
// to its OS thread for fn and unlocks it before it returns.
func (c *Controller) scope(n int, share bool, fn func()) (err error) {
	want := n
	if share {
		want = fairShare(fair.callers.Load() + 1)
	}
	// The loader check: here, unlocked, or in the same trip into C as the
	// scope's first call into its library (cachedLibs, enterFastChecked).
	libs, gen, cached := c.cachedLibs(want)
	if !cached {
		if libs, err = c.libs(); err != nil {
			return err
		}
	}
	// A scope that will take counts.mu to enter takes it before it locks.
	held := !cached && !fastEligible(libs, want) && !ownEligible(libs, want)
	var f frame
	var how entryPath
	for {
		if held {
			counts.mu.Lock()
		}
		runtime.LockOSThread()
		tid := cdl.ThreadID()
		ts := threadStateOf(tid)
		m := n
		if share {
			m = ts.enterFair(tid, held)
		}
		// Field by field: a composite literal is built aside and copied,
		// which costs the warm scope a stalled load (BenchmarkWithThreads).
		f.tid, f.n, f.libs, f.ts = tid, m, libs, ts
		var busy bool
		// cachedLibs judged the fast path for want: judge again only a
		// share that came out otherwise.
		fastOK := cached && (m == want || fastEligible(libs, m))
		how, busy, err = f.enterScope(c, gen, cached, fastOK, held)
		if held {
			counts.mu.Unlock()
		}
		if !busy {
			break
		}
		// Another goroutine holds counts.mu: wait for it unlocked.
		if share {
			ts.leaveFair()
		}
		runtime.UnlockOSThread()
		if cached {
			cached = false
			if libs, err = c.libs(); err != nil {
				return err
			}
		}
		held = true
	}
	if err != nil {
		if share {
			f.ts.leaveFair()
		}
		runtime.UnlockOSThread()
		return err
	}
	if !share {
		f.ts.pushScope(f.n) // caps the WithFairShare calls inside fn
	}
	f.ts.depth.Add(1)
	defer f.end(how, share, &err)
	if idleSleep() {
		// IdleSleep's levers (idle_levers.go): applied once the counts are,
		// undone before end unlocks the thread.
		defer idleEnter(&f).leave()
	}
	fn()
	return nil
}

// enterScope enters f, on its locked thread, the first way that applies
// (ARCHITECTURE.md lists them). cached says f.libs come from cachedLibs,
// not checked yet, and fastOK that they may enter through
// enterFastChecked for f.n. busy means nothing changed and counts.mu,
// which held says the caller does not hold, is taken by another goroutine:
// the caller unlocks its thread, takes the lock and calls again.
func (f *frame) enterScope(c *Controller, gen generation, cached, fastOK, held bool) (how entryPath, busy bool, err error) {
	outer := f.ts.depth.Load() == 0
	if fastOK && outer {
		var fast bool
		if fast, busy, err = enterFastChecked(f, f.ts, gen, held); fast || busy {
			return viaFast, busy, err
		}
	}
	if cached {
		// The counters moved since the cached detection, or f is nested:
		// check the loader the usual way (det.mu only for a rescan).
		if f.libs, err = c.libs(); err != nil {
			return viaEnter, false, err
		}
	}
	if outer && fastEligible(f.libs, f.n) {
		var fast bool
		if fast, busy, err = enterFast(f, f.ts, held); fast || busy {
			return viaFast, busy, err
		}
	}
	if outer && f.ownReady() {
		return viaOwn, false, enterOwn(f)
	}
	if !held {
		if !counts.mu.TryLock() {
			if outer {
				return viaEnter, true, nil
			}
			counts.mu.Lock() // nested: locked by its outer frame already
		}
		defer counts.mu.Unlock()
	}
	return viaEnter, false, enterLocked(f)
}

// end releases a scope's frame f, which entered by how, and unlocks its
// thread; it sets *err to the release's error unless *err holds one
// already. share says f is a WithFairShare call's. Holds on per-thread
// counts are released on the thread; holds on process-wide counts only,
// after the thread is unlocked.
func (f *frame) end(how entryPath, share bool, err *error) {
	var rerr error
	const (
		onThread = iota
		leaveLater
		releaseLater
	)
	later := onThread
	switch now := cdl.ThreadID(); {
	case now != f.tid:
		rerr = threadChanged(f.tid, now, releaseMoved(f, how))
	case how == viaOwn:
		rerr = releaseOwn(f)
	case how == viaFast && f.ts.member == groupMember:
		f.ts.member, f.ts.fastLibs = notMember, nil
		later = leaveLater
	case how == viaFast: // convertedMember: a frame that began inside it converted it
		f.id, f.ts.member = f.ts.convertedID, notMember
		later = releaseLater // its holds are on fast knobs: process-wide
	case f.processWideOnly():
		later = releaseLater
	default:
		rerr = release(f)
	}
	if share {
		f.ts.leaveFair()
	} else {
		f.ts.popScope()
	}
	f.ts.depth.Add(-1)
	runtime.UnlockOSThread()
	switch later {
	case leaveLater:
		rerr = leaveGroups(f)
	case releaseLater:
		rerr = release(f)
	}
	if rerr != nil && *err == nil {
		*err = rerr
	}
}

// processWideOnly reports whether every hold of a scope's frame f is on a
// process-wide count, which may be released from any thread.
func (f *frame) processWideOnly() bool {
	for _, l := range f.libs {
		k := l.scopeKnob()
		if k.perThread {
			return false
		}
		for _, d := range l.with(k) {
			if d.perThread {
				return false
			}
		}
	}
	return true
}
