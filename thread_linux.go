//go:build linux

package blasctl

import "golang.org/x/sys/unix"

// threadID identifies the calling OS thread.
func threadID() int { return unix.Gettid() }
