//go:build windows && amd64

package cdl

// threadID reads the calling thread's id from its TEB; implemented in
// threadid_windows_amd64.s.
func threadID() uint32
