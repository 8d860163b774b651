// Package blasctl finds the BLAS and OpenMP libraries loaded in the running
// process (OpenBLAS, Intel MKL, libgomp, LLVM libomp, ...) and limits their
// thread pools, for one scope of Go code or for the whole process, without cgo.
//
// The one-line use wraps the BLAS calls of a worker in a single-threaded scope:
//
//	err := blasctl.WithThreads(1, func() { blas64.Gemm(...) })
//
// Limit does the same until a restore call, for main; in tests,
// blasctltest.Pin(t, 1) pins every library until the test ends. In a
// container, LimitToGOMAXPROCS caps every library at GOMAXPROCS, which Go
// sets from the CPU quota, and importing github.com/blasctl/blasctl/automaxprocs
// does it at start-up. From a shell, "blasctl exec -n 1 -- CMD" runs any
// program with every thread environment variable set to 1.
//
// # Where each setting lives
//
// Some libraries keep one thread count for the whole process, others one per
// OS thread. blasctl uses the per-thread control wherever the library has one,
// and holds runtime.LockOSThread from save to restore so that the setting
// covers every call fn makes on its own goroutine. Library.Scope reports which
// applies to each library loaded; the README's table "Where each library keeps
// its count" lists every supported library, the control blasctl uses for it
// and what it was tested against.
//
// Process-wide counts are shared by every goroutine. While scopes overlap, such
// a count is the smallest n among the goroutines' innermost active scopes, and
// when the last scope ends it returns to the value from before the first.
//
// # Pitfalls
//
// Goroutines started inside fn run on other OS threads: only the process-wide
// settings cover them. Wrap their own work in their own scope.
//
// blasctl reads the loader's list of objects and never loads a library itself:
// use it in a process that already loaded its BLAS (through cgo, or dlopen).
// It uses purego, so even a CGO_ENABLED=0 binary is dynamically linked against
// the system C library (glibc on Linux).
package blasctl

import (
	"encoding/json"
)

// Scope says which code a library's thread count applies to.
type Scope string

const (
	// ScopeProcess: one count shared by every thread of the process.
	ScopeProcess Scope = "process"
	// ScopeThread: each OS thread has its own count; a change on one thread
	// does not affect calls made from another.
	ScopeThread Scope = "current_thread"
)

// User APIs, as threadpoolctl names them.
const (
	UserAPIBLAS   = "blas"
	UserAPIOpenMP = "openmp"
)

