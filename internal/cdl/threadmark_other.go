//go:build !linux && !darwin && !windows

package cdl

// ThreadMark: no thread marks here.
func ThreadMark() (uintptr, bool) { return 0, false }

// SetThreadMark: no thread marks here.
func SetThreadMark(uintptr) bool { return false }
