//go:build windows

package cdl

import "golang.org/x/sys/windows"

// ThreadID identifies the calling OS thread: GetCurrentThreadId. Windows
// reuses the id of a thread that ended; ThreadMark tells the two apart.
func ThreadID() int { return int(windows.GetCurrentThreadId()) }
