//go:build cgo

package blasgonum

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/blasctl/blasctl/blasgonum/internal/openblas"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// The benchmarks behind the thresholds (minWork2, minWork3, where the
// figures are): what a scope costs, and what OpenBLAS's Dgemv and Dgemm
// cost at each size on 1 thread and on 2. A call is worth a scope when the
// scope is a small part of its time; where 1 and 2 threads take the same
// time, the library runs the call on one thread whatever the count. Run
//
//	go test -run '^$' -bench 'Scope|Threads' -benchtime 3000x -count 6
//
// and take the smallest time of each.

// BenchmarkScope is the cost of the scope alone: a wrapped call to the
// fake (which does nothing) above the thresholds, and below them.
func BenchmarkScope(b *testing.B) {
	w := Wrap(fake{})
	a := make([]float64, 1)
	for _, c := range []struct {
		name string
		n    int
	}{{"scoped", 512}, {"direct", 1}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				w.Dgemm(blas.NoTrans, blas.NoTrans, c.n, c.n, c.n, 1, a, 1, a, 1, 0, a, 1)
			}
		})
	}
}

// threads runs each size of call on OpenBLAS with 1 and 2 threads.
func threads(b *testing.B, sizes []int, call func(n int) func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := openblas.Threads()
	defer openblas.SetThreads(before)
	for _, n := range sizes {
		fn := call(n)
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("n=%d/threads=%d", n, th), func(b *testing.B) {
				openblas.SetThreads(th)
				for b.Loop() {
					fn()
				}
			})
		}
	}
}

func BenchmarkDgemvThreads(b *testing.B) {
	threads(b, []int{32, 64, 96, 128, 192, 256, 384, 512}, func(n int) func() {
		a, x, y := make([]float64, n*n), make([]float64, n), make([]float64, n)
		return func() { netlib.Implementation{}.Dgemv(blas.NoTrans, n, n, 1, a, n, x, 1, 0, y, 1) }
	})
}

func BenchmarkDgemmThreads(b *testing.B) {
	threads(b, []int{8, 16, 24, 32, 48, 64, 96}, func(n int) func() {
		a, c := make([]float64, n*n), make([]float64, n*n)
		return func() { netlib.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, a, n, 0, c, n) }
	})
}
