//go:build windows

package libtest

import "os"

// quit stops a hung child: Windows has no SIGQUIT to send another process,
// so the stacks are those the child's own test timeout printed.
func quit(p *os.Process) error { return p.Kill() }
