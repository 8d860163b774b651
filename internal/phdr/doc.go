// Package phdr lists the objects the Linux loader has loaded, through glibc's
// dl_iterate_phdr, and reads the loader's load and unload counters.
//
// Its contract:
//   - List returns every loaded object with its name and PT_LOAD address
//     ranges, and the Generation the list belongs to. It never loads code.
//   - Check returns the current Generation, cheaply: blasctl calls it on
//     every public call and lists again only when it moved.
//   - ok is false where glibc does not report the counters; then every
//     caller must list again.
//   - Identify names the object holding a code address by its link_map and
//     the end of its mapping, through glibc's _dl_find_object (2.35 and
//     later), and StartFound begins a cdl.Seq with that lookup, guarding the
//     calls after it on the same identity. The lookup takes no lock, so such
//     a sequence may run with cdl.Seq.RunNoSyscall; StartChecked's
//     dl_iterate_phdr holds the loader lock and may not. linux/amd64 only
//     (find_linux_amd64.go); elsewhere the zero Identity, which starts
//     nothing.
//
// On linux/amd64 both run through a leaf assembly callback that copies what
// is needed into a Go buffer while the loader lock is held
// (list_linux_amd64.*); elsewhere through one purego callback
// (walk_linux.go, list_purego.go). The tests check the two against each
// other and against /proc/self/maps.
package phdr
