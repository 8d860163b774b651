//go:build cgo

// Command netlibpool multiplies matrices on a pool of goroutines with gonum,
// its BLAS routed to OpenBLAS through gonum.org/v1/netlib (cgo), and runs
// each worker's products on one BLAS thread with blasctl.WithThreads, so
// that W workers use W threads instead of W x CPUs.
//
//	go -C examples run ./netlibpool -workers 4 -jobs 32 -n 256
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/blasctl/blasctl"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/netlib/blas/netlib"
)

func main() {
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "goroutines multiplying at once")
	jobs := flag.Int("jobs", 16, "products to compute")
	n := flag.Int("n", 128, "matrix size")
	flag.Parse()

	blas64.Use(netlib.Implementation{}) // gonum's BLAS is now OpenBLAS
	libs, err := blasctl.Libraries()
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range libs {
		fmt.Printf("%s %s: %d threads (%s)\n", l.InternalAPI, l.Version, l.NumThreads, l.Filepath)
	}

	in := make([]Job, *jobs)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range in {
		in[i] = Job{A: random(rnd, *n), B: random(rnd, *n)}
	}
	start := time.Now()
	out, err := MultiplyAll(in, *workers)
	if err != nil {
		log.Fatal(err)
	}
	sum := 0.0
	for _, c := range out {
		sum += mat.Sum(c)
	}
	fmt.Printf("%d products of %dx%d on %d workers in %v (checksum %.6g)\n",
		*jobs, *n, *n, *workers, time.Since(start).Round(time.Millisecond), sum)
}

// Job is one product A x B.
type Job struct{ A, B *mat.Dense }

// MultiplyAll computes every product on workers goroutines, each running
// its BLAS calls on a single BLAS thread. out[i] is jobs[i].A x jobs[i].B.
func MultiplyAll(jobs []Job, workers int) (out []*mat.Dense, err error) {
	out = make([]*mat.Dense, len(jobs))
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var c mat.Dense
				if err := blasctl.WithThreads(1, func() { c.Mul(jobs[i].A, jobs[i].B) }); err != nil {
					errs <- err
					for range next { // drain, so the sender finishes
					}
					return
				}
				out[i] = &c
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	return out, <-errs // nil when no worker failed
}

func random(rnd *rand.Rand, n int) *mat.Dense {
	d := make([]float64, n*n)
	for i := range d {
		d[i] = rnd.Float64() - 0.5
	}
	return mat.NewDense(n, n, d)
}
