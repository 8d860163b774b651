package fblas

import (
	"runtime"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Dgemm sets c = a*b for n x n column-major matrices through the dgemm_ at
// fn (a dlsym result).
func Dgemm(fn uintptr, n int, a, b, c []float64) {
	dim := int32(n)
	dgemm(fn, unsafe.Pointer(&dim), a, b, c)
}

// Dgemm64 is Dgemm for a build with 64-bit integers (ILP64, such as
// Debian's libopenblas64, whose dgemm_ reads each dimension as an int64).
func Dgemm64(fn uintptr, n int, a, b, c []float64) {
	dim := int64(n)
	dgemm(fn, unsafe.Pointer(&dim), a, b, c)
}

// dgemm calls dgemm_ with every dimension and leading dimension at dim.
func dgemm(fn uintptr, dim unsafe.Pointer, a, b, c []float64) {
	trans, alpha, beta := byte('N'), 1.0, 0.0
	// Each pointer is converted in the argument list, as unsafe.Pointer's
	// rule for system calls requires.
	purego.SyscallN(fn,
		uintptr(unsafe.Pointer(&trans)), uintptr(unsafe.Pointer(&trans)), uintptr(dim), uintptr(dim), uintptr(dim),
		uintptr(unsafe.Pointer(&alpha)), uintptr(unsafe.Pointer(&a[0])), uintptr(dim),
		uintptr(unsafe.Pointer(&b[0])), uintptr(dim),
		uintptr(unsafe.Pointer(&beta)), uintptr(unsafe.Pointer(&c[0])), uintptr(dim),
		1, 1)
	runtime.KeepAlive(dim)
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	runtime.KeepAlive(c)
}

// Naive returns a*b computed by a triple loop: the reference for Dgemm,
// exact when the entries are small integers.
func Naive(n int, a, b []float64) []float64 {
	c := make([]float64, n*n)
	for j := 0; j < n; j++ {
		for k := 0; k < n; k++ {
			bkj := b[k+j*n]
			for i := 0; i < n; i++ {
				c[i+j*n] += a[i+k*n] * bkj
			}
		}
	}
	return c
}
