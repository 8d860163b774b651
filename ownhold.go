package blasctl

// A thread's own hold: the outermost scope on an OS thread whose one
// library keeps its count per thread in a plain int (an OpenMP runtime
// alone, an OpenMP OpenBLAS selected alone: frame.soleThreadCount) keeps
// the value it saved in the thread's state (threadState.own) instead of on
// the knob's stacks. Only the goroutine locked to the thread reads or
// writes it, so such a scope enters and ends without counts.mu: under many
// goroutines none of them parks on the lock while locked to its thread, a
// parked locked goroutine keeping its thread for good.
//
// Nothing else needs the hold on the stacks: a frame that begins inside it
// on the same thread saves the count the hold applied, as it saves any
// count, and puts it back; only a Limit taken inside can outlive the scope
// (restore comes later), and the scope then hands its saved value to the
// Limit's hold under counts.mu, as pop hands it to the next hold. The
// conditions are read where the lock would guard them: the thread has no
// active frame (threadState.depth, which also counts the Limits of an
// earlier life of its pthread_t until retireEnded), and no knob has a
// stranded value anywhere (counts.stranded).

// ownHold is the hold a thread's outermost scope keeps in the thread's
// state: the knob, nil when there is none, and the raw value to put back.
type ownHold struct {
	k     *knob
	saved int
}

// ownKnob returns the knob a scope f may hold in its thread's own state,
// nil when it must enter through enter.
func (f *frame) ownKnob() *knob {
	if f.ts.depth.Load() != 0 || counts.stranded.Load() != 0 {
		return nil
	}
	return f.soleThreadCount()
}

// enterOwn saves k, applies f.n and reads it back, in one trip into C and
// without counts.mu, and keeps the saved value in the thread's state. If
// the library then runs more than f.n, it puts the value back and fails.
func enterOwn(f *frame, k *knob) error {
	saved, got := k.saveApplyRead(f.n)
	if got > f.n {
		_ = k.setRead(saved)
		return f.libs[0].countError(opApply, f.n, got)
	}
	f.ts.own = ownHold{k: k, saved: saved}
	return nil
}

// releaseOwn ends a scope f that entered through enterOwn, on its thread:
// it puts the saved value back and reads it back, without counts.mu. A
// Limit taken inside f and not restored yet (the thread's depth counts f
// and it) gets the saved value instead, under counts.mu.
func releaseOwn(f *frame) error {
	o := f.ts.own
	f.ts.own = ownHold{}
	l := f.libs[0]
	if f.ts.depth.Load() > 1 {
		counts.mu.Lock()
		if st := o.k.stacks[f.tid]; len(st) > 0 {
			st[0].saved = o.saved
			counts.mu.Unlock()
			return nil
		}
		counts.mu.Unlock()
	}
	refreshGone() // the owner may have unloaded the library since f began
	if l.gone.Load() {
		return nil
	}
	if got := o.k.setRead(o.saved); got != o.saved {
		return l.countError(opRestore, o.saved, got)
	}
	return nil
}

// strandOwn ends a scope f that entered through enterOwn from another
// thread (releaseMoved): the thread f began on keeps f's count until a
// frame there puts the saved value back, or a Limit taken inside f gets
// it. Called with counts.mu held.
func strandOwn(f *frame) {
	o := f.ts.own
	f.ts.own = ownHold{}
	if o.k == nil || f.libs[0].gone.Load() {
		return
	}
	if st := o.k.stacks[f.tid]; len(st) > 0 {
		st[0].saved = o.saved
		return
	}
	o.k.strand(f.tid, o.saved)
}
