// Package maxprocs caps the thread counts of the BLAS and OpenMP libraries
// loaded in the process at GOMAXPROCS, and says what it changed.
//
// Since Go 1.25, GOMAXPROCS follows the container's CPU quota; BLAS and OpenMP
// libraries do not and start one thread per host CPU. Call Set once the
// libraries are loaded (at the start of main for a BLAS linked through cgo):
//
//	undo, err := maxprocs.Set(maxprocs.Logger(log.Printf))
//	defer undo()
//
// To do it at start-up with no code, import the side-effect package
// github.com/blasctl/blasctl/automaxprocs instead.
package maxprocs

import (
	"fmt"
	"runtime"

	"github.com/blasctl/blasctl"
)

// Option configures Set.
type Option interface{ apply(*config) }

type config struct {
	printf func(format string, args ...any)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Logger makes Set report, through printf, each library it capped and what
// it left alone. log.Printf fits. By default Set logs nothing.
func Logger(printf func(format string, args ...any)) Option {
	return optionFunc(func(c *config) { c.printf = printf })
}

// Set caps every loaded BLAS and OpenMP library at runtime.GOMAXPROCS(0)
// threads, with blasctl.LimitToGOMAXPROCS: a count already at or below
// GOMAXPROCS is left alone. Process-wide counts (OpenBLAS pthreads, MKL) are
// capped for the whole process; per-thread counts (OpenMP) for the calling
// goroutine's OS thread, to which the goroutine stays locked until undo.
//
// undo puts every count back; call it on the goroutine that called Set. It
// is never nil, and does nothing when Set changed nothing or failed. A
// failure to restore is reported through the Logger.
func Set(opts ...Option) (undo func(), err error) {
	cfg := config{printf: func(string, ...any) {}}
	for _, o := range opts {
		o.apply(&cfg)
	}
	noop := func() {}
	n := runtime.GOMAXPROCS(0)

	// Read before and after on the thread the per-thread caps apply to.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, err := blasctl.Libraries()
	if err != nil {
		cfg.printf("blasctl: cannot cap BLAS threads at GOMAXPROCS=%d: %v", n, err)
		return noop, err
	}
	restore, err := blasctl.LimitToGOMAXPROCS()
	if err != nil {
		cfg.printf("blasctl: cannot cap BLAS threads at GOMAXPROCS=%d: %v", n, err)
		return noop, err
	}
	after, _ := blasctl.Libraries()
	changed := 0
	for _, b := range before {
		for _, a := range after {
			if a.Filepath == b.Filepath && a.InternalAPI == b.InternalAPI && a.NumThreads != b.NumThreads {
				cfg.printf("blasctl: %s threads %d -> %d to match GOMAXPROCS=%d", describe(a), b.NumThreads, a.NumThreads, n)
				changed++
			}
		}
	}
	switch {
	case len(before) == 0:
		cfg.printf("blasctl: no BLAS or OpenMP library loaded; nothing to cap at GOMAXPROCS=%d", n)
	case changed == 0:
		cfg.printf("blasctl: every loaded library runs at most GOMAXPROCS=%d threads; nothing changed", n)
	}
	if changed == 0 {
		// Nothing to undo: release the lock LimitToGOMAXPROCS took, if any.
		if err := restore(); err != nil {
			cfg.printf("blasctl: %v", err)
		}
		return noop, nil
	}
	return func() {
		if err := restore(); err != nil {
			cfg.printf("blasctl: restoring the BLAS thread counts: %v", err)
			return
		}
		cfg.printf("blasctl: BLAS thread counts restored")
	}, nil
}

func describe(l blasctl.Library) string {
	return fmt.Sprintf("%s (%s)", l.InternalAPI, l.Filepath)
}
