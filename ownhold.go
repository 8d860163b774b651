package blasctl

import "github.com/blasctl/blasctl/internal/cdl"

// A thread's own holds: the outermost scope on an OS thread whose libraries
// all keep their scope count per thread (OpenMP runtimes, an OpenMP
// OpenBLAS, MKL's local count, BLIS 1.x; not a Custom, whose controls are
// promised one call at a time) keeps the values it saved in the thread's
// state (threadState.own) instead of on the knobs' stacks. Only the
// goroutine locked to the thread reads or writes them, and a per-thread
// count is the calling thread's own, so such a scope enters and ends
// without counts.mu: under many goroutines none of them parks on the lock
// while locked to its thread, a parked locked goroutine keeping its thread
// for good.
//
// Nothing else needs these holds on the stacks: a frame that begins inside
// the scope on the same thread saves the count the scope applied, as it
// saves any count, and puts it back; only a Limit taken inside can outlive
// the scope (restore comes later), and the scope then hands its saved value
// to the Limit's hold under counts.mu, as pop hands it to the next hold.
// The conditions are read where the lock would guard them: the thread has
// no active frame (threadState.depth, which also counts the Limits of an
// earlier life of its pthread_t until retireEnded), and no knob has a
// stranded value anywhere (counts.stranded).

// maxOwn is the most libraries a scope may hold in its thread's state.
const maxOwn = 4

// ownHolds are the holds a thread's outermost scope keeps in the thread's
// state: n knobs, in the order of the frame's libraries, and the raw values
// to put back.
type ownHolds struct {
	n     int
	k     [maxOwn]*knob
	saved [maxOwn]int
}

// has reports whether k is one of the holds.
func (o *ownHolds) has(k *knob) bool {
	for i := range o.n {
		if o.k[i] == k {
			return true
		}
	}
	return false
}

// ownEligible reports whether a scope of n on libs, as its thread's
// outermost frame, may hold its counts in the thread's state: every
// library's scope count is per thread, a built-in control (l.fault is set
// for a Custom's only) with nothing held beside it, and n is within the
// CPU count (above it, hold's cap reads the count under counts.mu).
func ownEligible(libs []*lib, n int) bool {
	if n > numCPU || len(libs) == 0 || len(libs) > maxOwn {
		return false
	}
	for _, l := range libs {
		k := l.scopeKnob()
		if !k.perThread || l.fault != nil || len(l.with(k)) > 0 || l.gone.Load() {
			return false
		}
	}
	return true
}

// ownReady reports whether the scope f may enter through enterOwn now.
func (f *frame) ownReady() bool {
	return f.ts.depth.Load() == 0 && counts.stranded.Load() == 0 && ownEligible(f.libs, f.n)
}

// enterOwn holds f's counts in its thread's state, without counts.mu, in
// the order of enter: every value is saved before any is changed, then
// each is applied, then what calls from the thread run with is read. One
// library of one plain C count makes it one trip into C. If a library then
// runs more than f.n, every value is put back and enterOwn fails.
func enterOwn(f *frame) error {
	o := &f.ts.own
	if len(f.libs) == 1 {
		if k := f.libs[0].scopeKnob(); isIntCount(k) {
			saved, got := k.saveApplyRead(f.n)
			*o = ownHolds{n: 1}
			o.k[0], o.saved[0] = k, saved
			if got > f.n {
				_ = releaseOwnOnThread(f)
				return f.libs[0].countError(opApply, f.n, got)
			}
			return nil
		}
	}
	*o = ownHolds{n: len(f.libs)}
	for i, l := range f.libs {
		o.k[i] = l.scopeKnob()
		o.saved[i] = o.k[i].ctl.get()
	}
	for i := range o.n {
		o.k[i].ctl.set(f.n)
	}
	for i, l := range f.libs {
		if got := o.k[i].ctl.threads(); got > f.n {
			_ = releaseOwnOnThread(f)
			return l.countError(opApply, f.n, got)
		}
	}
	return nil
}

func isIntCount(k *knob) bool {
	_, ok := k.ctl.(intCount)
	return ok
}

