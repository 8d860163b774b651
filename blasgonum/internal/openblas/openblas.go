//go:build cgo

package openblas

// #cgo LDFLAGS: -lopenblas -ldl
// #define _GNU_SOURCE
// #include <dlfcn.h>
// #include <stdlib.h>
// int openblas_get_num_threads(void);
// void openblas_set_num_threads(int);
// int openblas_get_parallel(void);
// static int set_count(const char *name, int n) {
//	void (*f)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, name);
//	if (!f) return 0;
//	f(n);
//	return 1;
// }
// static int omp_max_threads(void) {
//	int (*f)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
//	return f ? f() : -1;
// }
import "C"

import "unsafe"

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

// SetLibraryThreads sets, through the library's own setter, the count the
// calling thread's BLAS calls run with: MKL's or BLIS's when one of them
// is loaded (LD_PRELOAD puts its CBLAS before OpenBLAS's), else the
// thread's OpenMP count in an OpenMP build of OpenBLAS, else OpenBLAS's
// count. It returns the setter's name.
func SetLibraryThreads(n int) string {
	for _, name := range []string{"MKL_Set_Num_Threads", "bli_thread_set_num_threads"} {
		cs := C.CString(name)
		ok := C.set_count(cs, C.int(n)) == 1
		C.free(unsafe.Pointer(cs))
		if ok {
			return name
		}
	}
	if C.openblas_get_parallel() == 2 {
		cs := C.CString("omp_set_num_threads")
		defer C.free(unsafe.Pointer(cs))
		C.set_count(cs, C.int(n))
		return "omp_set_num_threads"
	}
	SetThreads(n)
	return "openblas_set_num_threads"
}
