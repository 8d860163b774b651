// Package cdl calls into C libraries that are already loaded, without cgo.
//
// Its contract, which blasctl's backends rely on:
//   - OpenNoLoad never loads code: it returns a handle to an object that is
//     already mapped (dlopen with RTLD_NOLOAD), or 0. Every handle it returns
//     is given back with Close.
//   - Sym returns the address a handle's lookup finds, or 0.
//   - Call0 to Call3 call a C function with integer arguments and return its
//     integer result. On linux/amd64 they go through one small assembly
//     trampoline and runtime.cgocall (files *_linux_amd64.*); elsewhere
//     through purego (files *_purego.go). Neither allocates.
//   - ThreadID identifies the calling OS thread (pthread_self); ThreadMark
//     and SetThreadMark keep a value in one thread-specific data slot, which
//     tells one life of a thread from the next one given the same pthread_t.
//   - CString, GoString and Peek read C memory a library returned.
//
// On platforms other than Linux and macOS (unsupported.go) nothing can be
// opened: OpenNoLoad returns 0 and every call returns zero values.
package cdl
