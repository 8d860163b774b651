//go:build windows

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
)

// runProgram starts the program with blasctl's standard streams and returns its
// exit code: Windows cannot run a program in place of another. A Ctrl+C or
// Ctrl+Break reaches every process of the console, the program included, so
// blasctl ignores it and waits for the program to decide.
func runProgram(path string, args, env []string, stderr io.Writer) int {
	cmd := exec.Command(path, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt)
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	fmt.Fprintf(stderr, "blasctl exec: %s: %v\n", path, err)
	return 126
}
