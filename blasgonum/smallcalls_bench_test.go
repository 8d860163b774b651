//go:build cgo

package blasgonum

import (
	"fmt"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// BenchmarkSmallCalls compares small calls through the drop-in with the
// same calls to netlib unwrapped, from 1 goroutine and from 1000 (500 per
// CPU on 2 CPUs): the gate and the thresholds should keep them within 1.1x.
// Run
//
//	go test -run '^$' -bench SmallCalls -count 6
//
// and compare each wrapped case with its unwrapped one.
func BenchmarkSmallCalls(b *testing.B) {
	const n = 16
	for _, c := range []struct {
		name string
		call func(impl BLAS, a, x []float64)
	}{
		{"Ddot16", func(impl BLAS, a, x []float64) { impl.Ddot(n, x, 1, x, 1) }},
		{"Daxpy16", func(impl BLAS, a, x []float64) { impl.Daxpy(n, 1, x, 1, x, 1) }},
		{"Dgemv16", func(impl BLAS, a, x []float64) { impl.Dgemv(blas.NoTrans, n, n, 1, a, n, x, 1, 0, x, 1) }},
		{"Dgemm16", func(impl BLAS, a, x []float64) {
			impl.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, a, n, 0, a[n*n:], n)
		}},
		{"Dtrsm16", func(impl BLAS, a, x []float64) {
			impl.Dtrsm(blas.Left, blas.Upper, blas.NoTrans, blas.Unit, n, n, 1, a, n, a[n*n:], n)
		}},
		{"Dsyrk16", func(impl BLAS, a, x []float64) {
			impl.Dsyrk(blas.Upper, blas.NoTrans, n, n, 1, a, n, 0, a[n*n:], n)
		}},
	} {
		for _, impl := range []struct {
			name string
			impl BLAS
		}{{"netlib", netlib.Implementation{}}, {"wrapped", Wrap(netlib.Implementation{})}} {
			for _, g := range []int{1, 1000} {
				b.Run(fmt.Sprintf("%s/%s/goroutines=%d", c.name, impl.name, g), func(b *testing.B) {
					if g == 1 {
						a, x := make([]float64, 2*n*n), make([]float64, n)
						for b.Loop() {
							c.call(impl.impl, a, x)
						}
						return
					}
					b.SetParallelism(max(1, g/runtime.GOMAXPROCS(0)))
					b.RunParallel(func(pb *testing.PB) {
						a, x := make([]float64, 2*n*n), make([]float64, n)
						for pb.Next() {
							c.call(impl.impl, a, x)
						}
					})
				})
			}
		}
	}
}
