//go:build cgo

package main

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/netlib/blas/netlib"
)

// TestEndToEnd is the whole story on a real program: gonum's BLAS routed to
// OpenBLAS through netlib (linked by cgo, never dlopen-ed), found by blasctl,
// limited to one thread inside each worker's scope, with correct results,
// and back to its count afterwards.
func TestEndToEnd(t *testing.T) {
	blas64.Use(netlib.Implementation{})
	if _, ok := blas64.Implementation().(netlib.Implementation); !ok {
		t.Fatalf("gonum's BLAS is %T, want netlib", blas64.Implementation())
	}

	libs, err := blasctl.Libraries()
	if err != nil {
		t.Fatal(err)
	}
	var ob []blasctl.Library
	for _, l := range libs {
		if l.InternalAPI == "openblas" {
			ob = append(ob, l)
		}
	}
	if len(ob) != 1 || !strings.Contains(ob[0].Filepath, "openblas") || ob[0].Version == "" {
		t.Fatalf("want the linked OpenBLAS among %+v", libs)
	}
	if ob[0].ThreadingLayer != "pthreads" {
		// Debian's default alternative; the checks below read the
		// process-wide count, which only the pthreads build keeps.
		libtest.Missing(t, "libopenblas.so points to the %s build; want pthreads", ob[0].ThreadingLayer)
	}

	const start = 3 // not the CPU count, so that a default cannot pass for restored
	setOpenBLASThreads(start)
	defer setOpenBLASThreads(ob[0].NumThreads)

	rnd := rand.New(rand.NewPCG(3, 4))
	jobs := make([]Job, 24)
	for i := range jobs {
		jobs[i] = Job{A: random(rnd, 48+i), B: random(rnd, 48+i)}
	}

	// Each worker reads OpenBLAS's own count inside its scope.
	var (
		mu   sync.Mutex
		seen []int
	)
	probe := func() {
		mu.Lock()
		seen = append(seen, openblasThreads())
		mu.Unlock()
	}
	out := make([]*mat.Dense, len(jobs))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(jobs); i += 4 {
				var c mat.Dense
				err := blasctl.WithThreads(1, func() {
					probe()
					c.Mul(jobs[i].A, jobs[i].B)
				})
				if err != nil {
					t.Error(err)
				}
				out[i] = &c
			}
		}()
	}
	wg.Wait()
	for _, n := range seen {
		if n != 1 {
			t.Fatalf("inside WithThreads(1), OpenBLAS read %v", seen)
		}
	}
	if len(seen) != len(jobs) {
		t.Fatalf("%d scopes ran, want %d", len(seen), len(jobs))
	}
	for i, j := range jobs {
		checkProduct(t, j, out[i])
	}
	if got := openblasThreads(); got != start {
		t.Errorf("after the scopes OpenBLAS reads %d, want %d", got, start)
	}

	// MultiplyAll, the example's pool, gives the same products.
	pooled, err := MultiplyAll(jobs, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range jobs {
		checkProduct(t, j, pooled[i])
	}
	if got := openblasThreads(); got != start {
		t.Errorf("after MultiplyAll OpenBLAS reads %d, want %d", got, start)
	}
}

// checkProduct compares c with A x B computed by a plain triple loop.
func checkProduct(t *testing.T, j Job, c *mat.Dense) {
	t.Helper()
	n, _ := j.A.Dims()
	if r, k := c.Dims(); r != n || k != n {
		t.Fatalf("product is %dx%d, want %dx%d", r, k, n, n)
	}
	for r := range n {
		for k := range n {
			want := 0.0
			for x := range n {
				want += j.A.At(r, x) * j.B.At(x, k)
			}
			if got := c.At(r, k); math.Abs(got-want) > 1e-9 {
				t.Fatalf("C[%d,%d] = %g, want %g", r, k, got, want)
			}
		}
	}
}
