package blasctl

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
)

// ErrInvalidBudget is returned by SetFairShareBudget for a budget below 0
// or above GOMAXPROCS; the budget does not change.
var ErrInvalidBudget = errors.New("blasctl: fair-share budget must be 0 (follow GOMAXPROCS) or between 1 and GOMAXPROCS")

// fair is the state every WithFairShare call shares, whatever its
// Controller: the CPUs are the process's. Its fields are atomics and need
// no lock.
var fair struct {
	// callers counts the goroutines inside WithFairShare (a nested call on
	// the same goroutine counts once).
	callers atomic.Int64
	// budget is the budget set by SetFairShareBudget; 0 follows GOMAXPROCS.
	budget atomic.Int64
}

// WithFairShare runs fn with every detected library limited to the calling
// goroutine's share of the CPUs. It is Select().WithFairShare(fn).
func WithFairShare(fn func()) error { return all.WithFairShare(fn) }

// WithFairShare runs fn with the selected libraries limited to the calling
// goroutine's share of the fair-share budget P: max(1, P/k) threads, where k
// is the number of goroutines inside WithFairShare or waiting for admission
// to it (below) when fn starts, this one included. A goroutine alone gets
// all P threads; k goroutines get P/k each, so together they stay near P
// threads instead of k x P. A call keeps the share it started with; the next
// call sees the count of its own moment. P is runtime.GOMAXPROCS(0), or the
// budget set with SetFairShareBudget when that is lower.
//
// It is WithThreads(max(1, P/k), fn), with its guarantees: fn runs locked to
// its OS thread with every count applied and read back, every count is put
// back after fn (also when fn panics; the panic is re-raised), a library
// that keeps more threads than the share stops fn from running
// (ErrNotApplied), and a nil fn returns ErrNilFunc. Per-thread counts
// (OpenMP runtimes, OpenBLAS built with OpenMP, MKL) get exactly the share;
// a process-wide count (OpenBLAS pthreads, BLIS 0.9) is, as for every
// scope, the smallest share among the goroutines inside, so a caller that
// arrives later lowers it for the callers already running.
//
// On the same goroutine, a WithFairShare call is a scope like any other:
//
//   - Nested in another WithFairShare, it does not count its goroutine again:
//     it takes the share for the number of goroutines inside at its own start.
//   - Nested in WithThreads(n), or under Limit(n) (blasctltest.Pin) taken on
//     the same goroutine, it is capped by n: an explicit count wins over the
//     automatic one, so fn runs with min(n, max(1, P/k)) threads. The cap is
//     the innermost explicit n of the goroutine (WithThreads(4) inside
//     Limit(1) caps at 4); the goroutine still counts as one of the k.
//   - WithThreads(n) or Limit(n) inside fn replace the share until they end.
//
// A Limit or scope on another goroutine does not cap the share: it reaches
// this goroutine's calls only through a process-wide count, which is, as
// always, the smallest hold among all goroutines.
//
// Goroutines that fn starts are not counted and run under the process-wide
// counts only, as in WithThreads. As in WithThreads, fn must leave its
// goroutine locked (a scope that ends on another OS thread returns an error
// matching ErrThreadChanged), and each goroutine inside holds an OS thread,
// which runtime/debug.SetMaxThreads counts.
//
// Admission: at most runtime.GOMAXPROCS(0)+6 goroutines run inside
// WithFairShare at once, whatever their Controllers; the others wait before
// their scope starts, with their goroutine not locked to its thread, so that
// unbounded goroutines calling WithFairShare keep a bounded number of OS
// threads (their share would be 1 thread each anyway, and they count among
// the k of the calls that enter meanwhile). The 6 beyond GOMAXPROCS are
// there because a few callers more than CPUs run faster side by side, their
// threads shared by the OS, than waiting in Go. A free place goes to the
// first goroutine that asks, a waiter or a newcomer, and a waiter that has
// waited 2 ms is handed the next. A call nested in a scope or Limit of its
// own goroutine passes straight through: it is locked already. The rule for
// fn: do not make fn wait for a goroutine that is about to call
// WithFairShare (a channel receive from it, a WaitGroup it joins, a lock it
// needs inside its call). That cannot deadlock: after 50 ms in which no
// admitted call has ended and no other waiter has entered anyway, one waiter
// enters anyway, then the next 50 ms later; but each such wait costs 50 ms
// and may start one more OS thread. Calls that do BLAS work end far more
// often than that and never get there: 1000 goroutines x 200 calls of a
// 16x16 dgemm end with no more threads than the same calls without blasctl
// (TestProbeThreadGrowth; BENCHMARKS.md, "Many goroutines"). A goroutine
// that locked itself to its thread before calling waits locked.
func (c *Controller) WithFairShare(fn func()) error {
	if fn == nil {
		return ErrNilFunc
	}
	// A goroutine inside a scope or Limit is locked to its thread already:
	// it passes straight through. Any other waits here, unlocked. InScope
	// reads the thread without locking the goroutine to it: 1000
	// goroutines waiting for admission that each locked and unlocked
	// their thread at every call would keep threads while preempted
	// (TestProbeThreadGrowth's openblas-openmp/fairshare ended with 22 to
	// 469 OS threads instead of 7 or 8 in 4 of 22 runs; in none of 30
	// without).
	if !InScope() && admitEnter() {
		defer admitLeave()
	}
	return c.scope(0, true, fn)
}

