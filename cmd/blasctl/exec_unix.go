//go:build !windows

package main

import (
	"fmt"
	"io"
	"syscall"
)

// runProgram replaces this process with the program: it gets blasctl's pid, so
// signals sent to it reach the program and its exit status is the one the
// caller sees. It returns only when the program cannot be run (126).
func runProgram(path string, args, env []string, stderr io.Writer) int {
	err := syscall.Exec(path, args, env)
	fmt.Fprintf(stderr, "blasctl exec: %s: %v\n", path, err)
	return 126
}
