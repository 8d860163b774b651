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
// The listing and the check run through leaf assembly callbacks that copy
// what is needed into Go memory while the loader lock is held, and never
// call back into Go: on linux/amd64 one callback does both
// (list_linux_amd64.*); on linux/arm64 one does the generation check
// (gen_linux_arm64.*) and the listing goes through one purego callback
// (walk_linux.go), as both do on other architectures. The assembly reads
// every struct offset from go_asm.h. The tests check the callbacks against
// each other and against /proc/self/maps.
package phdr
