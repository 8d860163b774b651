//go:build linux && !amd64

package cdl

// fastThreadID returns 0: only linux/amd64 reads pthread_self's value
// without a C call, so ThreadID calls pthread_self here.
func fastThreadID() uintptr { return 0 }
