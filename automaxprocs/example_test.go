package automaxprocs_test

import (
	"log"

	"github.com/blasctl/blasctl"
	_ "github.com/blasctl/blasctl/automaxprocs"
)

// Importing the package is the whole use: the libraries linked into the
// program are capped at GOMAXPROCS before main runs, and log.Printf says
// what changed.
func Example() {
	libs, err := blasctl.Libraries()
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range libs {
		log.Printf("%s: %d threads", l.InternalAPI, l.NumThreads)
	}
}
