package gomaxprocs_test

import (
	"log"

	"github.com/blasctl/blasctl/gomaxprocs"
)

// At the start of main, once the BLAS is loaded: cap it at GOMAXPROCS and
// log what changed.
func ExampleSet() {
	undo, err := gomaxprocs.Set(gomaxprocs.Logger(log.Printf))
	if err != nil {
		log.Print(err)
	}
	defer undo()
	// ... the program ...
}
