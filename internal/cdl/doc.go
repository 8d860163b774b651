// Package cdl calls into C libraries that are already loaded, without cgo.
//
// Its contract, which blasctl's backends rely on:
//   - OpenNoLoad never loads code: it returns a handle to an object that is
//     already mapped (dlopen with RTLD_NOLOAD), or 0. Every handle it returns
//     is given back with Close.
//   - Sym returns the address a handle's lookup finds, or 0; SymDep the
//     address the object sees, its dependencies' definitions included.
//   - Call0 to Call3 call a C function with integer arguments and return its
//     integer result. On linux/amd64 they go through one small assembly
//     trampoline and runtime.cgocall (files *_linux_amd64.*); elsewhere
//     through purego (files *_purego.go). Neither allocates.
//   - Seq makes a short sequence of calls in one trip into C, optionally
//     stopped after its first call by a guard (seq.go). RunNoSyscall makes
//     the trip without runtime.cgocall's system-call bookkeeping, for calls
//     that never wait for a Go thread (linux/amd64; Run elsewhere).
//   - ThreadID identifies the calling OS thread (pthread_self); ThreadMark
//     and SetThreadMark keep a value in one thread-specific data slot, which
//     tells one life of a thread from the next one given the same pthread_t.
//   - CString, GoString and Peek read C memory a library returned.
//
// On Windows (*_windows.go) OpenNoLoad is GetModuleHandleEx with
// GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT (no load, no reference, so
// Close does nothing), Sym is GetProcAddress (a forwarded export whose
// target module is not loaded is 0: resolving it would load that module),
// SymDep also searches the modules a module imports, calls go through
// syscall.SyscallN, ThreadID is the id GetCurrentThreadId returns (read
// from the TEB on amd64) and thread marks live in a TlsAlloc slot.
//
// On platforms other than Linux, macOS and Windows (unsupported.go) nothing
// can be opened: OpenNoLoad returns 0 and every call returns zero values.
package cdl
