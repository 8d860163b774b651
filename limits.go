package blasctl

import "github.com/blasctl/blasctl/internal/cdl"

// A Limit's holds are kept, like every frame's, under the OS thread it was
// taken on (its pthread_t), so that a scope nested on the same goroutine
// replaces it there. A Limit can outlive its goroutine: one that ends
// without restoring ends its locked thread, and the C library then gives a
// new thread the same pthread_t. Scopes on that new thread must not take
// the dead Limit's holds for an outer scope of their own (their
// WithThreads(2) would replace its 1 on a process-wide count, which a Limit
// never restored keeps for good). So each Limit marks the life of its
// thread (cdl.ThreadMark, cleared when the thread ends), and a frame that
// begins on a thread whose Limits carry another mark moves their holds
// aside first: process-wide ones to the knob's retired holds, where they
// stay in force, per-thread ones nowhere, since their count ended with the
// thread.

// markThread returns the mark of the calling thread's life, giving it one
// if it has none; 0 where the C library keeps no thread-specific data.
// Called with counts.mu held.
func markThread() uintptr {
	m, ok := cdl.ThreadMark()
	if !ok || m != 0 {
		return m
	}
	counts.lastMark++
	if !cdl.SetThreadMark(counts.lastMark) {
		return 0
	}
	return counts.lastMark
}

// addLimitLocked records a Limit that entered (outside enter, whose frame must
// not escape: a warm WithThreads makes no allocation).
// Called with counts.mu held.
func addLimitLocked(f *frame) {
	f.mark = markThread()
	if counts.limits == nil {
		counts.limits = map[int][]*frame{}
	}
	counts.limits[f.tid] = append(counts.limits[f.tid], f)
}

// dropLimit forgets a Limit that is being released; called with counts.mu held.
func dropLimit(f *frame) {
	fs := counts.limits[f.tid]
	for i, g := range fs {
		if g == f {
			fs = append(fs[:i], fs[i+1:]...)
			break
		}
	}
	if len(fs) == 0 {
		delete(counts.limits, f.tid)
	} else {
		counts.limits[f.tid] = fs
	}
}

// retireEnded moves aside the holds of Limits taken on an earlier life of
// the thread tid, before a frame on tid's present life begins. Called with
// counts.mu held; costs one C call while tid has a Limit, nothing otherwise.
func retireEnded(tid int) {
	fs := counts.limits[tid]
	if len(fs) == 0 {
		return
	}
	now, ok := cdl.ThreadMark()
	if !ok {
		return // no marks: one life cannot be told from the next
	}
	kept := fs[:0]
	for _, f := range fs {
		if f.mark == now {
			kept = append(kept, f)
			continue
		}
		ts := threadStateOf(tid)
		ts.depth.Add(-1) // that life's frame ended with it
		ts.dropLimit(f.id)
		for _, l := range f.libs {
			for _, k := range l.knobs() {
				k.retire(f)
			}
		}
	}
	if len(kept) == 0 {
		delete(counts.limits, tid)
	} else {
		counts.limits[tid] = kept
	}
}

// knobs lists every knob of l.
func (l *lib) knobs() []*knob {
	ks := append([]*knob(nil), l.procAlso...)
	for _, k := range [2]*knob{l.proc, l.thread} {
		if k != nil {
			ks = append(ks, k)
		}
	}
	return ks
}

// retire takes f's hold off f's thread: a process-wide one moves to the
// knob's retired holds, where it keeps counting for the smallest n and is
// never released; a per-thread one is dropped.
func (k *knob) retire(f *frame) {
	st := k.stacks[f.tid]
	for i, h := range st {
		if h.frame != f.id {
			continue
		}
		k.stacks[f.tid] = append(st[:i], st[i+1:]...)
		if !k.perThread {
			k.retired = append(k.retired, h)
		}
		return
	}
}
