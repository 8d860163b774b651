package blasctl

import "runtime"

// LimitToGOMAXPROCS caps every detected library at runtime.GOMAXPROCS(0)
// threads until restore is called. A library whose count is already at or
// below GOMAXPROCS is left alone: the cap never raises a count.
//
// Since Go 1.25, GOMAXPROCS follows the container's CPU quota, while BLAS and
// OpenMP libraries start one thread per host CPU; this brings them in line:
//
//	restore, err := blasctl.LimitToGOMAXPROCS()
//	defer restore()
//
// It is Limit(GOMAXPROCS) applied to the libraries above the cap, with the
// same guarantees: process-wide where the library has a process-wide count
// (OpenBLAS pthreads, MKL), for the calling goroutine's OS thread otherwise
// (OpenMP runtimes, OpenBLAS built with OpenMP); the calling goroutine stays
// locked to its OS thread until restore, which must run on the same
// goroutine. restore is never nil. It covers only the libraries loaded when
// it is called.
func LimitToGOMAXPROCS() (restore func() error, err error) {
	noop := func() error { return nil }
	n := runtime.GOMAXPROCS(0)
	// Read each count on the thread Limit will then lock.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	libs, err := all.libs()
	if err != nil {
		return noop, err
	}
	var over []Filter
	for _, l := range libs {
		if l.limitThreads() > n {
			over = append(over, filepathFilter(l.info.Filepath))
		}
	}
	if len(over) == 0 {
		return noop, nil
	}
	return Select(over...).Limit(n)
}

// filepathFilter selects the library loaded from one file.
func filepathFilter(path string) Filter { return Filter{byFilepath, path} }
