//go:build cgo

package openblas

// #cgo LDFLAGS: -lopenblas -ldl
// #define _GNU_SOURCE
// #include <dlfcn.h>
// int openblas_get_num_threads(void);
// void openblas_set_num_threads(int);
// int openblas_get_parallel(void);
// static int omp_max_threads(void) {
//	int (*f)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
//	return f ? f() : -1;
// }
import "C"

// Threads is openblas_get_num_threads(): the count that applies to calls
// from the calling thread.
func Threads() int { return int(C.openblas_get_num_threads()) }

// SetThreads is openblas_set_num_threads(n).
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// CallThreads is the count a call from the calling thread runs with: the
// thread's OpenMP count (omp_get_max_threads) in an OpenMP build, whose
// openblas_get_num_threads reads what the last call of any thread set, and
// openblas_get_num_threads otherwise.
func CallThreads() int {
	if C.openblas_get_parallel() == 2 {
		return int(C.omp_max_threads())
	}
	return Threads()
}
