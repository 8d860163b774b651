package blasctl_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"runtime"
	"sync"

	"github.com/blasctl/blasctl"
)

// multiply stands for any code that calls BLAS: gonum routed to netlib,
// a cgo call, or a function bound with purego.
func multiply() {}

// The libraries a process has loaded, with their counts. A BLAS is loaded by
// whatever uses it (cgo linking, or purego.Dlopen); blasctl never loads one.
func ExampleLibraries() {
	libs, err := blasctl.Libraries()
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range libs {
		fmt.Printf("%s %s (%s): %d threads, scope %s\n",
			l.InternalAPI, l.Version, l.ThreadingLayer, l.NumThreads, l.Scope)
	}
}

// The same report as threadpoolctl's threadpool_info(), as JSON.
func ExampleLibraries_json() {
	libs, err := blasctl.Libraries()
	if err != nil {
		log.Fatal(err)
	}
	if libs == nil {
		libs = []blasctl.Library{}
	}
	json.NewEncoder(os.Stdout).Encode(libs)
}

// A pool of workers, each running its BLAS calls on one thread: W workers
// use W CPUs instead of W times the CPU count.
func ExampleWithThreads() {
	jobs := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if err := blasctl.WithThreads(1, multiply); err != nil {
					log.Print(err)
					continue
				}
				mu.Lock()
				done++
				mu.Unlock()
			}
		}()
	}
	for i := range 8 {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	fmt.Println(done, "products")
	// Output: 8 products
}

// Invalid arguments change nothing and are errors to test with errors.Is.
func ExampleWithThreads_errors() {
	err := blasctl.WithThreads(0, multiply)
	fmt.Println(errors.Is(err, blasctl.ErrInvalidCount))
	fmt.Println(err)
	err = blasctl.WithThreads(1, nil)
	fmt.Println(errors.Is(err, blasctl.ErrNilFunc))
	// Output:
	// true
	// blasctl: thread count must be at least 1, got 0
	// true
}

// A library that cannot be limited, or not put back, is named in a
// *CountError.
func ExampleCountError() {
	err := blasctl.WithThreads(1, multiply)
	var ce *blasctl.CountError
	if errors.As(err, &ce) {
		fmt.Printf("%s (%s): wanted %d threads, got %d\n", ce.Library.InternalAPI, ce.Library.Filepath, ce.Wanted, ce.Got)
	}
}

// Limit for the rest of main, or of a test.
func ExampleLimit() {
	restore, err := blasctl.Limit(2)
	if err != nil {
		log.Fatal(err)
	}
	multiply()
	fmt.Println("restore:", restore())
	// Output: restore: <nil>
}

// Cap every library at GOMAXPROCS, which Go sets from the container's CPU
// quota. Counts already lower stay as they are.
func ExampleLimitToGOMAXPROCS() {
	restore, err := blasctl.LimitToGOMAXPROCS()
	if err != nil {
		log.Fatal(err)
	}
	multiply()
	fmt.Println("restore:", restore())
	// Output: restore: <nil>
}

// Limit only the BLAS libraries, leaving OpenMP runtimes that other code
// uses alone.
func ExampleSelect() {
	blas := blasctl.Select(blasctl.UserAPI(blasctl.UserAPIBLAS))
	if err := blas.WithThreads(1, multiply); err != nil {
		log.Print(err)
	}
	fmt.Println("done")
	// Output: done
}

// Filters match any: this Controller acts on MKL and on GNU OpenMP.
func ExampleSelect_filters() {
	c := blasctl.Select(blasctl.InternalAPI("mkl"), blasctl.Prefix("libgomp"))
	libs, err := c.Libraries()
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range libs {
		fmt.Println(l.Prefix, l.NumThreads)
	}
}

func ExampleUserAPI() {
	openmp := blasctl.Select(blasctl.UserAPI(blasctl.UserAPIOpenMP))
	if err := openmp.WithThreads(1, multiply); err != nil {
		log.Print(err)
	}
	fmt.Println("done")
	// Output: done
}

