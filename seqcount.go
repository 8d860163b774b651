package blasctl

import (
	"runtime"
	"sync/atomic"

	"github.com/blasctl/blasctl/internal/cdl"
)

// seqCount is a process-wide count set through a C sequence: a getter
// int(void) and a setter void(int), one C call each, whose getter also
// reads what applies. Its get, set and read-back then make one cdl.Seq, one
// trip into C (knob.setSeq), which a fast group's first and last member can
// start with a loader check (guardedseq.go). The engine defines it; a
// backend fills one in (the pthreads OpenBLAS, openblas.go) and hands it
// over through its control's sequence method (seqControl). The knob keeps
// it as this type, so that building and reading a sequence makes direct
// calls, no interface call: the warm scope makes one such trip on the way
// in and one on the way out.
type seqCount struct {
	getFn, setFn uintptr
	// peak is the largest count the getter has read. The setter is given
	// at most the larger of peak and the CPU count: a library that starts
	// the threads a count needs and keeps them then never grows its pool
	// beyond what it had, and every value the getter read can be put back.
	peak atomic.Int64
	// obj is the loaded object holding getFn and setFn, as identified when
	// the library was detected (zero where it cannot be, or when they lie
	// in two objects): the last release of a fast group checks that it is
	// still there without the loader's lock (knob.dropGroupSeq).
	obj objectID
}

// seqControl is a control whose count is a seqCount.
type seqControl interface {
	control
	sequence() *seqCount
}

// sequence returns c itself: a control that embeds a seqCount is a
// seqControl.
func (c *seqCount) sequence() *seqCount { return c }

// getCall is the getter's call, for cdl.Seq.Add.
func (c *seqCount) getCall() uintptr { return c.getFn }

// setCall is the setter's call with v, capped (see peak), for cdl.Seq.Add.
func (c *seqCount) setCall(v int) (uintptr, uintptr) {
	return c.setFn, uintptr(min(v, max(runtime.NumCPU(), int(c.peak.Load()))))
}

// got converts what the getter returned to a count, and records it in peak.
func (c *seqCount) got(v uintptr) int {
	n := int(int32(v))
	for p := c.peak.Load(); int64(n) > p && !c.peak.CompareAndSwap(p, int64(n)); p = c.peak.Load() {
	}
	return n
}

// addSet adds to q a read of the value before (when save; first is -1
// otherwise), set(v) and a read-back, and returns the indexes of the reads.
func addSet(q *cdl.Seq, c *seqCount, save bool, v int) (first, last int) {
	first = -1
	if save {
		first = q.Add(c.getCall(), 0)
	}
	q.Add(c.setCall(v))
	return first, q.Add(c.getCall(), 0)
}

// setResults reads what the calls addSet added returned, once q ran: the
// value before (0 without save) and the read-back.
func setResults(q *cdl.Seq, c *seqCount, first, last int) (before, after int) {
	if first >= 0 {
		before = c.got(q.Ret[first])
	}
	return before, c.got(q.Ret[last])
}