// enterFair counts a WithFairShare call on the thread tid, whose state t
// is, and returns its share, capped by the thread's innermost explicit
// count. held says the caller holds counts.mu. The thread's state counts
// the calls active on it (thread id 0, a platform without thread ids,
// where the scope returns ErrUnsupported before fn runs, gets a fresh one:
// goroutines are never merged).
func (t *threadState) enterFair(tid int, held bool) int {
	if t.fairDepth.Add(1) == 1 {
		fair.callers.Add(1)
	}
	n := min(fairShare(fair.callers.Load()+admit.waiting.Load()), maxCount)
	if t.nExplicit.Load() > 0 {
		n = min(n, t.explicitCap(tid, held))
	}
	return n
}

// leaveFair undoes enterFair.
func (t *threadState) leaveFair() {
	if t.fairDepth.Add(-1) == 0 {
		fair.callers.Add(-1)
	}
}

// explicitCap returns the innermost explicit count active on the thread
// tid, whose state t has at least one. A Limit's entry may be left by an
// earlier life of the thread's pthread_t (a goroutine that ended without
// restoring): the Limit's holds are then retired first, as a frame's enter
// does, and its entry with them, under counts.mu (held: the caller holds
// it; otherwise taken here, a wait while locked, on a goroutine that a
// Limit or scope has locked already).
func (t *threadState) explicitCap(tid int, held bool) int {
	if t.explicit[len(t.explicit)-1].limit != 0 {
		if !held {
			counts.mu.Lock()
		}
		retireEnded(tid)
		if !held {
			counts.mu.Unlock()
		}
		if t.nExplicit.Load() == 0 {
			return maxCount
		}
	}
	return t.explicit[len(t.explicit)-1].n
}

// fairShare is the share of k goroutines: max(1, P/k).
func fairShare(k int64) int {
	return max(1, FairShareBudget()/int(max(k, 1)))
}

// FairShareBudget returns the budget P that a WithFairShare call starting
// now divides: runtime.GOMAXPROCS(0), or the budget set with
// SetFairShareBudget when that is lower.
func FairShareBudget() int {
	p := runtime.GOMAXPROCS(0)
	if b := int(fair.budget.Load()); b > 0 && b < p {
		return b
	}
	return p
}

// SetFairShareBudget sets the number of threads WithFairShare divides among
// its callers to p, and returns the budget set before (0 when it followed
// GOMAXPROCS). p = 0 goes back to following runtime.GOMAXPROCS(0), the
// default. A budget is never above GOMAXPROCS: p above runtime.GOMAXPROCS(0)
// or below 0 returns an error matching ErrInvalidBudget and changes nothing,
// and a budget later above a lowered GOMAXPROCS counts as GOMAXPROCS.
//
// Lower the budget to leave CPUs to other work of the process, for example
// half of them to goroutines that do no BLAS:
//
//	prev, err := blasctl.SetFairShareBudget(runtime.GOMAXPROCS(0) / 2)
//
// Calls already inside WithFairShare keep their share.
func SetFairShareBudget(p int) (previous int, err error) {
	if gmp := runtime.GOMAXPROCS(0); p < 0 || p > gmp {
		return int(fair.budget.Load()), fmt.Errorf("%w: got %d, GOMAXPROCS is %d", ErrInvalidBudget, p, gmp)
	}
	return int(fair.budget.Swap(int64(p))), nil
}
