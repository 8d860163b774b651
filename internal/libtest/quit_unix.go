//go:build !windows

package libtest

import (
	"os"
	"syscall"
)

// quit asks a hung child for its goroutines' stacks: on SIGQUIT the Go
// runtime prints them and exits.
func quit(p *os.Process) error { return p.Signal(syscall.SIGQUIT) }