// Library describes one loaded library that blasctl can control. Its JSON form
// has the keys of threadpoolctl's threadpool_info(), with JSON null for an
// unknown value (an empty string here).
type Library struct {
	// UserAPI is "blas" or "openmp".
	UserAPI string `json:"user_api"`
	// InternalAPI names the implementation: "openblas", "mkl", "openmp", ...
	InternalAPI string `json:"internal_api"`
	// Prefix is the file-name prefix the library was recognised by.
	Prefix string `json:"prefix"`
	// Filepath is the real path of the loaded file, symbolic links resolved.
	Filepath string `json:"filepath"`
	// Version is the library's own version string, or "" when it has none.
	Version string `json:"version"`
	// ThreadingLayer is how the library runs threads ("pthreads", "openmp",
	// "disabled", "gnu", "intel", ...), or "" when not known.
	ThreadingLayer string `json:"threading_layer"`
	// Architecture is the CPU kernel the library chose ("Haswell", ...), or "".
	Architecture string `json:"architecture"`
	// NumThreads is the count that applies to calls made from the OS thread
	// that asked (for per-thread libraries, the caller's own thread).
	NumThreads int `json:"num_threads"`
	// Scope says whether WithThreads limits this library for the whole process
	// or for the calling OS thread only.
	Scope Scope `json:"thread_limit_scope"`
	// ThreadUnsafe is set when the library is not safe to call from two OS
	// threads at once: two calls running together can give wrong results.
	// That is an OpenBLAS built with USE_THREAD=0 and without USE_LOCKING
	// (Debian's libopenblas0-serial), told from the build itself: a
	// single-threaded OpenBLAS counts as safe only when its configuration
	// string names USE_LOCKING (0.3.28 on) or it imports the pthread lock
	// USE_LOCKING adds (Linux, macOS); on Windows before 0.3.28 neither can
	// show, and such a build counts as unsafe. Every other library blasctl
	// knows is safe. Serialize calls into an unsafe library with CallGuard,
	// or build it with USE_LOCKING=1. JSON key thread_unsafe.
	ThreadUnsafe bool `json:"thread_unsafe"`
	// Idle says what the library's worker threads do once a call returns,
	// as far as the library lets blasctl read it at report time: how long
	// they spin before they sleep ("spins 200 ms (blocktime)": LLVM
	// libomp's and Intel libiomp5's blocktime of the calling thread; the
	// pthreads OpenBLAS's and libgomp's spin, fixed at load, the former
	// marked "parkable" where ParkWorkers stops its threads), "as its
	// threading runtime" (OpenMP builds, MKL), "no threads", or "" when
	// unknown. JSON key "idle" (not one of threadpoolctl's), left out when
	// unknown. See IdlePolicy.
	Idle string `json:"idle,omitempty"`
	// FlexiBLAS is set for FlexiBLAS only: its backends, as threadpoolctl
	// reports them (keys current_backend, available_backends, loaded_backends).
	FlexiBLAS *FlexiBLASInfo `json:"-"`
	// Forwarded is set for libblastrampoline only: the libraries it forwards
	// to, key forwarded_libraries. Forwarded.Known is false (JSON null) when
	// blasctl cannot read them for that version.
	Forwarded *ForwardedLibraries `json:"-"`
}

// FlexiBLASInfo is FlexiBLAS's view of its backends when Libraries ran.
type FlexiBLASInfo struct {
	// CurrentBackend is the name of the backend BLAS calls go to.
	CurrentBackend string `json:"current_backend"`
	// AvailableBackends are the backends named in FlexiBLAS's configuration.
	AvailableBackends []string `json:"available_backends"`
	// LoadedBackends are the backends loaded so far, in load order.
	LoadedBackends []string `json:"loaded_backends"`
}

// ForwardedLibraries are the libraries libblastrampoline forwards to.
type ForwardedLibraries struct {
	// Known is false when the configuration layout of this libblastrampoline
	// version is not known to blasctl; Libraries is then nil.
	Known bool
	// Libraries are the forwarded libraries' names, in load order.
	Libraries []string
}

// MarshalJSON writes the threadpoolctl keys, with null for unknown strings,
// and blasctl's own key thread_unsafe (Library.ThreadUnsafe).
func (l Library) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		UserAPI        string  `json:"user_api"`
		InternalAPI    string  `json:"internal_api"`
		Prefix         string  `json:"prefix"`
		Filepath       string  `json:"filepath"`
		Version        *string `json:"version"`
		ThreadingLayer *string `json:"threading_layer"`
		Architecture   *string `json:"architecture"`
		NumThreads     int     `json:"num_threads"`
		Scope          Scope   `json:"thread_limit_scope"`
		ThreadUnsafe   bool    `json:"thread_unsafe"`
		Idle           *string `json:"idle,omitempty"`
		*FlexiBLASInfo
		*forwardedJSON
	}{l.UserAPI, l.InternalAPI, l.Prefix, l.Filepath,
		nullable(l.Version), nullable(l.ThreadingLayer), nullable(l.Architecture),
		l.NumThreads, l.Scope, l.ThreadUnsafe, nullable(l.Idle), l.FlexiBLAS,
		forwarded(l.Forwarded)})
}

// forwardedJSON is the forwarded_libraries key, null when unknown.
type forwardedJSON struct {
	Libraries *[]string `json:"forwarded_libraries"`
}

func forwarded(f *ForwardedLibraries) *forwardedJSON {
	if f == nil {
		return nil
	}
	if !f.Known {
		return &forwardedJSON{}
	}
	libs := append([]string{}, f.Libraries...)
	return &forwardedJSON{&libs}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
