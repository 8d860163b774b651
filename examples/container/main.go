//go:build cgo

// Command container shows the GOMAXPROCS default for containers: importing
// github.com/blasctl/blasctl/automaxprocs caps the OpenBLAS this program links
// at GOMAXPROCS before main runs, and logs what it changed. Go sets
// GOMAXPROCS from the container's CPU quota; to try it outside one:
//
//	GOMAXPROCS=1 go -C examples run ./container
package main

import (
	"fmt"
	"log"
	"runtime"

	"github.com/blasctl/blasctl"
	_ "github.com/blasctl/blasctl/automaxprocs"
)

// #cgo LDFLAGS: -lopenblas
// int openblas_get_num_threads(void);
import "C"

// openblasThreads reads OpenBLAS's count directly, not through blasctl.
func openblasThreads() int { return int(C.openblas_get_num_threads()) }

func main() {
	libs, err := blasctl.Libraries()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("GOMAXPROCS=%d, %d CPUs\n", runtime.GOMAXPROCS(0), runtime.NumCPU())
	for _, l := range libs {
		fmt.Printf("%s: %d threads\n", l.InternalAPI, l.NumThreads)
	}
}
