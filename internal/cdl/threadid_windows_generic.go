//go:build windows && !amd64

package cdl

import "golang.org/x/sys/windows"

// threadID asks GetCurrentThreadId for the calling thread's id (only amd64
// reads it from the TEB).
func threadID() uint32 { return windows.GetCurrentThreadId() }
