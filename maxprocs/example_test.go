package maxprocs_test

import (
	"log"

	"github.com/blasctl/blasctl/maxprocs"
)

// At the start of main, once the BLAS is loaded: cap it at GOMAXPROCS and
// log what changed.
func ExampleSet() {
	undo, err := maxprocs.Set(maxprocs.Logger(log.Printf))
	if err != nil {
		log.Print(err)
	}
	defer undo()
	// ... the program ...
}
