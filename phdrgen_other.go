//go:build linux && !amd64

package blasctl

// Without an assembly callback for this architecture the generation check
// goes through the purego callback.
func phdrGenCallbackPC() uintptr { return 0 }
