//go:build !linux && !darwin

package main

import "io"

// isTerminal is false where blasctl cannot ask: no progress bar there.
func isTerminal(io.Writer) bool { return false }
