// Command purego limits OpenBLAS in a program built without cgo: it loads
// the library with purego, calls its dgemm_ and limits it with blasctl.
//
//	CGO_ENABLED=0 go -C examples run ./purego -n 256
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/blasctl/blasctl"
	"github.com/ebitengine/purego"
)

// dgemm is the Fortran BLAS dgemm_: every argument by pointer, plus the
// lengths of the two character arguments.
var dgemm func(transA, transB *byte, m, n, k *int32, alpha, a *float64, lda *int32,
	b *float64, ldb *int32, beta, c *float64, ldc *int32, lenA, lenB uintptr)

func main() {
	lib := flag.String("lib", "libopenblas.so.0", "the BLAS library to load")
	n := flag.Int("n", 128, "matrix size")
	flag.Parse()
	if err := run(os.Stdout, *lib, *n); err != nil {
		log.Fatal(err)
	}
}

// run loads lib, then multiplies two n x n matrices inside WithThreads(1).
func run(w io.Writer, lib string, n int) error {
	h, err := purego.Dlopen(lib, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return fmt.Errorf("load %s: %v (Debian: apt-get install libopenblas0-pthread)", lib, err)
	}
	purego.RegisterLibFunc(&dgemm, h, "dgemm_")

	libs, err := blasctl.Libraries()
	if err != nil {
		return err
	}
	for _, l := range libs {
		fmt.Fprintf(w, "before: %s %s, %d threads\n", l.InternalAPI, l.Version, l.NumThreads)
	}

	a := make([]float64, n*n)
	for i := range a {
		a[i] = float64(i%5) - 2
	}
	c := make([]float64, len(a))
	var inside []blasctl.Library
	err = blasctl.WithThreads(1, func() {
		multiply(n, a, a, c)
		inside, _ = blasctl.Libraries()
	})
	if err != nil {
		return err
	}
	ok := true
	for _, l := range inside {
		fmt.Fprintf(w, "inside WithThreads(1): %s, %d threads\n", l.InternalAPI, l.NumThreads)
		ok = ok && l.NumThreads == 1
	}
	after, _ := blasctl.Libraries()
	for _, l := range after {
		fmt.Fprintf(w, "after: %s, %d threads\n", l.InternalAPI, l.NumThreads)
	}
	sum := 0.0
	for _, v := range c {
		sum += v
	}
	fmt.Fprintf(w, "sum of C = A x A: %g\n", sum)
	if !ok || len(inside) == 0 {
		return fmt.Errorf("a library ran more than one thread inside WithThreads(1)")
	}
	return nil
}

// multiply sets c = a x b for n x n column-major matrices.
func multiply(n int, a, b, c []float64) {
	trans, dim, alpha, beta := byte('N'), int32(n), 1.0, 0.0
	dgemm(&trans, &trans, &dim, &dim, &dim, &alpha, &a[0], &dim, &b[0], &dim, &beta, &c[0], &dim, 1, 1)
}
