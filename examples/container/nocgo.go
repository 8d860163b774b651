//go:build !cgo

// Command container needs cgo to link OpenBLAS, so that it is loaded
// before the maxprocs package's start-up code runs.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "container needs cgo (CGO_ENABLED=1) to link OpenBLAS")
	os.Exit(1)
}
