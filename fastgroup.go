package blasctl

// The fast path of the engine: scopes that overlap on a process-wide
// count, each asking for the same n, share one hold on it, and only the
// first to enter and the last to leave take counts.mu and call the library.
//
// A knob's fast group is one hold, knob.groupHold (the group's n), beside
// the threads' stacks; it counts once in knob.holds, so the original value
// is saved before the group's first member and put back after its last
// (unless other holds remain), exactly as for any other hold. The number of
// members lives in knob.group: n<<32 | count. Its count goes from 0 to 1
// and from 1 to 0 only under counts.mu, when the group's hold is added or
// removed; a scope joins a group of count >= 1 with the same n, or leaves
// one of count >= 2, with one compare-and-swap and no lock. While the group
// exists every value any frame applies is the smallest n of all holds, the
// group's included, so it is at most n.
//
// A scope joins only when it is its thread's outermost frame (its
// threadState.depth is 0), so that it is nobody's nested scope: a nested
// scope replaces its goroutine's outer one, which the group cannot express.
// A frame that later begins inside a member on the same thread converts the
// member first (convertFast): its hold moves from the group to the thread's
// own stack, where the nested frame replaces it as usual.
//
// Every member still checks, after joining, what calls from its thread run
// with (one read of the library, no lock): an unscoped caller may have
// changed a process-wide count behind the scopes' back. If the library runs
// more than n, the member applies the group's count again under counts.mu and
// reads it back, as a frame of the slow path does.
//
// The whole path exists for speed: a member that joins or leaves an
// existing group takes no lock and calls the library once (its read), and
// the first and last make one trip into C each (guardedseq.go). Scopes per
// call from 4 or 8 goroutines went from 61-70% to 95-99% of the throughput
// of one scope per worker (bench/payoff at n = 64), and a warm scope alone
// takes 124-136 ns (BenchmarkWithThreads, pthreads OpenBLAS); BENCHMARKS.md
// has both. Everything else takes the slow path, enter and release
// (engine.go), which is always correct on its own.

// groupState packs a group's n and member count.
func groupState(n, count int) uint64 { return uint64(n)<<32 | uint64(count) }

func groupN(s uint64) int     { return int(s >> 32) }
func groupCount(s uint64) int { return int(s & (1<<32 - 1)) }

// fastKnob returns the knob a scope on l holds when l can take the fast
// path: a process-wide count with nothing held beside it, whose control may
// be read without counts.mu. nil otherwise.
func (l *lib) fastKnob() *knob {
	if !l.lockFree || l.thread != nil || l.proc == nil || len(l.procAlso) > 0 {
		return nil
	}
	return l.proc
}

// fastEligible reports whether a scope of n on libs may join fast groups:
// every library has a fast knob, and n is within the CPU count (above it the
// cap of knob.hold would need a read under counts.mu).
func fastEligible(libs []*lib, n int) bool {
	if n > numCPU || len(libs) == 0 {
		return false
	}
	for _, l := range libs {
		if l.fastKnob() == nil || l.gone.Load() {
			return false
		}
	}
	return true
}

// enterFast makes f a member of the fast group of every library of f, and
// reports whether it did; on false nothing changed and f takes the slow
// path, or, with busy, takes counts.mu before it locks its thread and
// enters again. The caller checked fastEligible and that f is its thread's
// outermost frame; held says it holds counts.mu.
func enterFast(f *frame, ts *threadState, held bool) (entered, busy bool, err error) {
	joined := 0
	for _, l := range f.libs {
		if !joinGroup(l.proc, f.n) {
			break
		}
		joined++
	}
	var verified uint64 // libraries whose count enterGroups read back
	if joined < len(f.libs) {
		// Some group is missing or holds another n: create or join every
		// group under the lock (or give up on the fast path).
		for i := joined - 1; i >= 0; i-- {
			_ = leaveGroup(f.libs[i])
		}
		var ok bool
		if ok, verified, busy = enterGroups(f, held); !ok {
			return false, busy, nil
		}
	}
	ts.fastN, ts.fastLibs, ts.member = f.n, f.libs, groupMember
	// Judge what calls from this thread run with: the read-back of the
	// group's creator (its set and read-back ran under counts.mu, in one trip
	// into C), or a read now.
	for i, l := range f.libs {
		if (i < 64 && verified&(1<<i) != 0) || l.proc.ctl.threads() <= f.n {
			continue
		}
		if err := reapply(f, l, held); err != nil {
			_ = releaseFast(f, ts)
			return true, false, err
		}
	}
	return true, false, nil
}

