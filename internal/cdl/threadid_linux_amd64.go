//go:build linux && amd64

package cdl

// threadPointer returns the calling thread's x86-64 thread pointer;
// implemented in threadid_linux_amd64.s.
func threadPointer() uintptr

// fastThreadID reads pthread_self's value without a C call; ThreadID uses
// it once its first call found the thread pointer equal to pthread_self.
func fastThreadID() uintptr { return threadPointer() }
