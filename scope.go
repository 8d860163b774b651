package blasctl

import (
	"bytes"
	"runtime"
	"sync"

	"github.com/blasctl/blasctl/internal/cdl"
)

// goroutineID returns the calling goroutine's id, from the first line of its
// stack trace ("goroutine 18 [running]:"); 0 if it cannot be read.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b, ok := bytes.CutPrefix(b, []byte("goroutine "))
	if !ok {
		return 0
	}
	var id uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

// maxCount is the largest count a C int argument holds.
const maxCount = 1<<31 - 1

// WithThreads runs fn with every detected library limited to n threads and
// then puts every count back. It is Select().WithThreads(n, fn).
func WithThreads(n int, fn func()) error { return all.WithThreads(n, fn) }

// Limit limits every detected library to n threads until restore is called.
// It is Select().Limit(n).
func Limit(n int) (restore func() error, err error) { return all.Limit(n) }

// WithThreads runs fn with the selected libraries limited to n threads.
//
// It saves each library's count, applies n and reads it back on the calling
// OS thread. If a library then runs more than n threads, WithThreads undoes
// every change and returns an error matching ErrNotApplied without running
// fn; fewer than n (a serial build, MKL's dynamic mode) is fine. fn runs with
// its goroutine locked to the OS thread, so per-thread settings hold for
// every BLAS or OpenMP call fn makes on its own goroutine; goroutines that fn
// starts are covered only by the process-wide settings.
//
// On return, also when fn panics, each count is put back to the exact value
// saved and read back; a mismatch returns an error matching ErrNotRestored,
// and a panic is re-raised once everything is restored.
//
// n is an explicit count: a WithFairShare inside fn, on the same goroutine,
// runs with at most n threads (see WithFairShare).
//
// fn must leave its goroutine locked: if it calls runtime.UnlockOSThread
// more often than it locked and the goroutine moves to another OS thread,
// the scope ends there with an error matching ErrThreadChanged. It then
// changes nothing on that thread, puts process-wide counts back as usual,
// and leaves the per-thread counts of the thread it began on at the scope's
// n until blasctl next begins a scope or Limit on that thread, which puts
// back the saved values first.
//
// Each goroutine inside a scope holds an OS thread for as long as it is
// inside, running or blocked: the Go runtime neither shares a locked
// thread nor retires idle ones. runtime/debug.SetMaxThreads counts them:
// 60 goroutines blocked inside scopes run on 64 OS threads, so a
// SetMaxThreads(40) ends such a program ("thread exhaustion"), where the
// same 60 goroutines blocked without blasctl run on 5. Keep blocking work
// (I/O, channel waits, locks) out of fn.
//
// blasctl itself never waits on a lock while the goroutine is locked
// (README, Guarantees), but the lock alone has a price when WithThreads
// runs on unbounded goroutines: a locked goroutine that the scheduler
// preempts, or whose processor is taken while it is in a C call, keeps its
// thread until it runs again, and the runtime starts another. 1000
// goroutines x 200 scopes of a 16x16 dgemm on 2 CPUs ended with 2 to 522
// more OS threads than the same calls without blasctl (a bare
// runtime.LockOSThread around each call: up to 362 more), and up to 24 MB
// more RSS, depending on the library and the run (BENCHMARKS.md, "Many
// goroutines").
// From unbounded goroutines use WithFairShare, which admits GOMAXPROCS
// goroutines at a time, or a bounded worker pool.
//
// Scopes nest (the inner n holds inside, the outer n again after) and may
// run on any number of goroutines at once: a process-wide count is then the
// smallest n among the goroutines' innermost scopes, and it returns to its
// original value when the last scope ends.
//
// n larger than a library can run is not an error: the library runs what it
// can, which is at most n. blasctl caps n, for each library, at the larger of
// runtime.NumCPU() and the count that applied before: more threads than CPUs
// only oversubscribe, OpenBLAS, MKL and the OpenMP runtimes start the threads
// a larger count needs and keep them for the life of the process, and some
// libraries abort when a huge count does not fit in memory. So a scope never
// grows a library's pool beyond the CPU count (or the size it had), and a
// count above the CPU count that was set before blasctl (OMP_NUM_THREADS=8 on
// 2 CPUs) is still allowed. Below that cap a scope can start threads the
// library keeps: with OPENBLAS_NUM_THREADS=1, WithThreads(2) on 2 CPUs leaves
// one more OpenBLAS thread, idle, after its count is back at 1.
//
// Many goroutines calling OpenBLAS at once can abort the process: OpenBLAS
// keeps per-caller buffers in a table of fixed size (twice its MAX_THREADS,
// 128 in Debian's builds; "too many memory regions") and, in its OpenMP
// builds, starts a team of threads for each calling thread. The safe way is a
// bounded worker pool, a few times GOMAXPROCS at most, with each worker's
// BLAS calls inside WithThreads(1, ...): the parallelism is then the pool's,
// and OpenBLAS runs each call on the worker's own thread.
//
// n < 1 returns ErrInvalidCount and a nil fn ErrNilFunc; fn does not run and
// nothing changes. On platforms other than Linux, macOS and Windows it returns
// ErrUnsupported and fn does not run.
func (c *Controller) WithThreads(n int, fn func()) error {
	if n < 1 {
		return invalidCount(n)
	}
	if fn == nil {
		return ErrNilFunc
	}
	return c.scope(min(n, maxCount), false, fn)
}

