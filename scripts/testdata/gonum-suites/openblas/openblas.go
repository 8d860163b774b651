// Package openblas reads OpenBLAS's own thread counts for the files
// scripts/gonum-suites.sh adds to gonum's packages (a test file cannot use
// cgo). It links -lopenblas; which build runs is LD_LIBRARY_PATH's choice.
package openblas

// #cgo LDFLAGS: -lopenblas -ldl
// #define _GNU_SOURCE
// #include <dlfcn.h>
// int openblas_get_num_threads(void);
// static int omp_threads(void) {
// 	int (*get)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
// 	return get ? get() : -1;
// }
import "C"

// Threads is openblas_get_num_threads(): the library's global count (a
// pthreads build runs every call at it; an OpenMP build resets it from the
// calling thread's OpenMP count on its larger calls).
func Threads() int { return int(C.openblas_get_num_threads()) }

// OMPThreads is omp_get_max_threads() on the calling OS thread, the count
// an OpenMP build runs that thread's calls at, or -1 when no OpenMP runtime
// is loaded (a pthreads build).
func OMPThreads() int { return int(C.omp_threads()) }
