//go:build windows && amd64

package winldr

import (
	"unsafe"

	"github.com/blasctl/blasctl/internal/loader"
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

// lockedFrame is the trampoline's argument block, read by
// notify_windows_amd64.s through go_asm.h.
type lockedFrame struct {
	lock, unlock, counts uintptr
	adds, subs           uint64
	status               uintptr
}

var lockedRead = lockedReadPC()

// readLocked takes the loader lock, reads the counters and gives the lock
// back in one C call, so that no Go code runs while the lock is held. It
// reports Uncounted when the lock was not taken.
func readLocked(lock, unlock uintptr) (loader.Generation, loader.Status) {
	f := lockedFrame{lock: lock, unlock: unlock, counts: uintptr(unsafe.Pointer(&counts))}
	runtime_cgocall(lockedRead, unsafe.Pointer(&f))
	if uint32(f.status) != 0 {
		return loader.Generation{}, loader.Uncounted
	}
	return loader.Generation{Adds: f.adds, Subs: f.subs}, loader.Counted
}
