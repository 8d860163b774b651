//go:build (linux && !amd64 && !arm64) || darwin

package cdl

import (
	"sync"

	"github.com/ebitengine/purego"
)

// Call calls the C function fn(a1, a2) through purego (the assembly
// trampoline exists for linux/amd64 and linux/arm64 only). purego.SyscallN's variadic
// arguments escape, so a pooled argument array keeps it from allocating.
func Call(fn, a1, a2 uintptr) uintptr {
	args := ccallArgs.Get().(*[2]uintptr)
	args[0], args[1] = a1, a2
	r, _, _ := purego.SyscallN(fn, args[:]...)
	ccallArgs.Put(args)
	return r
}

var ccallArgs = sync.Pool{New: func() any { return new([2]uintptr) }}
