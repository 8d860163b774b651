//go:build windows && amd64

package winldr

import (
	"sync/atomic"
	"unsafe"
)

// notifyPC returns the address of the notification callback
// (notify_windows_amd64.s).
func notifyPC() uintptr

// lockedReadPC returns the address of the trampoline that reads the
// counters under the loader lock.
func lockedReadPC() uintptr

//go:linkname runtime_cgocall runtime.cgocall
//go:noescape
func runtime_cgocall(fn uintptr, arg unsafe.Pointer) int32

// lockedFrame is the trampoline's argument block; its layout is fixed by
// notify_windows_amd64.s.
type lockedFrame struct {
	lock, unlock, counts uintptr
	adds, subs           uint64
	status               uintptr
}

var lockedRead = lockedReadPC()

// readLocked takes the loader lock, reads the counters and gives the lock
// back in one C call, so that no Go code runs while the lock is held.
func readLocked(lock, unlock uintptr, adds, _ *atomic.Uint64) (Generation, bool) {
	f := lockedFrame{lock: lock, unlock: unlock, counts: uintptr(unsafe.Pointer(adds))}
	runtime_cgocall(lockedRead, unsafe.Pointer(&f))
	if uint32(f.status) != 0 { // the lock was not taken: read without it
		return Generation{}, false
	}
	return Generation{f.adds, f.subs}, true
}
