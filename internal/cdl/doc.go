// Package cdl calls into C libraries that are already loaded, without cgo.
//
// Its contract, which blasctl's backends rely on:
//   - OpenNoLoad never loads code: it returns a handle to an object that is
//     already mapped (dlopen with RTLD_NOLOAD), or 0. Every handle it returns
//     is given back with Close.
//   - Sym returns the address a handle's lookup finds, or 0; SymDep the
//     address the object sees, its dependencies' definitions included.
//     On linux/amd64 OpenNoLoad, Sym and Close reach dlopen, dlsym and
//     dlclose through Call (dlfast_linux_amd64.go); elsewhere on Linux and
//     on macOS through purego (dlfast_generic.go).
//   - Call and Call0 to Call2 call a C function with integer arguments and
//     return its integer result, without allocating. On linux/amd64 and
//     linux/arm64 they go through one small assembly trampoline and
//     runtime.cgocall (ccall_linux_asm.go, ccall_linux_amd64.s,
//     ccall_linux_arm64.s); elsewhere on Linux and on macOS through purego
//     (ccall_generic.go). Call3 and the calls that pass buffers and strings
//     (CallBuf, CallStr, CallList, CallInts3, CallInts3Str) serve the
//     backends beyond the core and reports, never a scope, and go through
//     purego.
//   - Seq makes a short sequence of calls in one trip into C, optionally
//     stopped after its first call by a guard (seq.go). On linux/amd64 one
//     assembly trampoline makes the whole trip (seq_linux_amd64.s), and
//     RunNoSyscall makes it without runtime.cgocall's system-call
//     bookkeeping, for calls that never wait for a Go thread; elsewhere Run
//     makes one Call per call and RunNoSyscall is Run (seq_generic.go).
//   - ThreadID identifies the calling OS thread (pthread_self); ThreadMark
//     and SetThreadMark keep a value in one thread-specific data slot, which
//     tells one life of a thread from the next one given the same pthread_t
//     (threadid_*.go, threadmark_unix.go). On linux/amd64 ThreadID reads
//     the thread pointer, which is pthread_self's value, without a C call
//     (threadid_linux_amd64.s).
//   - RealPath resolves symbolic links: through C's realpath on
//     linux/amd64 (realpath_linux_amd64.go), elsewhere on Linux and on
//     macOS through filepath.EvalSymlinks (realpath_generic.go).
//   - CString, GoString and Peek read C memory a library returned.
//
// The assembly reads the fields of Seq and of the trampoline's argument
// block by their go_asm.h names, never by hand-written offsets.
//
// On Windows (*_windows.go) OpenNoLoad is GetModuleHandleEx with
// GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT (no load, no reference, so
// Close does nothing), Sym is GetProcAddress (a forwarded export whose
// target module is not loaded is 0: resolving it would load that module),
// SymDep also searches the modules a module imports, calls go through
// syscall.SyscallN, RealPath returns the loader's path as it is, ThreadID
// is the id GetCurrentThreadId returns (read from the TEB on amd64,
// threadid_windows_amd64.s) and thread marks live in a TlsAlloc slot.
//
// On platforms other than Linux, macOS and Windows (stubs_unsupported.go)
// nothing can be opened: OpenNoLoad returns 0 and every call returns zero
// values.
package cdl
