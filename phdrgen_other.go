//go:build linux && !amd64

package blasctl

// Without an assembly callback for this architecture the generation check
// goes through the purego callback.
func phdrGenCallbackPC() uintptr { return 0 }

// phdrListCallbackPC is 0: there is no assembly listing callback either.
func phdrListCallbackPC() uintptr { return 0 }

// listObjectsAsm is not done: listing goes through the purego callback.
func listObjectsAsm() (objs []object, gen generation, ok, done bool) {
	return nil, generation{}, false, false
}