// releaseOwn ends a scope f that entered through enterOwn, on its thread:
// it puts each saved value back, libraries in reverse order, and reads it
// back, without counts.mu. A Limit taken inside f and not restored yet
// (the thread's depth counts f and it) gets the saved values instead, under
// counts.mu: the one wait of this path, and only then.
func releaseOwn(f *frame) error {
	if f.ts.depth.Load() > 1 {
		counts.mu.Lock()
		handOwn(f)
		counts.mu.Unlock()
	}
	if releaseOwnFound(f) {
		return nil
	}
	if !ownStillLoaded(f) {
		refreshGone() // the owner may have unloaded a library since f began
	}
	return releaseOwnOnThread(f)
}

// ownStillLoaded reports whether the lock-free lookup finds every library
// of f's own holds still in the object identified at detection; false
// when one is not, or cannot be looked up (the caller then checks the
// loader, whose dl_iterate_phdr takes the C library's loader lock). The
// lookup and the calls that follow are two trips into C, as the loader
// check and the calls are: a library unloaded in between is its owner's
// race (refreshGone).
func ownStillLoaded(f *frame) bool {
	o := &f.ts.own
	for i := range o.n {
		k := o.k[i]
		if k == nil {
			continue
		}
		pcs := cFuncs(k.ctl)
		var q cdl.Seq
		if len(pcs) == 0 || !startFound(&q, pcs[0], k.obj) {
			return false
		}
		if q.Run(); !found(&q) {
			return false
		}
	}
	return true
}

// releaseOwnFound puts back the one plain C count (an intCount) of a scope
// f that holds only it, in one trip into C behind the lock-free lookup of
// its object, and reports whether it did so and it read back. The loader
// check's dl_iterate_phdr takes the C library's loader lock, which many
// goroutines ending scopes at once contend for, each locked to its thread;
// the lookup takes no lock and proves the library is still loaded. false,
// with nothing called, when there is no such lookup, the object left, or
// the value did not read back (the caller then checks and reports the
// usual way).
func releaseOwnFound(f *frame) bool {
	o := &f.ts.own
	if o.n != 1 || o.k[0] == nil || o.k[0].obj == (objectID{}) {
		return false
	}
	k, v := o.k[0], o.saved[0]
	c, ok := k.ctl.(intCount)
	if !ok {
		return false
	}
	var q cdl.Seq
	if !startFound(&q, c.setFn, k.obj) {
		return false
	}
	q.Add(c.setFn, uintptr(v))
	i := q.Add(c.getFn, 0)
	q.Run()
	if !found(&q) || int(int32(q.Ret[i])) != v {
		return false
	}
	*o = ownHolds{}
	return true
}

// releaseOwnOnThread puts back the saved values still held in the thread's
// state and forgets them; it returns the first that did not read back.
func releaseOwnOnThread(f *frame) error {
	o := &f.ts.own
	var first error
	for i := o.n - 1; i >= 0; i-- {
		k, v := o.k[i], o.saved[i]
		if k == nil || f.libs[i].gone.Load() {
			continue
		}
		if got := k.setRead(v); got != v && first == nil {
			first = f.libs[i].countError(opRestore, v, got)
		}
	}
	*o = ownHolds{}
	return first
}

// handOwn gives each saved value of f's own holds to the oldest hold left
// on f's thread for its knob (a Limit taken inside f), as pop hands a saved
// value to the next hold, and forgets it. Called with counts.mu held.
func handOwn(f *frame) {
	o := &f.ts.own
	for i := range o.n {
		if st := o.k[i].stacks[f.tid]; len(st) > 0 {
			st[0].saved = o.saved[i]
			o.k[i] = nil
		}
	}
}

// strandOwn ends a scope f that entered through enterOwn from another
// thread (releaseMoved): a Limit taken inside f gets its saved values, and
// the thread f began on otherwise keeps f's counts until a frame there puts
// the saved values back (knob.stranded). Called with counts.mu held.
func strandOwn(f *frame) {
	handOwn(f)
	o := &f.ts.own
	for i := range o.n {
		if k := o.k[i]; k != nil && !f.libs[i].gone.Load() {
			k.strand(f.tid, o.saved[i])
		}
	}
	*o = ownHolds{}
}
