// Package phdr is the Linux loader's side of detection (loader.Seam): it
// lists the objects the loader has loaded, through the C library's
// dl_iterate_phdr, and reads the loader's load and unload counters.
//
// Its contract, as its Loader fulfils it:
//   - List returns every loaded object with its name and PT_LOAD address
//     ranges, and the generation the list belongs to. It never loads code.
//   - Check returns the current generation, cheaply: blasctl calls it on
//     every public call and lists again only when it moved.
//   - The counters mean what the C library counts (counts_linux.go):
//     glibc's count loads and unloads; musl's count every dlopen, so
//     blasctl's own opens are taken away; others are Uncounted, and every
//     caller must list again.
//   - StartChecked begins a cdl.Seq with the generation check and guards
//     the calls after it on the generation a scope was detected at. The
//     check runs dl_iterate_phdr, which holds the loader lock, so the
//     sequence may not run with cdl.Seq.RunNoSyscall. linux/amd64 only
//     (guard_linux_amd64.go), whose trampoline gives a sequence scratch
//     words.
//   - Identify names the object holding a code address by its link_map and
//     the end of its mapping, through glibc's _dl_find_object (2.35 and
//     later), and StartFound begins a cdl.Seq with that lookup, guarding the
//     calls after it on the same identity. The lookup takes no lock, so such
//     a sequence may run with cdl.Seq.RunNoSyscall. linux/amd64 only
//     (find_linux_amd64.go).
//
// Elsewhere (guard_generic.go) the zero Identity starts nothing, and no
// sequence begins with a check.
//
// The listing and the check run through one leaf assembly callback on
// linux/amd64 and linux/arm64 (list_linux_asm.go, list_linux_amd64.s,
// list_linux_arm64.s): while dl_iterate_phdr holds the loader lock it
// copies what is needed into Go memory, on the C stack of the calling
// thread, and never calls back into Go, so no Go code runs under that lock
// and no goroutine holding it can wait for the scheduler. Go decodes the
// copy after the lock is released. The assembly reads every struct offset
// from go_asm.h. On other architectures one purego callback does both
// (walk_linux.go): it is Go code run under the loader lock, kept trivial.
// The tests check the callbacks against each other and against
// /proc/self/maps.
package phdr
