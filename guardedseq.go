package blasctl

import "github.com/blasctl/blasctl/internal/cdl"

// The C sequences that run behind a guard: a check, made in the same trip
// into C as the library calls, that the library is still loaded. The calls
// run only if the check holds; otherwise nothing was called, and the caller
// checks the slow way (loaded(), a rescan) and tries again. There are two
// guards, both from the platform seam (detect.go's loaded() describes it):
//   - the loader check, startChecked/runChecked on a generation: the
//     loader's counters still read those of the cached detection;
//   - the lock-free lookup, startFound/found on an objectID: the library's
//     setter still lies in the object identified at detection.
//
// This file exists for speed. A warm scope on one library whose count is a
// seqCount makes one trip into C on the way in and one on the way out,
// instead of a trip for the check and another for the calls; the cost of a
// trip is the cgocall (three calls: 89 ns through cgocall, 32 ns as one
// Seq; BenchmarkSeq in internal/cdl). Measured in BenchmarkWithThreads with
// the pthreads OpenBLAS (BENCHMARKS.md).
//
// The way in: while the cached detection d is current, a scope on its one
// library makes every call into it in one trip that starts with the loader
// check on d's generation. The library is then still loaded when the calls
// are made, for the reasons dropGroupSeq gives. If the counters moved,
// nothing was called, and the scope checks the usual way and starts over.

// cachedLibs returns the libraries c selects from the cached detection,
// and its generation, without the loader check, when a scope of n on them
// can enter through enterFastChecked: not a snapshot, one library, eligible
// for the fast path, no faulty CustomControl, and a loader check that can
// run in a sequence. A filtered Controller uses the selection its last
// call made from that same detection, while no Register or unregister has
// run since (they can make a filter valid or invalid). Reusing it is for
// speed: it saves Controller.mu and a new selection on every scope, and
// took BenchmarkWithThreads/blas (pthreads OpenBLAS) from 205 to 168 ns
// median (BENCHMARKS.md).
func (c *Controller) cachedLibs(n int) ([]*lib, generation, bool) {
	if c.frozen || customFaults.Load() != 0 || !checksInSeq() {
		return nil, generation{}, false
	}
	d := det.current.Load()
	if d == nil {
		return nil, generation{}, false
	}
	libs := d.libs
	if len(c.filters) > 0 {
		s := c.last.Load()
		if s == nil || !sameSlice(s.from, d.libs) || s.version != backendsVersion.Load() {
			return nil, generation{}, false
		}
		libs = s.sel
	}
	if len(libs) != 1 || !fastEligible(libs, n) {
		return nil, generation{}, false
	}
	return libs, d.gen, true
}

// enterFastChecked is enterFast for a frame of one library from
// cachedLibs: the member's read of what its calls run with, or the
// creator's save, set and read-back, runs behind the loader check on gen.
// entered false means nothing changed: the caller checks the loader the
// usual way and enters again, or, with busy, takes counts.mu before it
// locks its thread and enters again. held says the caller holds counts.mu.
func enterFastChecked(f *frame, ts *threadState, gen generation, held bool) (entered, busy bool, err error) {
	l := f.libs[0]
	k := l.proc
	got := 0
	switch {
	case joinGroup(k, f.n):
		ts.fastN, ts.fastLibs, ts.member = f.n, f.libs, groupMember
		var ok bool
		if got, ok = k.readChecked(gen); !ok {
			_ = releaseFast(f, ts)
			return false, false, nil
		}
	default:
		var ok bool
		if got, ok, busy = createGroupChecked(f, l, gen, held); !ok {
			return false, busy, nil
		}
		ts.fastN, ts.fastLibs, ts.member = f.n, f.libs, groupMember
	}
	if got > f.n {
		if err := reapply(f, l, held); err != nil {
			_ = releaseFast(f, ts)
			return true, false, err
		}
	}
	return true, false, nil
}

// createGroupChecked creates l's group with f as its only member, saving
// the count (for the knob's first hold), applying the smallest hold and
// reading it back behind the loader check on gen; got is the read-back.
// It fails, changing nothing, if l already has a group, has left, the
// counters moved, or (busy) counts.mu is taken by another goroutine and
// the caller does not hold it (held): the caller is locked to its thread
// and must not wait for it.
func createGroupChecked(f *frame, l *lib, gen generation, held bool) (got int, ok, busy bool) {
	if !tryCounts(held) {
		return 0, false, true
	}
	k := l.proc
	if !l.gone.Load() && groupCount(k.group.Load()) == 0 {
		got, ok = k.createGroup(f.n, &gen)
	}
	unlockCounts(held)
	return got, ok, false
}

