//go:build cgo

package blasgonum

import (
	"syscall"
)

// OpenBLAS 0.3.21 (Debian 12) reads before x in complex routines called
// with a negative increment: cblas_zdotc_sub with n = 12 and incX = -3
// reads up to 48 bytes before x. testdata/zdotc_before_x.c puts a
// PROT_NONE page right before x and crashes there, and gets the right
// result with x 48 bytes further: the value read is not used. In a Go
// process only a slice at the very start of the heap (the first arena, at
// 0xc000000000 on linux/amd64 and linux/arm64) has no mapping before it,
// and gonum's conformance tests sometimes get one there (a Zdotc case
// here; Zgemv and Zgbmv cases in an earlier run; more often under the race
// detector or with 8 goroutines), crashing the test binary with a fault inside the BLAS,
// wrapped or not.
//
// init maps 64 KiB of read-only zeros right below the heap so that these
// reads find memory, whatever the layout. It never replaces a mapping
// (MAP_FIXED_NOREPLACE) and does nothing if the place is taken.
func init() {
	const (
		heapStart                 = 0x00c0 << 32
		size                      = 64 << 10
		mapFixedNoReplace         = 0x100000
		addr              uintptr = heapStart - size
	)
	p, _, errno := syscall.Syscall6(syscall.SYS_MMAP, addr, size, syscall.PROT_READ,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|mapFixedNoReplace, ^uintptr(0), 0)
	if errno == 0 && p != addr {
		// A kernel before 4.17 takes the address as a hint only.
		syscall.Syscall(syscall.SYS_MUNMAP, p, size, 0)
	}
}
