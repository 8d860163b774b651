package cdl

// threadPointer returns the calling thread's x86-64 thread pointer
// (tp_linux_amd64.s).
func threadPointer() uintptr

// fastThreadID reads pthread_self's value without a C call, once
// threadIDInit found the thread pointer equal to it.
func fastThreadID() uintptr { return threadPointer() }