// joinGroup adds one member to k's group if it has one with n.
func joinGroup(k *knob, n int) bool {
	for {
		s := k.group.Load()
		if groupCount(s) == 0 || groupN(s) != n {
			return false
		}
		if k.group.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// enterGroups joins f to every library's group under counts.mu, creating the
// groups that do not exist yet, and applies them. It fails, changing
// nothing, if a library has a group for another n or has left. verified
// has bit i set when library i's count was read back at or below f.n just
// after it was set, under counts.mu: it needs no second read, which saves
// the group's creator one C call. held says the caller holds counts.mu;
// otherwise it fails with busy when another goroutine does (the caller is
// locked to its thread and must not wait).
func enterGroups(f *frame, held bool) (ok bool, verified uint64, busy bool) {
	if !tryCounts(held) {
		return false, 0, true
	}
	defer unlockCounts(held)
	for _, l := range f.libs {
		s := l.proc.group.Load()
		if l.gone.Load() || (groupCount(s) > 0 && groupN(s) != f.n) {
			return false, 0, false
		}
	}
	for i, l := range f.libs {
		k := l.proc
		if groupCount(k.group.Load()) > 0 {
			k.group.Add(1) // a count >= 1 only drops to 0 under counts.mu
			continue
		}
		after, _ := k.createGroup(f.n, nil)
		if k.seq != nil && after <= f.n && i < 64 {
			verified |= 1 << i
		}
	}
	return true, verified, false
}

// tryCounts takes counts.mu unless the caller holds it (held), without
// waiting: false when another goroutine holds it.
func tryCounts(held bool) bool { return held || counts.mu.TryLock() }

// unlockCounts gives back what tryCounts took.
func unlockCounts(held bool) {
	if !held {
		counts.mu.Unlock()
	}
}

// reapply sets l's count again under counts.mu, as a frame of the slow path
// would, and reads it back: something changed it behind the scopes' back.
// held says the caller holds counts.mu; otherwise reapply waits for it,
// with the goroutine locked to its thread: the one wait of a fast member's
// entry, and only after an unscoped caller changed the count.
func reapply(f *frame, l *lib, held bool) error {
	if !held {
		counts.mu.Lock()
		defer counts.mu.Unlock()
	}
	if l.gone.Load() {
		return nil
	}
	l.proc.applyMin()
	if got := l.proc.ctl.threads(); got > f.n {
		return l.countError(opApply, f.n, got)
	}
	return nil
}

// leaveGroup removes one member from l's group. A member that is not the
// last leaves with a compare-and-swap: no lock, no C call. The last takes
// counts.mu, removes the group's hold and puts the count back as a frame's
// pop does; it alone calls the library, so it alone checks that the
// library is still loaded, the first way that applies:
//  1. the lock-free lookup of the library's object, in the trip that puts
//     the count back (dropGroupSeq without a generation), when the count
//     goes back to its original value (the knob's last hold);
//  2. the loader check in that trip (dropGroupSeq on the cached
//     detection's generation), while the loader's counters read it;
//  3. the check every call makes (refreshGone, with counts.mu let go),
//     then the control's own calls (dropGroup), nothing if the library left.
func leaveGroup(l *lib) *mismatch {
	k := l.proc
	checked := false
	for {
		s := k.group.Load()
		if groupCount(s) >= 2 {
			if k.group.CompareAndSwap(s, s-1) {
				return nil
			}
			continue
		}
		counts.mu.Lock()
		if !k.group.CompareAndSwap(s, 0) {
			counts.mu.Unlock()
			continue // a member joined or left meanwhile
		}
		if err, done := k.dropGroupSeq(l, nil); done {
			counts.mu.Unlock()
			return err
		}
		if !checked {
			if d := det.current.Load(); d != nil {
				if err, done := k.dropGroupSeq(l, &d.gen); done {
					counts.mu.Unlock()
					return err
				}
			}
			// The library may have left, or the loader changed since the
			// cached detection (nothing was called): back to count 1, which
			// no one could see move, and check the slow way.
			k.group.Store(s)
			counts.mu.Unlock()
			refreshGone()
			checked = true
			continue
		}
		err := k.dropGroup(l.gone.Load())
		counts.mu.Unlock()
		return err
	}
}

// dropGroup removes the group's hold (its count already 0); called with
// counts.mu held.
func (k *knob) dropGroup(gone bool) *mismatch {
	k.groupHold = 0
	return k.dropHold(gone)
}

// releaseFast ends a member f: it leaves every group, in reverse order.
func releaseFast(f *frame, ts *threadState) error {
	ts.member, ts.fastLibs = notMember, nil
	return leaveGroups(f)
}

// leaveGroups takes a fast member f out of the group of each of its
// libraries, in reverse order, and returns the first count that did not
// read back.
func leaveGroups(f *frame) error {
	var first error
	for i := len(f.libs) - 1; i >= 0; i-- {
		l := f.libs[i]
		if err := leaveGroup(l); err != nil && first == nil {
			counts.mu.Lock()
			first = l.countError(opRestore, err.wanted, err.got)
			counts.mu.Unlock()
		}
	}
	return first
}

// convertFast moves the holds of the thread's fast member, if it has one,
// from the groups to the thread's own stacks, so that a frame beginning
// inside it on the same thread replaces it as for any outer frame. Called
// with counts.mu held.
func convertFast(tid int, ts *threadState) {
	if ts == nil {
		return
	}
	if ts.member != groupMember {
		return
	}
	id := newFrameID()
	for _, l := range ts.fastLibs {
		k := l.proc
		// The member's own hold first, so that holds never reaches 0 and
		// the original value stays saved.
		k.stacks[tid] = append([]hold{{frame: id, n: ts.fastN}}, k.stacks[tid]...)
		k.holds++
		for {
			s := k.group.Load()
			if groupCount(s) >= 2 {
				if k.group.CompareAndSwap(s, s-1) {
					break
				}
				continue
			}
			if k.group.CompareAndSwap(s, 0) {
				_ = k.dropGroup(true) // the thread's hold keeps the count
				break
			}
		}
	}
	// The member's frame finds its id here when it ends (frame.end).
	ts.member, ts.convertedID, ts.fastLibs = convertedMember, id, nil
}

// createGroup makes k's fast group of n, with one member: it saves the
// count (for the knob's first hold), applies the smallest hold and reads it
// back, in one trip into C where the control allows (the slow path's hold,
// apply and check make three), behind the loader check on *gen when gen is
// not nil. ok is false, with nothing changed, when the counters moved.
// after is the read-back. Called with counts.mu held and no group on k.
func (k *knob) createGroup(n int, gen *generation) (after int, ok bool) {
	first := k.holds == 0
	m := n
	if !first {
		m = min(m, k.minHold())
	}
	var before int
	if gen != nil {
		if before, after, ok = k.setSeqChecked(first, m, *gen); !ok {
			return 0, false
		}
	} else {
		before, after = k.setSeq(first, m)
	}
	if first {
		k.orig = before
	}
	// The group exists only now that its count is applied: a member that
	// joins without the lock finds it applied.
	k.holds++
	k.groupHold = n
	k.group.Store(groupState(n, 1))
	return after, true
}
