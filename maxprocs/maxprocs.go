// Package maxprocs, imported for its side effect, caps the thread counts of
// the BLAS and OpenMP libraries loaded at start-up at GOMAXPROCS, and logs
// what it changed with the standard log package:
//
//	import _ "github.com/blasctl/blasctl/maxprocs"
//
// It covers the libraries the program links (through cgo), which the loader
// maps before any Go code runs; a library loaded later with dlopen is not
// covered: call gomaxprocs.Set after loading it instead.
//
// The caps last for the life of the process. Per-thread counts (OpenMP) are
// capped for the main goroutine, which stays locked to the main OS thread.
package maxprocs

import (
	"log"

	"github.com/blasctl/blasctl/gomaxprocs"
)

func init() {
	gomaxprocs.Set(gomaxprocs.Logger(log.Printf)) // errors are logged; nothing to undo
}
