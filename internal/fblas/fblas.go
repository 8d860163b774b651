package fblas

import (
	"runtime"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Dgemm sets c = a*b for n x n column-major matrices through the dgemm_ at
// fn (a dlsym result).
func Dgemm(fn uintptr, n int, a, b, c []float64) {
	trans, dim, alpha, beta := byte('N'), int32(n), 1.0, 0.0
	purego.SyscallN(fn,
		uintptr(unsafe.Pointer(&trans)), uintptr(unsafe.Pointer(&trans)),
		uintptr(unsafe.Pointer(&dim)), uintptr(unsafe.Pointer(&dim)), uintptr(unsafe.Pointer(&dim)),
		uintptr(unsafe.Pointer(&alpha)), uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&dim)),
		uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&dim)),
		uintptr(unsafe.Pointer(&beta)), uintptr(unsafe.Pointer(&c[0])), uintptr(unsafe.Pointer(&dim)),
		1, 1)
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

// Dgemm64 is Dgemm for a build with 64-bit integers (ILP64, such as
// Debian's libopenblas64, whose dgemm_ reads each dimension as an int64).
func Dgemm64(fn uintptr, n int, a, b, c []float64) {
	trans, dim, alpha, beta := byte('N'), int64(n), 1.0, 0.0
	purego.SyscallN(fn,
		uintptr(unsafe.Pointer(&trans)), uintptr(unsafe.Pointer(&trans)),
		uintptr(unsafe.Pointer(&dim)), uintptr(unsafe.Pointer(&dim)), uintptr(unsafe.Pointer(&dim)),
		uintptr(unsafe.Pointer(&alpha)), uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&dim)),
		uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&dim)),
		uintptr(unsafe.Pointer(&beta)), uintptr(unsafe.Pointer(&c[0])), uintptr(unsafe.Pointer(&dim)),
		1, 1)
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	runtime.KeepAlive(c)
}
