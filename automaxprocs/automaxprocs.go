// Package automaxprocs, imported for its side effect, caps the thread counts of
// the BLAS and OpenMP libraries loaded at start-up at GOMAXPROCS, and logs
// what it changed with the standard log package:
//
//	import _ "github.com/blasctl/blasctl/automaxprocs"
//
// It covers the libraries the program links (through cgo), which the loader
// maps before any Go code runs; a library loaded later with dlopen is not
// covered: call maxprocs.Set after loading it instead.
//
// The caps last for the life of the process. Per-thread counts (OpenMP) are
// capped for the main goroutine, which stays locked to the main OS thread.
package automaxprocs

import (
	"log"

	"github.com/blasctl/blasctl/maxprocs"
)

func init() {
	maxprocs.Set(maxprocs.Logger(log.Printf)) // errors are logged; nothing to undo
}
