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
//
// On linux/amd64 both run through a leaf assembly callback that copies what
// is needed into a Go buffer while the loader lock is held
// (list_linux_amd64.*); elsewhere through one purego callback
// (walk_linux.go, list_purego.go). The tests check the two against each
// other and against /proc/self/maps.
package phdr