// readChecked reads what calls run with (the getter of knob.seq), behind
// the loader check on gen; ok is false, with nothing read, when the
// counters moved or the knob has no sequence control.
//
// Where the library's object was identified (seqCount.obj), the check is
// the lock-free lookup instead: a member's read runs with its goroutine
// locked to its thread, and the loader check's dl_iterate_phdr takes the C
// library's loader lock, which many members at once contend for, each
// keeping its thread while it waits. A read changes nothing, so the
// lookup's proof that the getter's object is still the one identified at
// detection is all it needs.
func (k *knob) readChecked(gen generation) (got int, ok bool) {
	c := k.seq
	var q cdl.Seq
	if c == nil {
		return 0, false
	}
	if c.obj != (objectID{}) && startFound(&q, c.getFn, c.obj) {
		i := q.Add(c.getCall(), 0)
		if q.Run(); found(&q) {
			return c.got(q.Ret[i]), true
		}
		q = cdl.Seq{}
	}
	if !startChecked(&q, gen) {
		return 0, false
	}
	i := q.Add(c.getCall(), 0)
	if !runChecked(&q) {
		return 0, false
	}
	return c.got(q.Ret[i]), true
}

// setSeqChecked is setSeq behind the loader check on gen; ok is false,
// with nothing called, when the counters moved or the knob has no sequence
// control.
func (k *knob) setSeqChecked(save bool, v int, gen generation) (before, after int, ok bool) {
	c := k.seq
	var q cdl.Seq
	if c == nil || !startChecked(&q, gen) {
		return 0, 0, false
	}
	first, last := addSet(&q, c, save, v)
	if !runChecked(&q) {
		return 0, 0, false
	}
	before, after = setResults(&q, c, first, last)
	return before, after, true
}

// dropGroupSeq is dropGroup for a knob with a sequence control (knob.seq):
// the set and read-back make one trip into C that starts with a check that
// l is still loaded, and are made only if it holds. done is false, with
// nothing changed, when the check cannot run in the sequence or does not
// hold. Called with counts.mu held and the group's count at 0.
//
// With gen nil the check is the lock-free lookup of the library's object
// (seqCount.obj), for the knob's last hold only: the calls are made
// if that is still the object identified. The trip then runs without the
// system-call bookkeeping (cdl.Seq.RunNoSyscall), because none of its calls
// waits for a Go thread. Both are there for speed: the bookkeeping costs
// about 24 ns a trip (one Seq of three calls, 49 ns with it, 25 ns without;
// BenchmarkSeq in internal/cdl), and with the lookup in place of the loader
// check the warm scope went from 164 to 136 ns median
// (BenchmarkWithThreads/package, pthreads OpenBLAS; BENCHMARKS.md). None of
// the calls waits: the lookup takes no lock
// (dl_iterate_phdr's loader lock would rule this out), OpenBLAS's getter
// reads a variable, and its setter, given the count the library itself
// reported before the first hold, stores it: a count within the pool takes
// no lock and starts no thread (0.3.21 and 0.3.29 alike). Only a pool that
// OpenBLAS shut down (blas_thread_shutdown_, which a Go program's
// fork-and-exec never runs) is started again there, by the C code alone.
//
// With gen, the check is the loader's: the calls are made only if its
// counters read *gen, those of the cached detection. Then l is still
// loaded: a rescan that found l gone marked it gone under counts.mu before it
// published its detection, and l is not gone.
func (k *knob) dropGroupSeq(l *lib, gen *generation) (err *mismatch, done bool) {
	c := k.seq
	last := k.holds == 1
	if c == nil || l.gone.Load() || (gen == nil && (!last || c.obj == objectID{})) {
		return nil, false
	}
	var q cdl.Seq
	if (gen == nil && !startFound(&q, c.setFn, c.obj)) || (gen != nil && !startChecked(&q, *gen)) {
		return nil, false
	}
	v := k.orig
	if !last {
		v = k.minStacks()
	}
	q.Add(c.setCall(v))
	get := q.Add(c.getCall(), 0)
	if gen == nil {
		q.RunNoSyscall()
		if !found(&q) {
			return nil, false
		}
	} else if !runChecked(&q) {
		return nil, false
	}
	k.groupHold = 0
	k.holds--
	if got := c.got(q.Ret[get]); last && got != k.orig {
		return &mismatch{k.orig, got}, true
	}
	return nil, true
}
