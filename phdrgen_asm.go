//go:build linux && amd64

package blasctl

// phdrGenCallback is the assembly dl_iterate_phdr callback of the
// generation check (phdrgen_*.s). It is never called from Go.
//
//lint:ignore U1000 called by the C loader through phdrGenCallbackPC
func phdrGenCallback()

// phdrGenCallbackPC returns phdrGenCallback's code address, for C to call.
func phdrGenCallbackPC() uintptr
