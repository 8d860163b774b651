//go:build cgo

package main

// netlib's cgo package calls the CBLAS functions; this line links them
// from OpenBLAS (Debian: libopenblas-dev).

// #cgo LDFLAGS: -lopenblas
// int openblas_get_num_threads(void);
// void openblas_set_num_threads(int);
import "C"

// openblasThreads reads OpenBLAS's count directly, not through blasctl.
func openblasThreads() int { return int(C.openblas_get_num_threads()) }

func setOpenBLASThreads(n int) { C.openblas_set_num_threads(C.int(n)) }