func ExampleInternalAPI() {
	openblas := blasctl.Select(blasctl.InternalAPI("openblas"))
	restore, err := openblas.Limit(1)
	if err != nil {
		log.Fatal(err)
	}
	multiply()
	fmt.Println("restore:", restore())
	// Output: restore: <nil>
}

func ExamplePrefix() {
	libgomp := blasctl.Select(blasctl.Prefix("libgomp"))
	libs, err := libgomp.Libraries()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(libs), "GNU OpenMP runtimes loaded")
}

func ExampleController_Libraries() {
	libs, err := blasctl.Select(blasctl.UserAPI("blas")).Libraries()
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range libs {
		fmt.Println(l.InternalAPI, l.NumThreads)
	}
}

func ExampleController_WithThreads() {
	mkl := blasctl.Select(blasctl.InternalAPI("mkl"))
	if err := mkl.WithThreads(1, multiply); err != nil {
		log.Print(err)
	}
	fmt.Println("done")
	// Output: done
}

func ExampleController_Limit() {
	blas := blasctl.Select(blasctl.UserAPI("blas"))
	restore, err := blas.Limit(1)
	if err != nil {
		log.Fatal(err)
	}
	multiply()
	fmt.Println("restore:", restore())
	// Output: restore: <nil>
}

// A Library encodes as threadpoolctl's threadpool_info() entry, with null
// for what the library does not say, and blasctl's thread_unsafe.
func ExampleLibrary_MarshalJSON() {
	l := blasctl.Library{
		UserAPI: "openmp", InternalAPI: "openmp", Prefix: "libgomp",
		Filepath: "/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0", ThreadingLayer: "gnu",
		NumThreads: 2, Scope: blasctl.ScopeThread,
	}
	b, _ := json.Marshal(l)
	fmt.Println(string(b))
	// Output:
	// {"user_api":"openmp","internal_api":"openmp","prefix":"libgomp","filepath":"/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0","version":null,"threading_layer":"gnu","architecture":null,"num_threads":2,"thread_limit_scope":"current_thread","thread_unsafe":false}
}

// MixedOpenMP warns about two OpenMP runtimes in one process.
func ExampleMixedOpenMP() {
	libs := []blasctl.Library{
		{UserAPI: "openmp", InternalAPI: "openmp", Prefix: "libgomp", Filepath: "/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0", ThreadingLayer: "gnu"},
		{UserAPI: "blas", InternalAPI: "openblas", Prefix: "libopenblas", Filepath: "/usr/lib/libopenblas.so.0"},
		{UserAPI: "openmp", InternalAPI: "openmp", Prefix: "libomp", Filepath: "/usr/lib/llvm-14/lib/libomp.so.5", ThreadingLayer: "llvm"},
	}
	for _, rt := range blasctl.MixedOpenMP(libs) {
		fmt.Println(rt.ThreadingLayer, rt.Filepath)
	}
	// Output:
	// gnu /usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0
	// llvm /usr/lib/llvm-14/lib/libomp.so.5
}

// A snapshot skips the check for newly loaded libraries: for scopes around
// many short BLAS calls in a hot loop.
func ExampleController_Snapshot() {
	blas, err := blasctl.Select(blasctl.UserAPI("blas")).Snapshot()
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < 1000; i++ {
		_ = blas.WithThreads(1, func() { /* one small BLAS call */ })
	}
}

// Switch every loaded FlexiBLAS to its OpenBLAS backend.
func ExampleSwitchFlexiBLASBackend() {
	err := blasctl.SwitchFlexiBLASBackend("OPENBLAS")
	if errors.Is(err, blasctl.ErrNoFlexiBLAS) {
		fmt.Println("no FlexiBLAS in this process")
	}
	// Output: no FlexiBLAS in this process
}