// Limit limits the selected libraries to n threads until restore is called,
// for the whole process where the library allows it (OpenBLAS, MKL through
// its count for all domains, which MKL_Domain_Set_Num_Threads can unset
// again) and for the calling goroutine's OS thread otherwise (OpenMP, and
// the OpenMP count an OpenMP build of OpenBLAS runs each call with). Inside
// a WithThreads scope, MKL's own count for the calling thread is limited
// too, so that the limit holds there.
// It is meant for main and for tests:
//
//	restore, err := blasctl.Limit(1)
//	defer restore()
//
// The calling goroutine stays locked to its OS thread until restore, which
// must be called on the same goroutine (from another it returns
// ErrWrongGoroutine and changes nothing). restore puts every count back to
// the value saved and reads it back, like the end of a WithThreads scope.
// restore is never nil; calling it again returns nil and does nothing.
// If the goroutine was unlocked in between (runtime.UnlockOSThread called
// once more than it locked) and restore runs on another OS thread, restore
// returns an error matching ErrThreadChanged and treats the threads as
// WithThreads does.
// Limits and scopes combine as scopes do. Until restore, n caps every
// WithFairShare on the same goroutine, as WithThreads(n) does. Errors are
// those of WithThreads.
//
// A limit that is never restored stays in place for good: a later
// WithThreads(2) on a process-wide library still runs with the limit's 1
// (the smallest count wins). If the goroutine ends without calling restore,
// nothing can restore the limit any more: its per-thread settings end with
// its OS thread, its process-wide ones stay, also for scopes on a new thread
// that the C library gave the same pthread_t, and restore called from any
// other goroutine, that one included, returns ErrWrongGoroutine.
func (c *Controller) Limit(n int) (restore func() error, err error) {
	noop := func() error { return nil }
	if n < 1 {
		return noop, invalidCount(n)
	}
	n = min(n, maxCount)
	libs, err := c.libs()
	if err != nil {
		return noop, err
	}
	// counts.mu first, then the thread: a goroutine not locked yet does not
	// wait while locked (one inside a scope or Limit is locked already).
	counts.mu.Lock()
	runtime.LockOSThread()
	f := &frame{tid: cdl.ThreadID(), n: n, libs: libs, limit: true}
	f.ts = threadStateOf(f.tid)
	if err := enterLocked(f); err != nil {
		counts.mu.Unlock()
		runtime.UnlockOSThread()
		return noop, err
	}
	f.ts.depth.Add(1)
	addLimitLocked(f)
	counts.mu.Unlock()
	f.ts.pushLimit(n, f.id) // caps the WithFairShare calls until restore
	// The restore belongs to this goroutine. Its OS thread is no proof: a
	// goroutine that exits locked ends its thread, and the C library hands
	// that thread's pthread_t to a new one. Goroutine ids are never reused.
	owner := goroutineID()
	var (
		mu   sync.Mutex
		done bool
	)
	return func() error {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return nil
		}
		if goroutineID() != owner {
			return ErrWrongGoroutine
		}
		done = true
		defer runtime.UnlockOSThread()
		defer f.ts.depth.Add(-1)
		f.ts.dropLimit(f.id)
		if now := cdl.ThreadID(); now != f.tid {
			return threadChanged(f.tid, now, releaseMoved(f, viaEnter))
		}
		return release(f)
	}, nil
}
