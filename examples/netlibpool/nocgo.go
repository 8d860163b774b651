//go:build !cgo

// Command netlibpool needs cgo: gonum.org/v1/netlib calls OpenBLAS through
// cgo. Build it with CGO_ENABLED=1.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "netlibpool needs cgo (CGO_ENABLED=1) to link OpenBLAS")
	os.Exit(1)
}
