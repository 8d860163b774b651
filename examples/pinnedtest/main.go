// Command pinnedtest is a tiny program whose test pins the BLAS thread count
// with blasctltest.Pin; see main_test.go. The program itself reports the
// libraries it finds after loading OpenBLAS.
//
//	go -C examples test ./pinnedtest
package main

import (
	"fmt"
	"log"

	"github.com/blasctl/blasctl"
	"github.com/ebitengine/purego"
)

// loadOpenBLAS loads OpenBLAS into the process and returns its handle.
func loadOpenBLAS() (uintptr, error) {
	return purego.Dlopen("libopenblas.so.0", purego.RTLD_NOW|purego.RTLD_GLOBAL)
}

func main() {
	if _, err := loadOpenBLAS(); err != nil {
		log.Fatal(err)
	}
	libs, err := blasctl.Libraries()
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range libs {
		fmt.Printf("%s: %d threads\n", l.InternalAPI, l.NumThreads)
	}
}
