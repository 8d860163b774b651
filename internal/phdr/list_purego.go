//go:build linux && !amd64

package phdr

// phdrListCallbackPC is 0: there is no assembly listing callback for this
// architecture, so listing goes through purego's (a first call and a
// rescan, never a warm scope).
func phdrListCallbackPC() uintptr { return 0 }

// listObjectsAsm is not done: listing goes through the purego callback.
func listObjectsAsm() (objs []Object, gen Generation, ok, done bool) {
	return nil, Generation{}, false, false
}
