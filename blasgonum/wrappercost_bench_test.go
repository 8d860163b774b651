package blasgonum

import (
	"fmt"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// BenchmarkWrapperCost is the wrapper's own cost per call: small calls
// through Wrap against the same calls straight to an implementation that
// does nothing, from 1 goroutine and from 1000. The difference is what the
// drop-in adds to a call (the guard check, the thresholds, the gate), free
// of the noise of a library's own time. Run
//
//	go test -run '^$' -bench WrapperCost -count 6
func BenchmarkWrapperCost(b *testing.B) {
	const n = 16
	a, x := make([]float64, 2*n*n), make([]float64, n)
	for _, c := range []struct {
		name string
		call func(impl BLAS)
	}{
		{"Daxpy16", func(impl BLAS) { impl.Daxpy(n, 1, x, 1, x, 1) }},
		{"Ddot16", func(impl BLAS) { impl.Ddot(n, x, 1, x, 1) }},
		{"Dgemv16", func(impl BLAS) { impl.Dgemv(blas.NoTrans, n, n, 1, a, n, x, 1, 0, x, 1) }},
		{"Dgemm16", func(impl BLAS) { impl.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, a, n, 0, a[n*n:], n) }},
	} {
		for _, impl := range []struct {
			name string
			impl BLAS
		}{{"direct", fake{}}, {"wrapped", Wrap(fake{})}} {
			for _, g := range []int{1, 1000} {
				b.Run(fmt.Sprintf("%s/%s/goroutines=%d", c.name, impl.name, g), func(b *testing.B) {
					if g == 1 {
						for b.Loop() {
							c.call(impl.impl)
						}
						return
					}
					b.SetParallelism(max(1, g/runtime.GOMAXPROCS(0)))
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							c.call(impl.impl)
						}
					})
				})
			}
		}
	}
}
