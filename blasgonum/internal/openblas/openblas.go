//go:build cgo

package openblas

// #cgo LDFLAGS: -lopenblas
// int openblas_get_num_threads(void);
// void openblas_set_num_threads(int);
import "C"

// Threads is openblas_get_num_threads(): the count that applies to calls
// from the calling thread.
func Threads() int { return int(C.openblas_get_num_threads()) }

// SetThreads is openblas_set_num_threads(n).
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }
