// Package openblas reads OpenBLAS's own thread count for the files
// scripts/gonum-suites.sh adds to gonum's packages (a test file cannot use
// cgo). It links -lopenblas; which build runs is LD_LIBRARY_PATH's choice.
package openblas

// #cgo LDFLAGS: -lopenblas
// int openblas_get_num_threads(void);
import "C"

// Threads is openblas_get_num_threads(): the count that applies to calls
// from the calling OS thread.
func Threads() int { return int(C.openblas_get_num_threads()) }
