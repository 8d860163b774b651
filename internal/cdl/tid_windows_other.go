//go:build windows && !amd64

package cdl

import "golang.org/x/sys/windows"

func threadID() uint32 { return windows.GetCurrentThreadId() }
