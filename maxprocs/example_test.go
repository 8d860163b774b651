package maxprocs_test

import (
	"fmt"

	_ "github.com/blasctl/blasctl/maxprocs"
)

// Importing the package is the whole use: the libraries linked into the
// program are capped at GOMAXPROCS before main runs, and log.Printf says
// what changed.
func Example() {
	fmt.Println("BLAS thread counts capped at GOMAXPROCS")
	// Output: BLAS thread counts capped at GOMAXPROCS
}
